import type { Logger } from "pino";
import { HTTPError } from "got";
import type { Bridge, PollResult } from "../bridges/types.js";
import type { SourceConfig } from "../config/types.js";
import type { Command, Device, Entity, Reading } from "../model/index.js";
import { describeHttpError } from "../http/client.js";
import { Poller } from "../poller/poller.js";
import { SourceFilter } from "./filters.js";
import { settlesWithin } from "./shutdown.js";
import { TopicSafety } from "./topic-safe.js";

/** A source goes offline after this many failed polls in a row (DESIGN.md). */
export const OFFLINE_AFTER_FAILURES = 3;

/**
 * A running poll that has heard nothing from its cloud (no response, no failed attempt) for this
 * long is stuck: every request has a timeout, so only a defect or a hung dependency gets here.
 * Long polls are fine as long as answers keep coming (Climkit's 1 request/s, Belimo's paging).
 */
export function stuckAfterMs(timeoutMs: number): number {
  // Beyond a request's timeout with its retries, and beyond a Retry-After the HTTP layer waits (60 s).
  return Math.max(5 * timeoutMs, 120_000);
}

export interface SourceStatus {
  id: string;
  type: string;
  state: "starting" | "online" | "offline";
  last_poll: string | null;
  last_error: string | null;
  devices: number;
  /** The bridge's own problems (Bridge.problems), when it has any. */
  problems?: string[];
}

/** Where a source's results go: the MQTT side, which this class does not know. */
export interface SourceSink {
  publish(source: string, devices: Device[], readings: Reading[], entityOf: (d: string, e: string) => Entity | undefined): void;
  availability(source: string, online: boolean): void;
  statusChanged(): void;
}

/**
 * Makes a source's bridge, given what its HTTP clients report to (`SourceRunner.activity`): the
 * runner exists before its bridge, so nothing has to be wired after the fact.
 */
export type BridgeFactory = (activity: (quietUntil?: number) => void) => Bridge;

/** One configured source: its bridge, its schedule, its current devices and its health. */
export class SourceRunner {
  readonly status: SourceStatus;
  readonly bridge: Bridge;
  private readonly poller: Poller;
  private readonly filter: SourceFilter;
  private readonly safety: TopicSafety;
  private devices = new Map<string, { device: Device; entities: Map<string, Entity> }>();
  private inIncident = false;
  /** When each entity was last written: a poll that started earlier must not undo the write. */
  private readonly writtenAt = new Map<string, number>();
  /** When the running poll last heard from its cloud (see `activity`). */
  private heardAt = 0;
  private stuckReported = false;
  /** Until when the cloud asked to be left alone (Retry-After, as the HTTP layer reports it: capped by max_retry_after). */
  private quietUntil = 0;
  private readonly stuckAfterMs: number;
  /** Holds the state store's writes for the length of a poll: one write after it, not one per change. */
  private readonly holdState: (() => () => Promise<void>) | undefined;

  constructor(
    readonly config: SourceConfig,
    bridge: Bridge | BridgeFactory,
    private readonly sink: SourceSink,
    private readonly log: Logger,
    opts: { stuckAfterMs?: number; holdState?: () => () => Promise<void> } = {},
  ) {
    this.stuckAfterMs = opts.stuckAfterMs ?? stuckAfterMs(config.timeout);
    this.holdState = opts.holdState;
    this.bridge = typeof bridge === "function" ? bridge((quietUntil) => this.activity(quietUntil)) : bridge;
    this.status = { id: config.id, type: config.type, state: "starting", last_poll: null, last_error: null, devices: 0 };
    this.filter = new SourceFilter(config.include, config.exclude);
    this.safety = new TopicSafety(log);
    this.poller = new Poller({
      intervalMs: config.interval,
      run: () => this.poll(),
      onSuccess: () => this.succeeded(),
      onFailure: (error, n) => this.failed(error, n),
    });
  }

  /** The status with the bridge's current problems, if any. */
  snapshot(): SourceStatus {
    const problems = this.bridge.problems?.() ?? [];
    return problems.length > 0 ? { ...this.status, problems } : { ...this.status };
  }

  start(initialDelayMs = 0): void {
    this.poller.start(initialDelayMs);
  }

  /**
   * No poll starts any more; resolves true once the running one has ended, false after `graceMs`
   * (a poll a slow cloud holds up: `closeBridge` then cuts it short, and its results, if any
   * still come, publish as usual).
   */
  stopPolling(graceMs: number): Promise<boolean> {
    return settlesWithin(this.poller.stop(), graceMs);
  }

  /**
   * Closes the bridge: it ends a poll still running (vendors paced at 1/s) and finishes what it
   * sends on (Voltaware's events are acknowledged or stay queued). False when not done in `timeMs`.
   */
  closeBridge(timeMs: number): Promise<boolean> {
    const close = this.bridge.close?.bind(this.bridge);
    return close ? settlesWithin(Promise.resolve().then(close), timeMs) : Promise.resolve(true);
  }

  /** Both of the above at once, the bridge closed beside the poll; the daemon runs them in phases (Daemon.stop). */
  async stop(graceMs = 2_000): Promise<void> {
    await Promise.all([this.stopPolling(graceMs), this.closeBridge(graceMs)]);
  }

  /** Writes a validated command through the bridge; returns the readings to publish at once. */
  async write(command: Command, target: { device: Device; entity: Entity }): Promise<Reading[]> {
    const readings = await this.bridge.write(command, target);
    this.writtenAt.set(`${command.device}/${command.entity}`, Date.now());
    this.poller.trigger();
    return readings;
  }

  /**
   * The cloud answered (a response or a failed attempt): the running poll is not stuck. A
   * Retry-After is a wait the cloud asked for: silence until then does not count either.
   */
  activity(quietUntil = Date.now()): void {
    this.heardAt = Math.max(this.heardAt, Date.now(), quietUntil);
    if (quietUntil > Date.now()) this.quietUntil = Math.max(this.quietUntil, quietUntil);
  }

  /**
   * While the cloud's Retry-After holds, when it ends: a command now would wait for it in the
   * rate limiter, so it is answered at once instead.
   */
  pausedUntil(): Date | undefined {
    return this.quietUntil > Date.now() ? new Date(this.quietUntil) : undefined;
  }

  lookup(deviceKey: string, entityKey: string): { device: Device; entity: Entity } | undefined {
    const d = this.devices.get(deviceKey);
    const entity = d?.entities.get(entityKey);
    return d && entity ? { device: d.device, entity } : undefined;
  }

  private async poll(): Promise<void> {
    const startedAt = Date.now();
    // A Retry-After of the last poll may still hold the limiter: its quiet time stays granted.
    this.heardAt = Math.max(this.heardAt, startedAt);
    const watchdog = setInterval(() => this.checkStuck(), Math.max(1, Math.min(this.stuckAfterMs / 4, 30_000)));
    watchdog.unref();
    const releaseState = this.holdState?.();
    let result: PollResult;
    try {
      result = await this.bridge.poll();
    } finally {
      clearInterval(watchdog);
      this.stuckReported = false;
      // Written before the results are published: what the source says it has is on disk.
      await releaseState?.().catch(() => undefined);
    }
    const safe = this.safety.apply(result);
    const filtered = this.filter.apply(safe.devices, safe.readings);
    const devices = filtered.devices;
    const readings = this.writtenAt.size === 0 ? filtered.readings : filtered.readings.filter((r) => !this.writtenSince(r, startedAt));
    this.devices = new Map(devices.map((d) => [d.key, { device: d, entities: new Map(d.entities.map((e) => [e.key, e])) }]));
    this.sink.publish(this.config.id, devices, readings, (d, e) => this.devices.get(d)?.entities.get(e));
    this.status.devices = devices.length;
  }

  private writtenSince(r: Reading, startedAt: number): boolean {
    const key = `${r.device}/${r.entity}`;
    const at = this.writtenAt.get(key);
    if (at === undefined) return false;
    if (at < startedAt) this.writtenAt.delete(key);
    return at >= startedAt;
  }

  /**
   * Cannot cancel the poll (a bridge's awaits are its own), and must not start another beside it:
   * says so once, and marks the source offline until the poll ends one way or the other.
   */
  private checkStuck(): void {
    const silentMs = Date.now() - this.heardAt;
    if (this.stuckReported || silentMs < this.stuckAfterMs) return;
    this.stuckReported = true;
    const message = `poll stuck: nothing heard from the cloud for ${Math.round(silentMs / 1000)} s; no new poll starts until it ends`;
    this.status.last_error = message;
    this.inIncident = true;
    this.log.error({ err: message }, "poll stuck");
    if (this.status.state !== "offline") {
      this.status.state = "offline";
      this.sink.availability(this.config.id, false);
    }
    this.sink.statusChanged();
  }

  private succeeded(): void {
    const wasOnline = this.status.state === "online";
    this.status.last_poll = new Date().toISOString();
    this.status.last_error = null;
    this.status.state = "online";
    if (this.inIncident) this.log.info("source recovered");
    else if (!wasOnline) this.log.info({ devices: this.status.devices }, "source online");
    this.inIncident = false;
    this.sink.availability(this.config.id, true);
    this.sink.statusChanged();
  }

  private failed(error: unknown, failuresInARow: number): number {
    const message = describeHttpError(error);
    this.status.last_error = message;
    // Once per incident: the first failure is a warning, the ones until recovery are debug.
    if (!this.inIncident) {
      this.log.warn({ err: message }, "poll failed");
      this.inIncident = true;
    } else {
      this.log.debug({ failuresInARow, err: message }, "poll failed again");
    }
    if (failuresInARow >= OFFLINE_AFTER_FAILURES && this.status.state !== "offline") {
      this.status.state = "offline";
      this.log.warn({ failuresInARow, err: message }, "source offline");
      this.sink.availability(this.config.id, false);
    }
    this.sink.statusChanged();
    // The next poll waits out the quiet time the HTTP layer reported (Retry-After, already capped).
    return error instanceof HTTPError ? Math.max(0, this.quietUntil - Date.now()) : 0;
  }
}
