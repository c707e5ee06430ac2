/**
 * Bad configs through the real command line (dist/cli.js, so `npm run build` first): each one
 * exits 1 with a message that names the YAML path of the problem. Required keys come from the
 * schema itself, so a vendor or key added later is covered without touching this file.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { bridgeDefinitions } from "../../src/bridges/registry.js";
import { buildConfigSchema } from "../../src/app-config.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 30_000 });
}

/** A valid source of each vendor: every required key (and one alternative of an anyOf) filled. */
function validSource(type: string): Record<string, unknown> {
  const def = bridgeDefinitions.find((d) => d.type === type)!;
  const keys = def.schema.required ?? ((def.schema.anyOf?.[0] as { required?: string[] } | undefined)?.required ?? []);
  return { id: "src", type, ...Object.fromEntries(keys.map((k) => [k, `value-of-${k}`])) };
}

interface Case {
  name: string;
  yaml: string;
  /** A bad source alone in an otherwise valid file (batched with the others). */
  source?: Record<string, unknown>;
  /** Text the message must contain: the YAML path, and what is wrong. */
  expect: string[];
}

const yamlOf = (data: unknown) => stringify(data);
const withSource = (source: Record<string, unknown>) => yamlOf({ sources: [source] });
const bad = (name: string, source: Record<string, unknown>, expect: string[]): Case => ({ name, yaml: withSource(source), source, expect });

function cases(): Case[] {
  const out: Case[] = [];
  const schema = buildConfigSchema() as { required: string[] };
  for (const key of schema.required) out.push({ name: `top level without ${key}`, yaml: yamlOf({ log_level: "info" }), expect: [key, "required"] });
  for (const def of bridgeDefinitions) {
    const full = validSource(def.type);
    for (const key of ["id", "type", ...(def.schema.required ?? [])]) {
      const { [key]: _dropped, ...rest } = full;
      out.push(bad(`${def.type} without ${key}`, rest, key === "type" ? ["sources[0]", "type"] : ["sources[0]", key]));
    }
    if (def.schema.anyOf) {
      const { id, type } = full;
      out.push(bad(`${def.type} without any of its credentials`, { id, type }, ["sources[0]"]));
    }
    out.push(bad(`${def.type} with an unknown key`, { ...full, intervall: "1m" }, ["sources[0].intervall", 'did you mean "interval"']));
    out.push(bad(`${def.type} with a bad interval`, { ...full, interval: "soon" }, ["sources[0].interval", "duration"]));
    out.push(bad(`${def.type} with an interval under 1s`, { ...full, interval: "200ms" }, ["sources[0].interval", "at least 1s"]));
    out.push(bad(`${def.type} with a negative timeout`, { ...full, timeout: -5 }, ["sources[0].timeout"]));
    out.push(bad(`${def.type} with a bad base_url`, { ...full, base_url: "not a url" }, ["sources[0].base_url"]));
    // Every vendor duration key refuses what the common ones refuse.
    for (const [key, prop] of Object.entries(def.schema.properties)) {
      if ((prop as { pattern?: string }).pattern === undefined || !String((prop as { patternErrorMessage?: string }).patternErrorMessage ?? "").includes("duration")) continue;
      out.push(bad(`${def.type} ${key} "soon"`, { ...full, [key]: "soon" }, [`sources[0].${key}`, "duration"]));
      out.push(bad(`${def.type} ${key} -5`, { ...full, [key]: -5 }, [`sources[0].${key}`]));
    }
  }
  const mybenext = validSource("mybenext");
  out.push(
    { name: "wrong type: sources is a map", yaml: "sources:\n  id: a\n", expect: ["sources", "must be a list"] },
    { name: "wrong type: port as text", yaml: yamlOf({ broker: { port: "many" }, sources: [mybenext] }), expect: ["broker.port", "whole number"] },
    bad("wrong type: enabled as text", { ...mybenext, enabled: "yes please" }, ["sources[0].enabled", "true or false"]),
    { name: "unknown top-level key", yaml: yamlOf({ sourcse: [], sources: [mybenext] }), expect: ["sourcse", 'did you mean "sources"'] },
    { name: "bad MQTT URL", yaml: yamlOf({ mqtt: { url: "http://broker:1883" }, sources: [mybenext] }), expect: ["mqtt.url", "mqtt://"] },
    { name: "base topic with a wildcard", yaml: yamlOf({ mqtt: { base_topic: "home/#" }, sources: [mybenext] }), expect: ["mqtt.base_topic"] },
    { name: "invalid YAML", yaml: "sources:\n  - id: a\n   type: [\n", expect: ["YAML syntax error", "line"] },
    bad("undefined ${ENV}", { ...mybenext, password: "${C2M_SURELY_UNSET_VARIABLE}" }, ["sources[0].password", "C2M_SURELY_UNSET_VARIABLE"]),
  );
  return out;
}

describe("bad configs through the command line", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "c2m-badcfg-"));
  });

  const table = cases();
  it.each(table.filter((c) => c.source === undefined).map((c) => [c.name, c] as const))("validate: %s → exit 1 naming the path", (_name, c) => {
    const file = join(dir, `${c.name.replace(/\W+/g, "_")}.yaml`);
    writeFileSync(file, c.yaml, { mode: 0o600 });
    const r = cli(["validate", "--config", file]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    for (const text of c.expect) expect(r.stderr, `${c.name}: ${r.stderr}`).toContain(text);
  });

  // One process per bad source would take a minute: every bad source goes into one file, each
  // must then get a problem line of its own that names its index.
  it("validate: every bad source of every vendor → exit 1, one line per source naming its path", () => {
    const batched = table.filter((c) => c.source !== undefined);
    const file = join(dir, "sources.yaml");
    writeFileSync(file, yamlOf({ sources: batched.map((c, i) => ("id" in c.source! ? { ...c.source, id: `s${i}` } : c.source)) }), { mode: 0o600 });
    const r = cli(["validate", "--config", file]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const lines = r.stderr.split("\n").map((l) => l.trim());
    batched.forEach((c, i) => {
      const wanted = c.expect.map((t) => t.replace("sources[0]", `sources[${i}]`));
      expect(lines.some((l) => l.startsWith(`sources[${i}]`) && wanted.every((t) => l.includes(t))), `${c.name}: ${wanted.join(" + ")}\n${r.stderr}`).toBe(true);
    });
  });

  it("run refuses the same files before connecting anywhere", () => {
    for (const c of [table.find((x) => x.name.startsWith("belimo without"))!, table.find((x) => x.name === "invalid YAML")!]) {
      const file = join(dir, "run.yaml");
      writeFileSync(file, c.yaml, { mode: 0o600 });
      const r = cli(["run", "--config", file]);
      expect(r.status, c.name).toBe(1);
      for (const text of c.expect) expect(r.stderr, c.name).toContain(text);
    }
  });

  it("a missing file, a folder and an unreadable file each exit 1 and say which", () => {
    const missing = join(dir, "nope.yaml");
    const folder = join(dir, "folder.yaml");
    mkdirSync(folder);
    for (const [file, reason] of [[missing, "no such file"], [folder, "is a folder"]] as const) {
      for (const cmd of ["validate", "run"]) {
        const r = cli([cmd, "--config", file]);
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(file);
        expect(r.stderr).toContain(reason);
      }
    }
    // root reads any file whatever its mode: nothing to prove there.
    if (process.getuid?.() === 0) return;
    const locked = join(dir, "locked.yaml");
    writeFileSync(locked, withSource(validSource("mybenext")));
    chmodSync(locked, 0o000);
    for (const cmd of ["validate", "run"]) {
      const r = cli([cmd, "--config", locked]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("permission denied");
    }
  });
});
