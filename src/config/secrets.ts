import { findVendor, type Vendors } from "./vendors.js";
import type { Config } from "./types.js";
import { formatPath } from "./yaml-path.js";

export const REDACTED = "***";

export interface SecretEntry {
  /** YAML path of the key holding the secret. */
  path: string;
  value: string;
}

/** The password part of `mqtt://user:pass@host`, as written and decoded: either may reach a log. */
function urlPasswords(url: string | undefined): string[] {
  if (url === undefined || !URL.canParse(url)) return [];
  const { password } = new URL(url);
  if (password === "") return [];
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // A malformed escape stays as written.
  }
  return decoded === password ? [password] : [password, decoded];
}

/** Every secret in the config with where it is; empty values are no secret worth scrubbing. */
export function secretEntries(config: Config, vendors: Vendors): SecretEntry[] {
  const entries: SecretEntry[] = [];
  const add = (path: string, value: unknown): void => {
    if ((typeof value === "string" && value !== "") || typeof value === "number") entries.push({ path, value: String(value) });
  };
  add("mqtt.password", config.mqtt.password);
  for (const value of urlPasswords(config.mqtt.url)) add("mqtt.url", value);
  add("broker.password", config.broker.password);
  config.sources.forEach((source, index) => {
    for (const key of findVendor(vendors, source.type)?.secretKeys ?? []) add(formatPath(["sources", index, ...key.split(".")]), nested(source, key));
  });
  return entries;
}

/** For log scrubbing: every secret value, once. */
export function secretValues(config: Config, vendors: Vendors): string[] {
  return [...new Set(secretEntries(config, vendors).map((e) => e.value))];
}

/** A deep copy safe to print (`discover`, debug output): secrets replaced by "***". */
export function redactConfig(config: Config, vendors: Vendors): Config {
  const copy = structuredClone(config);
  if (copy.mqtt.password !== undefined) copy.mqtt.password = REDACTED;
  if (copy.broker.password !== undefined) copy.broker.password = REDACTED;
  if (copy.mqtt.url !== undefined && urlPasswords(copy.mqtt.url).length > 0) {
    const url = new URL(copy.mqtt.url);
    url.password = REDACTED;
    copy.mqtt.url = url.toString();
  }
  for (const source of copy.sources) {
    for (const key of findVendor(vendors, source.type)?.secretKeys ?? []) {
      const parts = key.split(".");
      const last = parts.pop() as string;
      const holder = parts.length === 0 ? source : nested(source, parts.join("."));
      if (isObject(holder) && holder[last] !== undefined) holder[last] = REDACTED;
    }
  }
  return copy;
}

/** A secret key may name a nested value: `events.password`. */
function nested(source: Record<string, unknown>, path: string): unknown {
  let node: unknown = source;
  for (const part of path.split(".")) node = isObject(node) ? node[part] : undefined;
  return node;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
