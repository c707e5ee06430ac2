/**
 * A throw nobody catches (in an MQTT or timer callback) in the built CLI: the log says what it
 * was, as a JSON line like every other, and the process exits non-zero so a supervisor restarts it.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { sleep, startAedes } from "../helpers/mqtt.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "dist/cli.js");
/** Loaded before the CLI: SIGUSR2 throws from a callback, as a bug in one would. */
const THROWER = `data:text/javascript,process.on("SIGUSR2", () => setImmediate(() => { throw new Error("boom from a callback") }))`;

describe("an uncaught exception in the running CLI", () => {
  let broker: EmbeddedBroker;
  let benext: MyBeNextSimulator;

  beforeAll(async () => {
    if (!existsSync(CLI) && spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" }).status !== 0) throw new Error("cannot build dist/");
    broker = await startAedes();
    benext = await startMyBeNextSimulator({ timeScale: 60 });
  });
  afterAll(async () => {
    await broker?.close();
    await benext?.close();
  });

  it("is logged as a fatal JSON line with its message, and the process exits non-zero", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-uncaught-"));
    const file = join(dir, "config.yaml");
    writeFileSync(
      file,
      stringify({
        mqtt: { url: broker.url, client_id: "c2m_uncaught" },
        health: { enabled: false },
        data_dir: join(dir, "data"),
        sources: [{ id: "home", type: "mybenext", base_url: benext.url, username: "demo", password: "demo-password", interval: "1s" }],
      }),
    );
    const child = spawn(process.execPath, ["--import", THROWER, CLI, "run", "--config", file], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += String(c)));
    child.stderr.on("data", (c) => (stderr += String(c)));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while (!stdout.includes("cloud2mqtt started")) {
      if (Date.now() > deadline) throw new Error(`the CLI did not start: ${stdout}${stderr}`);
      await sleep(50);
    }
    child.kill("SIGUSR2");
    const code = await Promise.race([exited, sleep(20_000).then(() => "still running" as const)]);
    if (code === "still running") child.kill("SIGKILL");
    expect(code).not.toBe(0);
    expect(code).not.toBe("still running");
    const fatal = stdout.split("\n").find((l) => l.includes("uncaught exception"));
    expect(fatal).toBeDefined();
    expect(JSON.parse(fatal!)).toMatchObject({ level: "fatal", err: "boom from a callback" });
  });
});
