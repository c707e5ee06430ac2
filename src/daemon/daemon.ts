import type { Server } from "node:http";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config/types.js";
import { findBridge } from "../bridges/registry.js";
import type { BridgeDefinition } from "../bridges/types.js";
import { CommandRouter } from "../commands/router.js";
import { DiscoveryManager } from "../discovery/manager.js";
import type { EmbeddedBroker } from "../mqtt/broker.js";
import { MqttConnection } from "../mqtt/connection.js";
import { formatValue } from "../mqtt/payload.js";
import { Topics } from "../mqtt/topics.js";
import type { Device, Entity, Reading } from "../model/index.js";
import { StateStore } from "../state/store.js";
import { VERSION } from "../version.js";
import type { SecretScrubber } from "../log.js";
import { createBridgeContext } from "./bridge-context.js";
import { debugFigures, debugHealthEnabled } from "./debug-health.js";
import { startHealthServer } from "./health.js";
import { InstanceGuard, otherInstanceError } from "./instance-guard.js";
import { SHUTDOWN, settlesWithin } from "./shutdown.js";
import { SourceRunner, type SourceSink } from "./source-runner.js";
import { errorMessage } from "../util/errors.js";

export interface DaemonOptions {
  config: Config;
  logger: Logger;
  scrubber: SecretScrubber;
  /** How long to collect retained discovery configs of earlier runs before polling. */
  retainedWindowMs?: number;
  /** Bridges to use instead of the registry's: the benchmark injects a synthetic source. */
  bridges?: readonly BridgeDefinition[];
}

/** Wires config, broker, discovery, sources and commands together; knows no vendor. */
export class Daemon implements SourceSink {
  readonly topics: Topics;
  private conn!: MqttConnection;
  private broker: EmbeddedBroker | undefined;
  private discovery!: DiscoveryManager;
  private readonly runners = new Map<string, SourceRunner>();
  private health: Server | undefined;
  private store!: StateStore;
  private readonly log: Logger;
  private birthTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Another instance runs on our base topic: its `bridge/state` is not ours to set offline. */
  private refused = false;
  private readonly forced: string[] = [];
  /** For the endurance harness's figures (debug-health.ts). */
  private statusChanges = 0;
  /** Bridges that take readings of other sources (BridgeContext.readings). */
  private readonly readingListeners = new Set<(source: string, reading: Reading) => void>();
  /** Sources whose availability an earlier run left retained as online. */
  private readonly retainedOnline = new Set<string>();

  constructor(private readonly opts: DaemonOptions) {
    this.log = opts.logger;
    this.topics = new Topics(opts.config.mqtt.base_topic);
  }

  get brokerUrl(): string {
    return this.opts.config.mqtt.url ?? this.broker?.url ?? "";
  }

  async start(): Promise<void> {
    const { config } = this.opts;
    this.store = new StateStore(config.data_dir, { logger: this.log });
    let url = config.mqtt.url;
    if (!url) {
      // Loaded only when used: aedes costs a daemon with its own broker some 10 MB.
      const { startEmbeddedBroker } = await import("../mqtt/broker.js");
      this.broker = await startEmbeddedBroker(config.broker);
      url = this.broker.url;
      this.log.info({ broker: url }, "embedded MQTT broker started");
    }
    this.conn = new MqttConnection({
      url,
      clientId: config.mqtt.client_id,
      username: config.mqtt.username ?? (config.mqtt.url ? undefined : config.broker.username),
      password: config.mqtt.password ?? (config.mqtt.url ? undefined : config.broker.password),
      keepalive: config.mqtt.keepalive,
      tls: config.mqtt.tls,
      will: { topic: this.topics.bridgeState, payload: "offline" },
      logger: this.log,
    });
    await this.conn.waitConnected();
    // Stopped while connecting or reading retained configs: stop() has closed everything so far.
    if (this.stopping) return;

    const ha = config.homeassistant;
    this.discovery = new DiscoveryManager(this.conn, this.topics, ha.discovery_prefix, ha.enabled, this.log);
    const guard = new InstanceGuard(this.conn, this.topics, config.mqtt.client_id, VERSION, this.log);
    const [other] = await Promise.all([guard.probe(Math.max(1_000, this.opts.retainedWindowMs ?? 1_500)), this.collectRetainedConfigs()]);
    if (this.stopping) return;
    this.refused = other !== undefined;
    if (other) throw otherInstanceError(this.topics.base, other);
    this.conn.publishRetained(this.topics.bridgeState, "online");
    guard.hold(() => this.stopping);

    for (const source of config.sources.filter((s) => s.enabled)) {
      const definition = this.opts.bridges ? this.opts.bridges.find((b) => b.type === source.type) : findBridge(source.type);
      if (!definition) throw new Error(`sources: type "${source.type}" of source "${source.id}" is not supported`);
      const logger = this.log.child({ source: source.id });
      const runner = new SourceRunner(
        source,
        (onActivity) => definition.create(createBridgeContext({ source, logger, store: this.store, scrubber: this.opts.scrubber, onActivity })),
        this,
        logger,
        { holdState: () => this.store.hold() },
      );
      await runner.bridge.start?.({
        readings: {
          onReading: (listener) => {
            this.readingListeners.add(listener);
            return () => this.readingListeners.delete(listener);
          },
        },
        subscribeLocal: (filter, handler) =>
          this.conn.subscribe(filter, (topic, payload, retained) => {
            try {
              handler(topic, payload, retained);
            } catch (error) {
              logger.warn({ topic, err: errorMessage(error) }, "handling a local MQTT message failed");
            }
          }),
        dataDir: join(config.data_dir, "sources", source.id),
      });
      this.runners.set(source.id, runner);
    }
    this.discovery.clearUnknownSources(new Set(this.runners.keys()));

    const router = new CommandRouter(this.runners, { publishReadings: (s, r) => this.publishReadings(s, r) }, this.log);
    for (const filter of this.topics.commandSubscriptions) {
      this.conn.subscribe(filter, (topic, payload, retained) => {
        const address = this.topics.parseCommand(topic);
        if (!address) return;
        if (retained) {
          // A retained command would replay on every restart; refuse it and remove it.
          this.log.warn({ topic }, "ignoring a retained command; commands must not be retained");
          this.conn.clearRetained(topic);
          return;
        }
        void router
          .handle(address, payload.toString("utf8"))
          .then((result) => this.conn.publish(this.topics.result(address), this.opts.scrubber.scrub(JSON.stringify(result))));
      });
    }
    if (ha.enabled) {
      this.conn.subscribe(ha.status_topic, (_t, payload) => {
        if (payload.toString("utf8").trim() === "online") this.onHomeAssistantOnline();
      });
    }

    if (config.health.enabled) {
      this.health = await startHealthServer(config.health.host, config.health.port, (query) => this.healthReport(query));
    }

    let i = 0;
    for (const runner of this.runners.values()) {
      // A retained "online" of an earlier run says nothing about this one (a password changed
      // meanwhile): a source is offline until its first successful poll in this run.
      if (this.retainedOnline.has(runner.config.id)) this.availability(runner.config.id, false);
      runner.start(Math.min(500, 100 * i++));
    }
    this.retainedOnline.clear();
    this.statusChanged();
    this.log.info({ version: VERSION, sources: [...this.runners.keys()], base_topic: this.topics.base }, "cloud2mqtt started");
  }

  /**
   * In the order that loses nothing: polls end (or are abandoned), then the bridges close with
   * most of the budget (events in flight acknowledged or left queued on disk), then `offline`
   * and the MQTT disconnect, then health and the embedded broker. Each phase is bounded
   * (SHUTDOWN); `forcedAtStop` names what did not finish in its time.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.birthTimer);
    const deadline = Date.now() + SHUTDOWN.totalMs;
    const left = (reserve: number) => deadline - reserve - Date.now();
    const forced = this.forced;
    const runners = [...this.runners.values()];
    const polled = await Promise.all(runners.map((r) => r.stopPolling(SHUTDOWN.pollsMs)));
    const abandoned = runners.filter((_, i) => !polled[i]).map((r) => r.config.id);
    if (abandoned.length > 0) this.log.debug({ sources: abandoned }, "polls still running at shutdown: their bridges cut them short");
    const bridgesMs = left(SHUTDOWN.mqttMs + SHUTDOWN.lastMs);
    const closed = await Promise.all(runners.map((r) => r.closeBridge(bridgesMs)));
    forced.push(...runners.filter((_, i) => !closed[i]).map((r) => `source ${r.config.id}`));
    // The state of the last polls, held in memory until now, must survive the restart.
    if (this.store && !(await settlesWithin(this.store.close().catch(() => undefined), left(SHUTDOWN.mqttMs + SHUTDOWN.lastMs)))) forced.push("state");
    const finalMessages = this.refused ? [] : [{ topic: this.topics.bridgeState, payload: "offline" }];
    if (this.conn && !(await settlesWithin(this.conn.close(finalMessages), left(SHUTDOWN.lastMs)))) forced.push("mqtt");
    const health = this.health;
    if (health) {
      const closing = new Promise<void>((resolve) => health.close(() => resolve()));
      // Keep-alive connections of a health checker would hold close() open.
      health.closeAllConnections();
      if (!(await settlesWithin(closing, left(0)))) forced.push("health");
    }
    if (this.broker && !(await settlesWithin(this.broker.close(), left(0)))) forced.push("broker");
    if (forced.length > 0) this.log.warn({ waited_for: forced }, "shutdown: gave up waiting");
    this.log.info("cloud2mqtt stopped");
  }

  /** After stop(): what did not finish within its share of the shutdown budget (empty: a clean stop). */
  get forcedAtStop(): readonly string[] {
    return this.forced;
  }

  sourceStatuses(): SourceRunner["status"][] {
    return [...this.runners.values()].map((r) => r.snapshot());
  }

  // SourceSink
  publish(source: string, devices: Device[], readings: Reading[], entityOf: (d: string, e: string) => Entity | undefined): void {
    const { removedDevices, removedEntities } = this.discovery.sync(source, devices);
    for (const device of removedDevices) {
      for (const topic of this.conn.retainedUnder(`${this.topics.base}/${source}/${device}/`)) this.conn.clearRetained(topic);
      this.log.info({ source, device }, "device left its source: discovery and state removed");
    }
    for (const { device, entity } of removedEntities) {
      const state = this.topics.state({ source, device, entity });
      for (const topic of [state, ...this.conn.retainedUnder(`${state}/`)]) this.conn.clearRetained(topic);
    }
    for (const r of readings) {
      this.conn.publishRetained(this.topics.state({ source, device: r.device, entity: r.entity, field: r.field }), formatValue(entityOf(r.device, r.entity), r.value));
    }
    this.emitReadings(source, readings);
  }

  availability(source: string, online: boolean): void {
    this.conn.publishRetained(this.topics.availability(source), online ? "online" : "offline");
  }

  statusChanged(): void {
    if (this.stopping) return;
    this.statusChanges++;
    this.conn.publishRetained(this.topics.bridgeInfo, JSON.stringify({ version: VERSION, sources: this.scrubbedStatuses() }));
  }

  /**
   * `/health`: 503 only while the broker connection is down (a restart cannot fix a cloud). The
   * status says more: "starting" until every source has finished its first poll, "degraded"
   * while a source has failed without ever succeeding in this run (a wrong password) or is
   * offline, else "ok".
   */
  healthReport(query = new URLSearchParams()): { healthy: boolean; body: unknown } {
    const sources = this.scrubbedStatuses();
    const neverSucceeded = sources.filter((s) => s.last_poll === null && s.last_error !== null).map((s) => s.id);
    const offline = sources.filter((s) => s.state === "offline").map((s) => s.id);
    const starting = sources.some((s) => s.last_poll === null && s.last_error === null);
    const status = !this.conn.connected ? "mqtt disconnected" : neverSucceeded.length > 0 || offline.length > 0 ? "degraded" : starting ? "starting" : "ok";
    const debug = debugHealthEnabled() ? { debug: debugFigures(this.opts.scrubber, this.statusChanges, query.has("gc")) } : {};
    return { healthy: this.conn.connected, body: { status, version: VERSION, never_succeeded: neverSucceeded, offline, sources, ...debug } };
  }

  /** Errors quote the clouds, and some clouds quote the request back, credentials included. */
  private scrubbedStatuses(): SourceRunner["status"][] {
    return this.sourceStatuses().map((s) => (s.last_error === null ? s : { ...s, last_error: this.opts.scrubber.scrub(s.last_error) }));
  }

  private publishReadings(source: string, readings: Reading[]): void {
    const runner = this.runners.get(source);
    for (const r of readings) {
      const entity = runner?.lookup(r.device, r.entity)?.entity;
      this.conn.publishRetained(this.topics.state({ source, device: r.device, entity: r.entity, field: r.field }), formatValue(entity, r.value));
    }
    this.emitReadings(source, readings);
  }

  /** Hands published readings to the bridges that asked for them; a failing listener is logged, never fatal. */
  private emitReadings(source: string, readings: Reading[]): void {
    for (const listener of this.readingListeners) {
      for (const reading of readings) {
        try {
          listener(source, reading);
        } catch (error) {
          this.log.warn({ source, err: errorMessage(error) }, "a reading listener failed");
        }
      }
    }
  }

  /** Home Assistant restarted: configs again now, states once it has subscribed; births coalesce. */
  private onHomeAssistantOnline(): void {
    if (this.birthTimer) return;
    this.log.info("Home Assistant is online: publishing discovery and states again");
    this.discovery.republishAll();
    this.birthTimer = setTimeout(() => {
      this.birthTimer = undefined;
      for (const topic of this.conn.retainedUnder(`${this.topics.base}/`)) {
        const payload = this.conn.lastRetained(topic);
        if (payload !== undefined) this.conn.publishRetained(topic, payload, true);
      }
    }, 2_000);
  }

  /**
   * Retained discovery configs of earlier runs, so the ones that no longer match can be cleared,
   * and the sources an earlier run left online.
   */
  private async collectRetainedConfigs(): Promise<void> {
    const filter = this.discovery.configFilter;
    let last = Date.now();
    this.conn.subscribe(filter, (topic, payload, retained) => {
      if (!retained) return;
      last = Date.now();
      this.discovery.noteRetainedConfig(topic, payload);
    });
    const availability = this.topics.availability("+");
    const [prefix, suffix] = availability.split("+") as [string, string];
    this.conn.subscribe(availability, (topic, payload, retained) => {
      if (retained && payload.toString("utf8") === "online") this.retainedOnline.add(topic.slice(prefix.length, topic.length - suffix.length));
    });
    const window = this.opts.retainedWindowMs ?? 1_500;
    const start = Date.now();
    // Retained messages arrive right after subscribing; stop early once they have stopped coming.
    while (Date.now() - start < window && (Date.now() - last < 300 || Date.now() - start < 500)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.conn.unsubscribe(filter);
    this.conn.unsubscribe(availability);
  }
}
