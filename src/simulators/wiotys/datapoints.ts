/**
 * `PUT /api/v1/ca/<ca>/datapoints` (seed 5.8 and 7.1.1/7.1.2): raw samples or values aggregated
 * per time step, computed from the same functions as the last values. Buckets are UTC (weeks
 * start on Monday); the seed's `useDeviceLocalTimezone` is echoed but buckets stay UTC — the
 * simulator's simplification.
 */
import type { DeviceSpec, VariableTemplate } from "./data.js";
import { isoSeconds, type World } from "./world.js";

export const GRANULARITIES = ["raw", "minute", "hour", "day", "week", "month", "year"] as const;
export const AGGREGATIONS = ["avg", "min", "max", "count", "sum", "var", "stdev"] as const;
export type Granularity = (typeof GRANULARITIES)[number];
export type Aggregation = (typeof AGGREGATIONS)[number];

export function bucketStart(ms: number, g: Exclude<Granularity, "raw">): number {
  const d = new Date(ms);
  switch (g) {
    case "minute":
      return Math.floor(ms / 60_000) * 60_000;
    case "hour":
      return Math.floor(ms / 3_600_000) * 3_600_000;
    case "day":
      return Math.floor(ms / 86_400_000) * 86_400_000;
    case "week": {
      const day = Math.floor(ms / 86_400_000) * 86_400_000;
      const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0
      return day - weekday * 86_400_000;
    }
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case "year":
      return Date.UTC(d.getUTCFullYear(), 0, 1);
  }
}

export function aggregate(values: number[], a: Aggregation): number | null {
  if (a === "count") return values.length;
  if (values.length === 0) return null;
  const sum = values.reduce((s, v) => s + v, 0);
  const mean = sum / values.length;
  const r = (n: number): number => Math.round(n * 1e4) / 1e4;
  switch (a) {
    case "avg":
      return r(mean);
    case "min":
      return Math.min(...values);
    case "max":
      return Math.max(...values);
    case "sum":
      return r(sum);
    case "var":
      return r(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    case "stdev":
      return r(Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length));
  }
}

/** Raw samples every `stepMs` in [from, to), at a per-device offset (like 00:05:05, 00:10:14 in the seed). */
export function rawSamples(world: World, device: DeviceSpec, t: VariableTemplate, from: number, to: number, stepMs: number): { at: number; value: number | string }[] {
  const offset = (parseInt(device.uuid.replace(/-/g, "").slice(0, 6), 16) % 30) * 1000 + 5_000;
  const out: { at: number; value: number | string }[] = [];
  let at = Math.ceil((from - offset) / stepMs) * stepMs + offset;
  if (at < from) at += stepMs;
  for (; at < to; at += stepMs) out.push({ at, value: world.valueAt(device, t, at) });
  return out;
}

export function series(
  world: World,
  device: DeviceSpec,
  t: VariableTemplate,
  from: number,
  to: number,
  stepMs: number,
  granularity: Granularity,
  aggregation: Aggregation | undefined,
): { at: string; value: number | string | null }[] {
  const raw = rawSamples(world, device, t, from, to, stepMs);
  if (granularity === "raw" || aggregation === undefined) return raw.map((p) => ({ at: isoSeconds(p.at), value: p.value }));
  const buckets = new Map<number, (number | string)[]>();
  for (const p of raw) {
    const b = bucketStart(p.at, granularity);
    const list = buckets.get(b) ?? [];
    list.push(p.value);
    buckets.set(b, list);
  }
  return [...buckets.entries()].map(([b, values]) => {
    const numbers = values.filter((v): v is number => typeof v === "number");
    const value = aggregation === "count" ? values.length : numbers.length === values.length ? aggregate(numbers, aggregation) : null;
    return { at: isoSeconds(b), value };
  });
}
