import type { ValidateFunction } from "ajv";
import { createAjv } from "./validate.js";
import type { VendorSchema } from "./vendors.js";

/**
 * The step from a source's config to a bridge's typed options: a copy of the source with every
 * `default` of the vendor's schema filled in (ajv `useDefaults`, nested objects included), checked
 * against the schema's properties. `Options` is the shape that schema describes. The loader has
 * validated the source already; a failure here means a source built by hand, and says why.
 */
export function optionsReader<Options>(schema: VendorSchema): (source: Record<string, unknown>) => Options {
  // Compiled on first use: only the vendors a config names cost their validator.
  let validate: ValidateFunction<Options> | undefined;
  return (source) => {
    validate ??= createAjv({ useDefaults: true }).compile<Options>({ type: "object", properties: schema.properties });
    const copy = structuredClone(source);
    if (validate(copy)) return copy;
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`).join("; ");
    throw new Error(`source "${String(source.id)}": options do not match the vendor's schema: ${why}`);
  };
}
