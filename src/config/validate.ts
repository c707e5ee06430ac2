import { Ajv, type ValidateFunction } from "ajv";
import { addFormats } from "./formats.js";
import { translateAjvErrors } from "./messages.js";
import type { ConfigProblem } from "./problems.js";
import { buildConfigSchema } from "./schema.js";
import type { Vendors } from "./vendors.js";

export function createAjv(extra: { useDefaults?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    ...extra,
    allErrors: true,
    // Values from ${ENV} are strings: `port: ${PORT}` must still be a number where the schema says so.
    coerceTypes: true,
    verbose: true,
    strict: true,
    // `anyOf: [{ required: [...] }]` names keys declared beside it, a pattern vendor schemas use.
    strictRequired: false,
    allowUnionTypes: true,
  });
  addFormats(ajv);
  // Editor annotations (VS Code, yaml-language-server) that ajv's strict mode would reject.
  ajv.addKeyword({ keyword: "patternErrorMessage", schemaType: "string" });
  ajv.addKeyword({ keyword: "markdownDescription", schemaType: "string" });
  // The loader's own annotation: why a required key has no default, added to "is required".
  ajv.addKeyword({ keyword: "requiredMessage", schemaType: "string" });
  return ajv;
}

/**
 * Weakly held: a daemon checks its config once, and the validator of every vendor's schema
 * would otherwise keep some 2 MB of heap for its whole life; tests and `validate` reuse it
 * while it lives.
 */
let cached: { vendors: Vendors; validate: WeakRef<ValidateFunction> } | undefined;

/**
 * Checks the shape of a config against the full schema. Coerces scalar types in place
 * ("1883" → 1883) and fills in every `default` of the schema (vendor keys too, before they are
 * checked), so callers pass a copy they own.
 */
export function validateConfigShape(data: unknown, vendors: Vendors): ConfigProblem[] {
  let compiled = cached?.vendors === vendors ? cached.validate.deref() : undefined;
  if (!compiled) {
    compiled = createAjv({ useDefaults: true }).compile(buildConfigSchema(vendors));
    cached = { vendors, validate: new WeakRef(compiled) };
  }
  if (compiled(data)) return [];
  return translateAjvErrors(compiled.errors ?? [], data, vendors);
}
