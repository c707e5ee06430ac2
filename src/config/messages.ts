import type { ErrorObject } from "ajv";
import type { ConfigProblem } from "./problems.js";
import { FORMAT_MESSAGES } from "./formats.js";
import { closest } from "./suggest.js";
import type { Vendors } from "./vendors.js";
import { formatPath, pointerToSegments, type PathSegment } from "./yaml-path.js";

/** What messages need of the vendors: their type names, and the keys whose values never appear (validation output ends up in logs). */
interface Vocabulary {
  types: readonly string[];
  secretKeys: ReadonlySet<string>;
}

function vocabulary(vendors: Vendors): Vocabulary {
  return {
    types: vendors.map((v) => v.type),
    secretKeys: new Set(["password", ...vendors.flatMap((v) => v.secretKeys.map((k) => k.split(".").pop() ?? k))]),
  };
}

function param(error: ErrorObject, name: string): unknown {
  return (error.params as Record<string, unknown>)[name];
}

function schemaObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** What the user wrote, short and safe to print. */
function describeValue(vocab: Vocabulary, value: unknown, key?: PathSegment): string {
  if (typeof key === "string" && vocab.secretKeys.has(key) && typeof value === "string") return "a hidden value";
  if (value === null || value === undefined) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  object: "a mapping of keys",
  array: "a list",
  null: "empty",
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : [String(type)];
  return types.map((t) => TYPE_WORDS[t] ?? t).join(" or ");
}

function listWords(words: readonly string[], conjunction: "and" | "or"): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} ${conjunction} ${words[words.length - 1]}`;
}

function isSourceTypePath(segments: readonly PathSegment[]): boolean {
  return segments.length === 3 && segments[0] === "sources" && typeof segments[1] === "number" && segments[2] === "type";
}

function sourceTypeMessage(vocab: Vocabulary, value: unknown): string {
  const supported = vocab.types;
  const guess = typeof value === "string" ? closest(value, supported) : undefined;
  const hint = guess === undefined ? "" : `; did you mean "${guess}"?`;
  return `must be one of ${supported.join(", ")} (got ${describeValue(vocab, value)})${hint}`;
}

type Translated = { segments: PathSegment[]; message: string };

function translateOne(vocab: Vocabulary, error: ErrorObject, segments: PathSegment[]): Translated {
  const key = segments[segments.length - 1];
  const got = (): string => `(got ${describeValue(vocab, error.data, key)})`;
  const parent = schemaObject(error.parentSchema);
  switch (error.keyword) {
    case "required": {
      const missing = String(param(error, "missingProperty"));
      const path = [...segments, missing];
      const extra = isSourceTypePath(path) ? ` (one of: ${vocab.types.join(", ")})` : "";
      // A key may say why it has no default (schema keyword `requiredMessage`).
      const why = schemaObject(schemaObject(parent.properties)[missing]).requiredMessage;
      return { segments: path, message: `is required${extra}${typeof why === "string" ? `: ${why}` : ""}` };
    }
    case "additionalProperties": {
      const unknown = String(param(error, "additionalProperty"));
      const guess = closest(unknown, Object.keys(schemaObject(parent.properties)));
      return { segments: [...segments, unknown], message: guess === undefined ? "unknown key" : `unknown key (did you mean "${guess}"?)` };
    }
    case "type":
      return { segments, message: `must be ${typeWords(param(error, "type"))} ${got()}` };
    case "enum": {
      if (isSourceTypePath(segments)) return { segments, message: sourceTypeMessage(vocab, error.data) };
      const allowed = (param(error, "allowedValues") as unknown[]).map((v) => JSON.stringify(v).replace(/^"(.*)"$/, "$1"));
      return { segments, message: `must be one of ${allowed.join(", ")} ${got()}` };
    }
    case "const":
      return { segments, message: `must be ${JSON.stringify(param(error, "allowedValue"))} ${got()}` };
    case "pattern": {
      const custom = parent.patternErrorMessage;
      const text = typeof custom === "string" ? custom : `must match ${String(param(error, "pattern"))}`;
      return { segments, message: `${text} ${got()}` };
    }
    case "format": {
      const format = String(param(error, "format"));
      return { segments, message: `${FORMAT_MESSAGES[format] ?? `must be a valid ${format}`} ${got()}` };
    }
    case "minLength": {
      const limit = Number(param(error, "limit"));
      return { segments, message: limit === 1 ? "must not be empty" : `must be at least ${limit} characters long` };
    }
    case "maxLength":
      return { segments, message: `must be at most ${String(param(error, "limit"))} characters long` };
    case "minimum":
      return { segments, message: `must be at least ${String(param(error, "limit"))} ${got()}` };
    case "maximum":
      return { segments, message: `must be at most ${String(param(error, "limit"))} ${got()}` };
    case "exclusiveMinimum":
      return { segments, message: `must be more than ${String(param(error, "limit"))} ${got()}` };
    case "exclusiveMaximum":
      return { segments, message: `must be less than ${String(param(error, "limit"))} ${got()}` };
    case "minItems": {
      const limit = Number(param(error, "limit"));
      return { segments, message: `must have at least ${limit} ${limit === 1 ? "entry" : "entries"}` };
    }
    case "maxItems":
      return { segments, message: `must have at most ${String(param(error, "limit"))} entries` };
    case "uniqueItems": {
      const [first, second] = [Number(param(error, "i")), Number(param(error, "j"))].sort((a, b) => a - b);
      return { segments, message: `must not repeat a value (entries ${first} and ${second} are the same)` };
    }
    case "multipleOf":
      return { segments, message: `must be a multiple of ${String(param(error, "multipleOf"))} ${got()}` };
    default:
      return { segments, message: error.message ?? `fails ${error.keyword}` };
  }
}

function isInside(inner: ErrorObject, outer: ErrorObject): boolean {
  const samePlace = inner.instancePath === outer.instancePath || inner.instancePath.startsWith(`${outer.instancePath}/`);
  return samePlace && inner.schemaPath.startsWith(`${outer.schemaPath}/`);
}

/** One alternative of an `anyOf`, in words: `username and password` for a plain `required`. */
function describeBranch(vocab: Vocabulary, branch: unknown, errorsInside: ErrorObject[], data: unknown): string {
  const schema = schemaObject(branch);
  const required = schema.required;
  if (Array.isArray(required) && Object.keys(schema).every((k) => k === "required" || k === "description")) {
    return listWords(required.map(String), "and");
  }
  const messages = errorsInside.map((e) => {
    const t = translateOne(vocab, e, pointerToSegments(e.instancePath, data));
    return `${formatPath(t.segments)}: ${t.message}`;
  });
  return messages.length > 0 ? messages.join(" and ") : JSON.stringify(branch);
}

function translateAlternatives(vocab: Vocabulary, error: ErrorObject, all: readonly ErrorObject[], data: unknown, segments: PathSegment[]): Translated {
  const branches = Array.isArray(error.schema) ? error.schema : [];
  const words = branches.map((branch, index) => {
    const inside = all.filter((e) => e !== error && e.schemaPath.startsWith(`${error.schemaPath}/${index}/`) && isInside(e, error));
    return describeBranch(vocab, branch, inside, data);
  });
  if (error.keyword === "oneOf" && param(error, "passingSchemas") !== null) {
    return { segments, message: `must match only one of: ${words.join("; ")}` };
  }
  const message = words.length === 2 ? `needs either ${words[0]}, or ${words[1]}` : `needs one of: ${words.join("; or ")}`;
  return { segments, message };
}

/**
 * Ajv errors → messages a user can act on, each at its YAML path. The `if` of each source type
 * and the branches of an `anyOf` are noise on their own: the `then` errors and the `anyOf`
 * summary say it all.
 */
export function translateAjvErrors(errors: readonly ErrorObject[], data: unknown, vendors: Vendors): ConfigProblem[] {
  const vocab = vocabulary(vendors);
  const alternatives = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
  const problems: ConfigProblem[] = [];
  for (const error of errors) {
    if (error.keyword === "if") continue;
    if (alternatives.some((alt) => alt !== error && isInside(error, alt))) continue;
    const segments = pointerToSegments(error.instancePath, data);
    const translated =
      error.keyword === "anyOf" || error.keyword === "oneOf"
        ? translateAlternatives(vocab, error, errors, data, segments)
        : translateOne(vocab, error, segments);
    const path = formatPath(translated.segments);
    problems.push({ path, message: path === "" ? `the file ${translated.message}` : translated.message });
  }
  return problems;
}
