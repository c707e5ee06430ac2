import type { JsonSchema } from "./vendors.js";

/** Durations in the config: "500ms", "30s", "5m", "1h", "1d", "1h30m", or a number of seconds. */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
/** Largest first: "1h30m" reads naturally, "30m1h" or "5m5m" is more likely a mistake than intent. */
const UNIT_ORDER: readonly Unit[] = ["d", "h", "m", "s", "ms"];

const NUMBER = String.raw`\d+(?:\.\d+)?`;
const PART = new RegExp(String.raw`(${NUMBER})\s*(ms|d|h|m|s)`, "y");

/**
 * The same grammar as `parseDuration`, for the JSON schema so editors flag bad durations too.
 * Units in descending order, each at most once, optional blanks between parts.
 */
export const DURATION_PATTERN =
  String.raw`^\s*(?:${NUMBER}|(?=\d)` +
  UNIT_ORDER.map((u) => String.raw`(?:${NUMBER}\s*${u}(?![a-z])\s*)?`).join("") +
  String.raw`)\s*$`;

export const DURATION_HINT = 'a duration like "500ms", "30s", "5m", "1h30m", "1d" or a number of seconds';

export class DurationError extends Error {
  override name = "DurationError";
}

/** Parses a duration into milliseconds (rounded); a number, or a numeric string, is seconds. */
export function parseDuration(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0) throw new DurationError(`must be ${DURATION_HINT} (got ${input})`);
    return Math.round(input * 1000);
  }
  const text = input.trim();
  if (new RegExp(`^${NUMBER}$`).test(text)) return Math.round(Number(text) * 1000);
  const bad = (): DurationError => new DurationError(`must be ${DURATION_HINT} (got ${JSON.stringify(input)})`);
  if (text === "") throw bad();
  let total = 0;
  let lastRank = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null) throw bad();
    const unit = match[2] as Unit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastRank) {
      throw new DurationError(`units must go from largest to smallest, each once, like "1h30m" (got ${JSON.stringify(input)})`);
    }
    lastRank = rank;
    total += Number(match[1]) * UNIT_MS[unit];
    while (text[PART.lastIndex] === " " || text[PART.lastIndex] === "\t") PART.lastIndex++;
  }
  return Math.round(total);
}

/** 5_400_000 → "1h30m": the inverse of `parseDuration` for defaults shown to users. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const unit of UNIT_ORDER) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return out;
}

/**
 * The one JSON schema of a duration key, for the core and every vendor: the pattern for text,
 * no negative numbers. Inline rather than a `$ref`: in draft-07 editors ignore a `$ref`'s sibling
 * description and default.
 */
export function durationSchema(description: string, defaultValue?: string): JsonSchema {
  const schema: JsonSchema = {
    type: ["string", "number"],
    pattern: DURATION_PATTERN,
    patternErrorMessage: `must be ${DURATION_HINT}`,
    // Zero passes here so the loader can say what the floor really is (interval: 1s).
    minimum: 0,
    description,
  };
  if (defaultValue !== undefined) schema.default = defaultValue;
  return schema;
}
