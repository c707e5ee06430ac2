import type { Logger } from "pino";
import type { Got } from "got";
import type { Command, Device, Entity, Reading } from "../model/index.js";
import type { SourceConfig } from "../config/types.js";
import type { HttpClientOptions } from "../http/client.js";
import type { SourceState } from "../state/store.js";

/** A JSON schema fragment; kept loose on purpose, ajv checks it at start. */
export type JsonSchema = Record<string, unknown>;

export interface PollResult {
  /** Every device the source has now, with all its entities: absent ones are removed. */
  devices: Device[];
  /** Current values; unchanged ones may be repeated, the publisher drops them. */
  readings: Reading[];
}

export interface Bridge {
  poll(): Promise<PollResult>;
  /** Writes a validated command; returns readings to publish at once (the commanded state). */
  write(command: Command, target: { device: Device; entity: Entity }): Promise<Reading[]>;
  /** At shutdown, beside a poll that may still run: the bridge may make that poll end early. */
  close?(): Promise<void>;
}

export interface BridgeContext {
  source: SourceConfig;
  logger: Logger;
  /** Persistent state of this source (cursors, cached definitions). */
  state: SourceState;
  /** The project's one got factory, bound to this source (timeout, user agent, rate limit). */
  http(options: Omit<HttpClientOptions, "sourceId" | "timeoutMs" | "logger">): Got;
  /** Marks a runtime value (a token) as secret: it is scrubbed from every log line. */
  registerSecret(value: string): void;
}

export interface BridgeDefinition {
  type: string;
  title: string;
  /**
   * JSON schema of the vendor keys of a source: `properties` (merged with the common source
   * keys), optional `required`, `anyOf`, and `defaults` applied before validation.
   */
  schema: { properties: Record<string, JsonSchema>; required?: string[]; anyOf?: JsonSchema[] };
  defaults: Record<string, unknown>;
  /** Default poll interval, ms. */
  defaultInterval: number;
  /** Vendor keys holding secrets, scrubbed from logs and never published. */
  secretKeys: string[];
  create(ctx: BridgeContext): Bridge;
}
