import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildConfigSchema, checkConfigFile } from "../../src/app-config.js";
import { createAjv } from "../../src/config/validate.js";

const EXAMPLE = fileURLToPath(new URL("../../config.example.yaml", import.meta.url));
const text = readFileSync(EXAMPLE, "utf8");

/** The variables the example references without a default: the ones a user must set. */
function requiredVariables(source: string): string[] {
  return [...source.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
}

/** Every key the example sets, uncommented or not, as dotted paths (list indexes dropped). */
function documentedKeys(source: string): Set<string> {
  const keys = new Set<string>();
  const stack: Array<{ indent: number; key: string }> = [];
  for (const raw of source.split("\n")) {
    const line = raw.replace(/^(\s*)# ?/, "$1");
    const match = /^(\s*)(?:- )?([a-z_]+):(?:\s|$)/.exec(line);
    if (match === null) continue;
    const indent = match[1].length + (line.trimStart().startsWith("- ") ? 2 : 0);
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
    stack.push({ indent, key: match[2] });
    keys.add(stack.map((s) => s.key).join("."));
  }
  return keys;
}

function schemaKeys(schema: Record<string, unknown>, prefix: string, out: Set<string>): Set<string> {
  const visit = (node: unknown, path: string): void => {
    if (node === null || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    if (record.properties !== undefined) {
      for (const [key, child] of Object.entries(record.properties as Record<string, unknown>)) {
        const childPath = path === "" ? key : `${path}.${key}`;
        out.add(childPath);
        visit(child, childPath);
      }
    }
    if (record.items !== undefined) visit(record.items, path);
    for (const branch of (record.allOf as unknown[] | undefined) ?? []) visit((branch as Record<string, unknown>).then, path);
  };
  visit(schema, prefix);
  return out;
}

describe("config.example.yaml", () => {
  it("is valid once the variables it references are set", async () => {
    const env = Object.fromEntries(requiredVariables(text).map((name) => [name, `value-of-${name}`]));
    expect(Object.keys(env)).toEqual(expect.arrayContaining(["MQTT_PASSWORD", "BENEXT_USERNAME", "BENEXT_PASSWORD"]));
    const result = await checkConfigFile(EXAMPLE, env);
    expect(result.errors).toEqual([]);
    expect(result.config?.sources.map((s) => s.id)).toEqual(["home"]);
  });

  it("names the variables it needs when they are missing", async () => {
    const result = await checkConfigFile(EXAMPLE, {});
    expect(result.errors.map((e) => e.message)).toEqual([
      "environment variable MQTT_PASSWORD is not set",
      "environment variable BENEXT_USERNAME is not set",
      "environment variable BENEXT_PASSWORD is not set",
    ]);
  });

  it("is valid for editors too: plain draft-07 validation of config.schema.json", () => {
    const validate = createAjv().compile(buildConfigSchema());
    const data: unknown = parse(text.replace(/\$\{([A-Za-z_]+)\}/g, "value"));
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
  });

  it("documents every key of the schema", () => {
    const documented = documentedKeys(text);
    const missing = [...schemaKeys(buildConfigSchema(), "", new Set())].filter((key) => !documented.has(key));
    expect(missing).toEqual([]);
  });

  it("tells editors where the schema is", () => {
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./config.schema.json");
  });
});
