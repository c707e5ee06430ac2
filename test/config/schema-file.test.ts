import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildConfigSchema, CONFIG_SCHEMA_FILE, renderConfigSchema } from "../../src/app-config.js";
import { createAjv } from "../../src/config/validate.js";

const UPDATE_COMMAND = "UPDATE_SCHEMA=1 npx vitest run test/config/schema-file.test.ts";

describe("config.schema.json", () => {
  it("is what buildConfigSchema() produces", () => {
    const expected = renderConfigSchema();
    if (process.env.UPDATE_SCHEMA === "1") writeFileSync(CONFIG_SCHEMA_FILE, expected);
    const actual = existsSync(CONFIG_SCHEMA_FILE) ? readFileSync(CONFIG_SCHEMA_FILE, "utf8") : "";
    expect(actual === expected, `config.schema.json is out of date; regenerate it with: ${UPDATE_COMMAND}`).toBe(true);
  });

  it("compiles in ajv's strict mode, vendor fragments included", () => {
    expect(() => createAjv().compile(buildConfigSchema())).not.toThrow();
  });

  it("is draft-07 and closes every object to unknown keys", () => {
    const schema = buildConfigSchema();
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    const open: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (node === null || typeof node !== "object") return;
      const record = node as Record<string, unknown>;
      const isSourceItem = path.endsWith("/sources/items");
      // A source's keys are closed by the `then` of its type, which knows the vendor keys.
      if (record.type === "object" && record.additionalProperties !== false && !isSourceItem) open.push(path);
      for (const [key, value] of Object.entries(record)) visit(value, `${path}/${key}`);
    };
    visit(schema, "#");
    expect(open).toEqual([]);
  });
});
