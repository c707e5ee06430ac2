/**
 * The simulated Climkit world: sites with meters and sensors, and their data over time. Every
 * value is a pure function of (meter, period), so an answer never changes once given; indexes
 * are running sums of the per-period values, so they only rise and agree with the validated data.
 */
import { BUCKET_SPAN_MS, bucketStart, formatLocal, localHour, type Frequency } from "./time.js";

export type SimMeterType = "electricity" | "heating" | "cold_water" | "hot_water";
export type SimMeterMode = "consumption" | "production" | "introduction" | "battery";

export interface SimMeter {
  id: string;
  type: SimMeterType;
  name: string;
  mode: SimMeterMode;
  prim_ad: number;
  is_rule_meter: boolean;
  /** Mean value per 15-minute period (kWh, or m³ for water); a default per type and mode. */
  scale?: number;
  /** Raw index at the start of the world's history. */
  baseIndex?: number;
}

export interface SimSensor {
  id: string;
  name: string;
  type: string;
  unit: string;
  model: string;
  /** Mean value; the value swings by `amplitude` over the day. */
  base: number;
  amplitude: number;
  decimals?: number;
}

export interface SimSite {
  id: string;
  site_ref: string;
  name: string;
  address: { street_name: string; street_number: string; city: string; postal_code: number };
  creation_date: string;
  latitude: number;
  longitude: number;
  timezone: string;
  meters: SimMeter[];
  sensors: SimSensor[];
}

export const RAW_KEYS = ["en_im", "en_ex", "heat_energy_kwh", "vol_m3"] as const;
type RawKey = (typeof RAW_KEYS)[number];
type Raw = Record<RawKey, number | null>;

interface MeterPeriod {
  total: number;
  self?: number;
  ext?: number;
  /** Indexes at the end of the period. */
  raw: Raw;
}

interface SitePeriod {
  meters: Map<string, MeterPeriod>;
  /** site_data per meter type. */
  site: Map<string, Record<string, number>>;
}

export interface WorldOptions {
  /** Length of a "15T" period in real ms (default 15 minutes; tests and the demo shorten it). */
  periodMs: number;
  /** Periods of history before the simulator started (default 672 = one week of 15 minutes). */
  historyPeriods: number;
  /** Validated data lag behind raw data by this much (default one period). */
  validationLagMs: number;
  /** Sensor sampling interval (default a third of a period). */
  sensorPeriodMs: number;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Deterministic noise in [0, 1) for (id, n). */
export function noise(id: string, n: number): number {
  let h = 2166136261 ^ n;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function defaultScale(m: SimMeter): number {
  if (m.type === "electricity") return m.mode === "production" ? 1.5 : m.mode === "battery" ? 0.3 : 0.25;
  if (m.type === "heating") return 2;
  return 0.02;
}

function defaultBase(m: SimMeter): number {
  const jitter = Math.round(noise(m.id, -1) * 1000);
  if (m.type === "electricity") return 12_000 + jitter;
  if (m.type === "heating") return 45_000 + jitter;
  return 300 + jitter / 10;
}

export class World {
  readonly opts: WorldOptions;
  /** Index of the first period with data (periods: [k·P, (k+1)·P)). */
  readonly firstIndex: number;
  private readonly periods = new Map<string, SitePeriod[]>();

  constructor(
    readonly sites: SimSite[],
    opts: Partial<WorldOptions> = {},
    start = Date.now(),
  ) {
    const periodMs = opts.periodMs ?? 15 * 60_000;
    this.opts = {
      periodMs,
      historyPeriods: opts.historyPeriods ?? 672,
      validationLagMs: opts.validationLagMs ?? periodMs,
      sensorPeriodMs: opts.sensorPeriodMs ?? Math.max(1, Math.round(periodMs / 3)),
    };
    this.firstIndex = Math.floor(start / periodMs) - this.opts.historyPeriods;
    for (const s of sites) this.periods.set(s.id, []);
  }

  site(id: string): SimSite | undefined {
    return this.sites.find((s) => s.id === id);
  }

  /** The last complete period (raw data exist up to it). */
  lastRawIndex(now = Date.now()): number {
    return Math.floor(now / this.opts.periodMs) - 1;
  }

  /** The last validated period. */
  lastValidatedIndex(now = Date.now()): number {
    return Math.floor((now - this.opts.validationLagMs) / this.opts.periodMs) - 1;
  }

  private period(site: SimSite, k: number): SitePeriod | undefined {
    if (k < this.firstIndex) return undefined;
    const list = this.periods.get(site.id)!;
    while (this.firstIndex + list.length <= k) list.push(this.compute(site, this.firstIndex + list.length, list.at(-1)));
    return list[k - this.firstIndex];
  }

  /** One period of a site: every meter's value and index, and the site totals per meter type. */
  private compute(site: SimSite, k: number, prev: SitePeriod | undefined): SitePeriod {
    const P = this.opts.periodMs;
    const hour = localHour(k * P, site.timezone);
    const meters = new Map<string, MeterPeriod>();
    const physical = site.meters.filter((m) => !m.is_rule_meter);
    const value = (m: SimMeter): number => {
      const u = noise(m.id, k);
      const scale = m.scale ?? defaultScale(m);
      if (m.type !== "electricity") return round3(m.type === "heating" ? scale * (0.5 + u) * (hour < 6 || hour > 20 ? 1.3 : 0.8) : scale * u * 2 * (hour < 6 ? 0.2 : 1));
      if (m.mode === "production") return round3(scale * Math.max(0, Math.sin((Math.PI * (hour - 6)) / 12)) * (0.85 + 0.3 * u));
      if (m.mode === "battery") return round3(scale * u);
      const peaks = Math.exp(-(((hour - 7.5) / 1.5) ** 2)) + Math.exp(-(((hour - 19) / 2) ** 2));
      return round3(scale * (0.6 + 0.8 * u) * (0.6 + 0.6 * peaks));
    };
    const own = new Map<string, number>();
    for (const m of physical) if (m.mode !== "introduction") own.set(m.id, value(m));
    const sum = (pred: (m: SimMeter) => boolean): number => round3(physical.filter(pred).reduce((n, m) => n + (own.get(m.id) ?? 0), 0));
    const conso = sum((m) => m.type === "electricity" && m.mode === "consumption");
    const prod = sum((m) => m.type === "electricity" && m.mode === "production");
    const self = round3(Math.min(conso, prod));
    const fromExt = round3(conso - self);
    const toExt = round3(prod - self);
    const siteData = new Map<string, Record<string, number>>();
    const types = new Set(site.meters.map((m) => m.type));
    for (const t of types) {
      siteData.set(t, t === "electricity" ? { conso_total: conso, prod_total: prod, from_ext: fromExt, self, to_ext: toExt } : { conso_total: sum((m) => m.type === t && m.mode === "consumption") });
    }

    for (const m of site.meters) {
      let total: number;
      let mSelf: number | undefined;
      let mExt: number | undefined;
      if (m.is_rule_meter) {
        // A rule meter sums the physical meters of its type and mode (e.g. the building's consumption).
        total = m.type === "electricity" && m.mode === "consumption" ? conso : m.type === "electricity" && m.mode === "production" ? prod : sum((x) => x.type === m.type && x.mode === m.mode);
        if (m.type === "electricity" && m.mode === "consumption") [mSelf, mExt] = [self, fromExt];
      } else if (m.mode === "introduction") {
        total = fromExt;
      } else {
        total = own.get(m.id) ?? 0;
        if (m.type === "electricity" && m.mode === "consumption") {
          mSelf = conso > 0 ? round3((total * self) / conso) : 0;
          mExt = round3(total - mSelf);
        }
      }
      const before = prev?.meters.get(m.id)?.raw;
      // A production meter draws little (inverter standby): its import index starts low.
      const start = (key: RawKey): number => before?.[key] ?? (key === "en_im" && m.mode === "production" ? Math.round(defaultBase(m) / 40) : (m.baseIndex ?? defaultBase(m)));
      const raw: Raw = { en_im: null, en_ex: null, heat_energy_kwh: null, vol_m3: null };
      if (m.type === "electricity") {
        const [im, ex] = m.mode === "production" ? [0, total] : m.mode === "introduction" ? [fromExt, toExt] : m.mode === "battery" ? [total, round3(total * 0.9)] : [total, 0];
        raw.en_im = round3(start("en_im") + im);
        raw.en_ex = round3((before?.en_ex ?? (m.mode === "consumption" ? 0 : (m.baseIndex ?? defaultBase(m)) / 2)) + ex);
      } else if (m.type === "heating") {
        raw.heat_energy_kwh = round3(start("heat_energy_kwh") + total);
      } else {
        raw.vol_m3 = round3(start("vol_m3") + total);
      }
      const period: MeterPeriod = { total, raw };
      if (mSelf !== undefined) period.self = mSelf;
      if (mExt !== undefined) period.ext = mExt;
      meters.set(m.id, period);
    }
    return { meters, site: siteData };
  }

  /** A meter's validated value of one period (undefined before the history or for unknown ids). */
  meterPeriod(siteId: string, meterId: string, k: number): { total: number; self?: number; ext?: number } | undefined {
    const site = this.site(siteId);
    const p = site ? this.period(site, k)?.meters.get(meterId) : undefined;
    if (!p) return undefined;
    const { raw: _raw, ...values } = p;
    return values;
  }

  /** Index of the period whose 15T timestamp (its end) is `endMs`. */
  indexOfEnd(endMs: number): number {
    return Math.round(endMs / this.opts.periodMs) - 1;
  }

  /** A meter's raw indexes at the end of period k. */
  rawAt(siteId: string, meterId: string, k: number): Raw | undefined {
    const site = this.site(siteId);
    const p = site ? this.period(site, k)?.meters.get(meterId) : undefined;
    return p ? { ...p.raw } : undefined;
  }

  /**
   * Validated rows of a meter (`meter_data`) or of a site's meter type (`site_data`): 15T rows are
   * labelled with the end of their period, coarser ones with the start of their bucket; a row is
   * in the window when its label is (inclusively). Only validated periods count.
   */
  validatedRows(site: SimSite, pick: (p: SitePeriod) => Record<string, number> | undefined, from: number, to: number, freq: Frequency, keys: readonly string[], now = Date.now()): Array<Record<string, unknown>> {
    const P = this.opts.periodMs;
    const last = this.lastValidatedIndex(now);
    const rows: Array<Record<string, unknown>> = [];
    if (freq === "15T") {
      const k0 = Math.max(this.firstIndex, Math.ceil(from / P) - 1);
      const k1 = Math.min(last, Math.floor(to / P) - 1);
      for (let k = k0; k <= k1; k++) {
        const values = pick(this.period(site, k)!);
        if (values) rows.push(shape(values, keys, formatLocal((k + 1) * P, site.timezone)));
      }
      return rows;
    }
    const span = BUCKET_SPAN_MS[freq];
    const k0 = Math.max(this.firstIndex, Math.floor((from - span) / P));
    const k1 = Math.min(last, Math.floor((to + span) / P));
    const buckets = new Map<number, Record<string, number>>();
    for (let k = k0; k <= k1; k++) {
      const b = bucketStart(k * P, freq, site.timezone);
      if (b < from || b > to) continue;
      const values = pick(this.period(site, k)!);
      if (!values) continue;
      const acc = buckets.get(b) ?? {};
      for (const key of keys) if (typeof values[key] === "number") acc[key] = round3((acc[key] ?? 0) + values[key]);
      buckets.set(b, acc);
    }
    for (const [b, values] of [...buckets].sort((x, y) => x[0] - y[0])) rows.push(shape(values, keys, formatLocal(b, site.timezone)));
    return rows;
  }

  meterRows(site: SimSite, meter: SimMeter, from: number, to: number, freq: Frequency, now = Date.now()): Array<Record<string, unknown>> {
    // The API's own field order: consuming electricity meters {ext, timestamp, self, total}, others {total, timestamp}.
    const split = meter.type === "electricity" && meter.mode === "consumption";
    const keys = split ? ["ext", "timestamp", "self", "total"] : ["total", "timestamp"];
    return this.validatedRows(
      site,
      (p): Record<string, number> | undefined => {
        const m = p.meters.get(meter.id);
        if (!m) return undefined;
        return split ? { total: m.total, self: m.self ?? 0, ext: m.ext ?? 0 } : { total: m.total };
      },
      from,
      to,
      freq,
      keys,
      now,
    );
  }

  siteRows(site: SimSite, type: string, from: number, to: number, freq: Frequency, now = Date.now()): Array<Record<string, unknown>> {
    const keys = type === "electricity" ? ["conso_total", "prod_total", "from_ext", "self", "to_ext", "timestamp"] : ["conso_total", "timestamp"];
    return this.validatedRows(site, (p) => p.site.get(type) ?? (type === "electricity" ? { conso_total: 0, prod_total: 0, from_ext: 0, self: 0, to_ext: 0 } : { conso_total: 0 }), from, to, freq, keys, now);
  }

  /** Raw rows of a physical meter: indexes at the end of each period whose end is in the window. */
  rawRows(site: SimSite, meter: SimMeter, from: number, to: number, now = Date.now()): Array<Record<string, unknown>> {
    const P = this.opts.periodMs;
    const k0 = Math.max(this.firstIndex, Math.ceil(from / P) - 1);
    const k1 = Math.min(this.lastRawIndex(now), Math.floor(to / P) - 1);
    const rows: Array<Record<string, unknown>> = [];
    for (let k = k0; k <= k1; k++) {
      const raw = this.period(site, k)!.meters.get(meter.id)!.raw;
      rows.push({ ...raw, timestamp: formatLocal((k + 1) * P, site.timezone) });
    }
    return rows;
  }

  /** A sensor's value at sample n (taken at n · sensorPeriodMs). */
  sensorValue(sensor: SimSensor, n: number): number {
    const t = n * this.opts.sensorPeriodMs;
    const day = (t % 86_400_000) / 86_400_000;
    const v = sensor.base + sensor.amplitude * Math.sin(2 * Math.PI * (day - 0.25)) + sensor.amplitude * 0.2 * (noise(sensor.id, n) - 0.5);
    const f = 10 ** (sensor.decimals ?? 1);
    return Math.round(v * f) / f;
  }

  /** Sensor samples taken in [from, to] (epoch-ms timestamps), none before the history or after now. */
  sensorRows(sensor: SimSensor, from: number, to: number, now = Date.now()): Array<{ timestamp: number; value: number }> {
    const S = this.opts.sensorPeriodMs;
    const first = this.firstIndex * this.opts.periodMs;
    const n0 = Math.ceil(Math.max(from, first) / S);
    const n1 = Math.floor(Math.min(to, now) / S);
    const rows: Array<{ timestamp: number; value: number }> = [];
    for (let n = n0; n <= n1; n++) rows.push({ timestamp: n * S, value: this.sensorValue(sensor, n) });
    return rows;
  }
}

function shape(values: Record<string, number>, keys: readonly string[], timestamp: string): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const k of keys) row[k] = k === "timestamp" ? timestamp : (values[k] ?? null);
  return row;
}
