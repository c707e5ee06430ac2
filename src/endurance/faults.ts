/**
 * The faults of an endurance run, one at a time: each is injected, ended, and its recovery timed
 * against one step of the backoff that should bring the daemon back.
 */
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { VENDORS, type Clouds, type Vendor } from "./clouds.js";
import type { DaemonProcess } from "./daemon-process.js";
import type { EventsLedger } from "./events.js";
import type { FaultKind, FaultRecord } from "./figures.js";
import type { Mosquitto } from "./mosquitto.js";
import { sleep } from "./stats.js";

/** How long a poll of one vendor may take once its cloud answers again (Climkit is paced at 1 request/s). */
const POLL_ALLOWANCE_MS: Record<Vendor, number> = { belimo: 4_000, climkit: 12_000, wiotys: 4_000, mybenext: 3_000, voltaware: 4_000 };
const INTERVAL_MS = 1_000;
/** The MQTT backoff: 1 s doubling to 30 s (README). */
const MQTT_MAX_BACKOFF_MS = 30_000;

/** What the faults act on and watch, from the run. */
export interface FaultHarness {
  broker: Mosquitto;
  clouds: Clouds;
  daemon: DaemonProcess;
  ledger: EventsLedger;
  random: () => number;
  /** The event queue's folder is a tmpfs of its own (else disk-full episodes are skipped). */
  tmpfs: boolean;
  eventsDir: string;
  /** A fresh start's time to every source's first poll: what a restart after kill -9 is held to. */
  startupMs: number;
  disrupt(): void;
  startDaemon(): void;
  connected(): boolean;
  lastPoll(id: string): number;
  allSourcesPolledSince(t: number): boolean;
  waitFor(predicate: () => boolean, maxMs: number): Promise<number | undefined>;
}

export function faultInjector(h: FaultHarness): (kind: FaultKind) => Promise<FaultRecord> {
  const { broker, clouds, daemon, ledger, random, tmpfs, eventsDir, startupMs, disrupt, startDaemon, connected, lastPoll, allSourcesPolledSince, waitFor } = h;

  const brokerFault = async (refusing: boolean): Promise<FaultRecord> => {
    const startedAt = Date.now();
    disrupt();
    await broker.stop();
    let detail: string;
    if (refusing) {
      broker.usePasswords(false);
      await broker.start();
      const hold = 2_000 + random() * 8_000;
      await sleep(hold);
      broker.usePasswords(true);
      broker.reload();
      detail = `refused the daemon's login for ${(hold / 1000).toFixed(1)} s`;
    } else {
      const down = 200 + random() * 2_500;
      await sleep(down);
      await broker.start();
      detail = `down ${(down / 1000).toFixed(1)} s`;
    }
    const endedAt = Date.now();
    const downMs = endedAt - startedAt;
    // The step the daemon's backoff is at: each wait is as long as all waits before it plus 1 s.
    const boundMs = Math.min(MQTT_MAX_BACKOFF_MS, downMs + 1_000) * 1.25 + 3_000;
    const recoveredAt = await waitFor(connected, boundMs + 30_000);
    return { kind: refusing ? "broker-refusing" : "broker-restart", detail, startedAt, endedAt, recoveredAt, boundMs };
  };

  /** Voltaware's broker away for a moment: the events connection must come back (1 s doubling to 30 s). */
  const eventsBrokerRestart = async (): Promise<FaultRecord> => {
    const events = clouds.voltaware.broker;
    const startedAt = Date.now();
    if (!events) return { kind: "events-broker-restart", detail: "not run", startedAt, endedAt: startedAt, recoveredAt: startedAt, boundMs: 0, skipped: "no events broker" };
    await events.stop();
    const down = 200 + random() * 4_000;
    await sleep(down);
    await events.start();
    const endedAt = Date.now();
    // The events connection's backoff step, then the publisher's pause after a failed publish (5 s).
    const boundMs = Math.min(MQTT_MAX_BACKOFF_MS, endedAt - startedAt + 1_000) * 1.25 + 5_000 + 3_000;
    const recoveredAt = await waitFor(() => ledger.firstReceivedPublishedAfter(endedAt) !== undefined, boundMs + 30_000);
    return { kind: "events-broker-restart", detail: `down ${(down / 1000).toFixed(1)} s`, startedAt, endedAt, recoveredAt: recoveredAt === undefined ? undefined : ledger.firstReceivedPublishedAfter(endedAt), boundMs };
  };

  const diskFull = async (): Promise<FaultRecord> => {
    const startedAt = Date.now();
    if (!tmpfs) return { kind: "disk-full", detail: "not run", startedAt, endedAt: startedAt, recoveredAt: startedAt, boundMs: 0, skipped: "no tmpfs" };
    const filler = join(eventsDir, "filler.bin");
    const fd = openSync(filler, "w");
    let filled = 0;
    for (const size of [1 << 18, 1 << 12, 64, 1]) {
      const chunk = Buffer.alloc(size, 0x2e);
      for (;;) {
        try {
          writeSync(fd, chunk);
          filled += size;
        } catch {
          break;
        }
      }
    }
    closeSync(fd);
    const hold = 2_000 + random() * 4_000;
    await sleep(hold);
    rmSync(filler, { force: true });
    const endedAt = Date.now();
    // Events come 4 a second; the publisher pauses 5 s after a failed publish before the next try.
    const boundMs = 9_000;
    const recoveredAt = await waitFor(() => ledger.firstReceivedPublishedAfter(endedAt) !== undefined, boundMs + 30_000);
    const arrived = ledger.firstReceivedPublishedAfter(endedAt);
    return { kind: "disk-full", detail: `${(filled / 1e6).toFixed(1)} MB filler, full for ${(hold / 1000).toFixed(1)} s`, startedAt, endedAt, recoveredAt: recoveredAt === undefined ? undefined : arrived, boundMs };
  };

  const kill = async (): Promise<FaultRecord> => {
    // A random moment: within the next two seconds, wherever the daemon is.
    await sleep(random() * 2_000);
    const startedAt = Date.now();
    disrupt();
    await daemon.kill9();
    startDaemon();
    const endedAt = Date.now();
    // As fast as the first start (connect, the retained-config window, one poll of each source),
    // with room for a busy machine; never less than those steps with the slowest vendor's poll.
    const boundMs = Math.max(1.5 * startupMs + 3_000, 3_000 + Math.max(...VENDORS.map((v) => POLL_ALLOWANCE_MS[v])) + 3_000);
    const recoveredAt = await waitFor(() => allSourcesPolledSince(endedAt), boundMs + 60_000);
    return { kind: "kill-9", detail: "SIGKILL, then started again", startedAt, endedAt, recoveredAt, boundMs };
  };

  const cloudFault = async (): Promise<FaultRecord> => {
    const vendor = VENDORS[Math.floor(random() * VENDORS.length)] as Vendor;
    const kinds = ["outage", "status500", "malformed", "unauthorized", "rate-limit"] as const;
    const kind = kinds[Math.floor(random() * kinds.length)] as (typeof kinds)[number];
    const f = clouds.faults(vendor);
    const startedAt = Date.now();
    let hold = 0;
    if (kind === "unauthorized") f.unauthorizedNext = 3;
    else if (kind === "rate-limit") f.rateLimitNext = 3;
    else {
      hold = 1_000 + random() * 4_000;
      if (kind === "outage") f.outage = true;
      else if (kind === "status500") f.status500 = true;
      else f.malformed = true;
      await sleep(hold);
      f.outage = f.status500 = f.malformed = false;
    }
    const endedAt = Date.now();
    const boundMs = Math.min(10 * INTERVAL_MS, hold + INTERVAL_MS) * 1.1 + POLL_ALLOWANCE_MS[vendor] + 3_000;
    const ids = clouds.sourcesOf[vendor];
    const recoveredAt = await waitFor(() => connected() && ids.every((id) => lastPoll(id) >= endedAt), boundMs + 60_000);
    f.unauthorizedNext = 0;
    f.rateLimitNext = 0;
    return { kind: "cloud", detail: `${vendor} ${kind}${hold ? ` ${(hold / 1000).toFixed(1)} s` : ""}`, startedAt, endedAt, recoveredAt, boundMs };
  };

  return (kind) => {
    if (kind === "broker-restart" || kind === "broker-refusing") return brokerFault(kind === "broker-refusing");
    if (kind === "events-broker-restart") return eventsBrokerRestart();
    if (kind === "disk-full") return diskFull();
    if (kind === "kill-9") return kill();
    return cloudFault();
  };
}
