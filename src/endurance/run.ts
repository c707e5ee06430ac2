/**
 * One endurance run: Mosquitto, the five simulators and the built daemon as a child process,
 * time compressed (3 s tokens, 1 s polls, several sources per vendor), with faults injected one
 * at a time on a schedule tied to the poll count (the run's clock), while events and commands
 * flow throughout. Returns the figures; `report.ts` judges them.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { stringify } from "yaml";
import { Clouds, COMMAND_SOURCE, COMMAND_TOPIC, EVENTS_SOURCE, LOCAL_METER_TOPIC } from "./clouds.js";
import { DaemonProcess, type HealthBody } from "./daemon-process.js";
import { EventsLedger } from "./events.js";
import { faultInjector } from "./faults.js";
import { Mosquitto } from "./mosquitto.js";
import type { Params } from "./params.js";
import type { CommandRecord, FaultKind, FaultRecord, MemorySample, RunFigures } from "./figures.js";
import { freePort } from "../util/net.js";
import { prng, sleep } from "./stats.js";

const DAEMON_USER = { username: "cloud2mqtt", password: "endurance-mqtt-password" };
const HARNESS_USER = { username: "harness", password: "endurance-harness-password" };
const SOURCE_TIMEOUT = "3s";
const TMPFS_SIZE = "8m";

export async function runEndurance(params: Params, log: (line: string) => void): Promise<RunFigures> {
  const random = prng(params.seed);
  const startedAt = new Date();
  const runDir = mkdtempSync(join(tmpdir(), "c2m-endurance-"));
  // Mosquitto, started as root, drops to its own user: it must reach its files in here.
  chmodSync(runDir, 0o755);
  const dataDir = join(runDir, "data");
  const logDir = join(runDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const notes: string[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanupAll = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  const onSignal = (): void => void cleanupAll().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const mosquittoDir = join(runDir, "mosquitto");
    mkdirSync(mosquittoDir);
    const broker = new Mosquitto(mosquittoDir, await freePort(), DAEMON_USER, HARNESS_USER);
    await broker.start();
    cleanups.push(() => broker.stop());

    const clouds = await Clouds.start(params.tokenLifetimeS);
    cleanups.push(() => clouds.close());
    const sources = clouds.sources(params.perVendor, SOURCE_TIMEOUT);
    const healthPort = await freePort();
    const configPath = join(runDir, "config.yaml");
    writeFileSync(
      configPath,
      stringify({
        mqtt: { url: broker.url, username: DAEMON_USER.username, password: DAEMON_USER.password, client_id: "c2m_endurance" },
        health: { enabled: true, host: "127.0.0.1", port: healthPort },
        log_level: "info",
        data_dir: dataDir,
        sources,
      }),
      { mode: 0o600 },
    );

    // The event queue's folder on a small filesystem of its own, so it can be filled.
    const eventsDir = join(dataDir, "sources", EVENTS_SOURCE);
    mkdirSync(eventsDir, { recursive: true });
    let tmpfs = false;
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_SIZE}`, "tmpfs", eventsDir], { stdio: "pipe" });
      tmpfs = true;
      cleanups.push(() => void execFileSync("umount", ["-l", eventsDir], { stdio: "pipe" }));
    } catch (error) {
      notes.push(`Could not mount a tmpfs for the event queue (${(error as Error).message.split("\n")[0]}): the disk-full episodes were NOT exercised.`);
    }

    const cli = resolve("dist/cli.js");
    const daemon = new DaemonProcess(cli, configPath, logDir, `http://127.0.0.1:${healthPort}/health`);
    cleanups.push(() => daemon.stop());
    const ledger = new EventsLedger(join(eventsDir, "events-queue.jsonl"));

    // The run's clock: status changes (one per finished poll) over every daemon process so far.
    let pollsBefore = 0;
    let lastSeenChanges = 0;
    let latest: HealthBody | undefined;
    let latestAt = 0;
    const polls = (): number => pollsBefore + lastSeenChanges;
    const daemonStarts: number[] = [];
    /** When each event that can cut a command off happened: a kill, a broker stop, a daemon exit. */
    const disruptions: number[] = [];
    const disrupt = (): void => void disruptions.push(Date.now());
    const repairs: RunFigures["repairs"] = [];

    const startDaemon = (): void => {
      pollsBefore += lastSeenChanges;
      lastSeenChanges = 0;
      latest = undefined;
      daemonStarts.push(Date.now());
      daemon.start();
    };
    daemon.onUnexpectedExit = () => {
      disrupt();
      const exit = daemon.unexpectedExits.at(-1);
      log(`daemon exited on its own (code ${exit?.code}, signal ${exit?.signal}); starting it again`);
      setTimeout(startDaemon, 1_000);
    };

    let running = true;
    const loops: Array<Promise<void>> = [];
    const loop = (everyMs: number, body: () => Promise<void> | void): void => {
      loops.push(
        (async () => {
          while (running) {
            try {
              await body();
            } catch (error) {
              log(`harness loop error: ${(error as Error).message}`);
            }
            await sleep(everyMs);
          }
        })(),
      );
    };

    // Health: the sources' last polls, the connection, the poll count.
    loop(200, async () => {
      if (!daemon.running) return;
      const h = await daemon.health();
      if (!h) return;
      latest = h;
      latestAt = Date.now();
      if (h.debug) lastSeenChanges = Math.max(lastSeenChanges, h.debug.status_changes);
    });
    const connected = (): boolean => daemon.running && latest?.httpOk === true && Date.now() - latestAt < 1_000;
    const lastPoll = (id: string): number => {
      const s = latest?.sources.find((x) => x.id === id);
      return s?.last_poll ? Date.parse(s.last_poll) : 0;
    };
    const waitFor = async (predicate: () => boolean, maxMs: number): Promise<number | undefined> => {
      const deadline = Date.now() + maxMs;
      while (Date.now() < deadline) {
        if (predicate()) return Date.now();
        await sleep(100);
      }
      return predicate() ? Date.now() : undefined;
    };

    // The harness's MQTT client: local meter values and commands.
    const client: MqttClient = mqtt.connect(broker.url, { ...HARNESS_USER, clientId: "endurance_harness", reconnectPeriod: 300, connectTimeout: 5_000 });
    client.on("error", () => undefined);
    cleanups.push(() => client.endAsync(true));
    let pendingResult: ((r: CommandRecord["result"]) => void) | undefined;
    client.on("connect", () => client.subscribe(`${COMMAND_TOPIC}/result`, { qos: 1 }));
    client.on("message", (topic, payload) => {
      if (topic !== `${COMMAND_TOPIC}/result`) return;
      try {
        pendingResult?.(JSON.parse(payload.toString("utf8")) as CommandRecord["result"]);
      } catch {
        pendingResult?.({ ok: false, error: `unreadable result: ${payload.toString("utf8").slice(0, 100)}` });
      }
    });

    // Events: a counter on a local topic (each value one event), read back on both sides.
    let counter = 0;
    loop(250, () => {
      if (!client.connected || !daemon.running) return;
      counter++;
      ledger.publishedAt.set(counter, Date.now());
      client.publish(LOCAL_METER_TOPIC, String(counter), { qos: 0 });
    });
    loop(500, () => {
      clouds.drain();
      ledger.receive(clouds.voltaware.broker?.events.splice(0) ?? []);
      ledger.readQueue();
    });

    // A command published while the daemon is connected but has not subscribed again yet (clean
    // session) reaches no one: the moments after a connection comes back are marked here.
    let lastReconnectAt = 0;
    let wasConnected = false;
    loop(200, () => {
      const now = connected();
      if (now && !wasConnected) lastReconnectAt = Date.now();
      wasConnected = now;
    });

    // Commands: one at a time to the dimmer of the command source, each value unlike the last.
    const commands: CommandRecord[] = [];
    let lastValue = 0;
    loop(300, async () => {
      // Not in the first second after the daemon's connection came up: with a clean session it
      // subscribes again only then, and a command before that reaches no one (MQTT, not a defect).
      if (!client.connected || !connected() || lastPoll(COMMAND_SOURCE) === 0 || Date.now() - lastReconnectAt < 1_000) return;
      let value = 1 + Math.floor(random() * 99);
      if (value === lastValue) value = (value % 99) + 1;
      lastValue = value;
      const record: CommandRecord = { value, sentAt: Date.now(), result: undefined, resultAt: undefined, interrupted: false };
      const answered = new Promise<CommandRecord["result"]>((resolveResult) => (pendingResult = resolveResult));
      commands.push(record);
      client.publish(COMMAND_TOPIC, String(value), { qos: 1 });
      const result = await Promise.race([answered, sleep(20_000).then(() => undefined)]);
      pendingResult = undefined;
      record.result = result;
      record.resultAt = result ? Date.now() : undefined;
      // Cut off: a fault began from just before the command (the harness's view of the connection
      // is up to a second old) until its answer or the end of the wait.
      const until = record.resultAt ?? Date.now();
      record.interrupted = disruptions.some((t) => t >= record.sentAt - 1_000 && t <= until);
      record.afterReconnectMs = record.sentAt - lastReconnectAt;
    });

    // Memory four times a simulated day (the table shows whole days; the slopes use every sample:
    // RSS moves by megabytes between two samples, and more samples narrow its fitted slope).
    const memory: MemorySample[] = [];
    const dayPolls = params.polls / params.days;
    const perDay = 4;
    let nextQuarter = 1;
    loop(300, async () => {
      if (polls() < (nextQuarter * dayPolls) / perDay || !daemon.running) return;
      const h = await daemon.health(true);
      if (!h?.debug?.heap_after_gc_bytes) return;
      memory.push({
        day: nextQuarter / perDay,
        at: Date.now(),
        polls: polls(),
        incarnation: daemon.incarnation,
        heapAfterGcMB: h.debug.heap_after_gc_bytes / 1e6,
        rssMB: h.debug.rss_bytes / 1e6,
        scrubLineUs: h.debug.scrub_line_us ?? 0,
        tokens: clouds.tokenTotal,
        logLines: daemon.log.lines,
      });
      if (h.debug.gc_exposed === false) notes.push("the daemon ran without --expose-gc: heap figures are not after a collection");
      nextQuarter = Math.floor((polls() * perDay) / dayPolls) + 1;
    });

    startDaemon();
    const firstStart = Date.now();
    const ready = await waitFor(() => daemon.unexpectedExits.length > 0 || (connected() && sources.every((s) => lastPoll(String(s.id)) > 0)), 120_000);
    const early = daemon.unexpectedExits[0];
    if (early) throw new Error(`the daemon exited at start (code ${early.code}):\n${early.lastLines.join("\n")}`);
    if (!ready) throw new Error(`the daemon did not get every source online within 2 min: ${JSON.stringify(latest?.sources.filter((s) => s.state !== "online"))}`);
    /** A fresh start's time to every source's first poll: what a restart after kill -9 is held to. */
    const startupMs = Date.now() - firstStart;
    log(`daemon up, ${sources.length} sources online after ${(startupMs / 1000).toFixed(1)} s; run dir ${runDir}`);

    // The schedule: each fault at a point of the poll count, one at a time.
    const schedule: Array<{ kind: FaultKind; mark: number }> = [];
    const spread = (kind: FaultKind, n: number, from: number, to: number): void => {
      for (let i = 0; i < n; i++) schedule.push({ kind, mark: from + ((to - from) * (i + random())) / n });
    };
    spread("broker-restart", params.brokerRestarts - params.refusingRestarts, 0.02, 0.97);
    spread("broker-refusing", params.refusingRestarts, 0.02, 0.97);
    spread("events-broker-restart", params.eventsBrokerRestarts, 0.02, 0.97);
    spread("disk-full", params.diskFull, 0.02, 0.97);
    spread("kill-9", params.kills, 0.02, params.killsUntil);
    spread("cloud", params.cloudFaults, 0.02, 0.97);
    schedule.sort((a, b) => a.mark - b.mark);

    const faults: FaultRecord[] = [];
    // Progress.
    const t0 = Date.now();
    loop(15_000, () => {
      const min = ((Date.now() - t0) / 60_000).toFixed(1);
      log(`[${min} min] polls ${polls()}/${params.polls}, tokens ${clouds.tokenTotal}/${params.tokens}, faults ${faults.length}/${schedule.length}, events delivered ${ledger.delivered.size}, commands ${commands.length}, daemon #${daemon.incarnation}`);
    });

    const deadline = t0 + params.maxMinutes * 60_000;
    const allSourcesPolledSince = (t: number): boolean => connected() && sources.every((s) => lastPoll(String(s.id)) >= t);
    const allOnline = (): boolean => connected() && sources.every((s) => latest?.sources.find((x) => x.id === s.id)?.state === "online");
    const repair = async (why: string): Promise<void> => {
      log(`repair: ${why}; restarting the daemon`);
      repairs.push({ at: Date.now(), why });
      disrupt();
      broker.usePasswords(true);
      await broker.start();
      broker.reload();
      await daemon.kill9();
      startDaemon();
      const since = Date.now();
      await waitFor(() => allSourcesPolledSince(since), 120_000);
    };

    const inject = faultInjector({ broker, clouds, daemon, ledger, random, tmpfs, eventsDir, startupMs, disrupt, startDaemon, connected, lastPoll, allSourcesPolledSince, waitFor });

    for (const next of schedule) {
      while (polls() < next.mark * params.polls && Date.now() < deadline) await sleep(200);
      if (Date.now() >= deadline) break;
      // Each fault starts from a daemon that is up, so its recovery is its own.
      if (!(await waitFor(allOnline, 60_000))) await repair(`not every source online before the ${next.kind} fault`);
      const record = await inject(next.kind);
      faults.push(record);
      const took = record.recoveredAt === undefined ? "NOT RECOVERED" : `${((record.recoveredAt - record.endedAt) / 1000).toFixed(1)} s (bound ${(record.boundMs / 1000).toFixed(1)} s)`;
      if (record.recoveredAt === undefined || record.recoveredAt - record.endedAt > record.boundMs) log(`fault ${faults.length} ${record.kind} ${record.detail}: back after ${took}`);
      if (record.recoveredAt === undefined) await repair(`${record.kind} (${record.detail}): not back`);
    }
    const targetsMet = (): boolean => polls() >= params.polls && clouds.tokenTotal >= params.tokens;
    while (!targetsMet() && Date.now() < deadline) await sleep(500);
    const targetsReached = targetsMet() && faults.length === schedule.length;
    if (!targetsReached) notes.push(`Stopped at the time limit (${params.maxMinutes} min) before reaching every target.`);

    // Let the queue drain, then stop what feeds it.
    running = false;
    await Promise.all(loops);
    const drainDeadline = Date.now() + 60_000;
    for (;;) {
      clouds.drain();
      ledger.receive(clouds.voltaware.broker?.events.splice(0) ?? []);
      ledger.readQueue();
      if (ledger.lost().length === 0 || Date.now() > drainDeadline) break;
      await sleep(500);
    }
    const exitCode = await daemon.stopAndDescribe();

    return {
      params,
      startedAt,
      endedAt: new Date(),
      node: process.version,
      polls: polls(),
      tokens: { ...clouds.tokens },
      tokenTotal: clouds.tokenTotal,
      sources: sources.length,
      faults,
      repairs,
      memory,
      commands,
      applied: [...clouds.applied],
      events: { accepted: ledger.accepted.size, delivered: ledger.delivered.size, duplicates: ledger.duplicates, lost: ledger.lost(), tornInTheMiddle: ledger.tornInTheMiddle, published: counter },
      daemonStarts,
      eventsBrokerStarts: faults.filter((x) => x.kind === "events-broker-restart" && !x.skipped).map((x) => x.endedAt),
      unexpectedExits: daemon.unexpectedExits,
      log: { lines: daemon.log.lines, byLevel: daemon.log.byLevel, top: [...daemon.log.messages.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25), fatal: daemon.log.fatal },
      notes,
      targetsReached,
      finalSigtermExit: exitCode,
      runDir,
    };
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanupAll();
  }
}
