import { readFileSync } from "node:fs";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { connackRefusal, ReconnectBackoff, type ConnackRefusal } from "../util/connack.js";
import { topicMatches } from "./topics.js";
import { safeUrl } from "../log.js";

export interface ConnectionOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  keepalive: number;
  tls?: { ca?: string; cert?: string; key?: string; reject_unauthorized: boolean };
  /** Last will: published retained by the broker if we vanish. */
  will: { topic: string; payload: string };
  logger: Logger;
  /** How long a QoS 1 publish may wait for its PUBACK before the connection is dropped (tests shorten it). */
  ackTimeoutMs?: number;
}

type MessageHandler = (topic: string, payload: Buffer, retained: boolean) => void;

/** Node's codes for a server certificate that does not verify. */
const TLS_VERIFY_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY)|ALTNAME/;
/** Socket errors that mean the connection is going: the close that follows logs the outage, once. */
const CONNECTION_LOST_ERRORS = /^E(PIPE|CONNRESET|CONNABORTED|TIMEDOUT|HOSTUNREACH|NETUNREACH)$/;
/**
 * A broker that stops acknowledging (a stuck cluster node, a half-open connection the keepalive has
 * not caught yet) would hold our publishes forever: after this long without a PUBACK the
 * connection is dropped, and the reconnect sends again what was pending.
 */
export const ACK_TIMEOUT_MS = 30_000;
/** Messages handed to mqtt.js per turn of the event loop. */
const SEND_BATCH = 500;

/**
 * The broker connection. Remembers every retained payload it published, publishes a retained
 * value only when it differs from the last one, and publishes all of them again after a
 * reconnect, so a broker that lost its retained store (restart without persistence) is refilled.
 */
export class MqttConnection {
  private readonly client: MqttClient;
  /** Retained payloads by topic; null for those their publisher rebuilds after a reconnect. */
  private readonly retained = new Map<string, string | null>();
  private readonly handlers: Array<{ filter: string; handler: MessageHandler }> = [];
  private readonly backoff = new ReconnectBackoff();
  private connectedOnce = false;
  /** The current outage (or failing first connection) has been logged: its retries go to debug. */
  private outageLogged = false;
  private readonly reconnectListeners: Array<() => void> = [];
  private readonly log: Logger;
  private readonly outbox: Array<{ topic: string; payload: string; retain: boolean }> = [];
  private flushing = false;
  /** Bumped when the connection closes: a flush waiting for the old socket's drain gives up. */
  private flushGeneration = 0;
  /** Topics cleared while the broker was away: cleared once it is back, unless published again. */
  private readonly pendingClears = new Set<string>();
  /** The current refusal incident has been logged (with its reason) once. */
  private refusalLogged = false;
  private lastRefusal: ConnackRefusal | undefined;
  /** Why the connection is going, told with the outage warning. */
  private lostBecause: string | undefined;
  /** QoS 1 publishes awaiting their PUBACK: id → when they were (last) sent. */
  private readonly unacked = new Map<number, number>();
  private unackedSeq = 0;
  private readonly ackWatch: NodeJS.Timeout;
  private readonly ackTimeoutMs: number;

  constructor(private readonly opts: ConnectionOptions) {
    this.log = opts.logger;
    const options: IClientOptions = {
      clientId: opts.clientId,
      username: opts.username,
      password: opts.password,
      keepalive: opts.keepalive,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: ReconnectBackoff.MIN_MS,
      // A refused login (bad credentials while Home Assistant restarts its Mosquitto add-on, a
      // broker "server unavailable" for a moment) is retried with the backoff like any outage.
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      // Offline publishes are not queued: the retained map is replayed on reconnect instead.
      queueQoSZero: false,
      // mqtt-packet otherwise keeps a Buffer for each of the 65,536 packet ids: some 15 MB of RSS.
      writeCache: false,
      // mqtt.js traces every packet through `debug`; even switched off that was some 5 % of a
      // large poll's CPU. Our own logs say what matters.
      log: () => undefined,
      will: { topic: opts.will.topic, payload: Buffer.from(opts.will.payload), qos: 1, retain: true },
    };
    if (opts.tls) {
      options.ca = opts.tls.ca ? readFileSync(opts.tls.ca) : undefined;
      options.cert = opts.tls.cert ? readFileSync(opts.tls.cert) : undefined;
      options.key = opts.tls.key ? readFileSync(opts.tls.key) : undefined;
      options.rejectUnauthorized = opts.tls.reject_unauthorized;
    }
    this.client = mqtt.connect(opts.url, options);
    this.client.on("connect", () => this.onConnect());
    // Before mqtt.js's own close handler, which schedules the next attempt with the period set here.
    this.client.prependListener("close", () => this.onClose());
    this.client.on("error", (err) => {
      const refusal = connackRefusal(err);
      if (refusal) {
        this.onRefused(refusal);
        return;
      }
      const code = (err as Error & { code?: unknown }).code;
      if (this.client.connected && typeof code === "string" && CONNECTION_LOST_ERRORS.test(code)) {
        this.lostBecause = err.message;
        this.log.debug({ err: err.message }, "MQTT error");
        return;
      }
      if (!this.client.connected && this.outageLogged) {
        this.log.debug({ err: err.message }, "MQTT error");
        return;
      }
      this.log.warn({ err: err.message }, "MQTT error");
      if (!this.client.connected) this.outageLogged = true;
    });
    this.client.on("message", (topic, payload, packet) => {
      for (const { filter, handler } of this.handlers) {
        if (topicMatches(filter, topic)) handler(topic, payload, packet.retain);
      }
    });
    this.ackTimeoutMs = opts.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    this.ackWatch = setInterval(() => this.checkAcks(), Math.max(100, Math.floor(this.ackTimeoutMs / 4)));
    this.ackWatch.unref();
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Resolves at the first connection; rejects with a clear message if the broker refuses it. */
  waitConnected(timeoutMs = 15_000): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        const refused = this.lastRefusal ? ` (it refused the connection: ${this.lastRefusal.reason})` : "";
        reject(new Error(`could not connect to the MQTT broker at ${safeUrl(this.opts.url)} within ${timeoutMs / 1000}s${refused}`));
      }, timeoutMs);
      const onConnect = (): void => {
        cleanup();
        resolve();
      };
      const onError = (err: Error & { code?: number | string }): void => {
        // Credentials or authorization refused at the very first connection are a configuration
        // error: fail fast (and stop retrying). Refused later, they are an outage (see onRefused).
        if (connackRefusal(err)?.credentials && !this.connectedOnce) {
          cleanup();
          this.client.end(true);
          reject(new Error(`the MQTT broker at ${safeUrl(this.opts.url)} refused the connection: ${err.message}`));
        } else if (typeof err.code === "string" && TLS_VERIFY_ERRORS.test(err.code)) {
          // A certificate that does not verify will not verify on the next try either.
          cleanup();
          const why = err.code.includes("ALERT")
            ? "refused our client certificate or its absence (check mqtt.tls.cert and mqtt.tls.key)"
            : "has a certificate that does not verify (check mqtt.tls.ca)";
          reject(new Error(`the MQTT broker at ${safeUrl(this.opts.url)} ${why}: ${err.message}`));
        }
      };
      // close() before the first connection (a stop while starting): no need to wait out the timeout.
      const onEnd = (): void => {
        cleanup();
        reject(new Error("the MQTT connection was closed before it was established"));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.client.off("connect", onConnect);
        this.client.off("error", onError);
        this.client.off("end", onEnd);
      };
      this.client.on("connect", onConnect);
      this.client.on("error", onError);
      this.client.on("end", onEnd);
    });
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  subscribe(filter: string, handler: MessageHandler): void {
    this.handlers.push({ filter, handler });
    this.client.subscribe(filter, { qos: 1 }, (err) => {
      if (err) this.log.warn({ topic: filter, err: err.message }, "MQTT subscribe failed");
    });
  }

  unsubscribe(filter: string): void {
    for (let i = this.handlers.length - 1; i >= 0; i--) if (this.handlers[i]?.filter === filter) this.handlers.splice(i, 1);
    this.client.unsubscribe(filter);
  }

  /** Publishes a retained value if it changed; returns whether it was sent. */
  publishRetained(topic: string, payload: string, force = false): boolean {
    if (!force && this.retained.get(topic) === payload) return false;
    this.retained.set(topic, payload);
    this.pendingClears.delete(topic);
    this.send(topic, payload, true);
    return true;
  }

  /**
   * Publishes a retained payload its caller can build again (discovery configs): only the topic
   * is remembered, and the caller publishes it again from an `onReconnect` listener. Kept as
   * strings, 1,000 device configs were 6 MB of heap, and V8 sizes the heap to twice what lives.
   */
  publishRebuildable(topic: string, payload: string): void {
    this.retained.set(topic, null);
    this.pendingClears.delete(topic);
    this.send(topic, payload, true);
  }

  /**
   * Removes a retained topic from the broker (an empty retained payload). With the broker away,
   * the clear waits for the connection: a removed device must not come back from the broker's
   * retained store. A later publish of the topic supersedes it.
   */
  clearRetained(topic: string): void {
    this.retained.delete(topic);
    if (this.client.connected) this.send(topic, "", true);
    else this.pendingClears.add(topic);
  }

  /** Non-retained messages (command results): lost if the broker is away, by design. */
  publish(topic: string, payload: string): void {
    this.send(topic, payload, false);
  }

  lastRetained(topic: string): string | undefined {
    return this.retained.get(topic) ?? undefined;
  }

  /** Retained topics this connection published that start with a prefix. */
  retainedUnder(prefix: string): string[] {
    return [...this.retained.keys()].filter((t) => t.startsWith(prefix));
  }

  async close(finalMessages: Array<{ topic: string; payload: string }> = []): Promise<void> {
    clearInterval(this.ackWatch);
    for (const m of this.outbox.splice(0)) this.publishNow(m.topic, m.payload, m.retain);
    if (this.client.connected) {
      for (const m of finalMessages) {
        await new Promise<void>((resolve) => this.client.publish(m.topic, m.payload, { qos: 1, retain: true }, () => resolve()));
      }
    }
    await new Promise<void>((resolve) => this.client.end(false, {}, () => resolve()));
  }

  private send(topic: string, payload: string, retain: boolean): void {
    if (!this.client.connected) return;
    this.outbox.push({ topic, payload, retain });
    if (!this.flushing) {
      this.flushing = true;
      const generation = this.flushGeneration;
      setImmediate(() => this.flush(generation));
    }
  }

  /**
   * Hands queued messages to mqtt.js a batch at a time. mqtt-packet corks the socket until the
   * next tick, so a first poll of 20,000 states sent in one loop was buffered whole in memory
   * (some 50 MB of peak RSS that never went back); batches that wait for the socket to drain
   * keep it small, in the same order.
   */
  private flush(generation: number): void {
    if (generation !== this.flushGeneration) return;
    const batch = this.outbox.splice(0, SEND_BATCH);
    for (const m of batch) this.publishNow(m.topic, m.payload, m.retain);
    if (this.outbox.length === 0) {
      this.flushing = false;
      return;
    }
    const stream = this.client.stream as { writableNeedDrain?: boolean; once?: (e: string, l: () => void) => void } | undefined;
    if (stream?.writableNeedDrain && stream.once) stream.once("drain", () => setImmediate(() => this.flush(generation)));
    else setImmediate(() => this.flush(generation));
  }

  private publishNow(topic: string, payload: string, retain: boolean): void {
    // Offline, mqtt.js would queue QoS 1 packets: the retained map is replayed on reconnect instead.
    if (!this.client.connected) return;
    const id = retain ? ++this.unackedSeq : 0;
    if (id) this.unacked.set(id, Date.now());
    this.client.publish(topic, payload, { qos: retain ? 1 : 0, retain }, (err) => {
      if (id) this.unacked.delete(id);
      if (err) this.log.debug({ topic, err: err.message }, "MQTT publish failed");
    });
  }

  /** A PUBACK overdue: drop the connection; mqtt.js sends its unacknowledged packets again on reconnect. */
  private checkAcks(): void {
    if (!this.client.connected) return;
    const oldest = this.unacked.values().next();
    if (oldest.done || Date.now() - oldest.value < this.ackTimeoutMs) return;
    this.log.warn({ broker: safeUrl(this.opts.url), unacknowledged: this.unacked.size, timeoutMs: this.ackTimeoutMs }, "the MQTT broker did not acknowledge a publish in time: reconnecting");
    // Watched afresh from here: the reconnect's replay shows whether the broker acknowledges again,
    // and a packet mqtt.js might not send again cannot drop every later connection.
    this.unacked.clear();
    (this.client.stream as { destroy?: () => void } | undefined)?.destroy?.();
  }

  private onRefused(refusal: ConnackRefusal): void {
    this.lastRefusal = refusal;
    const retryInMs = this.backoff.refused(this.client);
    const fields = { broker: safeUrl(this.opts.url), code: refusal.code, reason: refusal.reason, retryInMs };
    // Credentials refused at the very first connection: waitConnected fails the start with the reason.
    if (this.refusalLogged || (!this.connectedOnce && refusal.credentials)) {
      this.log.debug(fields, "MQTT broker refused the connection");
      return;
    }
    this.refusalLogged = true;
    this.outageLogged = true;
    this.log.warn(fields, `MQTT broker refused the connection (${refusal.reason}): retrying until it accepts`);
  }

  private onConnect(): void {
    // A command result or state change is one small packet: Nagle's algorithm would hold it until
    // the broker's delayed ACK of the previous one (tens of ms).
    (this.client.stream as { setNoDelay?: (noDelay: boolean) => void } | undefined)?.setNoDelay?.(true);
    this.backoff.connected(this.client);
    this.outageLogged = false;
    this.refusalLogged = false;
    this.lastRefusal = undefined;
    // mqtt.js sends its unacknowledged packets again now: their wait starts over.
    const now = Date.now();
    for (const id of this.unacked.keys()) this.unacked.set(id, now);
    // Before anything is published again: a clear must not remove what follows it.
    for (const topic of this.pendingClears) this.send(topic, "", true);
    this.pendingClears.clear();
    if (!this.connectedOnce) {
      this.connectedOnce = true;
      this.log.info({ broker: safeUrl(this.opts.url) }, "connected to MQTT broker");
      return;
    }
    this.log.info({ broker: safeUrl(this.opts.url), topics: this.retained.size }, "reconnected to MQTT broker: publishing retained topics again");
    // Listeners first: discovery configs go before the states they describe.
    for (const listener of this.reconnectListeners) listener();
    for (const [topic, payload] of this.retained) if (payload !== null) this.send(topic, payload, true);
  }

  private onClose(): void {
    this.dropOutbox();
    const lostBecause = this.lostBecause;
    this.lostBecause = undefined;
    if (this.client.disconnecting) return;
    // Planned already when the close follows a refusal.
    const retryInMs = this.backoff.closed(this.client);
    if (retryInMs === undefined) return;
    // Once per outage: every failed attempt closes again.
    if (this.connectedOnce && !this.outageLogged) {
      this.log.warn({ retryInMs, err: lostBecause }, "MQTT connection lost, reconnecting");
      this.outageLogged = true;
    } else {
      this.log.debug({ retryInMs }, "MQTT reconnect attempt failed");
    }
  }

  /**
   * What had not reached mqtt.js when the connection closed: the reconnect replays retained
   * states and rebuilds discovery configs, clears wait in `pendingClears`, and command results
   * are lost by design. A flush waiting for the dead socket's drain would wait forever.
   */
  private dropOutbox(): void {
    for (const m of this.outbox) if (m.retain && m.payload === "" && !this.retained.has(m.topic)) this.pendingClears.add(m.topic);
    this.outbox.length = 0;
    this.flushing = false;
    this.flushGeneration++;
  }
}
