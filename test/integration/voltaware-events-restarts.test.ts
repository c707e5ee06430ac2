/**
 * Voltaware's events connection against what a long life brings: a broker that refuses logins
 * for a while (CONNACK 3 "server unavailable" while it restarts, 5 "not authorized"), at start
 * and after having been connected, and kill -9 of the process with events in flight.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Aedes } from "aedes";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventQueue } from "../../src/bridges/voltaware/event-queue.js";
import { EventsPublisher } from "../../src/bridges/voltaware/events.js";
import { startEventsBroker, type EventsBroker } from "../../src/simulators/voltaware/broker.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";
import { EVENTS_TOPIC, EVENTS_USER, eventsSource, powers, range, waitUntil } from "../helpers/voltaware-events.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CHILD = join(ROOT, "test/fixtures/events-child.mjs");



describe("Voltaware events: a refused connection is retried with backoff until the broker accepts", () => {
  let sim: VoltawareSimulator | undefined;
  let local: EmbeddedBroker | undefined;
  let rec: Recorder | undefined;
  let d: TestDaemon | undefined;

  /** A simulator whose broker refuses the next `count` connections with `code`, before the daemon starts. */
  const setup = async (count: number, code: 3 | 5): Promise<{ sim: VoltawareSimulator; rec: Recorder; d: TestDaemon }> => {
    sim = await startVoltawareSimulator({ broker: { ...EVENTS_USER, topic: EVENTS_TOPIC } });
    sim.broker!.refuseNext(count, code);
    local = await startAedes();
    rec = await Recorder.start(local.url);
    d = await startTestDaemon({ mqttUrl: local.url, sources: [eventsSource(sim)] });
    return { sim, rec, d };
  };
  afterEach(async () => {
    await stopAll(d, rec, local, sim);
    d = rec = local = sim = undefined;
  });

  it("at start (5, not authorized, twice): the daemon starts all the same, and events flow once the broker accepts", { timeout: 90_000 }, async () => {
    const { sim, rec, d } = await setup(2, 5);
    for (const i of range(1, 3)) await rec.publish("p1/power", String(i));
    await waitUntil(() => sim.broker!.events.length >= 3, 60_000, "3 events after the refusals");
    expect(sim.broker!.refusals).toEqual([5, 5]);
    expect(powers(sim.broker!.events)).toEqual(range(1, 3));
    const refusals = d.logs.filter((l) => l.includes("refused the login"));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/"code":5.*Not authorized/i);
  });

  it("after having been connected (3, server unavailable, three times across a broker restart): one log line for the incident, then every event", { timeout: 90_000 }, async () => {
    const { sim, rec, d } = await setup(0, 3);
    await rec.publish("p1/power", "1");
    await waitUntil(() => sim.broker!.events.length >= 1, 30_000, "the first event");
    const since = d.logs.length;
    await sim.broker!.stop();
    sim.broker!.refuseNext(3, 3);
    await sim.broker!.start();
    for (const i of range(2, 4)) await rec.publish("p1/power", String(i));
    // Backoff 1 s, 2 s, 4 s, 8 s: the fourth attempt is accepted.
    await waitUntil(() => sim.broker!.events.length >= 4, 60_000, "4 events after the broker accepts again");
    expect(sim.broker!.refusals).toEqual([3, 3, 3]);
    expect(powers(sim.broker!.events)).toEqual(range(1, 4));
    const logs = d.logs.slice(since);
    const refusals = logs.filter((l) => l.includes("refused the connection"));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/"code":3.*Server unavailable/i);
    expect(logs.join("")).toContain("accepts the connection again");
  });
});

interface Run {
  accepted: number[];
  drained: boolean;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

function runChild(dir: string, url: string, from: number, to: number, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [CHILD, dir, url, String(from), String(to), "10"], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const run: Run = {
    accepted: [],
    drained: false,
    stderr: "",
    exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal }))),
    kill: () => void child.kill("SIGKILL"),
  };
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "drained") run.drained = true;
      else if (line.startsWith("accepted ")) run.accepted.push(Number(line.slice(9)));
    }
  });
  child.stderr.on("data", (chunk: Buffer) => void (run.stderr += chunk.toString()));
  return run;
}

describe("Voltaware events: QoS 2 across kill -9 of the process", () => {
  let broker: EventsBroker;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, "dist/bridges/voltaware/events.js"))) {
      const built = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
      if (built.status !== 0) throw new Error("cannot build dist/");
    }
    broker = await startEventsBroker({ topic: EVENTS_TOPIC }, () => undefined);
  });
  afterAll(async () => {
    await broker?.close();
  });

  it("delivers every accepted event; duplicates only of the event in flight at each kill (at least once across a crash)", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-kill-"));
    const url = broker.url;

    // 1. Killed between the broker's PUBREC and our PUBREL: the broker keeps that packet id.
    const first = runChild(dir, url, 1, 100, { C2M_KILL_AT_PUBREC: "5" });
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(powers(broker.events)).toEqual(range(1, 5));

    // 2. Its packet ids start where the first run's did; killed at a moment of the test's choosing.
    const second = runChild(dir, url, 101, 300);
    await waitUntil(() => powers(broker.events).some((p) => p >= 130), 60_000, `events of the second run; stderr: ${second.stderr}`);
    second.kill();
    expect((await second.exited).signal).toBe("SIGKILL");

    // 3. Sends whatever is left and stops.
    const third = runChild(dir, url, 301, 310);
    expect((await third.exited).code).toBe(0);
    expect(third.drained).toBe(true);

    const received = powers(broker.events);
    const accepted = [...first.accepted, ...second.accepted, ...third.accepted];
    expect(accepted.length).toBeGreaterThan(5 + 30 + 10 - 1);
    const missing = accepted.filter((n) => !received.includes(n));
    expect(missing).toEqual([]);
    // Each crash may send the event that was in flight once more: two kills, at most two duplicates.
    const duplicates = received.length - new Set(received).size;
    expect(duplicates).toBeLessThanOrEqual(2);
    // In order: the first arrival of each event comes after the first arrival of the one before.
    const firsts = [...new Set(received)];
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  });
});

describe("Voltaware events: closing the publisher", () => {
  it("waits a bounded time for an event that is never acknowledged, sends nothing new meanwhile, and leaves both in the queue", { timeout: 60_000 }, async () => {
    // A broker that takes every connection and never answers a publish.
    let publishes = 0;
    const aedes = await Aedes.createBroker({ authorizePublish: () => void publishes++ });
    const server = createServer((socket) => aedes.handle(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const path = join(mkdtempSync(join(tmpdir(), "c2m-close-")), "events.jsonl");
    const log = pino({ level: "silent" });
    const queue = new EventQueue(path, 10, log);
    const cfg = { url: `mqtt://127.0.0.1:${port}`, topic: EVENTS_TOPIC, payload: '{"timestamp": {{timestamp}}, "power": {{power}}}', qos: 2 as const, queueSize: 10, meters: [] };
    const publisher = new EventsPublisher(cfg, queue, log, "c2m-close-test");
    try {
      publisher.start();
      expect(publisher.accept("2001", { power: 1 }, Date.now())).toBe(true);
      expect(publisher.accept("2001", { power: 2 }, Date.now())).toBe(true);
      await waitUntil(() => publishes === 1, 20_000, "the first event in flight");
      const closed = publisher.close().then(() => "closed");
      // Bounded (3 s): generous here, a loaded machine is slow.
      expect(await Promise.race([closed, sleep(30_000).then(() => "still waiting")])).toBe("closed");
      expect(publishes).toBe(1);
      const again = new EventQueue(path, 10, log);
      expect(again.size).toBe(2);
      again.close();
    } finally {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
