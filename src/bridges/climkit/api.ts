/**
 * Climkit API shapes (seed: climkit-api.de.txt) and the checks that turn a response body into
 * them. Every check throws UnexpectedResponseError naming the request and what was expected; the
 * parsers are lenient where the seed is vague (ids as strings, numbers or MongoDB `{"$oid"}`,
 * timestamps as text with a space or a `T`, epoch seconds or milliseconds, `{"$date"}`).
 */
import { UnexpectedResponseError, isRecord } from "../errors.js";

/** `/installation_infos/<site_id>`. Every field optional: a missing one is left out, not an error. */
export interface SiteInfo {
  site_ref?: string;
  name?: string;
  address?: { street_name?: string; street_number?: string; city?: string; postal_code?: string | number };
  creation_date?: string;
  latitude?: number;
  longitude?: number;
  timezone?: string;
}

/** One entry of `/meter_info/<site_id>`. */
export interface MeterInfo {
  id: string;
  /** electricity | heating | cold_water | hot_water (others are kept as given). */
  type: string;
  name: string;
  /** consumption | production | introduction | battery */
  mode: string;
  prim_ad: number | null;
  is_rule_meter: boolean;
}

/** One entry of `/<site_id>/sensors_list`. */
export interface SensorInfo {
  id: string;
  name: string;
  type: string;
  unit: string;
  model: string;
}

/** One row of a time series, its timestamp in epoch ms, values by field (null: no value). */
export interface SeriesRow {
  ts: number;
  values: Record<string, number | null>;
}

/** The meter types `/site_data` takes. */
export const SITE_DATA_TYPES: ReadonlySet<string> = new Set(["electricity", "heating", "cooling", "cold_water", "hot_water", "charge_point"]);

/** Fields of each documented series. */
export const METER_DATA_FIELDS = ["total", "self", "ext"] as const;
export const SITE_DATA_FIELDS = ["conso_total", "prod_total", "from_ext", "self", "to_ext"] as const;
export const RAW_FIELDS = ["en_im", "en_ex", "heat_energy_kwh", "vol_m3"] as const;

/** An id as the API may write it: a string, a number, or MongoDB's `{"$oid": "…"}`. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (isRecord(value) && "$oid" in value) return idOf(value.$oid);
  return undefined;
}

const ID_KEYS = ["id", "_id", "site_id", "site", "installation_id", "installation"];

/**
 * `/all_installations`: the seed says "a list of objects", existing clients see a list of site id
 * strings; both are accepted (an object gives its id from id, _id, site_id, …).
 */
export function parseSiteIds(what: string, body: unknown): string[] {
  if (!Array.isArray(body)) throw new UnexpectedResponseError(what, "a JSON list of sites", body);
  const ids: string[] = [];
  for (const item of body) {
    let id = idOf(item);
    if (id === undefined && isRecord(item)) id = ID_KEYS.map((k) => idOf(item[k])).find((v) => v !== undefined);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  if (body.length > 0 && ids.length === 0) throw new UnexpectedResponseError(what, "site ids (strings, or objects with an id)", body[0]);
  return ids;
}

export function parseSiteInfo(what: string, body: unknown): SiteInfo {
  if (!isRecord(body)) throw new UnexpectedResponseError(what, "a JSON object with the site's parameters", body);
  const info: SiteInfo = {};
  const text = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : typeof v === "number" && Number.isFinite(v) ? String(v) : undefined);
  const num = (v: unknown): number | undefined => {
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
    return typeof n === "number" && Number.isFinite(n) ? n : undefined;
  };
  const set = <K extends keyof SiteInfo>(key: K, value: SiteInfo[K] | undefined): void => {
    if (value !== undefined) info[key] = value;
  };
  set("site_ref", text(body.site_ref));
  set("name", text(body.name));
  set("creation_date", text(isRecord(body.creation_date) ? body.creation_date.$date : body.creation_date));
  set("latitude", num(body.latitude));
  set("longitude", num(body.longitude));
  set("timezone", text(body.timezone));
  if (isRecord(body.address)) {
    const a = body.address;
    const address: NonNullable<SiteInfo["address"]> = {};
    for (const k of ["street_name", "street_number", "city"] as const) {
      const v = text(a[k]);
      if (v !== undefined) address[k] = v;
    }
    const postal = text(a.postal_code);
    if (postal !== undefined) address.postal_code = postal;
    info.address = address;
  }
  return info;
}

function truthy(v: unknown): boolean {
  return v === true || v === 1 || (typeof v === "string" && ["true", "1", "yes"].includes(v.toLowerCase()));
}

/** `/meter_info/<site_id>`: entries without an id are left out (`skipped` counts them). */
export function parseMeters(what: string, body: unknown): { meters: MeterInfo[]; skipped: number } {
  if (!Array.isArray(body)) throw new UnexpectedResponseError(what, "a JSON list of meters [{id, type, name, mode, prim_ad, is_rule_meter}]", body);
  const meters: MeterInfo[] = [];
  let skipped = 0;
  for (const item of body) {
    const id = isRecord(item) ? (idOf(item.id) ?? idOf(item._id)) : undefined;
    if (!isRecord(item) || id === undefined) {
      skipped++;
      continue;
    }
    const prim = typeof item.prim_ad === "number" && Number.isFinite(item.prim_ad) ? item.prim_ad : null;
    meters.push({
      id,
      type: typeof item.type === "string" && item.type !== "" ? item.type.toLowerCase() : "unknown",
      name: typeof item.name === "string" ? item.name.trim() : "",
      mode: typeof item.mode === "string" && item.mode !== "" ? item.mode.toLowerCase() : "consumption",
      prim_ad: prim,
      is_rule_meter: truthy(item.is_rule_meter),
    });
  }
  if (body.length > 0 && meters.length === 0) throw new UnexpectedResponseError(what, "meters with an id", body[0]);
  return { meters, skipped };
}

/** `/<site_id>/sensors_list`: entries without an id are left out. */
export function parseSensors(what: string, body: unknown): { sensors: SensorInfo[]; skipped: number } {
  if (!Array.isArray(body)) throw new UnexpectedResponseError(what, "a JSON list of sensors [{id, name, type, unit, model}]", body);
  const sensors: SensorInfo[] = [];
  let skipped = 0;
  const text = (v: unknown): string => (typeof v === "string" ? v.trim() : "");
  for (const item of body) {
    const id = isRecord(item) ? (idOf(item.id) ?? idOf(item._id)) : undefined;
    if (!isRecord(item) || id === undefined) {
      skipped++;
      continue;
    }
    sensors.push({ id, name: text(item.name), type: text(item.type), unit: text(item.unit), model: text(item.model) });
  }
  if (body.length > 0 && sensors.length === 0) throw new UnexpectedResponseError(what, "sensors with an id", body[0]);
  return { sensors, skipped };
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * A response timestamp in epoch ms: `2026-03-22 05:30:00+01:00` (what the API sends), ISO with
 * `T` or `Z`, a time without offset (read as UTC, like the request parameters), epoch seconds
 * or milliseconds (numbers below 1e11 are seconds), or `{"$date": …}`.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (isRecord(value) && "$date" in value) {
    const inner = value.$date;
    return parseTimestamp(isRecord(inner) && "$numberLong" in inner ? Number(inner.$numberLong) : inner);
  }
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? Math.round(value < 1e11 ? value * 1000 : value) : undefined;
  if (typeof value !== "string") return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return parseTimestamp(Number(s));
  const m = TIMESTAMP.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", sec = "0", frac = "0", zone] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Math.round(Number(`0.${frac}`) * 1000));
  if (Number.isNaN(wall) || Number(mo) < 1 || Number(mo) > 12 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) return undefined;
  if (zone === undefined || zone.toUpperCase() === "Z") return wall;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0");
  return wall - sign * offset * 60_000;
}

/** The request parameters t_s / t_e: ISO format, timezone-naive, in UTC (seed). */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "");
}

function numeric(v: unknown): number | null {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

/**
 * A series (`meter_data`, `site_data`, `meter_data_raw`, `sensor_data`): a list of objects with a
 * timestamp and numeric fields. Rows without a readable timestamp are left out (`skipped`);
 * absent, null or NaN values are null. Sorted by time.
 */
export function parseSeries(what: string, body: unknown, fields: readonly string[], expected: string): { rows: SeriesRow[]; skipped: number } {
  if (!Array.isArray(body)) throw new UnexpectedResponseError(what, expected, body);
  const rows: SeriesRow[] = [];
  let skipped = 0;
  for (const item of body) {
    const ts = isRecord(item) ? parseTimestamp(item.timestamp) : undefined;
    if (!isRecord(item) || ts === undefined) {
      skipped++;
      continue;
    }
    const values: Record<string, number | null> = {};
    for (const f of fields) values[f] = numeric(item[f]);
    rows.push({ ts, values });
  }
  if (body.length > 0 && rows.length === 0) throw new UnexpectedResponseError(what, `${expected} with readable timestamps`, body[0]);
  rows.sort((a, b) => a.ts - b.ts);
  return { rows, skipped };
}

/** `valid_until` of `/auth`: `{"$date": <ms>}` per the seed; a plain number or ISO text also works. */
export function parseValidUntil(value: unknown): number | undefined {
  return parseTimestamp(value);
}
