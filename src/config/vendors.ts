/**
 * What the config needs to know of each vendor: the config-facing half of a `BridgeDefinition`.
 * The config folder never imports the bridges: whoever loads a config (the CLI, through
 * `src/app-config.ts`) hands it the registry as a `Vendors` list.
 */

/** A JSON schema fragment; kept loose on purpose, ajv checks it at start. */
export type JsonSchema = Record<string, unknown>;

/** A problem in a source's vendor keys that the JSON schema cannot express; `path` is relative to the source. */
export interface SourceCheckProblem {
  path: Array<string | number>;
  message: string;
}

export interface VendorConfig {
  type: string;
  title: string;
  /**
   * JSON schema of the vendor keys of a source: `properties` (merged with the common source
   * keys), optional `required` and `anyOf`. Each key's `default` is its only default: the loader
   * fills in the top-level ones before validation, the bridge's options step (ajv `useDefaults`)
   * every one, nested ones included.
   */
  schema: VendorSchema;
  /** Default poll interval, ms. */
  defaultInterval: number;
  /** Vendor keys holding secrets, scrubbed from logs and never published; `a.b` names a nested key. */
  secretKeys: string[];
  /**
   * Rules across keys that the schema cannot say (a list as long as a count, a template that must
   * render valid JSON). Runs at config load once the schema passed (vendor defaults applied,
   * durations still as written), so `validate` reports them.
   */
  check?(source: Record<string, unknown>): SourceCheckProblem[];
}

export interface VendorSchema {
  properties: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
}

/** The `default` of each top-level vendor key. */
export function vendorDefaults(vendor: Pick<VendorConfig, "schema">): Record<string, unknown> {
  return Object.fromEntries(Object.entries(vendor.schema.properties).flatMap(([key, schema]) => ("default" in schema ? [[key, schema.default]] : [])));
}

/** The vendors a config may name, in the order the registry lists them. */
export type Vendors = readonly VendorConfig[];

export function findVendor(vendors: Vendors, type: string): VendorConfig | undefined {
  return vendors.find((v) => v.type === type);
}
