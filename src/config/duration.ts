import type { JsonSchema } from "./vendors.js";
import { DURATION_HINT, DURATION_PATTERN } from "../duration.js";

/** Durations in the config: the grammar lives in the leaf src/duration.ts, the JSON schema here. */
export { DURATION_HINT, DURATION_PATTERN, DurationError, formatDuration, parseDuration } from "../duration.js";

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
