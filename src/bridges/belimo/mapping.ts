/**
 * Belimo Cloud → model: small pure functions, unit-tested. A data profile describes each datapoint
 * with feature values (`default.description`, `default.access`, `default.basetype`,
 * `default.unit`, `default.restriction`, and a GUI aspect's `displayname`); the values come from
 * the device state as `{"<datapoint id>": {"value": …}}`.
 */
import type { Entity, ScalarValue, StateClass } from "../../model/index.js";
import { safeKey } from "../../model/index.js";
import { isRecord } from "../errors.js";
import type { ProfileDatapoint, Stats } from "./api-types.js";

/** A datapoint as an entity, with the conversions between the API's values and the published ones. */
export interface DatapointMapping {
  id: string;
  entity: Entity;
  /** API value → published value; undefined when the value is unusable (wrong type). */
  read(raw: unknown): ScalarValue | undefined;
  /** Command value → API value; present only for writable datapoints. */
  write?(value: number | string | boolean): number | string | boolean;
}

interface UnitInfo {
  unit?: string;
  deviceClass?: string;
  stateClass?: StateClass;
  /** published = raw × factor + offset */
  factor: number;
  offset: number;
  precision?: number;
  icon?: string;
}

/**
 * Units of the seed and of Belimo's profiles, keyed by their lower-case spelling, as units Home
 * Assistant accepts. Energy in J becomes kWh (÷ 3,600,000) and is cumulative; temperatures in K
 * become °C; flows in m³/s become m³/h. `null` deviceClass: a unit HA has no class for.
 */
const UNITS: Record<string, Omit<UnitInfo, "offset"> & { offset?: number }> = {
  j: { unit: "kWh", deviceClass: "energy", stateClass: "total_increasing", factor: 1 / 3_600_000, precision: 2 },
  kj: { unit: "kWh", deviceClass: "energy", stateClass: "total_increasing", factor: 1 / 3600, precision: 2 },
  mj: { unit: "kWh", deviceClass: "energy", stateClass: "total_increasing", factor: 1 / 3.6, precision: 2 },
  gj: { unit: "kWh", deviceClass: "energy", stateClass: "total_increasing", factor: 1000 / 3.6, precision: 2 },
  wh: { unit: "Wh", deviceClass: "energy", stateClass: "total_increasing", factor: 1, precision: 0 },
  kwh: { unit: "kWh", deviceClass: "energy", stateClass: "total_increasing", factor: 1, precision: 2 },
  mwh: { unit: "MWh", deviceClass: "energy", stateClass: "total_increasing", factor: 1, precision: 3 },
  w: { unit: "W", deviceClass: "power", stateClass: "measurement", factor: 1, precision: 0 },
  kw: { unit: "kW", deviceClass: "power", stateClass: "measurement", factor: 1, precision: 2 },
  k: { unit: "°C", deviceClass: "temperature", stateClass: "measurement", factor: 1, offset: -273.15, precision: 1 },
  "°c": { unit: "°C", deviceClass: "temperature", stateClass: "measurement", factor: 1, precision: 1 },
  "°f": { unit: "°F", deviceClass: "temperature", stateClass: "measurement", factor: 1, precision: 1 },
  "m³": { unit: "m³", deviceClass: "volume", stateClass: "total_increasing", factor: 1, precision: 3 },
  l: { unit: "L", deviceClass: "volume", stateClass: "total_increasing", factor: 1, precision: 1 },
  "m³/s": { unit: "m³/h", deviceClass: "volume_flow_rate", stateClass: "measurement", factor: 3600, precision: 3 },
  "m³/h": { unit: "m³/h", deviceClass: "volume_flow_rate", stateClass: "measurement", factor: 1, precision: 3 },
  "l/s": { unit: "L/s", deviceClass: "volume_flow_rate", stateClass: "measurement", factor: 1, precision: 3 },
  "l/min": { unit: "L/min", deviceClass: "volume_flow_rate", stateClass: "measurement", factor: 1, precision: 2 },
  "l/h": { unit: "L/h", deviceClass: "volume_flow_rate", stateClass: "measurement", factor: 1, precision: 1 },
  "%": { unit: "%", stateClass: "measurement", factor: 1, precision: 1 },
  pa: { unit: "Pa", deviceClass: "pressure", stateClass: "measurement", factor: 1, precision: 0 },
  hpa: { unit: "hPa", deviceClass: "pressure", stateClass: "measurement", factor: 1, precision: 1 },
  kpa: { unit: "kPa", deviceClass: "pressure", stateClass: "measurement", factor: 1, precision: 1 },
  bar: { unit: "bar", deviceClass: "pressure", stateClass: "measurement", factor: 1, precision: 2 },
  mbar: { unit: "mbar", deviceClass: "pressure", stateClass: "measurement", factor: 1, precision: 0 },
  v: { unit: "V", deviceClass: "voltage", stateClass: "measurement", factor: 1, precision: 1 },
  a: { unit: "A", deviceClass: "current", stateClass: "measurement", factor: 1, precision: 2 },
  hz: { unit: "Hz", deviceClass: "frequency", stateClass: "measurement", factor: 1, precision: 1 },
  s: { unit: "s", deviceClass: "duration", stateClass: "measurement", factor: 1, precision: 0 },
  min: { unit: "min", deviceClass: "duration", stateClass: "measurement", factor: 1, precision: 0 },
  h: { unit: "h", deviceClass: "duration", stateClass: "measurement", factor: 1, precision: 1 },
  d: { unit: "d", deviceClass: "duration", stateClass: "measurement", factor: 1, precision: 1 },
};

/** Spellings seen in profiles and descriptions ("Grad Kelvin", "m3/s", "degC"). */
const ALIASES: Record<string, string> = {
  kelvin: "k",
  "grad kelvin": "k",
  "degree kelvin": "k",
  "°k": "k",
  celsius: "°c",
  "grad celsius": "°c",
  "degree celsius": "°c",
  degc: "°c",
  "deg c": "°c",
  "°celsius": "°c",
  fahrenheit: "°f",
  degf: "°f",
  m3: "m³",
  "m^3": "m³",
  "m3/s": "m³/s",
  "m^3/s": "m³/s",
  "m3/h": "m³/h",
  "m^3/h": "m³/h",
  liter: "l",
  litre: "l",
  joule: "j",
  watt: "w",
  percent: "%",
  sec: "s",
  seconds: "s",
  hours: "h",
};

/**
 * Units of the energy-valve datapoints that the seed and Belimo's public material name, for
 * profiles that describe a datapoint without a unit feature.
 */
export const KNOWN_UNITS: Record<string, string> = {
  "evcloud.200": "J", // Cooling Energy in J (seed)
  "evcloud.210": "J", // Heating Energy in J (seed)
  "evcloud.140": "W", // power
  "evcloud.150": "K", // temperature 1 embedded, Kelvin
  "evcloudplus.461": "m³", // total volume, cumulative
};

const DELTA = /\bdelta\b|difference|\bspread\b|Δ|\bdT\b/i;
const COUNTER = /\btotal\b|counter|operating|runtime|\bhours run\b/i;

function canonicalUnit(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const u = raw.trim().replace(/\s+/g, " ").toLowerCase();
  if (u === "") return undefined;
  return ALIASES[u] ?? u;
}

/** The unit a description ends with ("Heating Energy in J"), if it is one we know. */
export function unitFromDescription(description: string): { unit: string; rest: string } | undefined {
  const m = /^(.*?)\s+in\s+((?:grad|degree)\s+)?(\S+)\s*\.?$/i.exec(description.trim());
  if (!m) return undefined;
  const word = `${m[2] ?? ""}${m[3]}`;
  const unit = canonicalUnit(word);
  return unit && UNITS[unit] ? { unit, rest: m[1]!.trim() } : undefined;
}

/** Unit, device class, state class and conversion of a numeric datapoint. */
export function unitInfo(rawUnit: string | undefined, description: string): UnitInfo {
  const key = canonicalUnit(rawUnit);
  // Without a unit nothing says the number is a measurement (it may be a code or flags).
  if (key === undefined) return { factor: 1, offset: 0 };
  const known = UNITS[key];
  if (!known) return { unit: rawUnit!.trim(), factor: 1, offset: 0, stateClass: "measurement" };
  const info: UnitInfo = { ...known, offset: known.offset ?? 0 };
  // A temperature difference in K is not a temperature: no offset, no device class.
  if (key === "k" && DELTA.test(description)) return { unit: "K", factor: 1, offset: 0, stateClass: "measurement", precision: 1 };
  if (info.deviceClass === "duration" && COUNTER.test(description)) info.stateClass = "total_increasing";
  if (key === "%" && /position|valve|stroke|opening/i.test(description)) info.icon = "mdi:valve";
  return info;
}

/** A feature value by its full name (`default.unit`) or, for GUI aspects with random ids, by suffix (`.displayname`). */
export function feature(dp: ProfileDatapoint, name: string): string | undefined {
  const fv = dp.featureValues;
  const exact = fv[`default.${name}`];
  if (typeof exact === "string") return exact;
  for (const [k, v] of Object.entries(fv)) if (k.endsWith(`.${name}`) && typeof v === "string") return v;
  return undefined;
}

const NUMERIC = new Set(["real", "int", "integer", "float", "double", "long", "number", "decimal", "uint", "short", "byte"]);
const INTEGER = new Set(["int", "integer", "long", "uint", "short", "byte"]);
const BOOLEAN = new Set(["bool", "boolean"]);
const TEXT = new Set(["text", "string", "enum"]);

/** `[min,max]` from a restriction ("[5.0,30.0]", "[-180.0,180.0]"; parts separated by ";"). */
export function restrictionRange(restriction: string | undefined): { min: number; max: number } | undefined {
  for (const part of (restriction ?? "").split(";")) {
    const m = /^\s*[[(]\s*(-?[\d.]+(?:e-?\d+)?)\s*,\s*(-?[\d.]+(?:e-?\d+)?)\s*[\])]\s*$/i.exec(part);
    if (m) {
      const min = Number(m[1]);
      const max = Number(m[2]);
      if (Number.isFinite(min) && Number.isFinite(max) && min < max) return { min, max };
    }
  }
  return undefined;
}

/** Choices of a text datapoint: `re:(OK|WARN|ERROR)` or a GUI enumeration "A,B,C". */
export function restrictionOptions(restriction: string | undefined, enumeration?: string): string[] | undefined {
  for (const part of (restriction ?? "").split(";")) {
    const m = /^\s*re:\^?\(([^()]*)\)\$?\s*$/.exec(part);
    if (m) {
      const options = m[1]!.split("|");
      if (options.length > 0 && options.every((o) => /^[\w .+-]+$/.test(o))) return [...new Set(options)];
    }
  }
  if (enumeration) {
    const options = enumeration.split(/[,;|]/).map((s) => s.trim()).filter((s) => s !== "");
    if (options.length > 0) return [...new Set(options)];
  }
  return undefined;
}

function cleanText(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

const round = (v: number): number => Math.round(v * 1e6) / 1e6;

function toNumber(raw: unknown): number | undefined {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === "string" && raw.trim() !== "" && Number.isFinite(Number(raw))) return Number(raw);
  return undefined;
}

function toBoolean(raw: unknown): boolean | undefined {
  if (typeof raw === "boolean") return raw;
  if (raw === 1 || raw === "1" || raw === "true" || raw === "TRUE") return true;
  if (raw === 0 || raw === "0" || raw === "false" || raw === "FALSE") return false;
  return undefined;
}

/** Metadata datapoints (owner, address, client IP) are not the device's data; timeline is history. */
export function isMetadata(id: string): boolean {
  return id.startsWith("metadata.") || id.startsWith("timeline.");
}

/**
 * The entity of a profile datapoint, or undefined for one that has nothing to show (write-only).
 * Known units give device class, unit and state class; unknown datapoints are plain sensors named
 * by the profile's description.
 */
export function datapointMapping(dp: ProfileDatapoint): DatapointMapping | undefined {
  const access = (feature(dp, "access") ?? "r").toLowerCase();
  if (!access.includes("r")) return undefined;
  const writable = access.includes("w");
  const basetype = (feature(dp, "basetype") ?? "").toLowerCase();
  const description = cleanText(feature(dp, "description") ?? "");
  const displayName = cleanText(feature(dp, "displayname") ?? "");
  const fromDescription = unitFromDescription(description);
  const rawUnit = feature(dp, "unit") ?? feature(dp, "displayunit") ?? fromDescription?.unit ?? KNOWN_UNITS[dp.id];
  const name = displayName || fromDescription?.rest || description || dp.id;
  const restriction = feature(dp, "restriction");
  const base: Pick<Entity, "key" | "name"> & Partial<Entity> = { key: safeKey(dp.id), name };
  if (dp.id.startsWith("default.")) base.category = "diagnostic";

  if (BOOLEAN.has(basetype)) {
    if (writable) return { id: dp.id, entity: { ...base, kind: "switch", command: { type: "switch" } }, read: toBoolean, write: (v) => v === true };
    return { id: dp.id, entity: { ...base, kind: "binary_sensor" }, read: toBoolean };
  }

  if (NUMERIC.has(basetype) || (basetype === "" && rawUnit !== undefined)) {
    const u = unitInfo(rawUnit, `${description} ${displayName}`);
    const convert = (raw: unknown): number | undefined => {
      const n = toNumber(raw);
      return n === undefined ? undefined : round(n * u.factor + u.offset);
    };
    const entity: Entity = { ...base, kind: "sensor" };
    if (u.unit) entity.unit = u.unit;
    if (u.deviceClass) entity.deviceClass = u.deviceClass;
    if (u.icon) entity.icon = u.icon;
    if (u.precision !== undefined) entity.precision = u.precision;
    if (!writable) {
      if (u.stateClass) entity.stateClass = u.stateClass;
      return { id: dp.id, entity, read: convert };
    }
    const integer = INTEGER.has(basetype);
    const range = restrictionRange(restriction) ?? guiRange(dp) ?? (u.unit === "%" ? { min: 0, max: 100 } : { min: -1_000_000, max: 1_000_000 });
    const ends = [range.min * u.factor + u.offset, range.max * u.factor + u.offset].map(round).sort((a, b) => a - b) as [number, number];
    const step = integer && u.factor === 1 ? 1 : 0.01;
    delete entity.precision;
    return {
      id: dp.id,
      entity: { ...entity, kind: "number", command: { type: "number", min: ends[0], max: ends[1], step } },
      read: convert,
      write: (v) => {
        const raw = round((Number(v) - u.offset) / u.factor);
        return integer ? Math.round(raw) : raw;
      },
    };
  }

  if (TEXT.has(basetype) || basetype === "") {
    const options = restrictionOptions(restriction, feature(dp, "enumeration"));
    const read = (raw: unknown): ScalarValue | undefined => {
      if (raw === null) return null;
      if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") return undefined;
      const text = String(raw);
      // An empty retained payload would delete the topic: an empty text is unknown.
      if (text.trim() === "") return null;
      // Home Assistant rejects an enum state outside its options: unknown rather than invalid.
      return options && !options.includes(text) ? null : text;
    };
    if (options && writable) return { id: dp.id, entity: { ...base, kind: "select", options, command: { type: "select", options } }, read, write: (v) => String(v) };
    const entity: Entity = { ...base, kind: "sensor" };
    if (options) entity.options = options;
    return { id: dp.id, entity, read };
  }

  // A basetype we do not know: shown as it comes, read-only.
  return {
    id: dp.id,
    entity: { ...base, kind: "sensor" },
    read: (raw) => (raw === null || typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean" ? raw : undefined),
  };
}

function guiRange(dp: ProfileDatapoint): { min: number; max: number } | undefined {
  const min = Number(feature(dp, "min"));
  const max = Number(feature(dp, "max"));
  return feature(dp, "min") !== undefined && feature(dp, "max") !== undefined && Number.isFinite(min) && Number.isFinite(max) && min < max ? { min, max } : undefined;
}

/** The value of a datapoint in a device state: `{value: x}` (the API) or x itself. */
export function stateValue(entry: unknown): unknown {
  return isRecord(entry) && "value" in entry ? entry.value : entry;
}

/**
 * A device's data profile reference as `id/version`. The API gives `{entityId, ref}`; the
 * reference may already be a full path (`/definitions/dataprofiles/energyvalve3/1.2`, or with
 * `/api/v3` and a host in front).
 */
export function profileRef(dataprofile: unknown): string | undefined {
  let raw: unknown = dataprofile;
  if (isRecord(dataprofile)) raw = dataprofile.entityId ?? dataprofile.ref ?? dataprofile.id;
  if (typeof raw !== "string") return undefined;
  let ref = raw.trim().replace(/[?#].*$/, "");
  const at = ref.lastIndexOf("dataprofiles/");
  if (at >= 0) ref = ref.slice(at + "dataprofiles/".length);
  ref = ref.replace(/^\/+|\/+$/g, "");
  return ref === "" ? undefined : ref;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** `devices/stats`, flat as in the seed or nested (`connection`, `health`, `transfer`) as in the spec. */
export function parseStats(body: unknown): Stats | undefined {
  if (!isRecord(body)) return undefined;
  const connection = isRecord(body.connection) ? body.connection : body;
  const health = isRecord(body.health) ? body.health : body;
  const stats: Stats = {
    total: num(body.totalDevices ?? body.total),
    online: num(connection.online),
    offline: num(connection.offline),
    problem: num(health.problem),
    ok: num(health.ok),
  };
  return Object.values(stats).some((v) => v !== null) ? stats : undefined;
}

/** Glob patterns with `*`, case-insensitive, on whole ids. */
export function globMatcher(patterns: readonly string[] | undefined): ((id: string) => boolean) | undefined {
  if (!patterns || patterns.length === 0) return undefined;
  const res = patterns.map((p) => new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i"));
  return (id) => res.some((re) => re.test(id));
}

/** Keeps one entity per key: a datapoint whose key is taken gets a suffix. */
export function uniqueKey(key: string, taken: Set<string>): string {
  let k = key;
  for (let i = 2; taken.has(k); i++) k = `${key}_${i}`;
  taken.add(k);
  return k;
}
