/**
 * The values of smart-meter events: readings of other sources, or values on topics of the local
 * broker, bound to the meters that take them; each reading of a meter's first value makes one event.
 */
import type { Logger } from "pino";
import type { Reading } from "../../model/index.js";
import type { ReadingFeed } from "../types.js";
import type { MeterConfig, ValueFeed } from "./config.js";
import type { EventsPublisher } from "./events.js";

/** Where a value of an event comes from, and the meter it belongs to. */
interface Binding {
  meter: MeterConfig;
  value: ValueFeed;
}

export interface FeedContext {
  readings?: ReadingFeed;
  subscribeLocal?(filter: string, handler: (topic: string, payload: Buffer, retained: boolean) => void): void;
}

/**
 * Gathers each meter's values from readings of other sources and local topics and asks the
 * publisher for an event at each reading of the meter's first value, once all its values are
 * known (and no sooner than `min_interval` after the last).
 */
export class EventFeeds {
  private readonly latest = new Map<string, Map<string, number | null>>();
  private readonly lastEventAt = new Map<string, number>();
  private readonly warned = new Set<string>();
  private stopReadings: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly meters: readonly MeterConfig[],
    private readonly publisher: Pick<EventsPublisher, "accept">,
    private readonly log: Logger,
  ) {
    for (const m of meters) this.latest.set(m.id, new Map());
  }

  start(ctx: FeedContext): void {
    const byEntity = new Map<string, Binding[]>();
    const byTopic = new Map<string, Binding[]>();
    for (const meter of this.meters) {
      for (const value of meter.values) {
        const [index, key] = value.topic !== undefined ? [byTopic, value.topic] : [byEntity, entityKey(value.source, value.device, value.entity, value.field)];
        index.set(key, [...(index.get(key) ?? []), { meter, value }]);
      }
    }
    if (byEntity.size > 0) {
      if (!ctx.readings) this.log.warn("events: values from other sources' entities are not available here");
      this.stopReadings = ctx.readings?.onReading((source, reading) => {
        const bindings = byEntity.get(entityKey(source, reading.device, reading.entity, reading.field));
        if (bindings) for (const b of bindings) this.take(b, reading.value, Date.now());
      });
    }
    for (const [topic, bindings] of byTopic) {
      if (!ctx.subscribeLocal) {
        this.log.warn({ topic }, "events: local topics are not available here");
        continue;
      }
      ctx.subscribeLocal(topic, (_topic, payload, retained) => {
        // A retained message is an old value: it makes no event now.
        if (retained) return;
        const text = payload.toString("utf8");
        for (const b of bindings) this.take(b, text, Date.now());
      });
    }
  }

  stop(): void {
    this.stopped = true;
    this.stopReadings?.();
    this.stopReadings = undefined;
  }

  /** One value arrived; the meter's first value makes an event. */
  take(binding: Binding, raw: Reading["value"], at: number): void {
    // Local subscriptions last as long as the daemon's connection; a stopped bridge takes nothing.
    if (this.stopped) return;
    const { meter, value } = binding;
    const number = toNumber(raw, value.path);
    if (number === undefined) {
      this.warnOnce(`${meter.id}/${value.name}`, { meter: meter.id, value: value.name }, "events: a value is not a number; it is left out");
      return;
    }
    const scaled = number === null ? null : round(number * value.scale);
    const values = this.latest.get(meter.id) as Map<string, number | null>;
    values.set(value.name, scaled);
    if (value !== meter.values[0] || scaled === null) return;
    const missing = meter.values.filter((v) => !values.has(v.name)).map((v) => v.name);
    if (missing.length > 0) {
      this.warnOnce(`${meter.id}/missing`, { meter: meter.id, missing }, "events: waiting for a first value of each before sending events", "info");
      return;
    }
    const last = this.lastEventAt.get(meter.id);
    if (last !== undefined && at - last < meter.minIntervalMs) return;
    this.lastEventAt.set(meter.id, at);
    this.publisher.accept(meter.id, Object.fromEntries(meter.values.map((v) => [v.name, values.get(v.name) ?? null])), at);
  }

  private warnOnce(key: string, details: Record<string, unknown>, message: string, level: "warn" | "info" = "warn"): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log[level](details, message);
  }
}

function entityKey(source?: string, device?: string, entity?: string, field?: string): string {
  return `${source ?? ""}\u0000${device ?? ""}\u0000${entity ?? ""}\u0000${field ?? ""}`;
}

/**
 * A reading or a payload as a number: numbers as they are, numeric text, ON/OFF-like booleans as
 * 1/0, a JSON payload at `path`. null: known to be unknown; undefined: not a number at all.
 */
export function toNumber(raw: Reading["value"], path?: string): number | null | undefined {
  let value: unknown = raw;
  if (typeof value === "string") {
    const text = value.trim();
    if (path === undefined && text !== "" && Number.isFinite(Number(text))) return Number(text);
    if (text === "None" || text === "") return null;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (path !== undefined) {
    for (const part of path.split(".")) value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
