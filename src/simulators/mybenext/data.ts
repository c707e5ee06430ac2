/**
 * Demo data of the myBeNext simulator: a plausible home (account 1, Basic auth user) and a
 * smaller holiday home (account 2, only visible with the API key). Ids are fixed: tests refer
 * to them through DEMO_IDS.
 */
import type { SimAccount, SimFailuretype } from "./types.js";

/** The fixed catalogue lives in catalogue.ts; the demo data is read with it. */
export { DATATYPES, ENERGY_DATATYPES, PRODUCTTYPES } from "./catalogue.js";

// ---------------------------------------------------------------------------------------------
// Accounts (2.1). Account 1's username is replaced by the configured Basic user.

export const ACCOUNTS: SimAccount[] = [
  { account: 1, addons: [], email: "no-reply@benext.eu", firstname: "Demo", language: "nl", lastname: "Account", username: "demo" },
  { account: 2, addons: ["nom"], email: "holiday@example.com", firstname: "Holiday", language: "en", lastname: "Home", username: "holiday" },
];

// ---------------------------------------------------------------------------------------------
// How a property's value evolves (see world.ts). Periods are in simulated seconds.

export type Rate =
  | { from: "power"; property: number }
  | { from: "gridImport" }
  | { from: "gridExport" }
  | { from: "solar" }
  | { from: "gas" }
  | { from: "flow" }
  | { from: "heat" }
  | { from: "cool" }
  | { from: "const"; perHour: number };

export type Model =
  /** Changes only when written (switches, dimmers, locks, choices). */
  | { kind: "fixed" }
  /** Thermostat setpoint: written values go to the product's climate controller too. */
  | { kind: "setpoint" }
  /** base ± amp, smooth noise; `scale` stretches the noise periods (slow drift). */
  | { kind: "wave"; base: number; amp: number; period: number; decimals: number; scale?: number; seed?: number }
  /** Power (W) of an appliance gated by a switch (255/0) or a dimmer level (0–99). */
  | { kind: "appliance"; gate: number; min: number; max: number; period: number; decimals: number; house: boolean }
  /** P1 meter: net import (W), net export (W), current (A) of the account's home. */
  | { kind: "gridImport" | "gridExport" | "gridCurrent"; period: number; decimals: number }
  /** Solar production (W); dcFactor > 1 for the DC side of the inverter. */
  | { kind: "solar"; dcFactor: number; period: number; decimals: number }
  /** A counter that only rises, by integrating `rate` (units per hour). */
  | { kind: "counter"; start: number; rate: Rate; period: number; decimals: number }
  | { kind: "motion"; period: number; chance: number }
  | { kind: "contact"; period: number; chance: number }
  | { kind: "battery"; start: number; daysPerPercent: number }
  /** Light level following the sun: lux (max ~ 1000) or percent (max 100). */
  | { kind: "daylight"; max: number; period: number }
  | { kind: "flow"; period: number; decimals: number }
  /** Room temperature measured by the product's climate controller. */
  | { kind: "roomtemp"; period: number };

export interface PropertyDef {
  property: number;
  product: number;
  datatype: number;
  name: string;
  receiving: boolean;
  sending?: boolean;
  /** Initial value of a fixed property; null = never received (then `updated` is null too). */
  value?: string | null;
  model: Model;
}

export interface ProductDef {
  product: number;
  account: number;
  name: string;
  producttype: number;
  appearance?: number;
  node: { node: number; protocol: "mygate" | "zwave" | "p1"; zwave_id: number | null; serial?: string; version?: string };
  /** Node without connection (status 2): its values never change. */
  unreachable?: boolean;
  /** Node whose connection is unstable now and then (status 1, availability retry/avail). */
  flapping?: boolean;
}

export interface ClimateDef {
  product: number;
  datatype: number;
  setpoint: number;
  scheduletype: number;
  valvestatus: number;
  /** Simulated seconds before the device wakes up and takes a new setpoint. */
  wakeSeconds: number;
  /** Room temperature at start. */
  startTemperature: number;
  setpointProperty: number;
  temperatureProperty: number;
}

const fixed: Model = { kind: "fixed" };
const power = (gate: number, min: number, max: number, house = true): Model => ({ kind: "appliance", gate, min, max, period: 10, decimals: 0, house });
const kwh = (start: number, property: number, decimals = 2): Model => ({ kind: "counter", start, rate: { from: "power", property }, period: 60, decimals });
const wave = (base: number, amp: number, period: number, decimals: number, scale = 1, seed?: number): Model => ({ kind: "wave", base, amp, period, decimals, scale, seed });
const temperature = (base: number): Model => wave(base, 1.2, 120, 1, 6);
const battery = (start: number): Model => ({ kind: "battery", start, daysPerPercent: 2 });

export const PRODUCTS: ProductDef[] = [
  // Account 1: the demo home, Internet Gateway 2.
  { product: 35, account: 1, name: "Internet Gateway", producttype: 1, node: { node: 10, protocol: "mygate", zwave_id: 1, serial: "000042", version: "4.3.1" } },
  { product: 36, account: 1, name: "Electricity Meter", producttype: 73, node: { node: 11, protocol: "p1", zwave_id: null, serial: "E0031003123456716" } },
  { product: 37, account: 1, name: "Washing machine", producttype: 42, appearance: 56, node: { node: 12, protocol: "zwave", zwave_id: 3, version: "1.17" } },
  { product: 38, account: 1, name: "Floor lamp", producttype: 91, appearance: 53, node: { node: 13, protocol: "zwave", zwave_id: 4 } },
  { product: 39, account: 1, name: "Kitchen light", producttype: 92, appearance: 53, node: { node: 14, protocol: "zwave", zwave_id: 5 } },
  { product: 40, account: 1, name: "Living room blind", producttype: 93, node: { node: 15, protocol: "zwave", zwave_id: 6 } },
  { product: 41, account: 1, name: "Boiler", producttype: 42, appearance: 48, node: { node: 16, protocol: "zwave", zwave_id: 7, version: "1.17" } },
  { product: 42, account: 1, name: "Front door lock", producttype: 94, node: { node: 17, protocol: "zwave", zwave_id: 8 } },
  { product: 43, account: 1, name: "Back door", producttype: 96, node: { node: 18, protocol: "zwave", zwave_id: 9, version: "1.3" } },
  { product: 44, account: 1, name: "Living room dimmer", producttype: 90, node: { node: 19, protocol: "zwave", zwave_id: 10, version: "2.1" } },
  { product: 45, account: 1, name: "Hallway motion", producttype: 95, node: { node: 20, protocol: "zwave", zwave_id: 11, version: "1.6" }, flapping: true },
  { product: 46, account: 1, name: "Living room climate", producttype: 97, node: { node: 21, protocol: "zwave", zwave_id: 12 } },
  { product: 47, account: 1, name: "Solar panels", producttype: 98, node: { node: 22, protocol: "zwave", zwave_id: 13 } },
  { product: 48, account: 1, name: "Water meter", producttype: 99, node: { node: 23, protocol: "zwave", zwave_id: 14 } },
  { product: 49, account: 1, name: "District heating", producttype: 100, node: { node: 24, protocol: "zwave", zwave_id: 15 } },
  { product: 50, account: 1, name: "Boiler room", producttype: 101, node: { node: 25, protocol: "zwave", zwave_id: 16 } },
  { product: 51, account: 1, name: "Alarm sound", producttype: 102, node: { node: 26, protocol: "zwave", zwave_id: 17, version: "1.2" } },
  { product: 52, account: 1, name: "Living room thermostat", producttype: 103, node: { node: 27, protocol: "zwave", zwave_id: 18, version: "3.2" } },
  { product: 53, account: 1, name: "Bedroom radiator", producttype: 104, node: { node: 28, protocol: "zwave", zwave_id: 19 } },
  { product: 54, account: 1, name: "Attic meter", producttype: 105, node: { node: 29, protocol: "zwave", zwave_id: 20 } },
  { product: 55, account: 1, name: "Garden sensor", producttype: 106, node: { node: 30, protocol: "zwave", zwave_id: 21 }, unreachable: true },
  // Account 2: the holiday home, Internet Gateway 5.
  { product: 60, account: 2, name: "Internet Gateway", producttype: 1, node: { node: 40, protocol: "mygate", zwave_id: 1, serial: "000108", version: "4.3.1" } },
  { product: 61, account: 2, name: "Electricity Meter", producttype: 73, node: { node: 41, protocol: "p1", zwave_id: null, serial: "E0031003987654321" } },
  { product: 62, account: 2, name: "Heater", producttype: 42, appearance: 42, node: { node: 42, protocol: "zwave", zwave_id: 2, version: "1.17" } },
  { product: 63, account: 2, name: "Thermostat", producttype: 103, node: { node: 43, protocol: "zwave", zwave_id: 3, version: "3.2" } },
];

export const GATEWAYS = [
  { gateway: 2, account: 1, firmware: "newest", public_ip: "203.0.113.42", serial: "000042", product: 35 },
  { gateway: 5, account: 2, firmware: "newest", public_ip: "198.51.100.7", serial: "000108", product: 60 },
];

export const PROPERTIES: PropertyDef[] = [
  // 36 Electricity Meter (P1)
  { property: 200, product: 36, datatype: 39, name: "kWh", receiving: false, model: { kind: "counter", start: 12_873.412, rate: { from: "gridImport" }, period: 30, decimals: 3 } },
  { property: 201, product: 36, datatype: 50, name: "kWh returned", receiving: false, model: { kind: "counter", start: 4_312.087, rate: { from: "gridExport" }, period: 30, decimals: 3 } },
  { property: 202, product: 36, datatype: 18, name: "Power", receiving: false, model: { kind: "gridImport", period: 10, decimals: 0 } },
  { property: 203, product: 36, datatype: 62, name: "Power returned", receiving: false, model: { kind: "gridExport", period: 10, decimals: 0 } },
  { property: 204, product: 36, datatype: 51, name: "Gas", receiving: false, model: { kind: "counter", start: 5_621.306, rate: { from: "gas" }, period: 300, decimals: 3 } },
  { property: 205, product: 36, datatype: 87, name: "Current L1", receiving: false, model: { kind: "gridCurrent", period: 10, decimals: 2 } },
  { property: 206, product: 36, datatype: 88, name: "Voltage L1", receiving: false, model: wave(231, 2.5, 10, 1, 1, 88) },
  // 37 Washing machine (Energy Switch)
  { property: 207, product: 37, datatype: 9, name: "Switch", receiving: true, value: "255", model: fixed },
  { property: 208, product: 37, datatype: 18, name: "Energy", receiving: false, model: power(207, 5, 2100) },
  { property: 209, product: 37, datatype: 39, name: "kWh", receiving: false, model: kwh(612.35, 208) },
  // 38 Floor lamp (second plug, sorted first)
  { property: 210, product: 38, datatype: 1, name: "Switch", receiving: true, value: "0", model: fixed },
  // 39 Kitchen light (generic device, Basic)
  { property: 211, product: 39, datatype: 53, name: "Basic", receiving: true, value: "0", model: fixed },
  // 40 Living room blind
  { property: 212, product: 40, datatype: 44, name: "Position", receiving: true, value: "60", model: fixed },
  // 41 Boiler (Energy Switch shown as a boiler)
  { property: 213, product: 41, datatype: 9, name: "Switch", receiving: true, value: "255", model: fixed },
  { property: 214, product: 41, datatype: 18, name: "Energy", receiving: false, model: power(213, 25, 95) },
  { property: 215, product: 41, datatype: 39, name: "kWh", receiving: false, model: kwh(1_204.7, 214) },
  // 42 Front door lock
  { property: 216, product: 42, datatype: 55, name: "Lock", receiving: true, value: "255", model: fixed },
  { property: 217, product: 42, datatype: 10, name: "Battery", receiving: false, model: battery(78) },
  // 43 Back door (contact)
  { property: 218, product: 43, datatype: 15, name: "Contact", receiving: false, model: { kind: "contact", period: 300, chance: 0.1 } },
  { property: 219, product: 43, datatype: 10, name: "Battery", receiving: false, model: battery(91) },
  { property: 220, product: 43, datatype: 12, name: "Temperature", receiving: false, model: temperature(18.5) },
  // 44 Living room dimmer (the seed's example product: Dimmer 222, Energy 223, kWh 224)
  { property: 222, product: 44, datatype: 8, name: "Dimmer", receiving: true, value: "80", model: fixed },
  { property: 223, product: 44, datatype: 18, name: "Energy", receiving: false, model: power(222, 0, 190) },
  { property: 224, product: 44, datatype: 39, name: "kWh", receiving: false, model: kwh(348.92, 223) },
  // 45 Hallway motion (Molite)
  { property: 225, product: 45, datatype: 13, name: "Movement", receiving: false, model: { kind: "motion", period: 60, chance: 0.12 } },
  { property: 226, product: 45, datatype: 10, name: "Battery", receiving: false, model: battery(64) },
  { property: 227, product: 45, datatype: 4, name: "Light", receiving: false, model: { kind: "daylight", max: 1000, period: 120 } },
  { property: 228, product: 45, datatype: 11, name: "Light level", receiving: false, model: { kind: "daylight", max: 100, period: 120 } },
  { property: 229, product: 45, datatype: 12, name: "Temperature", receiving: false, model: temperature(20.2) },
  // 46 Living room climate (multisensor)
  { property: 230, product: 46, datatype: 12, name: "Temperature", receiving: false, model: temperature(21.1) },
  { property: 231, product: 46, datatype: 75, name: "Humidity", receiving: false, model: wave(52, 9, 300, 0, 4) },
  { property: 232, product: 46, datatype: 80, name: "CO2", receiving: false, model: wave(720, 320, 120, 0, 3) },
  // 47 Solar panels
  { property: 233, product: 47, datatype: 63, name: "kWh produced", receiving: false, model: { kind: "counter", start: 9_876.54, rate: { from: "solar" }, period: 60, decimals: 2 } },
  { property: 234, product: 47, datatype: 101, name: "DC power", receiving: false, model: { kind: "solar", dcFactor: 1.04, period: 10, decimals: 0 } },
  // 48 Water meter
  { property: 235, product: 48, datatype: 52, name: "Water", receiving: false, model: { kind: "counter", start: 834.217, rate: { from: "flow" }, period: 30, decimals: 3 } },
  { property: 236, product: 48, datatype: 66, name: "Flow", receiving: false, model: { kind: "flow", period: 30, decimals: 3 } },
  // 49 District heating (heat meter)
  { property: 237, product: 49, datatype: 47, name: "Heat", receiving: false, model: { kind: "counter", start: 41.812, rate: { from: "heat" }, period: 300, decimals: 3 } },
  { property: 238, product: 49, datatype: 103, name: "Cooling", receiving: false, model: { kind: "counter", start: 2.104, rate: { from: "cool" }, period: 300, decimals: 3 } },
  { property: 239, product: 49, datatype: 102, name: "Supply temperature", receiving: false, model: wave(62, 8, 120, 1, 5) },
  // 50 Boiler room
  { property: 240, product: 50, datatype: 96, name: "Boiler pressure", receiving: false, model: wave(1.6, 0.12, 300, 2, 6) },
  { property: 241, product: 50, datatype: 97, name: "Relative pressure", receiving: false, model: wave(0.6, 0.1, 300, 2, 6) },
  { property: 242, product: 50, datatype: 92, name: "Air pressure", receiving: false, model: wave(101.3, 1.2, 600, 2, 20) },
  { property: 243, product: 50, datatype: 91, name: "Air velocity", receiving: false, model: wave(0.8, 0.35, 60, 2, 1) },
  // 51 Alarm sound: Mode (choice) and Duration (never set: value and updated null)
  { property: 244, product: 51, datatype: 25, name: "Mode", receiving: true, value: "6", model: fixed },
  { property: 245, product: 51, datatype: 27, name: "Duration", receiving: true, value: null, model: fixed },
  // 52 Living room thermostat (climate controller, datatype 67)
  { property: 246, product: 52, datatype: 67, name: "Setpoint", receiving: true, value: "20.5", model: { kind: "setpoint" } },
  { property: 247, product: 52, datatype: 12, name: "Temperature", receiving: false, model: { kind: "roomtemp", period: 60 } },
  // 53 Bedroom radiator (climate controller, datatype 83)
  { property: 248, product: 53, datatype: 83, name: "Setpoint", receiving: true, value: "18", model: { kind: "setpoint" } },
  { property: 249, product: 53, datatype: 12, name: "Temperature", receiving: false, model: { kind: "roomtemp", period: 60 } },
  { property: 250, product: 53, datatype: 10, name: "Battery", receiving: false, model: battery(55) },
  // 54 Attic meter (generic Meter)
  { property: 251, product: 54, datatype: 54, name: "Meter", receiving: false, model: { kind: "counter", start: 1_523.4, rate: { from: "const", perHour: 0.35 }, period: 600, decimals: 2 } },
  // 55 Garden sensor (generic Sensor) behind an unreachable node: stale values
  { property: 252, product: 55, datatype: 56, name: "Sensor", receiving: false, model: wave(13.37, 2, 600, 2, 10) },
  { property: 253, product: 55, datatype: 10, name: "Battery", receiving: false, model: battery(3) },

  // Account 2
  { property: 260, product: 61, datatype: 39, name: "kWh", receiving: false, model: { kind: "counter", start: 3_120.508, rate: { from: "gridImport" }, period: 30, decimals: 3 } },
  { property: 261, product: 61, datatype: 50, name: "kWh returned", receiving: false, model: { kind: "counter", start: 0, rate: { from: "gridExport" }, period: 30, decimals: 3 } },
  { property: 262, product: 61, datatype: 18, name: "Power", receiving: false, model: { kind: "gridImport", period: 10, decimals: 0 } },
  { property: 263, product: 61, datatype: 51, name: "Gas", receiving: false, model: { kind: "counter", start: 1_044.93, rate: { from: "gas" }, period: 300, decimals: 3 } },
  { property: 264, product: 62, datatype: 9, name: "Switch", receiving: true, value: "0", model: fixed },
  { property: 265, product: 62, datatype: 18, name: "Energy", receiving: false, model: power(264, 1400, 1900) },
  { property: 266, product: 62, datatype: 39, name: "kWh", receiving: false, model: kwh(77.1, 265) },
  { property: 267, product: 63, datatype: 73, name: "Setpoint", receiving: true, value: "15", model: { kind: "setpoint" } },
  { property: 268, product: 63, datatype: 12, name: "Temperature", receiving: false, model: { kind: "roomtemp", period: 60 } },
];

export const CLIMATE: ClimateDef[] = [
  { product: 52, datatype: 67, setpoint: 20.5, scheduletype: 0, valvestatus: 1, wakeSeconds: 4, startTemperature: 19.3, setpointProperty: 246, temperatureProperty: 247 },
  { product: 53, datatype: 83, setpoint: 18, scheduletype: 0, valvestatus: 0, wakeSeconds: 12, startTemperature: 18.4, setpointProperty: 248, temperatureProperty: 249 },
  { product: 63, datatype: 73, setpoint: 15, scheduletype: 2, valvestatus: 1, wakeSeconds: 4, startTemperature: 14.2, setpointProperty: 267, temperatureProperty: 268 },
];

export const LIFESTYLES = [
  { lifestyle: 1, account: 1, id: 1, name: "home", active: true },
  { lifestyle: 2, account: 1, id: 5, name: "away", active: false },
  { lifestyle: 3, account: 1, id: 9, name: "sleep", active: false },
  { lifestyle: 4, account: 1, id: 10, name: "party", active: false },
  { lifestyle: 5, account: 2, id: 1, name: "home", active: false },
  { lifestyle: 6, account: 2, id: 5, name: "away", active: true },
  { lifestyle: 7, account: 2, id: 9, name: "sleep", active: false },
];

export const SCENES = [
  { scene: 3, account: 1, code: 75, name: "LightsOn" },
  { scene: 4, account: 1, code: 76, name: "Film" },
  { scene: 5, account: 1, code: 77, name: "AllOff" },
  { scene: 6, account: 2, code: 75, name: "Welcome" },
  { scene: 7, account: 2, code: 76, name: "AllOff" },
];

/** What a triggered scene does in the simulated home: [property, value]. */
export const SCENE_EFFECTS: Record<number, [number, string][]> = {
  3: [[222, "99"], [211, "99"], [210, "255"]],
  4: [[222, "20"], [211, "0"], [210, "0"], [212, "0"]],
  5: [[222, "0"], [211, "0"], [210, "0"]],
  6: [[264, "255"]],
  7: [[264, "0"]],
};

export const FAILURETYPES: (SimFailuretype & { impact: string })[] = [
  { failuretype: "product/gateway/unavailable", resource_type: "gateway", impact: "high" },
  { failuretype: "product/general/unavailable", resource_type: "peripheral", impact: "medium" },
];

/** Failures; `ageMinutes` before the simulator's start. */
export const FAILURES = [
  { failure: 128, account: 1, failuretype: "product/gateway/unavailable", resource: 2, status: "no_failure" as const, ageMinutes: 7 * 24 * 60 },
  { failure: 129, account: 1, failuretype: "product/general/unavailable", resource: 55, status: "no_failure" as const, ageMinutes: 3 * 24 * 60 },
  { failure: 130, account: 1, failuretype: "product/general/unavailable", resource: 55, status: "failed" as const, ageMinutes: 125 },
  { failure: 131, account: 1, failuretype: "product/general/unavailable", resource: 45, status: "failed" as const, ageMinutes: 2 * 24 * 60 },
  { failure: 132, account: 1, failuretype: "product/general/unavailable", resource: 45, status: "no_failure" as const, ageMinutes: 2 * 24 * 60 - 20 },
  { failure: 133, account: 1, failuretype: "product/general/unavailable", resource: 53, status: "no_failure" as const, ageMinutes: 24 * 60 },
  { failure: 140, account: 2, failuretype: "product/gateway/unavailable", resource: 5, status: "no_failure" as const, ageMinutes: 10 * 24 * 60 },
];

/** Notable ids of the demo data, for tests and the demo. */
export const DEMO_IDS = {
  account: 1,
  account2: 2,
  gateway: 2,
  gateway2: 5,
  products: {
    gateway: 35,
    p1Meter: 36,
    washingMachine: 37,
    floorLamp: 38,
    kitchenLight: 39,
    blind: 40,
    boiler: 41,
    doorLock: 42,
    backDoor: 43,
    dimmer: 44,
    motionSensor: 45,
    multisensor: 46,
    solar: 47,
    waterMeter: 48,
    heatMeter: 49,
    boilerRoom: 50,
    siren: 51,
    thermostat: 52,
    radiator: 53,
    genericMeter: 54,
    unreachableSensor: 55,
    account2Gateway: 60,
    account2P1Meter: 61,
    account2Switch: 62,
    account2Thermostat: 63,
  },
  /** Products with a climate controller (the resource id is the product id). */
  thermostat: 52,
  radiator: 53,
  account2Thermostat: 63,
  // Properties
  p1Import: 200,
  p1Export: 201,
  p1Power: 202,
  p1PowerReturned: 203,
  p1Gas: 204,
  p1Current: 205,
  p1Voltage: 206,
  switchProperty: 207,
  switchPower: 208,
  switchEnergy: 209,
  switchOrder1Property: 210,
  basicProperty: 211,
  blindProperty: 212,
  boilerSwitchProperty: 213,
  lockProperty: 216,
  lockBattery: 217,
  contactProperty: 218,
  dimmerProperty: 222,
  dimmerPower: 223,
  dimmerEnergy: 224,
  movementProperty: 225,
  lightLuxProperty: 227,
  luxPercentProperty: 228,
  motionTemperature: 229,
  temperatureProperty: 230,
  humidityProperty: 231,
  co2Property: 232,
  solarEnergy: 233,
  solarPower: 234,
  waterVolume: 235,
  waterFlow: 236,
  heatEnergy: 237,
  coolEnergy: 238,
  heatSupplyTemperature: 239,
  barPressure: 240,
  relativePressure: 241,
  airPressure: 242,
  velocity: 243,
  sirenMode: 244,
  sirenDuration: 245,
  thermostatSetpoint: 246,
  thermostatTemperature: 247,
  radiatorSetpoint: 248,
  radiatorTemperature: 249,
  radiatorBattery: 250,
  meterProperty: 251,
  sensorProperty: 252,
  account2Import: 260,
  account2Switch: 264,
  account2SwitchPower: 265,
  account2Setpoint: 267,
  // Lifestyles (resource ids)
  lifestyles: { home: 1, away: 2, sleep: 3, party: 4, account2Home: 5, account2Away: 6, account2Sleep: 7 },
  scenes: { lightsOn: 3, film: 4, allOff: 5, account2Welcome: 6, account2AllOff: 7 },
  nodes: { gateway: 10, p1: 11, unreachable: 30, flapping: 20 },
  failures: { unreachableFailed: 130 },
  /** Extra filler products (option extraProducts) start at this product id, properties at 10000 (3 each). */
  firstExtraProduct: 1000,
  firstExtraProperty: 10000,
} as const;
