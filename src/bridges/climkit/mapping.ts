/**
 * Climkit → model: small pure functions. Sites are devices; meters and sensors are devices under
 * their site. Raw indexes (`meter_data_raw`) are the meters' cumulative readings; validated
 * per-period values (`meter_data`, `site_data`) are summed into cumulative totals that never
 * count a period twice (the state keeps the last period counted).
 */
import { idKey, safeKey, type Device, type Entity } from "../../model/index.js";
import { unitAccepted } from "../../model/units.js";
import { SITE_DATA_TYPES, type MeterInfo, type SensorInfo, type SeriesRow, type SiteInfo } from "./api.js";

export const MANUFACTURER = "Climkit";

export const siteKey = (site: string): string => `site_${idKey(site)}`;
export const meterKey = (meter: string): string => `meter_${idKey(meter)}`;
export const sensorKey = (sensor: string): string => `sensor_${idKey(sensor)}`;

const WATER_TYPES = new Set(["cold_water", "hot_water"]);

const TYPE_LABEL: Record<string, string> = {
  electricity: "Electricity",
  heating: "Heating",
  cooling: "Cooling",
  cold_water: "Cold water",
  hot_water: "Hot water",
  charge_point: "Charging",
};

export function typeLabel(type: string): string {
  return TYPE_LABEL[type] ?? capitalize(type.replace(/_/g, " "));
}

/** What a validated value of a meter type measures: kWh of energy, or m³ of water (assumed). */
export function quantityOf(type: string): { deviceClass: string; unit: string } {
  return WATER_TYPES.has(type) ? { deviceClass: "water", unit: "m³" } : { deviceClass: "energy", unit: "kWh" };
}

function cumulative(key: string, name: string, q: { deviceClass: string; unit: string }, icon?: string): Entity {
  const e: Entity = { key, name, kind: "sensor", deviceClass: q.deviceClass, unit: q.unit, stateClass: "total_increasing", precision: 3 };
  if (icon) e.icon = icon;
  return e;
}

// ------------------------------------------------------------------------------ raw indexes

/** The raw index fields a meter type reports (seed: "if the type is …"). */
export function rawFieldsFor(type: string): string[] {
  if (type === "electricity") return ["en_im", "en_ex"];
  if (type === "heating" || type === "cooling") return ["heat_energy_kwh"];
  if (WATER_TYPES.has(type)) return ["vol_m3"];
  return [];
}

const RAW_ENTITIES: Record<string, { name: string; deviceClass: string; unit: string; icon?: string }> = {
  en_im: { name: "Energy import", deviceClass: "energy", unit: "kWh", icon: "mdi:transmission-tower-import" },
  en_ex: { name: "Energy export", deviceClass: "energy", unit: "kWh", icon: "mdi:transmission-tower-export" },
  heat_energy_kwh: { name: "Heat energy", deviceClass: "energy", unit: "kWh", icon: "mdi:radiator" },
  vol_m3: { name: "Water volume", deviceClass: "water", unit: "m³" },
};

/** A raw index: the meter's own cumulative reading, what Home Assistant's energy dashboard takes. */
export function rawEntity(field: string, meterType: string): Entity {
  const def = RAW_ENTITIES[field] ?? { name: capitalize(field.replace(/_/g, " ")), ...quantityOf(meterType) };
  const entity = cumulative(safeKey(field), def.name, def, def.icon);
  if (field === "heat_energy_kwh" && meterType === "cooling") {
    entity.name = "Cooling energy";
    entity.icon = "mdi:snowflake";
  }
  return entity;
}

// ------------------------------------------------------------------------------ validated data

/** `meter_data` fields: total, and self / ext (from PV / from the grid) for consuming electricity meters. */
export function meterDataFields(meter: MeterInfo): string[] {
  return meter.type === "electricity" && meter.mode === "consumption" ? ["total", "self", "ext"] : ["total"];
}

export function meterDataEntity(meter: MeterInfo, field: string): Entity {
  const q = quantityOf(meter.type);
  const totalName: Record<string, string> = { consumption: "Consumption", production: "Production", introduction: "Grid exchange", battery: "Battery energy" };
  const names: Record<string, string> = {
    total: `${totalName[meter.mode] ?? "Total"} (validated)`,
    self: "Self-consumption (validated)",
    ext: "Grid consumption (validated)",
  };
  return cumulative(`validated_${safeKey(field)}`, names[field] ?? `${capitalize(field)} (validated)`, q);
}

/** The site_data types a site has: those of its meters, in a fixed order. */
export function siteDataTypes(meters: MeterInfo[]): string[] {
  const present = new Set(meters.map((m) => m.type));
  return [...SITE_DATA_TYPES].filter((t) => present.has(t));
}

/** `site_data` fields: for electricity consumption, PV production, grid import, self-consumption, grid export. */
export function siteDataFields(type: string): string[] {
  return type === "electricity" ? ["conso_total", "prod_total", "from_ext", "self", "to_ext"] : ["conso_total"];
}

export function siteDataEntity(type: string, field: string): Entity {
  const q = quantityOf(type);
  const names: Record<string, [string, string?]> = {
    conso_total: [`${typeLabel(type)} consumption`],
    prod_total: ["PV production", "mdi:solar-power"],
    from_ext: ["Grid import", "mdi:transmission-tower-import"],
    self: ["Self-consumption", "mdi:home-lightning-bolt"],
    to_ext: ["Grid export", "mdi:transmission-tower-export"],
  };
  const [name, icon] = names[field] ?? [`${typeLabel(type)} ${field.replace(/_/g, " ")}`];
  return cumulative(`${safeKey(type)}_${safeKey(field)}`, name, q, icon);
}

/** What the state keeps of one validated series: the last period counted and the running sums. */
export interface SeriesState {
  /** Timestamp (epoch ms) of the last period counted: end of period for 15-minute data. */
  last: number;
  sums: Record<string, number>;
}

/**
 * Adds the periods after the last one counted (or after `start`, the first time) to the sums.
 * Trailing periods without any value are not validated yet: they are left for a later poll.
 * Negative values are not added (a total_increasing sum must not fall).
 */
export function accumulate(prev: SeriesState | undefined, start: number, rows: SeriesRow[], fields: readonly string[]): { next: SeriesState; counted: number; negatives: number } {
  const cursor = prev?.last ?? start;
  const sums: Record<string, number> = { ...(prev?.sums ?? {}) };
  const fresh = rows.filter((r) => r.ts > cursor).sort((a, b) => a.ts - b.ts);
  let end = fresh.length;
  while (end > 0 && fields.every((f) => fresh[end - 1]!.values[f] == null)) end--;
  let last = cursor;
  let negatives = 0;
  for (const row of fresh.slice(0, end)) {
    for (const f of fields) {
      const v = row.values[f];
      if (v === null || v === undefined) continue;
      if (v < 0) {
        negatives++;
        continue;
      }
      sums[f] = round6((sums[f] ?? 0) + v);
    }
    last = row.ts;
  }
  return { next: { last, sums }, counted: end, negatives };
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** The newest value of each field in a series (rows without it are skipped), and the newest timestamp. */
export function latestValues(rows: SeriesRow[], fields: readonly string[]): { t: number | undefined; values: Record<string, number> } {
  const values: Record<string, number> = {};
  let t: number | undefined;
  for (const row of [...rows].sort((a, b) => a.ts - b.ts)) {
    for (const f of fields) {
      const v = row.values[f];
      if (v !== null && v !== undefined) {
        values[f] = v;
        t = row.ts;
      }
    }
  }
  return { t, values };
}

// ------------------------------------------------------------------------------ sensors

const UNIT_ALIASES: Record<string, string> = {
  "°c": "°C", degc: "°C", "deg c": "°C", c: "°C", celsius: "°C", "°f": "°F", degf: "°F", k: "K", kelvin: "K",
  "%": "%", percent: "%", "%rh": "%", rh: "%", ppm: "ppm", ppb: "ppb",
  w: "W", kw: "kW", mw: "MW", wh: "Wh", kwh: "kWh", mwh: "MWh", gj: "GJ", mj: "MJ",
  v: "V", mv: "mV", kv: "kV", a: "A", ma: "mA", va: "VA", kva: "kVA", var: "var", kvar: "kvar",
  lx: "lx", lux: "lx", hz: "Hz", khz: "kHz",
  pa: "Pa", hpa: "hPa", kpa: "kPa", mbar: "mbar", bar: "bar", psi: "psi",
  m3: "m³", "m³": "m³", l: "L", liter: "L", litre: "L", "m3/h": "m³/h", "m³/h": "m³/h", "l/h": "L/h", "l/min": "L/min", "l/s": "L/s",
  db: "dB", dbm: "dBm", "m/s": "m/s", "km/h": "km/h", s: "s", min: "min", h: "h",
  "µg/m3": "µg/m³", "ug/m3": "µg/m³", "µg/m³": "µg/m³", "mg/m3": "mg/m³", "mg/m³": "mg/m³",
};

/** A sensor's declared unit in the spelling Home Assistant uses (`degC` → `°C`, `m3` → `m³`, `lux` → `lx`). */
export function normalizeUnit(unit: string | undefined): string | undefined {
  const u = unit?.trim();
  if (!u) return undefined;
  return UNIT_ALIASES[u.toLowerCase()] ?? u;
}

const UNIT_CLASS: Array<[string, ReadonlySet<string>]> = [
  ["temperature", new Set(["°C", "°F", "K"])],
  ["power", new Set(["W", "kW", "MW"])],
  ["energy", new Set(["Wh", "kWh", "MWh", "GJ", "MJ"])],
  ["voltage", new Set(["V", "mV", "kV"])],
  ["current", new Set(["A", "mA"])],
  ["apparent_power", new Set(["VA", "kVA"])],
  ["reactive_power", new Set(["var", "kvar"])],
  ["illuminance", new Set(["lx"])],
  ["frequency", new Set(["Hz", "kHz"])],
  ["pressure", new Set(["Pa", "hPa", "kPa", "mbar", "bar", "psi"])],
  ["volume_flow_rate", new Set(["m³/h", "L/h", "L/min", "L/s"])],
  ["speed", new Set(["m/s", "km/h"])],
];

/**
 * Home Assistant device class and state class of a sensor, from the type and unit it declares.
 * The unit decides where it is unambiguous (°C, W, kWh, V, lx, hPa …); the type decides
 * between classes that share a unit (% humidity or battery, ppm CO₂, m³ water or gas).
 */
export function sensorClass(type: string, unit: string | undefined): { deviceClass?: string; stateClass: "measurement" | "total_increasing" } {
  const t = type.toLowerCase();
  const has = (...words: string[]): boolean => words.some((w) => t.includes(w));
  let deviceClass: string | undefined;
  if (unit !== undefined) {
    for (const [cls, units] of UNIT_CLASS) if (units.has(unit)) deviceClass = cls;
  }
  if (unit === "%") deviceClass = has("hum", "feucht") ? "humidity" : has("batt") ? "battery" : undefined;
  if (unit === "ppm" && (has("co2", "carbon", "kohlendioxid") || t === "")) deviceClass = "carbon_dioxide";
  if (unit === "m³" || unit === "L") deviceClass = has("gas") ? "gas" : has("water", "wasser", "eau") ? "water" : "volume";
  if ((unit === "dB" || unit === "dBm") && has("signal", "rssi")) deviceClass = "signal_strength";
  if (deviceClass !== undefined && !unitAccepted(deviceClass, unit)) deviceClass = undefined;
  const cumulative = deviceClass === "energy" || deviceClass === "gas" || deviceClass === "water" || deviceClass === "volume";
  return { deviceClass, stateClass: cumulative ? "total_increasing" : "measurement" };
}

/** The one entity of a sensor device: its measured value, keyed by the type it declares. */
export function sensorEntity(sensor: SensorInfo): Entity {
  const unit = normalizeUnit(sensor.unit);
  const { deviceClass, stateClass } = sensorClass(sensor.type, unit);
  const entity: Entity = { key: sensorEntityKey(sensor), name: sensor.type ? capitalize(sensor.type.replace(/_/g, " ")) : "Value", kind: "sensor", stateClass };
  if (unit) entity.unit = unit;
  if (deviceClass) entity.deviceClass = deviceClass;
  return entity;
}

export function sensorEntityKey(sensor: SensorInfo): string {
  return sensor.type ? safeKey(sensor.type.toLowerCase()) : "value";
}

// ------------------------------------------------------------------------------ devices

export function formatAddress(info: SiteInfo): string | undefined {
  const a = info.address;
  if (!a) return undefined;
  const street = [a.street_name, a.street_number].filter(Boolean).join(" ");
  const city = [a.postal_code, a.city].filter((v) => v !== undefined && v !== "").join(" ");
  const text = [street, city].filter(Boolean).join(", ");
  return text === "" ? undefined : text.slice(0, 255);
}

/** The site device without its series entities: name, and address and timezone as diagnostics. */
export function siteDevice(site: string, info: SiteInfo): Device {
  const entities: Entity[] = [];
  if (formatAddress(info) !== undefined || info.latitude !== undefined) {
    entities.push({ key: "address", name: "Address", kind: "sensor", category: "diagnostic", icon: "mdi:map-marker", hasAttributes: true });
  }
  if (info.timezone) entities.push({ key: "timezone", name: "Timezone", kind: "sensor", category: "diagnostic", icon: "mdi:map-clock" });
  return { key: siteKey(site), vendorId: site, name: info.name || info.site_ref || `Climkit site ${site}`, manufacturer: MANUFACTURER, model: "Site", entities };
}

/** What the address entity carries as attributes: everything `installation_infos` says about the place. */
export function siteAttributes(site: string, info: SiteInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { site_id: site };
  if (info.site_ref) out.site_ref = info.site_ref;
  if (info.address) Object.assign(out, info.address);
  for (const k of ["latitude", "longitude", "timezone", "creation_date"] as const) if (info[k] !== undefined) out[k] = info[k];
  return out;
}

export function meterModel(meter: MeterInfo): string {
  return `${typeLabel(meter.type)} ${meter.is_rule_meter ? "rule meter" : "meter"} (${meter.mode})`;
}

export function meterDevice(key: string, meter: MeterInfo, site: string): Device {
  return { key, vendorId: meter.id, name: meter.name || `Meter ${meter.id}`, manufacturer: MANUFACTURER, model: meterModel(meter), viaDevice: siteKey(site), entities: [] };
}

export function sensorDevice(key: string, sensor: SensorInfo, site: string): Device {
  return { key, vendorId: sensor.id, name: sensor.name || `Sensor ${sensor.id}`, manufacturer: MANUFACTURER, model: sensor.model || "Sensor", viaDevice: siteKey(site), entities: [sensorEntity(sensor)] };
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}
