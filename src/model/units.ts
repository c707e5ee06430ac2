/**
 * Units Home Assistant accepts for each sensor device class (homeassistant/components/sensor/
 * const.py DEVICE_CLASS_UNITS, the subset our bridges can produce), and the state classes it
 * allows. A device class whose unit is not listed here is dropped rather than published invalid.
 */
export const DEVICE_CLASS_UNITS: Record<string, ReadonlySet<string | undefined>> = {
  apparent_power: new Set(["VA", "kVA"]),
  battery: new Set(["%"]),
  carbon_dioxide: new Set(["ppm"]),
  carbon_monoxide: new Set(["ppm", "mg/m³", "µg/m³"]),
  current: new Set(["A", "mA"]),
  distance: new Set(["km", "m", "cm", "mm", "mi", "yd", "in", "ft"]),
  duration: new Set(["d", "h", "min", "s", "ms"]),
  energy: new Set(["J", "kJ", "MJ", "GJ", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"]),
  energy_storage: new Set(["J", "kJ", "MJ", "GJ", "Wh", "kWh", "MWh", "GWh", "TWh"]),
  frequency: new Set(["Hz", "kHz", "MHz", "GHz"]),
  gas: new Set(["m³", "ft³", "CCF", "L"]),
  humidity: new Set(["%"]),
  illuminance: new Set(["lx"]),
  power: new Set(["mW", "W", "kW", "MW", "GW", "TW"]),
  power_factor: new Set(["%", undefined]),
  pressure: new Set(["Pa", "hPa", "kPa", "bar", "cbar", "mbar", "mmHg", "inHg", "psi"]),
  reactive_power: new Set(["var", "kvar"]),
  signal_strength: new Set(["dB", "dBm"]),
  speed: new Set(["m/s", "km/h", "mph", "kn", "ft/s", "mm/s", "in/d", "in/h", "mm/d", "mm/h"]),
  temperature: new Set(["°C", "°F", "K"]),
  voltage: new Set(["V", "mV", "µV", "kV", "MV"]),
  volume: new Set(["L", "mL", "gal", "fl. oz.", "m³", "ft³", "CCF"]),
  volume_flow_rate: new Set(["m³/h", "m³/s", "ft³/min", "L/h", "L/min", "L/s", "gal/min", "mL/s"]),
  water: new Set(["L", "gal", "m³", "ft³", "CCF"]),
  weight: new Set(["kg", "g", "mg", "µg", "oz", "lb", "st"]),
};

type StateClassName = "measurement" | "total" | "total_increasing";
const M: ReadonlySet<StateClassName> = new Set(["measurement"]);
const CUMULATIVE: ReadonlySet<StateClassName> = new Set(["total", "total_increasing"]);
const ANY: ReadonlySet<StateClassName> = new Set(["measurement", "total", "total_increasing"]);

/**
 * State classes Home Assistant allows per sensor device class (sensor/const.py
 * DEVICE_CLASS_STATE_CLASSES); a class not listed allows any.
 */
export const DEVICE_CLASS_STATE_CLASSES: Record<string, ReadonlySet<StateClassName>> = {
  apparent_power: M, battery: M, carbon_dioxide: M, carbon_monoxide: M, current: M, frequency: M, humidity: M,
  illuminance: M, power: M, power_factor: M, pressure: M, reactive_power: M, signal_strength: M, speed: M,
  temperature: M, voltage: M, volume_flow_rate: M, energy_storage: M,
  energy: CUMULATIVE, gas: CUMULATIVE, water: CUMULATIVE, volume: CUMULATIVE,
  distance: ANY, duration: ANY, weight: new Set(["total"]), monetary: new Set(["total"]),
};

/** The state class to publish: the asked one if allowed, else the closest allowed one. */
export function allowedStateClass(deviceClass: string | undefined, asked: StateClassName | undefined): StateClassName | undefined {
  const allowed = deviceClass ? DEVICE_CLASS_STATE_CLASSES[deviceClass] : undefined;
  if (!asked || !allowed || allowed.has(asked)) return asked;
  if (allowed.has("total_increasing")) return "total_increasing";
  return [...allowed][0];
}

export function unitAccepted(deviceClass: string, unit: string | undefined): boolean {
  const units = DEVICE_CLASS_UNITS[deviceClass];
  return units === undefined || units.has(unit);
}
