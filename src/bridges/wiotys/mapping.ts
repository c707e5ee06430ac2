/**
 * Socomec Wiotys → model: variables (`Item|Index|Service`) as entities, SoData unit words as Home
 * Assistant units and device classes, last values as readings, and the config's selections.
 * Small pure functions; the bridge strings them together.
 */
import { idKey, type Entity, type ReadingValue, type StateClass } from "../../model/index.js";
import type { LastValue, Variable } from "./api-types.js";

// -------------------------------------------------------------------------------------------------
// Units

export interface UnitInfo {
  unit?: string;
  deviceClass?: string;
}

/**
 * SoData unit words (last values show `"unit": "AMPERE"`; the SoLive Pro UI shows °C, Ah, V, h)
 * → Home Assistant unit and sensor device class. A unit Home Assistant knows under no device
 * class (Ah, varh, VAh, kA) is kept as a plain unit.
 */
const UNIT_WORDS: Record<string, UnitInfo> = {
  AMPERE: { unit: "A", deviceClass: "current" },
  MILLIAMPERE: { unit: "mA", deviceClass: "current" },
  KILOAMPERE: { unit: "kA" },
  VOLT: { unit: "V", deviceClass: "voltage" },
  MILLIVOLT: { unit: "mV", deviceClass: "voltage" },
  KILOVOLT: { unit: "kV", deviceClass: "voltage" },
  WATT: { unit: "W", deviceClass: "power" },
  KILOWATT: { unit: "kW", deviceClass: "power" },
  MEGAWATT: { unit: "MW", deviceClass: "power" },
  VOLT_AMPERE: { unit: "VA", deviceClass: "apparent_power" },
  KILOVOLT_AMPERE: { unit: "kVA", deviceClass: "apparent_power" },
  VAR: { unit: "var", deviceClass: "reactive_power" },
  VOLT_AMPERE_REACTIVE: { unit: "var", deviceClass: "reactive_power" },
  KILOVAR: { unit: "kvar", deviceClass: "reactive_power" },
  KILOVOLT_AMPERE_REACTIVE: { unit: "kvar", deviceClass: "reactive_power" },
  WATT_HOUR: { unit: "Wh", deviceClass: "energy" },
  KILOWATT_HOUR: { unit: "kWh", deviceClass: "energy" },
  MEGAWATT_HOUR: { unit: "MWh", deviceClass: "energy" },
  VAR_HOUR: { unit: "varh" },
  KILOVAR_HOUR: { unit: "kvarh" },
  VOLT_AMPERE_REACTIVE_HOUR: { unit: "varh" },
  KILOVOLT_AMPERE_REACTIVE_HOUR: { unit: "kvarh" },
  VOLT_AMPERE_HOUR: { unit: "VAh" },
  KILOVOLT_AMPERE_HOUR: { unit: "kVAh" },
  AMPERE_HOUR: { unit: "Ah" },
  PERCENT: { unit: "%" },
  PERCENTAGE: { unit: "%" },
  HERTZ: { unit: "Hz", deviceClass: "frequency" },
  CELSIUS: { unit: "°C", deviceClass: "temperature" },
  DEGREE_CELSIUS: { unit: "°C", deviceClass: "temperature" },
  CELSIUS_DEGREE: { unit: "°C", deviceClass: "temperature" },
  FAHRENHEIT: { unit: "°F", deviceClass: "temperature" },
  DEGREE_FAHRENHEIT: { unit: "°F", deviceClass: "temperature" },
  KELVIN: { unit: "K", deviceClass: "temperature" },
  MILLISECOND: { unit: "ms", deviceClass: "duration" },
  SECOND: { unit: "s", deviceClass: "duration" },
  MINUTE: { unit: "min", deviceClass: "duration" },
  HOUR: { unit: "h", deviceClass: "duration" },
  DAY: { unit: "d", deviceClass: "duration" },
  PASCAL: { unit: "Pa", deviceClass: "pressure" },
  HECTOPASCAL: { unit: "hPa", deviceClass: "pressure" },
  KILOPASCAL: { unit: "kPa", deviceClass: "pressure" },
  BAR: { unit: "bar", deviceClass: "pressure" },
  MILLIBAR: { unit: "mbar", deviceClass: "pressure" },
  LITER: { unit: "L", deviceClass: "volume" },
  LITRE: { unit: "L", deviceClass: "volume" },
  CUBIC_METER: { unit: "m³", deviceClass: "volume" },
  CUBIC_METRE: { unit: "m³", deviceClass: "volume" },
  CUBIC_METER_PER_HOUR: { unit: "m³/h", deviceClass: "volume_flow_rate" },
  LITER_PER_HOUR: { unit: "L/h", deviceClass: "volume_flow_rate" },
  LITER_PER_MINUTE: { unit: "L/min", deviceClass: "volume_flow_rate" },
  DECIBEL: { unit: "dB", deviceClass: "signal_strength" },
  DECIBEL_MILLIWATT: { unit: "dBm", deviceClass: "signal_strength" },
  DBM: { unit: "dBm", deviceClass: "signal_strength" },
  PPM: { unit: "ppm" },
  PARTS_PER_MILLION: { unit: "ppm" },
  LUX: { unit: "lx", deviceClass: "illuminance" },
  METER_PER_SECOND: { unit: "m/s", deviceClass: "speed" },
  KILOGRAM: { unit: "kg", deviceClass: "weight" },
  EURO: { unit: "EUR", deviceClass: "monetary" },
};

/** The same units written as symbols (what the SoLive Pro UI shows), case-sensitive. */
const UNIT_SYMBOLS: Record<string, UnitInfo> = Object.fromEntries(
  Object.values(UNIT_WORDS)
    .filter((u) => u.unit)
    .map((u) => [u.unit as string, u]),
);
Object.assign(UNIT_SYMBOLS, { "m3": UNIT_WORDS.CUBIC_METER, "m3/h": UNIT_WORDS.CUBIC_METER_PER_HOUR, l: UNIT_WORDS.LITER, VAr: UNIT_WORDS.VAR, kVAr: UNIT_WORDS.KILOVAR });

/** SoData unit word or symbol → Home Assistant unit and device class; unknown words are kept as text. */
export function unitOf(raw: string | null | undefined): UnitInfo {
  const text = typeof raw === "string" ? raw.trim() : "";
  if (text === "" || /^(NONE|NO_UNIT|UNITLESS|NULL|-)$/i.test(text)) return {};
  const symbol = UNIT_SYMBOLS[text];
  if (symbol) return { ...symbol };
  const word = text.toUpperCase().replace(/[\s-]+/g, "_");
  const known = UNIT_WORDS[word] ?? UNIT_WORDS[word.replace(/S$/, "")] ?? UNIT_WORDS[word.replace(/S_/g, "_").replace(/S$/, "")];
  return known ? { ...known } : { unit: text };
}

// -------------------------------------------------------------------------------------------------
// Variables

/** The seed's mapping config syntax: `Item|Index|Service`, e.g. `Global|0|140100`. */
export function variableRef(v: Pick<Variable, "itemType" | "itemIndex" | "serviceId">): string {
  return `${v.itemType}|${v.itemIndex}|${v.serviceId}`;
}

/** Topic-safe entity key of a variable: `Global_0_140100`. */
export function variableKey(v: Pick<Variable, "itemType" | "itemIndex" | "serviceId">): string {
  return idKey(`${v.itemType}_${v.itemIndex}_${v.serviceId}`);
}

export type VariableKind = "alarm" | "counter" | "measure" | "other";

export function variableKind(v: Pick<Variable, "serviceType">): VariableKind {
  const type = (v.serviceType ?? "").trim().toLowerCase();
  if (type === "alarm" || type === "alarms") return "alarm";
  if (type === "counter" || type === "counters" || type === "index") return "counter";
  if (type === "measure" || type === "measures" || type === "measurement") return "measure";
  return "other";
}

/** The English title (variables carry translations, last values a title), else the service name. */
export function variableTitle(v: Variable, lastValueTitle?: string | null): string {
  const translations = v.serviceTranslations ?? {};
  const en = translations.en?.title ?? translations.en?.shortName;
  const any = Object.values(translations).find((t) => t?.title)?.title;
  const title = [en, lastValueTitle, any, v.serviceName].find((t): t is string => typeof t === "string" && t.trim() !== "");
  return title?.trim() ?? `Service ${v.serviceId}`;
}

/** A name for people: the title, with the item when it is not the device's Global item 0 (index shown from 1). */
export function variableName(v: Variable, title: string): string {
  const index = Number(v.itemIndex);
  if (v.itemType === "Global" && (index === 0 || v.itemIndex === "")) return title;
  const shown = Number.isInteger(index) ? String(index + 1) : v.itemIndex;
  return `${title} (${v.itemType} ${shown})`;
}

const isDelta = (v: Variable, title: string): boolean => /delta/i.test(`${v.serviceName ?? ""} ${title}`);

/** Device classes Home Assistant allows as totals (energy dashboard and friends). */
const TOTAL_CLASSES = new Set(["energy", "volume", "water", "gas", "duration", "distance", "weight", "monetary"]);
/** Device classes whose readings are totals only: never `measurement`. */
const CUMULATIVE_CLASSES = new Set(["energy", "volume", "water", "gas", "monetary"]);

export interface EntityHints {
  /** The variable's unit is often null; a last value's unit word fills in. */
  unit?: string | null;
  /** Title of a last value, when the variable has no translation. */
  title?: string | null;
  /** For service types other than Measure/Counter/Alarm: whether values are numbers (from the first value seen). */
  numeric?: boolean;
}

/**
 * One variable as an entity: Alarm → problem binary sensor; Counter (and energy/volume
 * readings that are not per-period deltas) → `total_increasing`; Measure → `measurement` with
 * the device class of its unit; other service types → diagnostic sensors.
 */
export function variableEntity(v: Variable, hints: EntityHints = {}): Entity {
  const title = variableTitle(v, hints.title);
  const base = { key: variableKey(v), name: variableName(v, title) };
  const kind = variableKind(v);
  if (kind === "alarm") return { ...base, kind: "binary_sensor", deviceClass: "problem" };

  const info = unitOf(v.unit && String(v.unit).trim() !== "" ? v.unit : hints.unit);
  const deviceClass = serviceDeviceClass(v, title, info);
  const entity: Entity = { ...base, kind: "sensor" };
  if (info.unit) entity.unit = info.unit;

  if (kind === "other" && hints.numeric !== true) {
    // Text: Home Assistant refuses a unit or device class on a non-numeric state.
    delete entity.unit;
    entity.category = "diagnostic";
    return entity;
  }
  let stateClass: StateClass | undefined;
  let cls = deviceClass;
  if (kind === "counter") {
    stateClass = "total_increasing";
    if (cls && !TOTAL_CLASSES.has(cls)) cls = undefined;
  } else if (kind === "measure") {
    if (cls && CUMULATIVE_CLASSES.has(cls)) {
      // An energy or volume reading is a meter index, unless it is a per-period delta.
      if (isDelta(v, title)) cls = undefined;
      else stateClass = "total_increasing";
    }
    stateClass ??= "measurement";
  } else {
    entity.category = "diagnostic";
  }
  if (cls) entity.deviceClass = cls;
  if (stateClass) entity.stateClass = stateClass;
  return entity;
}

/** Device class from the unit, refined by the service where the unit says too little. */
function serviceDeviceClass(v: Variable, title: string, info: UnitInfo): string | undefined {
  const text = `${v.serviceGroup ?? ""} ${v.serviceName ?? ""} ${title}`;
  if (info.unit === "%") {
    if (/battery|batterie/i.test(text) && /charge|level|soc\b|state of charge/i.test(text)) return "battery";
    if (/humidity/i.test(text)) return "humidity";
    return undefined;
  }
  if (!info.unit && /power factor|cos ?phi|\bpf\b/i.test(text)) return "power_factor";
  return info.deviceClass;
}

// -------------------------------------------------------------------------------------------------
// Values

const NUMBER = /^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$/;

export function looksNumeric(raw: unknown): boolean {
  return (typeof raw === "number" && Number.isFinite(raw)) || (typeof raw === "string" && NUMBER.test(raw.trim()));
}

export function toNumber(raw: unknown): number | null {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : null;
  if (typeof raw === "boolean") return raw ? 1 : 0;
  if (typeof raw !== "string" || !NUMBER.test(raw.trim())) return null;
  const n = Number(raw.trim().replace(",", "."));
  return Number.isFinite(n) ? n : null;
}

const TRUE_WORDS = new Set(["true", "on", "yes", "active", "alarm", "raised", "set"]);
const FALSE_WORDS = new Set(["false", "off", "no", "inactive", "normal", "cleared", "reset", "ok", ""]);

export function toBoolean(raw: unknown): boolean | null {
  if (typeof raw === "boolean") return raw;
  if (typeof raw === "number") return Number.isFinite(raw) ? raw !== 0 : null;
  if (typeof raw !== "string") return null;
  const text = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  const n = toNumber(text);
  return n === null ? null : n !== 0;
}

/** A last value as the entity's reading: ON/OFF for alarms, numbers for numeric sensors, text otherwise. */
export function readingValue(entity: Entity, raw: unknown): ReadingValue {
  if (raw === null || raw === undefined) return null;
  if (entity.kind === "binary_sensor") return toBoolean(raw);
  if (entity.stateClass || entity.unit || entity.deviceClass) return toNumber(raw);
  if (typeof raw === "string") return raw.trim().slice(0, 255);
  if (typeof raw === "number" || typeof raw === "boolean") return raw;
  return JSON.stringify(raw).slice(0, 255);
}

/** The newest `date` among values, ISO 8601, for the device's "Last update" timestamp sensor. */
export function newestDate(values: Pick<LastValue, "date">[]): string | null {
  let newest = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    const t = typeof v.date === "string" ? Date.parse(v.date) : Number.NaN;
    if (Number.isFinite(t) && t > newest) newest = t;
  }
  return Number.isFinite(newest) ? new Date(newest).toISOString() : null;
}

// -------------------------------------------------------------------------------------------------
// Selections from the config

/** Case-insensitive patterns with `*` wildcards; an empty list selects everything. */
export function matcher(patterns: readonly (string | number)[] | undefined): (...candidates: (string | null | undefined)[]) => boolean {
  const list = (patterns ?? []).map((p) => String(p).trim()).filter((p) => p !== "");
  if (list.length === 0) return () => true;
  const res = list.map((p) => new RegExp(`^${p.split("*").map(escapeRegExp).join(".*")}$`, "i"));
  return (...candidates) => candidates.some((c) => typeof c === "string" && c !== "" && res.some((re) => re.test(c.trim())));
}

export interface VariableSelection {
  service_types?: string[];
  service_ids?: (string | number)[];
  items?: string[];
  variables?: string[];
}

/**
 * A variable is bridged when it passes every selection that is set: its service type, its
 * service id, its item (`Global`, or `Unit|1` for one index), its `Item|Index|Service`.
 */
export function variableFilter(sel: VariableSelection): (v: Variable) => boolean {
  const types = matcher(sel.service_types);
  const ids = matcher(sel.service_ids);
  const items = matcher(sel.items);
  const refs = matcher(sel.variables);
  return (v) =>
    types(v.serviceType ?? "") && ids(String(v.serviceId)) && items(v.itemType, `${v.itemType}|${v.itemIndex}`) && refs(variableRef(v));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The corporate account by uuid or name (case ignored); without one configured, the user's only one. */
export function pickCorporateAccount<T extends { uuid: string; name?: string }>(accounts: T[], wanted: string | undefined): T {
  const names = accounts.map((a) => (a.name ? `${a.name} (${a.uuid})` : a.uuid)).join(", ") || "none";
  if (wanted !== undefined && wanted.trim() !== "") {
    const w = wanted.trim().toLowerCase();
    const found = accounts.find((a) => a.uuid.toLowerCase() === w) ?? accounts.find((a) => (a.name ?? "").trim().toLowerCase() === w);
    if (!found) throw new Error(`corporate_account "${wanted}" is not among the corporate accounts this user sees: ${names}`);
    return found;
  }
  if (accounts.length === 1) return accounts[0]!;
  if (accounts.length === 0) throw new Error("this user has access to no corporate account");
  throw new Error(`this user sees ${accounts.length} corporate accounts (${names}): set corporate_account to the name or uuid of one`);
}
