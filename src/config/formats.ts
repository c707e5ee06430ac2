import type { Ajv } from "ajv";

/** `format: "uri"` in vendor schemas names an HTTP API endpoint: a WHATWG URL with http or https. */
export function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  uri: "must be an http:// or https:// URL",
  uuid: "must be a UUID",
  hostname: "must be a host name",
};

/** The few formats vendor schemas use; ajv-formats is not a dependency. */
export function addFormats(ajv: Ajv): void {
  ajv.addFormat("uri", { type: "string", validate: isHttpUrl });
  ajv.addFormat("uuid", UUID);
  ajv.addFormat("hostname", HOSTNAME);
}
