import { fileURLToPath } from "node:url";
import { buildConfigSchema } from "./schema.js";
import type { Vendors } from "./vendors.js";

/** `config.schema.json` at the package root, next to `config.example.yaml` which points editors at it. */
export const CONFIG_SCHEMA_FILE = fileURLToPath(new URL("../../config.schema.json", import.meta.url));

/** The exact text of `config.schema.json`; a test keeps the committed file equal to it. */
export function renderConfigSchema(vendors: Vendors): string {
  return `${JSON.stringify(buildConfigSchema(vendors), null, 2)}\n`;
}
