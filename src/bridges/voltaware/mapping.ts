/**
 * Voltaware answers → checked values → the model. Small pure functions; energies arrive in Wh
 * and are published in kWh.
 */
import { idKey, type Device, type Entity, type Reading } from "../../model/index.js";
import { UnexpectedResponseError, isRecord } from "../errors.js";

export interface SensorInfo {
  id: string;
  /** connected, disconnected, never_connected; null for smart meters. */
  connectionState: string | null;
  firmware: string | null;
  firstEvent: string | null;
  lastEvent: string | null;
  locale: { country: string | null; locale: string | null; timeZone: string | null } | null;
}

/** A month's or a week's disaggregation. */
export interface Disaggregation {
  period: string;
  totalWh: number;
  disconnectionPercentage: number | null;
  /** Energy per appliance key, Wh. */
  appliances: Record<string, number>;
}

export interface MonthlyReport {
  period: string;
  kgco2: number;
  trees: number;
  totalWh: number | null;
  daysWithoutConsumption: number | null;
  /** The day-by-day figures as Voltaware gives them (the seed says Wh; its example looks like kWh). */
  weekDays: number | null;
  weekendDays: number | null;
  maxDay: { day: string; consumption: number } | null;
  minDay: { day: string; consumption: number } | null;
}

export interface ApplianceCycles {
  appliance: string;
  totalWh: number;
  cycles: Array<{ from: string; to: string; wh: number }>;
}

export interface Cycles {
  period: string;
  appliances: ApplianceCycles[];
}

/** What the bridge knows of a sensor's results, each with the period it belongs to. */
export interface SensorResults {
  month?: Disaggregation;
  week?: Disaggregation;
  report?: MonthlyReport;
  cycles?: Cycles;
}

export const METADATA_STATES = ["synced", "pending", "waiting_for_first_event", "rejected", "error"] as const;
export type MetadataState = (typeof METADATA_STATES)[number];

export interface MetadataStatus {
  state: MetadataState;
  message: string | null;
  checkedAt: string | null;
}

// -------------------------------------------------------------------------------------------------
// Answers

/**
 * GET /sensors: the seed shows `[0001, 0002, 0003]`, which is not JSON (leading zeros); such a
 * list is read as written. JSON strings and numbers are taken as they are.
 */
export function parseSensorList(what: string, text: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const bare = /^\s*\[\s*([A-Za-z0-9_.:-]+(?:\s*,\s*[A-Za-z0-9_.:-]+)*)?\s*\]\s*$/.exec(text);
    if (bare === null) throw new UnexpectedResponseError(what, "a JSON array of sensor ids", text);
    return bare[1] === undefined ? [] : bare[1].split(",").map((s) => s.trim());
  }
  if (!Array.isArray(body)) throw new UnexpectedResponseError(what, "an array of sensor ids", body);
  return body.map((id) => {
    if (typeof id === "number" && Number.isFinite(id)) return String(id);
    // Any text: topics get it through idKey and URLs through pathSegment, so an odd id costs nothing.
    if (typeof id === "string" && id !== "") return id;
    throw new UnexpectedResponseError(what, "sensor ids (strings or numbers)", id);
  });
}

export function parseSensor(id: string, what: string, body: unknown): SensorInfo {
  if (!isRecord(body)) throw new UnexpectedResponseError(what, "a JSON object", body);
  const text = (key: string): string | null => {
    const v = body[key];
    if (v === null || v === undefined) return null;
    if (typeof v === "string") return v;
    if (typeof v === "number") return String(v);
    throw new UnexpectedResponseError(what, `"${key}" as text or null`, v);
  };
  const time = (key: string): string | null => {
    const v = text(key);
    if (v === null) return null;
    if (Number.isNaN(Date.parse(v))) throw new UnexpectedResponseError(what, `"${key}" as an ISO timestamp`, v);
    return v;
  };
  const locale = isRecord(body.locale)
    ? {
        country: typeof body.locale.isoCountryCode === "string" ? body.locale.isoCountryCode : null,
        locale: typeof body.locale.isoLocaleCode === "string" ? body.locale.isoLocaleCode : null,
        timeZone: typeof body.locale.timeZoneId === "string" ? body.locale.timeZoneId : null,
      }
    : null;
  return { id, connectionState: text("connection_state"), firmware: text("firmware"), firstEvent: time("first_event"), lastEvent: time("last_event"), locale };
}

function num(what: string, value: unknown, name: string): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new UnexpectedResponseError(what, `"${name}" as a number`, value);
}

function optionalNum(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function applianceEnergies(what: string, list: unknown, name: string): Record<string, number> {
  if (!Array.isArray(list)) throw new UnexpectedResponseError(what, `"${name}" as a list`, list);
  const out: Record<string, number> = {};
  for (const item of list) {
    if (!isRecord(item) || typeof item.appliance_key !== "string") throw new UnexpectedResponseError(what, `${name}[] with "appliance_key"`, item);
    out[item.appliance_key] = num(what, item.consumption, `${name}[].consumption`);
  }
  return out;
}

/** sm/disag/month and sm/disag/week. */
export function parseDisaggregation(what: string, period: string, body: unknown): Disaggregation {
  if (!isRecord(body)) throw new UnexpectedResponseError(what, "a JSON object", body);
  return {
    period,
    totalWh: num(what, body.total_consumption, "total_consumption"),
    disconnectionPercentage: optionalNum(body.disconnection_percentage),
    appliances: applianceEnergies(what, body.appliances, "appliances"),
  };
}

/** sm/reports/monthly */
export function parseMonthlyReport(what: string, period: string, body: unknown): MonthlyReport {
  if (!isRecord(body) || !isRecord(body.carbon_footprint)) throw new UnexpectedResponseError(what, 'a JSON object with "carbon_footprint"', body);
  const days = isRecord(body.day_by_day_metrics) ? body.day_by_day_metrics : {};
  const disag = isRecord(body.disaggregation_metrics) ? body.disaggregation_metrics : {};
  const day = (v: unknown): { day: string; consumption: number } | null =>
    isRecord(v) && typeof v.day === "string" && typeof v.total_consumption === "number" ? { day: v.day, consumption: v.total_consumption } : null;
  return {
    period,
    kgco2: num(what, body.carbon_footprint.kgco2, "carbon_footprint.kgco2"),
    trees: num(what, body.carbon_footprint.trees, "carbon_footprint.trees"),
    totalWh: optionalNum(disag.total_consumption),
    daysWithoutConsumption: optionalNum(days.days_without_consumption),
    weekDays: optionalNum(days.total_consumed_on_week_days),
    weekendDays: optionalNum(days.total_consumed_on_weekend_days),
    maxDay: day(days.max_month_consumption),
    minDay: day(days.min_month_consumption),
  };
}

/** sm/disag/cycles/monthly */
export function parseCycles(what: string, period: string, body: unknown): Cycles {
  if (!Array.isArray(body)) throw new UnexpectedResponseError(what, "a JSON array of appliances with cycles", body);
  const appliances = body.map((item): ApplianceCycles => {
    if (!isRecord(item) || typeof item.appliance_key !== "string" || !Array.isArray(item.cycles)) {
      throw new UnexpectedResponseError(what, '[{"appliance_key", "total_consumption", "cycles": [...]}]', item);
    }
    const cycles = item.cycles.map((c) => {
      if (!isRecord(c) || typeof c.from !== "string" || typeof c.to !== "string") throw new UnexpectedResponseError(what, 'cycles[] with "from" and "to"', c);
      return { from: c.from, to: c.to, wh: num(what, c.consumption, "cycles[].consumption") };
    });
    return { appliance: item.appliance_key, totalWh: num(what, item.total_consumption, "total_consumption"), cycles };
  });
  return { period, appliances };
}

// -------------------------------------------------------------------------------------------------
// Model

const APPLIANCE_NAMES: Record<string, string> = {
  boiler: "Water heater",
  cooking: "Cooking",
  cooking_heating: "Cooking and heating",
  cooling: "Cooling",
  electric_vehicle: "Electric vehicle",
  fridge: "Fridge",
  heating: "Heating",
  lights: "Lights and electronics",
  others: "Others",
  standby: "Standby",
  washing: "Washing",
};

export function applianceName(key: string): string {
  const known = APPLIANCE_NAMES[key];
  if (known) return known;
  const words = key.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function kWh(wh: number): number {
  return Math.round(wh) / 1000;
}

export function sensorDeviceKey(id: string): string {
  return `sensor_${idKey(id)}`;
}

const energy = (key: string, name: string, hasAttributes = false): Entity => ({
  key,
  name,
  kind: "sensor",
  deviceClass: "energy",
  unit: "kWh",
  // A month's or a week's energy is not a running meter: no state class, so the energy
  // dashboard does not add it to the household's consumption twice.
  precision: 2,
  ...(hasAttributes ? { hasAttributes } : {}),
});

/**
 * A sensor or smart meter as a device: diagnostic entities from GET /sensors/<id>, the metadata
 * status when metadata is configured for it, and its results once there are some. `knownAppliances`
 * keeps an appliance's entities when a later period does not list it (its energy is then 0).
 */
export function sensorDevice(
  info: SensorInfo,
  results: SensorResults,
  metadata: MetadataStatus | undefined,
  knownAppliances: readonly string[] = [],
): { device: Device; readings: Reading[] } {
  const key = sensorDeviceKey(info.id);
  const entities: Entity[] = [];
  const readings: Reading[] = [];
  const add = (entity: Entity, value: Reading["value"], attributes?: Record<string, unknown>): void => {
    entities.push(entity);
    readings.push({ device: key, entity: entity.key, value });
    if (attributes) readings.push({ device: key, entity: entity.key, field: "attributes", value: attributes });
  };
  const voltawareSensor = info.connectionState !== null || info.firmware !== null;

  if (info.connectionState !== null) {
    add({ key: "connectivity", name: "Connection", kind: "binary_sensor", deviceClass: "connectivity", category: "diagnostic", hasAttributes: true }, info.connectionState === "connected", {
      connection_state: info.connectionState,
    });
  }
  if (info.firmware !== null) add({ key: "firmware", name: "Firmware", kind: "sensor", category: "diagnostic", icon: "mdi:chip" }, info.firmware);
  add({ key: "first_event", name: "First event", kind: "sensor", deviceClass: "timestamp", category: "diagnostic" }, info.firstEvent);
  add({ key: "last_event", name: "Last event", kind: "sensor", deviceClass: "timestamp", category: "diagnostic", hasAttributes: true }, info.lastEvent, {
    country: info.locale?.country ?? null,
    locale: info.locale?.locale ?? null,
    time_zone: info.locale?.timeZone ?? null,
  });
  if (metadata) {
    add({ key: "metadata", name: "Metadata", kind: "sensor", options: [...METADATA_STATES], category: "diagnostic", icon: "mdi:home-search", hasAttributes: true }, metadata.state, {
      message: metadata.message,
      checked_at: metadata.checkedAt,
    });
  }

  for (const [prefix, label, d] of [["month", "last month", results.month], ["week", "last week", results.week]] as const) {
    if (!d) continue;
    add(energy(`${prefix}_energy`, `Energy ${label}`, true), kWh(d.totalWh), { period: d.period, disconnection_percentage: d.disconnectionPercentage });
    const appliances = [...new Set([...knownAppliances, ...Object.keys(d.appliances)])].sort();
    for (const appliance of appliances) add(energy(`${prefix}_${idKey(appliance)}`, `${applianceName(appliance)} ${label}`), kWh(d.appliances[appliance] ?? 0));
  }

  const report = results.report;
  if (report) {
    add({ key: "month_co2", name: "CO₂ last month", kind: "sensor", unit: "kg", icon: "mdi:molecule-co2", precision: 1, hasAttributes: true }, round(report.kgco2, 3), {
      period: report.period,
      total_consumption_kwh: report.totalWh === null ? null : kWh(report.totalWh),
      days_without_consumption: report.daysWithoutConsumption,
      consumed_on_week_days: report.weekDays,
      consumed_on_weekend_days: report.weekendDays,
      max_day: report.maxDay,
      min_day: report.minDay,
    });
    add({ key: "month_trees", name: "Trees to absorb last month's CO₂", kind: "sensor", icon: "mdi:tree", precision: 1 }, round(report.trees, 2));
  }

  if (results.cycles) {
    for (const a of results.cycles.appliances) {
      const name = applianceName(a.appliance);
      const last = [...a.cycles].sort((x, y) => x.to.localeCompare(y.to)).at(-1);
      add(energy(`${idKey(a.appliance)}_last_cycle`, `${name} last cycle`, true), last ? kWh(last.wh) : null, {
        period: results.cycles.period,
        from: last?.from ?? null,
        to: last?.to ?? null,
        time_zone: info.locale?.timeZone ?? null,
      });
      add(energy(`${idKey(a.appliance)}_month_cycles`, `${name} cycles last month`, true), kWh(a.totalWh), {
        period: results.cycles.period,
        count: a.cycles.length,
        cycles: a.cycles.map((c) => ({ from: c.from, to: c.to, kwh: kWh(c.wh) })),
        time_zone: info.locale?.timeZone ?? null,
      });
    }
  }

  const device: Device = {
    key,
    vendorId: info.id,
    name: `${voltawareSensor ? "Voltaware sensor" : "Smart meter"} ${info.id}`,
    manufacturer: voltawareSensor ? "Voltaware" : undefined,
    model: voltawareSensor ? "Voltaware sensor" : "Smart meter (Voltaware)",
    entities,
  };
  if (!device.manufacturer) delete device.manufacturer;
  if (info.firmware !== null) device.swVersion = info.firmware;
  return { device, readings };
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
