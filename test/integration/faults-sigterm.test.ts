/**
 * SIGTERM to the built CLI (`node dist/cli.js run`) at awkward moments: while it is still starting,
 * in the middle of a poll a slow cloud holds up, in the middle of a command, with Voltaware events
 * waiting on disk, and with Climkit totals half way through a window. Each time: exit code 0,
 * `offline` retained on the bridge state when it was connected, and nothing lost or counted twice
 * by the next run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTimestamp } from "../../src/bridges/climkit/api.js";
import { meter as climkitMeter, site, startClimkitSimulator, type ClimkitSimulator, type RecordedRequest } from "../../src/simulators/climkit/index.js";
import { DEMO_IDS, startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { freePort, Recorder, sleep, startAedes } from "../helpers/mqtt.js";
import { EVENTS_TOPIC, EVENTS_USER, eventsSource } from "../helpers/voltaware-events.js";

const CLI = resolve(import.meta.dirname, "../../dist/cli.js");
const HANGING_CLOSE = resolve(import.meta.dirname, "../helpers/hang-bridge-close.mjs");
const HANGING_STOP = resolve(import.meta.dirname, "../helpers/hang-daemon-stop.mjs");

interface Cli {
  child: ChildProcess;
  logs(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

function startCli(dir: string, name: string, config: Record<string, unknown>, nodeArgs: string[] = []): Cli {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify({ health: { enabled: false }, log_level: "debug", data_dir: join(dir, `data-${name}`), ...config }));
  const child = spawn(process.execPath, [...nodeArgs, CLI, "run", "--config", file], { stdio: ["ignore", "pipe", "pipe"] });
  let logs = "";
  child.stdout!.on("data", (c) => (logs += String(c)));
  child.stderr!.on("data", (c) => (logs += String(c)));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, logs: () => logs, exited };
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** What a subscriber arriving now finds retained on a topic. */
async function retained(url: string, topic: string): Promise<string | undefined> {
  const r = await Recorder.start(url, [topic]);
  await sleep(300);
  const value = r.last(topic);
  await r.close();
  return value;
}

// dist/ is built by test/global-setup.ts: a missing build fails these tests, it does not skip them.
describe("SIGTERM to the running CLI", () => {
  let dir: string;
  let broker: EmbeddedBroker;
  let benext: MyBeNextSimulator;
  let running: Cli[] = [];

  const mybenext = (extra: Record<string, unknown> = {}) => ({ id: "home", type: "mybenext", base_url: benext.url, username: "demo", password: "demo-password", interval: "1s", ...extra });
  /** The exit code after SIGTERM; a generous bound, not a timing: a hung shutdown fails here. */
  const sigterm = async (cli: Cli): Promise<number | null | "still running"> => {
    cli.child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<"still running">((r) => (timer = setTimeout(() => r("still running"), 15_000)));
    const code = await Promise.race([cli.exited, hung]);
    clearTimeout(timer);
    return code;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "c2m-sigterm-"));
    broker = await startAedes();
    benext = await startMyBeNextSimulator({ timeScale: 60 });
  });
  afterAll(async () => {
    for (const c of running) if (c.child.exitCode === null) c.child.kill("SIGKILL");
    running = [];
    await broker?.close();
    await benext?.close();
  });

  it("exits 0 when stopped while still starting (the broker not reachable yet)", async () => {
    const nobody = await freePort();
    const cli = startCli(dir, "starting", { mqtt: { url: `mqtt://127.0.0.1:${nobody}`, client_id: "c2m_starting" }, sources: [mybenext()] });
    running.push(cli);
    await waitUntil(() => cli.logs().includes("ECONNREFUSED"), 10_000, "a connection attempt");
    expect(await sigterm(cli)).toBe(0);
    expect(cli.logs()).toContain('"msg":"shutting down"');
  }, 20_000);

  it("exits 0 and leaves offline retained when stopped during a poll a slow cloud holds up", async () => {
    const rec = await Recorder.start(broker.url);
    const cli = startCli(dir, "poll", { mqtt: { url: broker.url, client_id: "c2m_poll" }, sources: [mybenext()] });
    running.push(cli);
    try {
      await rec.waitFor("cloud2mqtt/home/availability", (p) => p === "online", 20_000);
      benext.faults.slowMs = 30_000;
      const count = benext.requests.length;
      // A request of the next poll has reached the cloud and waits for its answer.
      await waitUntil(() => benext.requests.length > count, 10_000, "a poll under way");
      const since = Date.now();
      expect(await sigterm(cli)).toBe(0);
      await rec.waitFor("cloud2mqtt/bridge/state", (p) => p === "offline", 5_000, since);
      expect(await retained(broker.url, "cloud2mqtt/bridge/state")).toBe("offline");
      expect(cli.logs()).toContain('"msg":"cloud2mqtt stopped"');
    } finally {
      benext.resetFaults();
      await rec.close();
    }
  }, 40_000);

  it("exits 0 and leaves offline retained when stopped during a command", async () => {
    const rec = await Recorder.start(broker.url);
    const cli = startCli(dir, "command", { mqtt: { url: broker.url, client_id: "c2m_command" }, sources: [mybenext({ interval: "1m" })] });
    running.push(cli);
    const topic = `cloud2mqtt/home/product_${DEMO_IDS.products.washingMachine}/property_${DEMO_IDS.switchProperty}`;
    try {
      await rec.waitFor("cloud2mqtt/home/availability", (p) => p === "online", 20_000);
      await rec.waitFor(topic, () => true, 10_000);
      benext.faults.slowMs = 30_000;
      const count = benext.requests.length;
      await rec.publish(`${topic}/set`, "OFF");
      // No poll is due for a minute: a request now is the command's, and the cloud holds it up.
      await waitUntil(() => benext.requests.length > count, 10_000, "the write under way");
      const since = Date.now();
      expect(await sigterm(cli)).toBe(0);
      await rec.waitFor("cloud2mqtt/bridge/state", (p) => p === "offline", 5_000, since);
      expect(await retained(broker.url, "cloud2mqtt/bridge/state")).toBe("offline");
    } finally {
      benext.resetFaults();
      await rec.close();
    }
  }, 40_000);

  it("exits 1 and says the shutdown was forced when a bridge's close hangs, still publishing offline and within DESIGN.md's 5 s", async () => {
    const rec = await Recorder.start(broker.url);
    const cli = startCli(dir, "hang", { mqtt: { url: broker.url, client_id: "c2m_hang", base_topic: "c2m_hang" }, sources: [mybenext({ interval: "1m" })] }, ["--import", HANGING_CLOSE]);
    running.push(cli);
    try {
      await rec.waitFor("c2m_hang/home/availability", (p) => p === "online", 20_000);
      const since = Date.now();
      expect(await sigterm(cli)).toBe(1);
      expect(cli.logs()).toContain("shutdown forced");
      expect(cli.logs()).toContain("source home");
      // The phases after the hung bridge still ran: offline is retained for Home Assistant.
      await rec.waitFor("c2m_hang/bridge/state", (p) => p === "offline", 5_000, since);
      // Measured by the daemon's own clock (its log times), not the test's: signal to exit decision.
      const times = (msg: string) => cli.logs().split("\n").filter((l) => l.includes(`"msg":"${msg}`)).map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
      const [signalled] = times("shutting down");
      const [forced] = times("shutdown forced");
      expect(forced! - signalled!).toBeLessThan(5_000);
    } finally {
      await rec.close();
    }
  }, 40_000);

  it("exits 1 by its last-resort timer, saying the shutdown was forced, when stopping hangs beyond the daemon's own bounds", async () => {
    const rec = await Recorder.start(broker.url);
    const cli = startCli(dir, "hangstop", { mqtt: { url: broker.url, client_id: "c2m_hangstop", base_topic: "c2m_hangstop" }, sources: [mybenext({ interval: "1m" })] }, ["--import", HANGING_STOP]);
    running.push(cli);
    try {
      await rec.waitFor("c2m_hangstop/home/availability", (p) => p === "online", 20_000);
      expect(await sigterm(cli)).toBe(1);
      expect(cli.logs()).toContain('"msg":"shutdown forced: still not stopped, exiting"');
    } finally {
      await rec.close();
    }
  }, 40_000);

  it("keeps Voltaware events queued on disk across a SIGTERM and sends them all once each, in order, when the broker is back", async () => {
    const sim: VoltawareSimulator = await startVoltawareSimulator({ broker: { ...EVENTS_USER, topic: EVENTS_TOPIC } });
    const rec = await Recorder.start(broker.url);
    const config = {
      mqtt: { url: broker.url, client_id: "c2m_events", base_topic: "c2m_events" },
      sources: [
        eventsSource(sim),
      ],
    };
    const produce = async (from: number, to: number): Promise<void> => {
      for (let i = from; i <= to; i++) await rec.publish("p1/power", String(i));
    };
    const queued = (n: number, since: number) => rec.waitFor("c2m_events/meter/events/queued", (p) => p === String(n), 20_000, since);
    try {
      await sim.broker!.stop();
      let since = Date.now();
      let cli = startCli(dir, "events", config);
      running.push(cli);
      await rec.waitFor("c2m_events/meter/events/connected", (p) => p === "OFF", 20_000, since);
      await produce(1, 6);
      await queued(6, since);
      expect(await sigterm(cli)).toBe(0);

      since = Date.now();
      cli = startCli(dir, "events", config);
      running.push(cli);
      await queued(6, since);
      await produce(7, 9);
      await queued(9, since);
      await sim.broker!.start();
      await waitUntil(() => sim.broker!.events.length >= 9, 30_000, "9 events");
      await queued(0, since);
      await sleep(500);
      expect(sim.broker!.events.map((e) => Number(e.payload.power))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await sigterm(cli)).toBe(0);
    } finally {
      if (process.env.DUMP_LOGS) console.log(running.map((c) => c.logs()).join("\n"));
      await rec.close();
      await sim.close();
    }
  }, 60_000);

  it("does not count a Climkit period twice after a SIGTERM in the middle of a poll", async () => {
    const SITE = "64d4a0000000000000000001";
    const FLAT = "64d4a00000000000000000a1";
    const sim: ClimkitSimulator = await startClimkitSimulator({ sites: [site(SITE, "Les Vergers", [climkitMeter(FLAT, "electricity", "Flat A")])], periodMs: 1_000 });
    const rec = await Recorder.start(broker.url);
    const TOTAL = `c2m_climkit/metering/meter_${FLAT}/validated_total`;
    const config = {
      mqtt: { url: broker.url, client_id: "c2m_climkit", base_topic: "c2m_climkit" },
      sources: [{ id: "metering", type: "climkit", base_url: sim.apiUrl, username: "demo", password: "demo-password", interval: "1s", backfill: "10s", sensors: false }],
    };
    const meterData = (reqs: RecordedRequest[]) => reqs.filter((r) => r.path === `/api/v1/meter_data/${SITE}/${FLAT}`);
    try {
      let cli = startCli(dir, "climkit", config);
      running.push(cli);
      await rec.waitFor(TOTAL, (p) => Number(p) > 0, 40_000);
      // Periods counted; now a request that hangs when the signal comes.
      sim.faults.slowMs = 20_000;
      const count = sim.requests.length;
      await waitUntil(() => sim.requests.length > count, 10_000, "a poll under way");
      expect(await sigterm(cli)).toBe(0);
      const before = Number(rec.last(TOTAL));
      sim.resetFaults();
      await sleep(1_100);

      const since = Date.now();
      cli = startCli(dir, "climkit", config);
      running.push(cli);
      await rec.waitFor(TOTAL, (p) => Number(p) !== before, 30_000, since);
      await sleep(2_500);
      expect(await sigterm(cli)).toBe(0);

      // Over both runs: every period the API returned counted exactly once, none twice. The
      // last answer may have come just before the signal, its poll cut short: counted or not.
      const all = meterData(sim.requests).filter((r) => Array.isArray(r.response));
      const windowStart = parseTimestamp((all[0]!.body as { t_s: string }).t_s)!;
      const sum = (reqs: RecordedRequest[]): number => {
        const seen = new Map<string, number>();
        for (const r of reqs) for (const row of r.response as Array<{ timestamp: string; total: number }>) if (parseTimestamp(row.timestamp)! > windowStart) seen.set(row.timestamp, row.total);
        return [...seen.values()].reduce((a, b) => a + b, 0);
      };
      const final = Number(await retained(broker.url, TOTAL));
      const candidates = [sum(all), sum(all.slice(0, -1))];
      expect(candidates.some((c) => Math.abs(c - final) < 1e-3), `${final} is none of ${candidates.join(", ")}`).toBe(true);
    } finally {
      if (process.env.DUMP_LOGS) console.log(running.map((c) => c.logs()).join("\n"), sim.requests.map((r) => `${new Date(r.time).toISOString()} ${r.method} ${r.path} ${r.status}`).join("\n"));
      await rec.close();
      await sim.close();
    }
  }, 90_000);
});
