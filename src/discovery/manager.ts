import type { Logger } from "pino";
import type { Device } from "../model/index.js";
import type { MqttConnection } from "../mqtt/connection.js";
import type { Topics } from "../mqtt/topics.js";
import { deviceConfig, discoveryTopic, platformOf, type DiscoveryContext } from "./payload.js";

interface Announced {
  device: Device;
  /** Components removed since the last payload: announced once with their platform only. */
  removed: Record<string, string>;
  /** The last payload announced removed components: the next one must leave them out. */
  announcedRemoved?: boolean;
}

/**
 * Keeps Home Assistant's view of our devices equal to the sources': publishes device configs
 * (only when they change), removes components and devices that left, clears stale retained
 * configs of earlier runs, and re-announces everything after Home Assistant restarts.
 */
export class DiscoveryManager {
  private readonly ctx: DiscoveryContext;
  private readonly announced = new Map<string, Map<string, Announced>>();
  /** Retained configs of ours found on the broker at start, by topic → source id. */
  private readonly foundAtStart = new Map<string, string>();

  constructor(
    private readonly conn: MqttConnection,
    topics: Topics,
    prefix: string,
    private readonly enabled: boolean,
    private readonly log: Logger,
  ) {
    this.ctx = { prefix, topics };
    // The connection keeps no copy of our configs: a broker that lost its retained store gets them from here.
    conn.onReconnect(() => this.republishAll());
  }

  get configFilter(): string {
    return `${this.ctx.prefix}/device/+/config`;
  }

  /** A retained config seen at start; kept if it is ours (its availability names our base topic). */
  noteRetainedConfig(topic: string, payload: Buffer): void {
    if (payload.length === 0) return;
    try {
      const parsed = JSON.parse(payload.toString("utf8")) as { availability?: Array<{ topic?: unknown }> };
      const prefix = `${this.ctx.topics.base}/`;
      for (const a of parsed.availability ?? []) {
        const t = typeof a.topic === "string" ? a.topic : "";
        const m = t.startsWith(prefix) && t.endsWith("/availability") ? t.slice(prefix.length, -"/availability".length) : undefined;
        if (m && !m.includes("/")) {
          this.foundAtStart.set(topic, m);
          return;
        }
      }
    } catch {
      // not a config of ours
    }
  }

  /** Clears retained configs of sources that are no longer configured. */
  clearUnknownSources(known: ReadonlySet<string>): void {
    for (const [topic, source] of this.foundAtStart) {
      if (!known.has(source)) {
        this.log.info({ topic }, "clearing discovery of a source no longer configured");
        this.conn.clearRetained(topic);
        this.foundAtStart.delete(topic);
      }
    }
  }

  /** Publishes the devices of one source; returns the keys of devices that left it. */
  sync(source: string, devices: Device[]): { removedDevices: string[]; removedEntities: Array<{ device: string; entity: string }> } {
    const previous = this.announced.get(source) ?? new Map<string, Announced>();
    const next = new Map<string, Announced>();
    const removedEntities: Array<{ device: string; entity: string }> = [];
    for (const device of devices) {
      const before = previous.get(device.key);
      // A device as it was needs no payload: building and serialising 1,000 configs on every
      // poll only to find them unchanged was the daemon's largest cost per poll.
      if (before && !before.announcedRemoved && sameJson(before.device, device)) {
        next.set(device.key, before);
        continue;
      }
      const removed: Record<string, string> = {};
      if (before) {
        const keys = new Set(device.entities.map((e) => e.key));
        for (const e of before.device.entities) {
          if (!keys.has(e.key)) {
            removed[e.key] = platformOf(e);
            removedEntities.push({ device: device.key, entity: e.key });
          }
        }
      }
      const entry: Announced = { device, removed };
      next.set(device.key, entry);
      this.publish(source, entry);
      // The platform-only announcement is needed once; later payloads leave the component out.
      entry.announcedRemoved = Object.keys(removed).length > 0;
      entry.removed = {};
    }
    const removedDevices = [...previous.keys()].filter((k) => !next.has(k));
    for (const key of removedDevices) {
      if (this.enabled) this.conn.clearRetained(discoveryTopic(this.ctx, source, key));
    }
    this.announced.set(source, next);
    this.clearStale(source, next);
    return { removedDevices, removedEntities };
  }

  /** Home Assistant came (back) online: every config again, even unchanged. */
  republishAll(): void {
    for (const [source, devices] of this.announced) for (const entry of devices.values()) this.publish(source, entry);
  }

  private publish(source: string, entry: Announced): void {
    if (!this.enabled) return;
    const payload = JSON.stringify(deviceConfig(this.ctx, source, entry.device, entry.removed));
    this.conn.publishRebuildable(discoveryTopic(this.ctx, source, entry.device.key), payload);
  }

  private clearStale(source: string, current: Map<string, Announced>): void {
    const live = new Set([...current.keys()].map((k) => discoveryTopic(this.ctx, source, k)));
    for (const [topic, owner] of this.foundAtStart) {
      if (owner !== source) continue;
      this.foundAtStart.delete(topic);
      if (!live.has(topic)) {
        this.log.info({ topic }, "clearing discovery of a device no longer in its source");
        this.conn.clearRetained(topic);
      }
    }
  }
}

/** Deep equality of JSON-like values (the model's plain objects), without serialising them. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let na = 0;
  for (const k in ra) {
    if (ra[k] === undefined) continue;
    na++;
    if (!sameJson(ra[k], rb[k])) return false;
  }
  let nb = 0;
  for (const k in rb) if (rb[k] !== undefined) nb++;
  return na === nb;
}
