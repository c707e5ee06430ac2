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

/** Device classes that must not carry the `measurement` state class. */
export const CUMULATIVE_ONLY = new Set(["energy", "gas", "water", "volume"]);

export function unitAccepted(deviceClass: string, unit: string | undefined): boolean {
  const units = DEVICE_CLASS_UNITS[deviceClass];
  return units === undefined || units.has(unit);
}
