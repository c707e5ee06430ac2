import type { CommandSpec, Entity, ReadingValue, StateClass } from "../../model/index.js";
import type { Datatype, Property } from "./api-types.js";

/**
 * How each datatype of the seed's tables (section 3.3.1) looks in the model. Datatypes not listed
 * are mapped from their value description (boolean, choice, integer, float) and suffix.
 */
interface Known {
  kind: "sensor" | "binary_sensor" | "switch" | "light" | "cover" | "lock" | "setpoint";
  deviceClass?: string;
  unit?: string;
  stateClass?: StateClass;
  diagnostic?: boolean;
  precision?: number;
}

const ENERGY: Known = { kind: "sensor", deviceClass: "energy", unit: "kWh", stateClass: "total_increasing", precision: 2 };
const POWER: Known = { kind: "sensor", deviceClass: "power", unit: "W", stateClass: "measurement", precision: 0 };
const TEMPERATURE: Known = { kind: "sensor", deviceClass: "temperature", unit: "°C", stateClass: "measurement", precision: 1 };

export const KNOWN_DATATYPES: Record<number, Known> = {
  1: { kind: "switch" },
  9: { kind: "switch" },
  8: { kind: "light" },
  53: { kind: "light" },
  44: { kind: "cover", deviceClass: "shade" },
  55: { kind: "lock" },
  13: { kind: "binary_sensor", deviceClass: "motion" },
  15: { kind: "binary_sensor", deviceClass: "door" },
  10: { kind: "sensor", deviceClass: "battery", unit: "%", stateClass: "measurement", diagnostic: true, precision: 0 },
  4: { kind: "sensor", deviceClass: "illuminance", unit: "lx", stateClass: "measurement", precision: 0 },
  11: { kind: "sensor", unit: "%", stateClass: "measurement", precision: 0 },
  12: TEMPERATURE,
  102: TEMPERATURE,
  75: { kind: "sensor", deviceClass: "humidity", unit: "%", stateClass: "measurement", precision: 0 },
  80: { kind: "sensor", deviceClass: "carbon_dioxide", unit: "ppm", stateClass: "measurement", precision: 0 },
  18: POWER,
  62: POWER,
  101: POWER,
  39: ENERGY,
  50: ENERGY,
  63: ENERGY,
  47: { ...ENERGY, unit: "GJ", precision: 3 },
  103: { ...ENERGY, unit: "GJ", precision: 3 },
  51: { kind: "sensor", deviceClass: "gas", unit: "m³", stateClass: "total_increasing", precision: 3 },
  52: { kind: "sensor", deviceClass: "water", unit: "m³", stateClass: "total_increasing", precision: 3 },
  66: { kind: "sensor", deviceClass: "volume_flow_rate", unit: "m³/h", stateClass: "measurement", precision: 3 },
  87: { kind: "sensor", deviceClass: "current", unit: "A", stateClass: "measurement", precision: 2 },
  88: { kind: "sensor", deviceClass: "voltage", unit: "V", stateClass: "measurement", precision: 1 },
  91: { kind: "sensor", deviceClass: "speed", unit: "m/s", stateClass: "measurement", precision: 2 },
  92: { kind: "sensor", deviceClass: "pressure", unit: "kPa", stateClass: "measurement", precision: 1 },
  96: { kind: "sensor", deviceClass: "pressure", unit: "bar", stateClass: "measurement", precision: 2 },
  97: { kind: "sensor", deviceClass: "pressure", unit: "bar", stateClass: "measurement", precision: 2 },
  3: { kind: "setpoint" },
  67: { kind: "setpoint" },
  83: { kind: "setpoint" },
  54: { kind: "sensor", stateClass: "measurement" },
  56: { kind: "sensor", stateClass: "measurement" },
};

/** The seed's suffixes as units Home Assistant knows. */
const SUFFIX_UNITS: Record<string, string> = {
  "gr c": "°C",
  watt: "W",
  m3: "m³",
  "m3/h": "m³/h",
  sec: "s",
  min: "min",
  kwh: "kWh",
  gj: "GJ",
};

export function unitFromSuffix(suffix: string | undefined): string | undefined {
  const s = (suffix ?? "").trim();
  if (!s || s === "—" || s === "-") return undefined;
  return SUFFIX_UNITS[s.toLowerCase()] ?? s;
}

/** Fallback range of a setpoint whose datatype is unknown (datatype 67: 4–28 °C). */
export const DEFAULT_SETPOINT = { min: 4, max: 28, step: 0.5 };

export function setpointRange(dt: Datatype | undefined): { min: number; max: number; step: number } {
  const v = dt?.value;
  if (!v || typeof v.min !== "number" || typeof v.max !== "number" || v.min >= v.max) {
    return dt?.datatype === 83 ? { ...DEFAULT_SETPOINT, step: 1 } : DEFAULT_SETPOINT;
  }
  const step = typeof v.step === "number" && v.step > 0 ? v.step : dt?.datatype === 83 || v.type === "integer" ? 1 : 0.5;
  return { min: v.min, max: v.max, step };
}

/** The entity of a property, or undefined when it is shown another way (a climate's setpoint). */
export function propertyEntity(property: Property, dt: Datatype | undefined): Entity {
  const key = `property_${property.property}`;
  const name = property.name?.trim() || dt?.name || `Property ${property.property}`;
  const known = KNOWN_DATATYPES[property.datatype];
  const writable = property.receiving === true;
  const base = { key, name };

  if (known) {
    switch (known.kind) {
      case "switch":
        return writable ? { ...base, kind: "switch", command: { type: "switch" } } : { ...base, kind: "binary_sensor", deviceClass: "power" };
      case "light": {
        if (!writable) return { ...base, kind: "sensor", unit: "%", stateClass: "measurement" };
        const command: CommandSpec = { type: "level", min: 0, max: 99, step: 1, on: 99 };
        return { ...base, kind: "light", scale: 99, command };
      }
      case "cover": {
        if (!writable) return { ...base, kind: "sensor", unit: "%", stateClass: "measurement" };
        return { ...base, kind: "cover", deviceClass: known.deviceClass, scale: 99, command: { type: "level", min: 0, max: 99, step: 1, on: 99 } };
      }
      case "lock":
        return writable ? { ...base, kind: "lock", command: { type: "lock" } } : { ...base, kind: "binary_sensor", deviceClass: "lock" };
      case "binary_sensor":
        return { ...base, kind: "binary_sensor", deviceClass: known.deviceClass };
      case "setpoint": {
        const r = setpointRange(dt);
        if (!writable) return { ...base, kind: "sensor", deviceClass: "temperature", unit: "°C", stateClass: "measurement" };
        return { ...base, kind: "number", deviceClass: "temperature", unit: "°C", command: { type: "number", ...r } };
      }
      case "sensor": {
        const e: Entity = { ...base, kind: "sensor", stateClass: known.stateClass };
        if (known.deviceClass) e.deviceClass = known.deviceClass;
        const unit = known.unit ?? unitFromSuffix(dt?.suffix);
        if (unit) e.unit = unit;
        if (known.diagnostic) e.category = "diagnostic";
        if (known.precision !== undefined) e.precision = known.precision;
        return e;
      }
    }
  }
  return fromValueDescription(base, property, dt);
}

function fromValueDescription(base: { key: string; name: string }, property: Property, dt: Datatype | undefined): Entity {
  const v = dt?.value;
  const writable = property.receiving === true;
  const unit = unitFromSuffix(dt?.suffix);
  switch (v?.type) {
    case "boolean":
      return writable ? { ...base, kind: "switch", command: { type: "switch" } } : { ...base, kind: "binary_sensor" };
    case "choice": {
      const options = Object.values(v.choice ?? {});
      if (options.length === 0) return { ...base, kind: "sensor" };
      return writable ? { ...base, kind: "select", options, command: { type: "select", options } } : { ...base, kind: "sensor", options };
    }
    case "integer":
    case "float": {
      const min = typeof v.min === "number" ? v.min : 0;
      const max = typeof v.max === "number" ? v.max : 100;
      const step = typeof v.step === "number" && v.step > 0 ? v.step : v.type === "integer" ? 1 : 0.1;
      if (writable && min < max) return { ...base, kind: "number", unit, command: { type: "number", min, max, step } };
      return { ...base, kind: "sensor", unit, stateClass: "measurement" };
    }
    default:
      // composite, custom or an unknown datatype: the raw text, no statistics.
      return { ...base, kind: "sensor", unit };
  }
}

/** The property's value as the model wants it for its entity. */
export function propertyValue(property: Property, dt: Datatype | undefined, entity: Entity): ReadingValue {
  const raw = property.value;
  if (raw === null || raw === undefined || raw === "") return null;
  const text = String(raw).trim();
  const v = dt?.value;
  switch (entity.kind) {
    case "switch":
    case "binary_sensor":
    case "lock": {
      const off = typeof v?.min === "number" ? v.min : 0;
      const n = Number(text);
      if (Number.isFinite(n)) return n !== off;
      return /^(true|on|open|opened|detected|lock|locked)$/i.test(text);
    }
    case "light":
    case "cover": {
      const n = Number(text);
      if (!Number.isFinite(n)) return null;
      // Basic 255 means "on at the last level": shown as fully on.
      return Math.max(0, Math.min(99, Math.round(n)));
    }
    case "select":
      return v?.choice?.[text] ?? text;
    case "sensor": {
      if (entity.options) return v?.choice?.[text] ?? text;
      if (!entity.stateClass) return text;
      const n = Number(text);
      return Number.isFinite(n) ? n : null;
    }
    case "number": {
      const n = Number(text);
      return Number.isFinite(n) ? n : null;
    }
    default:
      return text;
  }
}

/** The string the API wants in `{"value": …}` for a command value. */
export function propertyWriteValue(value: number | string | boolean, dt: Datatype | undefined, entity: Entity): string {
  const v = dt?.value;
  if (typeof value === "boolean") {
    const on = typeof v?.max === "number" ? v.max : 255;
    const off = typeof v?.min === "number" ? v.min : 0;
    return String(value ? on : off);
  }
  if (entity.kind === "select" && typeof value === "string") {
    const key = Object.entries(v?.choice ?? {}).find(([, label]) => label === value)?.[0];
    return key ?? value;
  }
  return String(value);
}
