/** The cloud's fixed catalogue: datatypes (3.3) and producttypes (3.1), as the seed prints them: ids, names and suffixes follow its tables (3.3.1). */
import type { SimDatatype, SimProducttype } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Datatypes (3.3). The API prints suffixes with a leading space (" sec" in the seed's example).

const bool = (datatype: number, name: string, minConv: string, maxConv: string): SimDatatype => ({
  datatype,
  name,
  suffix: "",
  value: { cmp: ["eq"], max: 255, max_conv: maxConv, min: 0, min_conv: minConv, type: "boolean" },
});

const num = (
  datatype: number,
  name: string,
  suffix: string,
  type: "integer" | "float",
  min: number,
  max: number,
  step: number,
): SimDatatype => ({ datatype, name, suffix, value: { cmp: ["lt", "eq", "gt"], max, min, step, suffix, type } });

const BIG = 999_999_999;

export const DATATYPES: SimDatatype[] = [
  bool(1, "SwitchOrder1", "Off", "On"),
  num(4, "LightLux", " lx", "integer", 0, 100_000, 1),
  num(8, "Dimmer", " %", "integer", 0, 99, 1),
  bool(9, "Switch", "Off", "On"),
  num(10, "Battery", " %", "integer", 0, 100, 1),
  num(11, "Lux", " %", "integer", 0, 100, 1),
  num(12, "Temperature", " gr C", "float", 0, 50, 0.1),
  bool(13, "Movement", "Idle", "Detected"),
  bool(15, "Contact", "Closed", "Opened"),
  num(18, "Energy", " Watt", "float", 0, 100_000, 0.1),
  {
    datatype: 25,
    name: "Mode",
    suffix: "",
    value: {
      choice: { "1": "Alarm", "2": "Error", "3": "Walk in", "4": "Alert", "5": "Wake up", "6": "Doorbell" },
      cmp: ["eq"],
      type: "choice",
    },
  },
  num(27, "Duration", " sec", "integer", 0, 15, 1),
  num(39, "Energy_kWh", " kWh", "float", 0, BIG, 0.001),
  num(44, "WindowDimmer", " %", "integer", 0, 99, 1),
  num(47, "GigaJouleHeat", " GJ", "float", 0, BIG, 0.001),
  num(50, "EnergyReceived_kWh", " kWh", "float", 0, BIG, 0.001),
  num(51, "GasVolume", " m3", "float", 0, BIG, 0.001),
  num(52, "WaterVolume", " m3", "float", 0, BIG, 0.001),
  // Basic accepts switch and dimmer commands: 0–99, and 255 (on at the last level).
  num(53, "Basic", " %", "integer", 0, 99, 1),
  num(54, "Meter", "", "float", 0, BIG, 0.01),
  bool(55, "Door lock", "Unlocked", "Locked"),
  num(56, "Sensor", "", "float", -BIG, BIG, 0.01),
  num(62, "EnergyProductionWatt", " Watt", "float", 0, 100_000, 0.1),
  num(63, "EnergyProductionkWh", " kWh", "float", 0, BIG, 0.001),
  num(66, "Flow", " m3/h", "float", 0, 1000, 0.001),
  num(67, "Setpoint", " gr C", "float", 4, 28, 0.5),
  // The climatecontroller example of the seed (3.7) uses datatype 73; the holiday home has one.
  num(73, "ClimateSetpoint", " gr C", "float", 5, 30, 0.5),
  num(75, "Humidity", " %", "integer", 0, 100, 1),
  num(80, "CO2", " ppm", "integer", 0, 10_000, 1),
  num(83, "SecureSetpoint", " gr C", "integer", 4, 28, 1),
  num(87, "Ampere", " A", "float", 0, 100, 0.01),
  num(88, "Voltage", " V", "float", 0, 500, 0.1),
  num(91, "Velocity", " m/s", "float", 0, 100, 0.01),
  num(92, "AirPressure", " kPa", "float", 0, 200, 0.01),
  num(96, "BarPressure", " bar", "float", 0, 10, 0.01),
  num(97, "RelativePressure", " bar", "float", -1, 10, 0.01),
  num(101, "PowerWattage", " Watt", "float", 0, 100_000, 0.1),
  num(102, "HighTemperature", " gr C", "float", -40, 200, 0.1),
  num(103, "GigaJouleCool", " GJ", "float", 0, BIG, 0.001),
];

/** Datatypes whose properties have energyentries (3.3.1.1): the `energy_data` filter. */
export const ENERGY_DATATYPES = new Set([39, 50, 63, 51, 52, 47, 103]);

// ---------------------------------------------------------------------------------------------
// Producttypes (3.1)

const IMG = "/static/uploads/peripheral_class_images/";
const pt = (
  producttype: number,
  name: string,
  manufacturer: string | null,
  image: string,
  extra: Partial<SimProducttype> = {},
): SimProducttype => ({
  addable: true,
  appearance: [producttype],
  climatecontroller: false,
  image: IMG + image,
  installable: true,
  manufacturer,
  name,
  producttype,
  type: "P",
  ...extra,
});

export const PRODUCTTYPES: SimProducttype[] = [
  pt(1, "Internet Gateway", "BeNext", "InternetGateway.png", { addable: false, installable: false }),
  pt(42, "Energy Switch", "BeNext", "EnergySwitch.png", {
    appearance: [42, 48, 143, 140, 82, 83, 53, 56, 55, 144, 142, 141, 47, 57, 61, 115, 58, 54, 51, 52, 60, 111, 112],
  }),
  pt(48, "Boiler", null, "Boiler.png", { type: "I", addable: false, installable: false }),
  pt(53, "Lamp", null, "Lamp.png", { type: "I", addable: false, installable: false }),
  pt(56, "Washing machine", null, "WashingMachine.png", { type: "I", addable: false, installable: false }),
  pt(73, "Electricity Meter", "BeNext", "P1Dongle.png", { installable: false }),
  pt(90, "Built-in Dimmer", "BeNext", "BuiltInDimmer.png", { appearance: [90, 53] }),
  pt(91, "Plug-in Switch", "BeNext", "PlugInSwitch.png", { appearance: [91, 53, 56, 48] }),
  pt(92, "Generic Z-Wave Device", null, "Generic.png", { appearance: [92, 53] }),
  pt(93, "Roller Shutter", "Fibaro", "RollerShutter.png"),
  pt(94, "Door Lock", "Danalock", "DoorLock.png"),
  pt(95, "Molite", "BeNext", "Molite.png"),
  pt(96, "Door Sensor", "BeNext", "DoorSensor.png"),
  pt(97, "Climate Sensor", "Aeotec", "ClimateSensor.png"),
  pt(98, "Solar Inverter", "SMA", "SolarInverter.png", { installable: false }),
  pt(99, "Water Meter", null, "WaterMeter.png", { installable: false }),
  pt(100, "Heat Meter", "Kamstrup", "HeatMeter.png", { installable: false }),
  pt(101, "Boiler Monitor", null, "BoilerMonitor.png"),
  pt(102, "Alarm Sound", "BeNext", "AlarmSound.png"),
  pt(103, "Heating Control", "BeNext", "HeatingControl.png", { climatecontroller: true }),
  pt(104, "Radiator Thermostat", "Danfoss", "RadiatorThermostat.png", { climatecontroller: true }),
  pt(105, "Generic Meter", null, "GenericMeter.png"),
  pt(106, "Generic Sensor", null, "GenericSensor.png"),
];
