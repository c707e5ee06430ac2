/**
 * Smart-meter events to Voltaware's MQTT broker. Values come from readings of other sources or
 * from topics of the local broker (EventFeeds, feeds.ts); each reading of a meter's first value makes one
 * event, rendered from the templates and put in the on-disk queue (EventQueue). The publisher
 * sends the queue in order, one event at a time with QoS 2 over MQTT 3.1.1, and removes an event
 * only once the broker has acknowledged it (PUBCOMP).
 */
import { readFileSync } from "node:fs";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Logger } from "pino";
import { safeUrl } from "../../log.js";
import type { EventsConfig } from "./config.js";
import type { EventQueue, QueuedEvent } from "./event-queue.js";
import { eventFields, renderPayload, renderTopic } from "./template.js";
import { connackRefusal, ReconnectBackoff } from "../../util/connack.js";
import { errorMessage } from "../../util/errors.js";

/** Pause before an event whose publish failed is sent again. */
const RETRY_MS = 5_000;
/** How long `close` waits for the event in flight to be acknowledged. */
const CLOSE_WAIT_MS = 3_000;
/** How often acknowledgements kept in memory (a full disk) are tried on disk again. */
const DISK_RETRY_MS = 10_000;

export interface EventsStats {
  connected: boolean;
  queued: number;
  sent: number;
  /** Events refused because the queue was full or could not be written. */
  refused: number;
  lastSentAt: string | null;
  lastError: string | null;
}

/**
 * Delivery (README, "What reaches Voltaware"): the disk queue is the one source of truth. The
 * first connection of each process is a clean session, which drops whatever the broker kept of
 * an earlier process (an event it acknowledged with PUBREC whose PUBREL never came, whose packet
 * id a new event could reuse and be discarded as a duplicate). The connections after it resume
 * one persistent session, so an event in flight across a reconnect is completed by mqtt.js with
 * its packet id: exactly once while the process lives. After a crash the unacknowledged head of
 * the queue is sent again with a new id: at least once.
 */
export class EventsPublisher {
  /** The session client, once the clean start is done. */
  private client: MqttClient | undefined;
  /** The short clean-session connection that starts each process (see the class comment). */
  private cleaner: MqttClient | undefined;
  private inFlight: QueuedEvent | undefined;
  private inFlightDone: (() => void) | undefined;
  private closing = false;
  /** `close` is waiting for the event in flight: no new one is sent. */
  private draining = false;
  private readonly backoff = new ReconnectBackoff();
  private connectedOnce = false;
  private errorLogged = false;
  private refusalLogged = false;
  private fullWarned = false;
  private writeErrorLogged = false;
  private diskRetry: NodeJS.Timeout | undefined;
  readonly stats: Omit<EventsStats, "connected" | "queued">;

  constructor(
    private readonly cfg: EventsConfig,
    private readonly queue: EventQueue,
    private readonly log: Logger,
    private readonly clientId: string,
    counters: { sent?: number; refused?: number } = {},
  ) {
    this.stats = { sent: counters.sent ?? 0, refused: counters.refused ?? 0, lastSentAt: null, lastError: null };
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  snapshot(): EventsStats {
    return { ...this.stats, connected: this.connected, queued: this.queue.size };
  }

  /** What is wrong beyond the connection (a queue that cannot write its file), for `bridge/info` and `/health`. */
  problems(): string[] {
    const problem = this.queue.problem;
    return problem === undefined ? [] : [problem];
  }

  /** Connects to Voltaware's broker; TLS files are read here, so a missing one fails at start. */
  start(): void {
    const url = this.cfg.url;
    if (!/^(mqtts|wss):/.test(url)) this.log.warn({ broker: safeUrl(url) }, "events: Voltaware requires TLS (mqtts://); this broker URL has none");
    const options: IClientOptions = {
      clientId: this.clientId,
      protocolVersion: 4,
      keepalive: 60,
      reconnectPeriod: ReconnectBackoff.MIN_MS,
      // A refused login (a broker restarting says "server unavailable") is retried like a lost connection.
      reconnectOnConnackError: true,
      connectTimeout: 15_000,
      username: this.cfg.username,
      password: this.cfg.password,
    };
    const tls = this.cfg.tls;
    if (tls) {
      const read = (key: "ca" | "cert" | "key"): Buffer | undefined => {
        const file = tls[key];
        if (file === undefined) return undefined;
        try {
          return readFileSync(file);
        } catch (error) {
          throw new Error(`events.tls.${key}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
      };
      options.ca = read("ca");
      options.cert = read("cert");
      options.key = read("key");
      options.rejectUnauthorized = tls.reject_unauthorized ?? true;
    }
    const cleaner = mqtt.connect(url, { ...options, clean: true });
    this.cleaner = cleaner;
    this.watch(cleaner);
    cleaner.once("connect", () => {
      this.log.debug("events: clean start done; the persistent session begins");
      // No longer the one watched: its closing is not a lost connection.
      this.cleaner = undefined;
      cleaner.end(false, {}, () => {
        if (!this.closing) this.openSession(options);
      });
    });
  }

  /** The persistent session: reconnects resume it, so mqtt.js completes an event in flight with its packet id. */
  private openSession(options: IClientOptions): void {
    const url = this.cfg.url;
    const client = mqtt.connect(url, { ...options, clean: false, reconnectPeriod: ReconnectBackoff.MIN_MS });
    this.client = client;
    this.watch(client);
    client.on("connect", () => {
      this.log.info({ broker: safeUrl(url), waiting: this.queue.size }, this.connectedOnce ? "events: reconnected to Voltaware's broker" : "events: connected to Voltaware's broker");
      this.connectedOnce = true;
      this.pump();
    });
  }

  /** Backoff, one log line per incident, and the refusal's reason. */
  private watch(client: MqttClient): void {
    const url = this.cfg.url;
    client.on("connect", () => {
      if (this.errorLogged || this.refusalLogged) this.log.info({ broker: safeUrl(url) }, "events: Voltaware's broker accepts the connection again");
      this.backoff.connected(client);
      this.errorLogged = false;
      this.refusalLogged = false;
      this.stats.lastError = null;
    });
    // Before mqtt.js's own close handler, which schedules the next attempt with the period set here.
    client.prependListener("close", () => {
      if (this.closing || client !== (this.client ?? this.cleaner)) return;
      // Planned already when the close follows a refusal.
      const retryInMs = this.backoff.closed(client);
      if (retryInMs !== undefined && !this.errorLogged && !this.refusalLogged) {
        this.log.warn({ broker: safeUrl(url), retryInMs, waiting: this.queue.size }, "events: no connection to Voltaware's broker; events wait on disk");
        this.errorLogged = true;
      }
    });
    client.on("error", (err) => {
      this.stats.lastError = err.message;
      const refusal = connackRefusal(err);
      if (!refusal) {
        this.log.debug({ err: err.message }, "events: MQTT error");
        return;
      }
      const retryInMs = this.closing || client !== (this.client ?? this.cleaner) ? undefined : this.backoff.refused(client);
      if (this.refusalLogged) return;
      this.refusalLogged = true;
      const what = refusal.credentials ? "the login (check events.username / password or the client certificate)" : "the connection";
      this.log.error(
        { broker: safeUrl(url), code: refusal.code, reason: refusal.reason, retryInMs },
        `events: Voltaware's broker refused ${what} (${refusal.reason}); trying again with backoff up to ${ReconnectBackoff.MAX_MS / 1000} s`,
      );
    });
  }

  /** Renders an event and queues it (on disk before this returns); false when the queue is full or cannot be written. */
  accept(meter: string, values: Readonly<Record<string, number | null>>, at: number): boolean {
    const topic = renderTopic(this.cfg.topic, meter);
    const payload = renderPayload(this.cfg.payload, eventFields(meter, at, values));
    let event: QueuedEvent | undefined;
    try {
      event = this.queue.push(topic, payload, at);
    } catch (error) {
      this.stats.refused++;
      this.stats.lastError = errorMessage(error);
      if (!this.writeErrorLogged) {
        this.writeErrorLogged = true;
        this.log.error({ meter, err: this.stats.lastError }, "events: an event cannot be written to the queue and is refused; the events already queued are kept");
      }
      this.watchDisk();
      return false;
    }
    this.writeErrorLogged = false;
    if (!event) {
      this.stats.refused++;
      if (!this.fullWarned) {
        this.fullWarned = true;
        this.log.warn(
          { capacity: this.queue.capacity, broker: safeUrl(this.cfg.url) },
          "events: the queue is full; new events are refused (none already queued is dropped) until Voltaware's broker takes them; raise events.queue_size to keep more",
        );
      }
      return false;
    }
    if (this.fullWarned && this.queue.size < this.queue.capacity * 0.9) this.fullWarned = false;
    this.pump();
    return true;
  }

  /** While the queue cannot write, what it keeps in memory is tried on disk again now and then. */
  private watchDisk(): void {
    if (this.diskRetry || this.closing || this.queue.problem === undefined) return;
    this.diskRetry = setInterval(() => {
      if (this.queue.retry() && this.queue.problem === undefined) {
        clearInterval(this.diskRetry);
        this.diskRetry = undefined;
      }
    }, DISK_RETRY_MS);
    this.diskRetry.unref();
  }

  /** Sends the oldest waiting event unless one is in flight; the next follows its acknowledgement. */
  private pump(): void {
    const client = this.client;
    if (this.closing || this.draining || this.inFlight || !client?.connected) return;
    const event = this.queue.peek();
    if (!event) return;
    this.inFlight = event;
    // mqtt.js keeps an unacknowledged QoS 1/2 publish and sends it again after a reconnect; the
    // callback comes once the broker has acknowledged it (PUBCOMP for QoS 2).
    client.publish(event.topic, event.payload, { qos: this.cfg.qos, retain: false }, (err) => {
      if (this.inFlight !== event) return;
      this.inFlight = undefined;
      if (err) {
        // The client gave up on it (closing, or the broker refused it): it stays first in the queue
        // and is sent again after a pause; a reconnect sends it at once.
        if (!this.closing) {
          this.log.warn({ err: err.message, seq: event.seq }, "events: an event was not acknowledged; it stays queued and is sent again");
          const retry = setTimeout(() => this.pump(), RETRY_MS);
          retry.unref();
        }
      } else {
        // Never throws for the disk: a full one keeps the acknowledgement in memory (queue.problem).
        this.queue.ack(event.seq);
        this.watchDisk();
        this.stats.sent++;
        this.stats.lastSentAt = new Date().toISOString();
        if (this.fullWarned && this.queue.size < this.queue.capacity * 0.9) {
          this.fullWarned = false;
          this.log.info({ waiting: this.queue.size }, "events: the queue has room again");
        }
      }
      const done = this.inFlightDone;
      this.inFlightDone = undefined;
      done?.();
      if (!err) setImmediate(() => this.pump());
    });
  }

  /**
   * Sends nothing new, waits up to 3 s for the event in flight to be acknowledged, then
   * disconnects; whatever is not acknowledged stays in the queue on disk for the next start.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.draining = true;
    if (this.inFlight && this.client?.connected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_WAIT_MS);
        this.inFlightDone = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.closing = true;
    clearInterval(this.diskRetry);
    this.diskRetry = undefined;
    await Promise.all([this.cleaner, this.client].map((c) => (c ? new Promise<void>((resolve) => c.end(true, {}, () => resolve())) : undefined)));
    this.queue.close();
  }
}
