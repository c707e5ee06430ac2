import type { Logger } from "pino";
import type { Got } from "got";
import type { Command, Device, Entity, Reading } from "../model/index.js";
import type { SourceConfig } from "../config/types.js";
import type { VendorConfig } from "../config/vendors.js";
import type { HttpClientOptions } from "../http/client.js";
import type { SourceState } from "../state/store.js";

export type { JsonSchema, SourceCheckProblem } from "../config/vendors.js";

export interface PollResult {
  /** Every device the source has now, with all its entities: absent ones are removed. */
  devices: Device[];
  /** Current values; unchanged ones may be repeated, the publisher drops them. */
  readings: Reading[];
}

/**
 * A source's bridge, driven by its owner: `create` builds it without side effects; the daemon
 * then calls `start` once, polls and writes, and `close`s it at shutdown. `discover` only
 * creates, polls and closes: a bridge does nothing in `start` that a read needs.
 */
export interface Bridge {
  /** In the daemon only, before the first poll: connect, open queues, subscribe. A throw stops the daemon's start. */
  start?(runtime: BridgeRuntime): Promise<void>;
  poll(): Promise<PollResult>;
  /** Writes a validated command; returns readings to publish at once (the commanded state). */
  write(command: Command, target: { device: Device; entity: Entity }): Promise<Reading[]>;
  /** At shutdown, beside a poll that may still run: the bridge may make that poll end early. */
  close?(): Promise<void>;
  /** What is wrong with the bridge beyond its polls (a queue that cannot write its file), shown in `bridge/info` and `/health`. */
  problems?(): string[];
}

/** What every bridge gets, in the daemon and in `discover` (see `createBridgeContext`). */
export interface BridgeContext {
  source: SourceConfig;
  logger: Logger;
  /** Persistent state of this source (cursors, cached definitions). */
  state: SourceState;
  /** The project's one got factory, bound to this source (timeout, user agent, rate limit). */
  http(options: Omit<HttpClientOptions, "sourceId" | "timeoutMs" | "logger">): Got;
  /**
   * Marks a value as secret: it is scrubbed from every log line. Without `kind` it is kept for the
   * process's life (a password, an API key); with one (a token that is renewed, e.g. "access
   * token") it replaces this source's value of that kind, and only the current and the previous
   * value are kept.
   */
  registerSecret(value: string, kind?: string): void;
}

/** What only the daemon offers, handed to `Bridge.start`. */
export interface BridgeRuntime {
  /**
   * The readings the daemon publishes, of every source (this one included), after each poll and
   * each command; unchanged values come again with every poll. Listeners must be quick and must not throw.
   */
  readings: ReadingFeed;
  /** Subscribes to a topic filter on the broker the daemon publishes to (a P1 meter's topic, say); the handler learns whether a message was retained. */
  subscribeLocal(filter: string, handler: (topic: string, payload: Buffer, retained: boolean) => void): void;
  /** A folder for this source's own files (a queue, say), in data_dir; created on first use. */
  dataDir: string;
}

export interface ReadingFeed {
  /** Calls the listener with every reading published from now on; returns a function that stops it. */
  onReading(listener: (source: string, reading: Reading) => void): () => void;
}

/** A vendor: what config needs of it (`VendorConfig`: schema, defaults, secrets, checks) and how to build its bridge. */
export interface BridgeDefinition extends VendorConfig {
  create(ctx: BridgeContext): Bridge;
}
