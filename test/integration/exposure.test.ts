import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseConfig } from "../../src/app-config.js";
import { Daemon } from "../../src/daemon/daemon.js";
import { createLogger, SecretScrubber } from "../../src/log.js";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { freePort, Recorder } from "../helpers/mqtt.js";

/**
 * What the daemon exposes to the network with the defaults: the embedded broker and GET /health
 * on loopback only, nothing secret in /health or bridge/info, and a warning for a config file
 * other users can read.
 */

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");
const SECRETS = { broker: "broker-secret-Xq81", benext: "benext-secret-Zr42" };

/** The machine's own addresses that other hosts can reach (link-local ones need a scope: left out). */
const outsideAddresses = Object.values(networkInterfaces())
  .flat()
  .filter((a) => a !== undefined && !a.internal && !a.address.startsWith("fe80"))
  .map((a) => a!.address);

/** Whether a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

/** An address of /proc/net/tcp{,6}: 32-bit words in the kernel's (little-endian) byte order. */
function procAddress(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) => (word.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join(".")}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  return groups.join(":").replace(/^(0:)+0$/, "::").replace(/^(0:)+1$/, "::1");
}

/**
 * The local addresses the kernel lists as listening on a TCP port (Linux, /proc/net): what the
 * socket is bound to, seen from outside the process, on any host, however many interfaces it has.
 */
function listeningOn(port: number): string[] {
  const found: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== "0A") continue; // 0A: LISTEN
      const [address, hexPort] = local.split(":");
      if (parseInt(hexPort!, 16) === port) found.push(procAddress(address!));
    }
  }
  return found.sort();
}

describe("exposure with the defaults", () => {
  let sim: MyBeNextSimulator;
  let daemon: Daemon;
  let brokerPort: number;
  let healthPort: number;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "c2m-exposure-"));
    sim = await startMyBeNextSimulator({ timeScale: 60, password: SECRETS.benext });
    brokerPort = await freePort();
    healthPort = await freePort();
    // No broker.host and no health.host: the defaults are what is tested.
    const yaml = stringify({
      broker: { port: brokerPort, username: "ha", password: SECRETS.broker },
      health: { port: healthPort },
      data_dir: join(dir, "data"),
      sources: [{ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: SECRETS.benext, interval: "2s" }],
    });
    const result = parseConfig(yaml, {}, join(dir, "config.yaml"));
    if (!result.config) throw new Error(JSON.stringify(result.errors));
    const scrubber = new SecretScrubber();
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    daemon = new Daemon({ config: result.config, logger: createLogger("info", scrubber, sink), scrubber, retainedWindowMs: 300 });
    await daemon.start();
  }, 30_000);

  afterAll(async () => {
    await daemon?.stop();
    await sim?.close();
  });

  it.runIf(process.platform === "linux")("the embedded broker and /health listen on 127.0.0.1 only, not on 0.0.0.0 or ::", () => {
    expect(listeningOn(brokerPort)).toEqual(["127.0.0.1"]);
    expect(listeningOn(healthPort)).toEqual(["127.0.0.1"]);
  });

  it.runIf(process.platform === "linux")("(the check above sees a socket bound to every address)", async () => {
    for (const host of ["0.0.0.0", "::"]) {
      const control = createServer((s) => s.destroy());
      await new Promise<void>((r) => control.listen({ port: 0, host, ipv6Only: true }, () => r()));
      try {
        expect(listeningOn((control.address() as { port: number }).port)).toEqual([host]);
      } finally {
        await new Promise<void>((r) => control.close(() => r()));
      }
    }
  });

  it("the embedded broker and /health answer on 127.0.0.1 and on none of the machine's other addresses", async () => {
    expect(await reachable("127.0.0.1", brokerPort)).toBe(true);
    expect(await reachable("127.0.0.1", healthPort)).toBe(true);
    for (const address of outsideAddresses) {
      expect(await reachable(address, brokerPort), `broker on ${address}`).toBe(false);
      expect(await reachable(address, healthPort), `health on ${address}`).toBe(false);
    }
  });

  it.skipIf(outsideAddresses.length === 0)("(the check above can see a port open on the machine's other addresses)", async () => {
    const control = createServer((s) => s.destroy());
    await new Promise<void>((r) => control.listen(0, "::", () => r()));
    const port = (control.address() as { port: number }).port;
    try {
      for (const address of outsideAddresses) expect(await reachable(address, port), address).toBe(true);
    } finally {
      await new Promise<void>((r) => control.close(() => r()));
    }
  });

  it("GET /health and bridge/info say how the sources are, and hold no secret", async () => {
    const rec = await Recorder.start(`mqtt://ha:${SECRETS.broker}@127.0.0.1:${brokerPort}`, ["cloud2mqtt/bridge/info"]);
    try {
      const info = await rec.waitFor("cloud2mqtt/bridge/info", (p) => p.includes('"online"'), 15_000);
      const health = await (await fetch(`http://127.0.0.1:${healthPort}/health`)).text();
      for (const text of [info.payload, health]) {
        for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
        expect(text).not.toContain(Buffer.from(`demo:${SECRETS.benext}`).toString("base64"));
        expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(expect.arrayContaining(["sources", "version"]));
        const sources = (JSON.parse(text) as { sources: object[] }).sources;
        expect(sources.map((s) => Object.keys(s).sort())).toEqual([["devices", "id", "last_error", "last_poll", "state", "type"]]);
      }
      expect((await fetch(`http://127.0.0.1:${healthPort}/config`)).status).toBe(404);
    } finally {
      await rec.close();
    }
  });

  it.skipIf(process.platform === "win32")("validate names a config file with secrets that others can read, and suggests chmod 600", () => {
    const file = join(dir, "config.yaml");
    writeFileSync(file, stringify({ sources: [{ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: SECRETS.benext }] }));
    chmodSync(file, 0o644);
    const open = spawnSync(process.execPath, [CLI, "validate", "--config", file], { encoding: "utf8" });
    expect(open.status).toBe(0);
    expect(open.stderr).toContain(`warning: ${file} is readable by other users and contains secrets (sources[0].password): run chmod 600`);
    expect(open.stderr).not.toContain(SECRETS.benext);
    chmodSync(file, 0o600);
    const closed = spawnSync(process.execPath, [CLI, "validate", "--config", file], { encoding: "utf8" });
    expect(closed.status).toBe(0);
    expect(closed.stderr).toBe("");
  });
});
