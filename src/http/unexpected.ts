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

/**
 * A response body as JSON, or an error naming the request; `quote` false says only how long the
 * body was, for answers that may be large or carry data not fit for a log.
 */
export function parseJson(what: string, text: string, quote = true): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UnexpectedResponseError(what, "JSON", quote ? text : `(${text.length} characters that are not JSON)`);
  }
}
