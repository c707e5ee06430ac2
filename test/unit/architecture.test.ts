/**
 * The layer rules of docs/ARCHITECTURE.md, read from the `import … from "…"` lines of src/:
 * no two folders import each other, bridges speak the model (no MQTT, no discovery), and the
 * simulators know nothing of the bridges or the daemon's config.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** `bridges/voltaware/bridge.ts` → "bridges"; a file at the top (`cli.ts`) is its own unit. */
function folderOf(file: string): string {
  return relative(SRC, file).split("/")[0]?.replace(/\.ts$/, "") ?? "";
}

interface Edge {
  from: string;
  to: string;
}

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g;

const edges: Edge[] = sourceFiles(SRC).flatMap((file) =>
  [...readFileSync(file, "utf8").matchAll(IMPORT)].map((m) => ({
    from: relative(SRC, file),
    to: relative(SRC, resolve(dirname(file), m[1] ?? "").replace(/\.js$/, ".ts")),
  })),
);

const folderEdges = new Set(edges.map((e) => `${folderOf(join(SRC, e.from))} -> ${folderOf(join(SRC, e.to))}`));

describe("architecture", () => {
  it("finds the imports it checks", () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(folderEdges.has("daemon -> bridges")).toBe(true);
  });

  it("has no two folders importing each other", () => {
    const cycles = [...folderEdges].flatMap((edge) => {
      const [a = "", b = ""] = edge.split(" -> ");
      return a !== b && a < b && folderEdges.has(`${b} -> ${a}`) ? [`${a} <-> ${b}`] : [];
    });
    expect(cycles).toEqual([]);
  });

  it("keeps bridges off MQTT and discovery: they speak the model", () => {
    const bad = edges.filter((e) => e.from.startsWith("bridges/") && /^(mqtt|discovery)\//.test(e.to));
    expect(bad).toEqual([]);
  });

  it("keeps config from knowing the bridges: the registry is handed in", () => {
    const bad = edges.filter((e) => e.from.startsWith("config/") && e.to.startsWith("bridges/"));
    expect(bad).toEqual([]);
  });

  it("keeps the simulators apart from the bridges and the config they are meant to check", () => {
    const bad = edges.filter((e) => e.from.startsWith("simulators/") && /^(bridges|config|daemon)\//.test(e.to));
    expect(bad).toEqual([]);
  });
});
