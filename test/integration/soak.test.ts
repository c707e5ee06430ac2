/**
 * A time-accelerated soak: the daemon with all five vendors against their simulators, polling
 * every 50–100 ms (Climkit: 1 s, its pace), under random faults (500, 429 with Retry-After, slow and malformed answers,
 * dropped connections, revoked and short-lived tokens, broker restarts) for thousands of polls.
 * Timers, handles, node-schedule jobs and listeners must not grow with the number of polls, the
 * heap must stay bounded, and no promise may be left rejected unhandled.
 *
 * CI runs ~30 s; `npm run soak` (or SOAK_MINUTES=10 npx vitest run test/integration/soak.test.ts)
 * runs longer. Figures are printed as one JSON line ("soak figures") for docs/SOAK.md.
 */
import { tmpdir } from "node:os";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import v8 from "node:v8";
import vm from "node:vm";
import mqtt, { type MqttClient } from "mqtt";
import schedule from "node-schedule";
import { stringify } from "yaml";
import { afterAll, expect, it } from "vitest";
import { parseConfig, secretValues } from "../../src/app-config.js";
import { Daemon } from "../../src/daemon/daemon.js";
import { createLogger, SecretScrubber } from "../../src/log.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { sleep, startAedes } from "../helpers/mqtt.js";
import { VENDOR_TABLE, type Simulator } from "../helpers/vendors.js";
import { prng } from "../../src/simulators/kit/random.js";

const MINUTES = Number(process.env.SOAK_MINUTES ?? 0);
const DURATION_MS = MINUTES > 0 ? MINUTES * 60_000 : 30_000;

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

interface Sample {
  at: number;
  polls: number;
  heapMB: number;
  rssMB: number;
  resources: Record<string, number>;
  handles: number;
  timers: number;
  jobs: number;
  mqttListeners: number;
  processListeners: number;
}

const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

it(`stays level over thousands of polls under random faults (${DURATION_MS / 1000} s)`, async () => {
  const seed = Number(process.env.SOAK_SEED ?? 7);
  const random = prng(seed);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  cleanup.push(async () => void process.off("unhandledRejection", onUnhandled));

  // Every vendor, each source named after its vendor.
  const clouds = [];
  for (const v of VENDOR_TABLE) clouds.push({ type: v.type, cloud: await v.soak.start(), soak: v.soak });
  const sims: Record<string, Simulator> = Object.fromEntries(clouds.map((c) => [c.type, c.cloud.sim]));
  for (const s of Object.values(sims)) cleanup.push(() => s.close());
  let broker: EmbeddedBroker = await startAedes();
  const port = Number(new URL(broker.url).port);
  cleanup.push(() => broker.close());

  const sources = clouds.map((c) => c.cloud.source(c.type, c.soak.extra));
  const yaml = stringify({
    mqtt: { url: broker.url, client_id: "c2m_soak" },
    health: { enabled: false },
    log_level: "info",
    data_dir: mkdtempSync(join(tmpdir(), "c2m-soak-")),
    sources: sources.map((s) => ({ ...s, interval: "1s", timeout: "2s" })),
  });
  const parsed = parseConfig(yaml, {}, join(tmpdir(), "soak.yaml"));
  if (!parsed.config) throw new Error(JSON.stringify(parsed.errors));
  const config = parsed.config;
  // Below the 1 s floor a user may configure: time is accelerated here.
  for (const s of config.sources) s.interval = s.type === "climkit" ? 1_000 : 50 + Math.round(random() * 50);
  const scrubber = new SecretScrubber();
  for (const s of secretValues(config)) scrubber.add(s);
  const recent: string[] = [];
  let logLines = 0;
  const sink = new Writable({
    write: (chunk, _e, cb) => {
      logLines++;
      recent.push(String(chunk));
      if (recent.length > 200) recent.shift();
      cb();
    },
  });
  const daemon = new Daemon({ config, logger: createLogger("info", scrubber, sink), scrubber, retainedWindowMs: 300 });
  // Every finished poll, good or failed, reports a status change.
  let polls = 0;
  const statusChanged = daemon.statusChanged.bind(daemon);
  daemon.statusChanged = () => {
    polls++;
    statusChanged();
  };
  await daemon.start();
  cleanup.push(() => daemon.stop());
  const mqttClient = (): MqttClient => (daemon as unknown as { conn: { client: MqttClient } }).conn.client;
  const online = (): boolean => daemon.sourceStatuses().every((s) => s.state === "online");
  const waitOnline = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!online()) {
      if (Date.now() > deadline) throw new Error(`sources not online: ${JSON.stringify(daemon.sourceStatuses())}\n${recent.slice(-20).join("")}`);
      await sleep(100);
    }
  };
  await waitOnline(30_000);

  const started = Date.now();
  const faultsSeen: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, f: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, ms);
    timers.add(t);
  };
  let injecting = false;
  let lastBrokerRestart = Date.now();
  const inject = async (): Promise<void> => {
    const names = Object.keys(sims);
    const name = names[Math.floor(random() * names.length)]!;
    const f = sims[name]!.faults;
    const kinds = ["500", "429", "slow", "malformed", "token", "outage", "broker"] as const;
    const kind = kinds[Math.floor(random() * kinds.length)]!;
    if (kind !== "broker") faultsSeen[`${name} ${kind}`] = (faultsSeen[`${name} ${kind}`] ?? 0) + 1;
    switch (kind) {
      case "500":
        f.status500 = true;
        later(1_000 + random() * 1_000, () => (f.status500 = false));
        break;
      case "429":
        f.rateLimitNext = 1 + Math.floor(random() * 2);
        break;
      case "slow":
        f.slowMs = 300 + Math.floor(random() * 700);
        later(2_000, () => (f.slowMs = 0));
        break;
      case "malformed":
        f.malformed = true;
        later(500 + random() * 1_000, () => (f.malformed = false));
        break;
      case "token":
        f.unauthorizedNext = 1;
        break;
      case "outage":
        f.outage = true;
        later(500 + random() * 1_000, () => (f.outage = false));
        break;
      case "broker":
        if (Date.now() - lastBrokerRestart < 10_000) break;
        lastBrokerRestart = Date.now();
        faultsSeen.broker = (faultsSeen.broker ?? 0) + 1;
        await broker.close();
        await sleep(300);
        broker = await startAedes(port);
        break;
    }
  };
  // Commands too: each one asks for a poll at once, the path where node-schedule leaked jobs.
  const commander = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 200, clientId: "soak_commander" });
  cleanup.push(() => commander.endAsync(true));
  const sends = clouds.flatMap((c) => (c.soak.command ? c.soak.command.payloads.map((payload) => ({ topic: `cloud2mqtt/${c.type}/${c.soak.command!.entity}/set`, payload })) : []));
  expect(sends.length).toBeGreaterThan(0);
  let commands = 0;
  const runInjector = async (): Promise<void> => {
    while (injecting) {
      if (commander.connected) {
        const send = sends[commands % sends.length]!;
        commander.publish(send.topic, send.payload);
        commands++;
      }
      await inject();
      await sleep(300 + random() * 700);
      // The simulators' request logs are test instruments, not the daemon's memory.
      for (const s of Object.values(sims)) s.requests.length = 0;
    }
  };

  /** A comparable moment: faults cleared, every source recovered, garbage collected. */
  const sample = async (): Promise<Sample> => {
    for (const s of Object.values(sims)) s.resetFaults();
    await waitOnline(30_000);
    await sleep(1_000);
    gc();
    gc();
    const resources: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
    const client = mqttClient();
    const mem = process.memoryUsage();
    return {
      at: Math.round((Date.now() - started) / 1000),
      polls,
      heapMB: Math.round(mem.heapUsed / 1e5) / 10,
      rssMB: Math.round(mem.rss / 1e5) / 10,
      resources,
      handles: process.getActiveResourcesInfo().filter((r) => r !== "Timeout" && r !== "Immediate").length,
      timers: resources.Timeout ?? 0,
      jobs: Object.keys(schedule.scheduledJobs).length,
      mqttListeners: client.eventNames().reduce((n, e) => n + client.listenerCount(e), 0),
      processListeners: process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0),
    };
  };
  const runFor = async (untilMs: number): Promise<void> => {
    while (Date.now() - started < untilMs) await sleep(200);
  };
  // Warm-up (JIT, first logins, caches), then the middle and the end, same distance apart.
  const samples: Sample[] = [];
  for (const until of [0.2, 0.6, 1]) {
    injecting = true;
    const injector = runInjector();
    await runFor(DURATION_MS * until);
    injecting = false;
    await injector;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    samples.push(await sample());
  }
  const [warm, mid, end] = samples as [Sample, Sample, Sample];
  const figures = { minutes: DURATION_MS / 60_000, seed, node: process.version, polls, commands, logLines, faults: faultsSeen, warm, mid, end };
  console.log(`soak figures ${JSON.stringify(figures)}`);

  expect(unhandled).toEqual([]);
  // It did poll all along (a shared machine and the faults' backoff slow it down: 14–34 polls/s measured).
  expect(polls).toBeGreaterThan(DURATION_MS / 100);
  // Nothing grows with the number of polls: the end looks like the middle.
  // At most one pending job per source: how many are pending at one instant depends on which
  // sources are polling or backing off, so comparing with the middle would flake.
  expect(end.jobs).toBeLessThanOrEqual(config.sources.length);
  expect(end.timers).toBeLessThanOrEqual(mid.timers + 10);
  expect(end.handles).toBeLessThanOrEqual(mid.handles + 10);
  expect(end.mqttListeners).toBeLessThanOrEqual(mid.mqttListeners + 2);
  expect(end.processListeners).toBeLessThanOrEqual(mid.processListeners);
  // The heap after collection: bounded, not rising with the polls between the middle and the end.
  expect(end.heapMB).toBeLessThan(mid.heapMB * 1.5 + 10);
}, DURATION_MS + 120_000);
