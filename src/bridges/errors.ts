import { quote } from "../log.js";

/** A vendor answered with a body of an unexpected shape: names the request and what was expected. */
export class UnexpectedResponseError extends Error {
  constructor(what: string, expected: string, got: unknown) {
    super(`unexpected response from ${what}: expected ${expected}, got ${describe(got)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return `an object with keys ${Object.keys(value).slice(0, 5).join(", ") || "(none)"}`;
  if (typeof value === "string") return `text ${JSON.stringify(quote(value, 60))}`;
  return typeof value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
