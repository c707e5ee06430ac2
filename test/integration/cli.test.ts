import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { freePort, Recorder, startAedes } from "../helpers/mqtt.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 30_000 });
}

/** For commands that talk to the in-process simulator, whose event loop spawnSync would block. */
function cliAsync(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += String(c)));
    child.stderr.on("data", (c) => (stderr += String(c)));
    child.once("exit", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("command line", () => {
  let dir: string;
  let sim: MyBeNextSimulator;
  let broker: EmbeddedBroker;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "c2m-cli-"));
    sim = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startAedes();
  });
  afterAll(async () => {
    await broker?.close();
    await sim?.close();
  });

  it("validate reports every problem with its YAML path and exits 1", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "mqtt:\n  url: ftp://x\nsources:\n  - id: Home!\n    type: mybenxt\n    interval: soon\n  - id: b\n    type: mybenext\n    username: u\n    password: ${NOPE_NOT_SET}\n");
    const r = cli(["validate", "--config", file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("mqtt.url");
    expect(r.stderr).toContain("sources[0].id");
    expect(r.stderr).toContain("sources[0].type");
    expect(r.stderr).toContain("NOPE_NOT_SET");
  });

  it("validate accepts a good file and exits 0", () => {
    const file = join(dir, "good.yaml");
    writeFileSync(file, "sources:\n  - id: home\n    type: mybenext\n    apikey: ${KEY}\n");
    const r = cli(["validate", "--config", file], { KEY: "k-123456" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("valid");
  });

  it("run exits 1 with a clear message when the embedded broker's port is taken", async () => {
    const port = await freePort();
    const blocker: Server = createServer().listen(port, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    const file = join(dir, "port.yaml");
    writeFileSync(file, `broker: { port: ${port} }\nhealth: { enabled: false }\ndata_dir: ${dir}/d1\nsources:\n  - id: home\n    type: mybenext\n    base_url: ${sim.url}\n    username: demo\n    password: demo-password\n`);
    const r = cli(["run", "--config", file]);
    blocker.close();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/already in use.*mqtt\.url/s);
  });

  it("discover lists devices and entities with their keys", async () => {
    const file = join(dir, "discover.yaml");
    writeFileSync(file, `health: { enabled: false }\ndata_dir: ${dir}/d2\nsources:\n  - id: home\n    type: mybenext\n    base_url: ${sim.url}\n    username: demo\n    password: \${PW}\n`);
    const r = await cliAsync(["discover", "--config", file], { PW: "demo-password" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/device product_\d+: /);
    expect(r.stdout).toMatch(/product_\d+\/property_\d+: .*\(sensor, energy, kWh, total_increasing\)/);
    expect(r.stdout + r.stderr).not.toContain("demo-password");
  });

  it("on SIGTERM publishes offline and exits 0 within 5 seconds", async () => {
    const file = join(dir, "run.yaml");
    const healthPort = await freePort();
    writeFileSync(file, `mqtt: { url: "${broker.url}" }\nhealth: { port: ${healthPort} }\nlog_level: debug\ndata_dir: ${dir}/d3\nsources:\n  - id: home\n    type: mybenext\n    base_url: ${sim.url}\n    username: demo\n    password: \${PW}\n    interval: 2s\n`);
    const rec = await Recorder.start(broker.url);
    const child = spawn(process.execPath, [CLI, "run"], { env: { ...process.env, CLOUD2MQTT_CONFIG: file, PW: "demo-password" }, stdio: ["ignore", "pipe", "pipe"] });
    let logs = "";
    child.stdout.on("data", (c) => (logs += String(c)));
    child.stderr.on("data", (c) => (logs += String(c)));
    await rec.waitFor("cloud2mqtt/home/availability", (p) => p === "online", 20_000);
    const health = await fetch(`http://127.0.0.1:${healthPort}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });

    const since = Date.now();
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(Date.now() - since).toBeLessThan(5_000);
    expect(code).toBe(0);
    await rec.waitFor("cloud2mqtt/bridge/state", (p) => p === "offline", 3_000, since);
    await rec.close();
    expect(logs).toContain('"msg":"cloud2mqtt stopped"');
    expect(logs).not.toContain("demo-password");
    expect(logs).not.toContain(Buffer.from("demo:demo-password").toString("base64"));
  });
});
