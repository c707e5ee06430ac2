/**
 * Our discovery payloads checked against Home Assistant's own rules (test/helpers/ha-rules.ts, read
 * from home-assistant/core), for devices that cover every entity kind and every device class our
 * bridges produce: all myBeNext datatypes of KNOWN_DATATYPES, read-only and writable, the seed's
 * value descriptions, climates, accounts with lifestyles and scenes, and every device class / unit
 * pair of src/discovery/units.ts.
 */
import { describe, expect, it } from "vitest";
import type { Datatype, Property } from "../../src/bridges/mybenext/api-types.js";
import { KNOWN_DATATYPES, propertyEntity } from "../../src/bridges/mybenext/datatypes.js";
import { deviceConfig, discoveryTopic } from "../../src/discovery/payload.js";
import { DEVICE_CLASS_UNITS as OUR_UNITS } from "../../src/discovery/units.js";
import type { Device, Entity, EntityKind } from "../../src/model/index.js";
import { Topics } from "../../src/mqtt/topics.js";
import { DATATYPES } from "../../src/simulators/mybenext/data.js";
import * as ha from "../helpers/ha-rules.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PREFIX = "homeassistant";
const ctx = { prefix: PREFIX, topics: new Topics("cloud2mqtt") };
const SOURCE = "home";

// -------------------------------------------------------------------------------------------------
// Devices

const seedDatatypes = new Map<number, Datatype>(DATATYPES.map((d) => [d.datatype, d as Datatype]));

const property = (id: number, datatype: number, name: string, receiving: boolean): Property => ({
  property: id,
  product: 1,
  datatype,
  name,
  receiving,
  sending: true,
  updated: null,
  value: null,
});

/** Datatypes described only by their value (not in KNOWN_DATATYPES), like the seed's tables. */
const VALUE_DESCRIPTIONS: Datatype[] = [
  { datatype: 901, name: "Alarm", suffix: "", value: { type: "boolean", min: 0, max: 255, min_conv: "Off", max_conv: "On" } },
  { datatype: 902, name: "Level", suffix: " %", value: { type: "integer", min: 0, max: 100, step: 1 } },
  { datatype: 903, name: "Offset", suffix: " gr C", value: { type: "float", min: -10, max: 10, step: 0.1 } },
  { datatype: 904, name: "Counter", suffix: " kwh", value: { type: "float", min: 0, max: 999_999_999, step: 0.001 } },
  { datatype: 905, name: "Timeout", suffix: " sec", value: { type: "integer", min: 0, max: 3600 } },
  { datatype: 906, name: "Fixed", suffix: "", value: { type: "integer", min: 5, max: 5, step: 1 } },
  { datatype: 907, name: "Programme", suffix: "", value: { type: "choice", choice: { "0": "Off", "1": "Eco", "2": "Comfort" } } },
  { datatype: 908, name: "Empty choice", suffix: "", value: { type: "choice", choice: {} } },
  { datatype: 909, name: "Composite", suffix: "", value: { type: "composite" } },
  { datatype: 910, name: "Custom", suffix: " m3/h", value: { type: "custom" } },
  { datatype: 911, name: "Ratio", suffix: "", value: { type: "float", step: 0.01 } },
  ...DATATYPES.filter((d) => !(d.datatype in KNOWN_DATATYPES)).map((d) => d as Datatype), // 25 Mode, 27 Duration, 73 ClimateSetpoint
];

function propertyDevice(key: string, name: string, receiving: boolean, datatypes: { id: number; dt: Datatype | undefined }[]): Device {
  const entities = datatypes.map(({ id, dt }, i) => propertyEntity(property(1000 + i, id, dt?.name ?? `Datatype ${id}`, receiving), dt));
  return { key, vendorId: key, name, manufacturer: "BeNext", model: "Test product", viaDevice: "account_1", entities };
}

const known = Object.keys(KNOWN_DATATYPES).map(Number);
const withSeed = known.map((id) => ({ id, dt: seedDatatypes.get(id) }));
const withoutDatatype = known.map((id) => ({ id, dt: undefined }));
const described = VALUE_DESCRIPTIONS.map((dt) => ({ id: dt.datatype, dt }));

const climate = (key: string, step: number, unit: string, min = 4, max = 28): Device => ({
  key,
  vendorId: key,
  name: `Thermostat ${key}`,
  manufacturer: "Danfoss",
  model: "Radiator Thermostat",
  serialNumber: "SN-1",
  swVersion: "1.2",
  hwVersion: "3",
  viaDevice: "account_1",
  entities: [
    { key: "climate", name: "Thermostat", kind: "climate", climate: { min, max, step, unit }, hasAttributes: true },
    { key: "synchronised", name: "Setpoint synchronised", kind: "binary_sensor", category: "diagnostic", icon: "mdi:sync" },
    { key: "connectivity", name: "Connectivity", kind: "binary_sensor", deviceClass: "connectivity", category: "diagnostic", hasAttributes: true },
    { key: "problem", name: "Problem", kind: "binary_sensor", deviceClass: "problem", category: "diagnostic", hasAttributes: true },
  ],
});

/** Every device class / unit pair our units table accepts (and a few it must refuse), as sensors and numbers. */
function unitTableDevice(): Device {
  const entities: Entity[] = [];
  for (const [deviceClass, units] of Object.entries(OUR_UNITS)) {
    for (const [i, unit] of [...units, undefined, "furlong"].entries()) {
      const key = `${deviceClass}_${i}`;
      const base = { name: `${deviceClass} ${unit ?? "none"}`, deviceClass, ...(unit ? { unit } : {}) };
      entities.push({ key: `s_${key}`, kind: "sensor", stateClass: "measurement", precision: 1, ...base });
      entities.push({ key: `n_${key}`, kind: "number", command: { type: "number", min: 0, max: 10, step: 0.5 }, ...base });
    }
  }
  return { key: "units", vendorId: "units", name: "Units table", entities };
}

const account: Device = {
  key: "account_1",
  vendorId: "1",
  name: "myBeNext Demo Account",
  manufacturer: "BeNext",
  model: "myBeNext account",
  entities: [
    { key: "lifestyle", name: "Lifestyle", kind: "select", options: ["Home", "Away", "Sleep"], icon: "mdi:home-account", command: { type: "select", options: ["Home", "Away", "Sleep"] } },
    { key: "scene_1", name: "All off", kind: "scene", command: { type: "trigger" } },
    { key: "scene_2", name: "Movie", kind: "scene", command: { type: "trigger" } },
  ],
};

/** Model options the bridges set beyond the myBeNext mapping. */
const options: Device = {
  key: "options",
  vendorId: "options",
  name: "Options",
  entities: [
    { key: "same_name", name: "Options", kind: "sensor", unit: "W", deviceClass: "power", stateClass: "measurement" },
    { key: "hidden", name: "Hidden", kind: "switch", command: { type: "switch" }, enabledByDefault: false, category: "config", deviceClass: "outlet" },
    { key: "limit", name: "Limit", kind: "number", command: { type: "number", min: 0, max: 16, step: 0.1 }, unit: "A", deviceClass: "current", category: "config" },
    { key: "energy_meas", name: "Energy", kind: "sensor", deviceClass: "energy", unit: "kWh", stateClass: "measurement" },
    { key: "energy_total", name: "Energy net", kind: "sensor", deviceClass: "energy", unit: "kWh", stateClass: "total" },
    { key: "power_kwh", name: "Power", kind: "sensor", deviceClass: "power", unit: "kWh", stateClass: "measurement" },
    { key: "state", name: "State", kind: "sensor", options: ["idle", "running"], deviceClass: "enum" },
    { key: "text", name: "Text", kind: "sensor" },
    { key: "dimmer", name: "Dimmer", kind: "light", scale: 255, command: { type: "level", min: 0, max: 255, step: 1, on: 255 } },
    { key: "blind", name: "Blind", kind: "cover", scale: 100, deviceClass: "blind", command: { type: "level", min: 0, max: 100, step: 1, on: 100 } },
    { key: "cover_plain", name: "Gate", kind: "cover", scale: 99, command: { type: "level", min: 0, max: 99, step: 1, on: 99 } },
  ],
};

const DEVICES: Device[] = [
  propertyDevice("known_rw", "Known datatypes, writable", true, withSeed),
  propertyDevice("known_ro", "Known datatypes, read-only", false, withSeed),
  propertyDevice("known_nodt_rw", "Known datatypes without description, writable", true, withoutDatatype),
  propertyDevice("known_nodt_ro", "Known datatypes without description, read-only", false, withoutDatatype),
  propertyDevice("described_rw", "Value descriptions, writable", true, described),
  propertyDevice("described_ro", "Value descriptions, read-only", false, described),
  account,
  climate("tenths", 0.1, "°C", 5, 30),
  climate("halves", 0.5, "°C"),
  climate("whole", 1, "°C"),
  climate("quarter", 0.25, "°C"),
  climate("fahrenheit", 1, "°F", 40, 86),
  unitTableDevice(),
  options,
];

/** Components removed since the last announcement: published with their platform only. */
const REMOVED: Record<string, string> = { gone_switch: "switch", gone_sensor: "sensor", gone_climate: "climate" };

interface Announcement {
  device: Device;
  topic: string;
  payload: Json;
}

const ANNOUNCEMENTS: Announcement[] = DEVICES.map((device) => ({
  device,
  topic: discoveryTopic(ctx, SOURCE, device.key),
  payload: JSON.parse(JSON.stringify(deviceConfig(ctx, SOURCE, device, device.key === "options" ? REMOVED : {}))) as Json,
}));

const components = (a: Announcement): [string, Json][] => Object.entries(a.payload.components as Record<string, Json>);
const entityComponents = (a: Announcement): [string, Json][] => components(a).filter(([, c]) => Object.keys(c).length > 1);
const all = ANNOUNCEMENTS.flatMap((a) => entityComponents(a).map(([id, c]) => ({ a, id, c })));

// -------------------------------------------------------------------------------------------------

describe("discovery payloads by Home Assistant's rules", () => {
  it.each(ANNOUNCEMENTS.map((a) => [a.device.key, a] as const))("%s passes every rule", (_key, a) => {
    expect(ha.checkDevicePayload(a.payload, a.topic, PREFIX)).toEqual([]);
  });

  it("covers every entity kind and every device class the myBeNext bridge emits", () => {
    const kinds: EntityKind[] = ["sensor", "binary_sensor", "switch", "light", "cover", "lock", "number", "select", "scene", "climate"];
    const platforms = new Set(all.map(({ c }) => c.platform));
    for (const kind of kinds) expect(platforms, kind).toContain(kind);
    const produced = new Set(all.filter(({ a }) => a.device.key.startsWith("known")).map(({ c }) => `${c.platform}:${c.device_class}`));
    for (const k of Object.values(KNOWN_DATATYPES)) {
      if (k.deviceClass && k.kind !== "setpoint") expect(produced, `${k.kind} ${k.deviceClass}`).toContain(`${k.kind}:${k.deviceClass}`);
    }
    for (const expected of ["binary_sensor:power", "binary_sensor:lock", "number:temperature", "sensor:temperature"]) expect(produced).toContain(expected);
  });

  it("announces device-based discovery: identifiers and name, origin with name, availability all of bridge and source", () => {
    for (const { payload, device } of ANNOUNCEMENTS) {
      expect(payload.device.identifiers, device.key).toEqual([`cloud2mqtt_${SOURCE}_${device.key}`]);
      expect(typeof payload.device.name).toBe("string");
      expect(payload.device.name).toBe(device.name);
      expect(payload.origin.name).toBe("cloud2mqtt");
      expect(payload.availability_mode).toBe("all");
      expect(payload.availability).toEqual([{ topic: ctx.topics.bridgeState }, { topic: ctx.topics.availability(SOURCE) }]);
      for (const [, c] of components({ payload, device, topic: "" })) {
        // Availability, qos and origin are inherited from the device level (discovery.py SHARED_OPTIONS).
        expect(c).not.toHaveProperty("availability");
        expect(c).not.toHaveProperty("device");
      }
    }
  });

  it("gives each entity a unique unique_id and a default_entity_id <platform>.<slug of unique_id>, never object_id", () => {
    const ids = all.map(({ c }) => c.unique_id as string);
    expect(new Set(ids).size).toBe(ids.length);
    const entityIds = all.map(({ c }) => c.default_entity_id as string);
    expect(new Set(entityIds).size).toBe(entityIds.length);
    for (const { c, id } of all) {
      expect(c, id).not.toHaveProperty("object_id");
      expect(c.default_entity_id, id).toMatch(ha.VALID_ENTITY_ID);
      const [domain, objectId] = (c.default_entity_id as string).split(".");
      expect(domain).toBe(c.platform);
      expect(objectId).toBe((c.unique_id as string).toLowerCase().replace(/[^a-z0-9_]+/g, "_"));
    }
  });

  it("uses topics without wildcards, commands under <state>/set", () => {
    for (const { c, id } of all) {
      for (const [key, value] of Object.entries(c)) {
        if (!key.endsWith("topic")) continue;
        expect(typeof value, `${id}.${key}`).toBe("string");
        expect(value as string, `${id}.${key}`).not.toMatch(/[+#]/);
        if (ha.isPublishTopicKey(key)) expect(value as string, `${id}.${key}`).toMatch(/\/set$/);
      }
    }
  });

  it("announces a removed component with its platform only, which HA accepts without unique_id", () => {
    const a = ANNOUNCEMENTS.find((x) => x.device.key === "options")!;
    for (const [id, platform] of Object.entries(REMOVED)) {
      expect(a.payload.components[id]).toEqual({ platform });
      expect(ha.checkComponent(id, a.payload.components[id])).toEqual([]);
    }
  });

  it("keeps a sensor's device class only with a unit HA accepts, and state classes HA allows", () => {
    for (const { c, id } of all.filter(({ c }) => c.platform === "sensor")) {
      if (c.device_class && ha.DEVICE_CLASS_UNITS[c.device_class]) {
        expect(ha.DEVICE_CLASS_UNITS[c.device_class]!.has(ha.normalizeUnit(c.unit_of_measurement)), id).toBe(true);
      }
      if (c.device_class && c.state_class) expect(ha.DEVICE_CLASS_STATE_CLASSES[c.device_class]!.has(c.state_class), id).toBe(true);
      if (c.options) {
        expect(c.device_class, id).toBe("enum");
        expect(c.options.length, id).toBeGreaterThan(0);
        expect(c, id).not.toHaveProperty("unit_of_measurement");
        expect(c, id).not.toHaveProperty("state_class");
      }
    }
    const opts = ANNOUNCEMENTS.find((x) => x.device.key === "options")!.payload.components;
    expect(opts.energy_meas.state_class).toBe("total_increasing");
    expect(opts.energy_total.state_class).toBe("total");
    expect(opts.power_kwh).not.toHaveProperty("device_class");
    expect(opts.same_name.name).toBeNull();
    // A choice datatype without choices: HA rejects `options: []` ("An empty options list is not
    // allowed"), so it must be a plain text sensor.
    const described = ANNOUNCEMENTS.find((x) => x.device.key === "described_ro")!.payload.components as Record<string, Json>;
    const empty = Object.values(described).find((c) => c.name === "Empty choice")!;
    expect(empty).not.toHaveProperty("options");
    expect(empty).not.toHaveProperty("device_class");
  });

  it("gives lights, covers, numbers and climates values HA accepts", () => {
    for (const { c, id } of all) {
      if (c.platform === "light") {
        expect(ha.ON_COMMAND_TYPES.has(c.on_command_type), id).toBe(true);
        expect(Number.isInteger(c.brightness_scale) && c.brightness_scale >= 1, id).toBe(true);
      }
      if (c.platform === "cover" && c.set_position_topic) expect(c.position_topic, id).toBeDefined();
      if (c.platform === "number") {
        expect(c.min, id).toBeLessThan(c.max);
        expect(c.step, id).toBeGreaterThanOrEqual(ha.NUMBER_MIN_STEP);
      }
      if (c.platform === "climate") {
        expect(ha.CLIMATE_PRECISIONS, id).toContain(c.precision);
        expect(c.temp_step, id).toBeGreaterThan(0);
        expect(ha.CLIMATE_TEMPERATURE_UNITS.has(c.temperature_unit), id).toBe(true);
        expect(c.precision, id).toBeLessThanOrEqual(c.temp_step);
      }
    }
    const climates = Object.fromEntries(ANNOUNCEMENTS.filter((a) => a.payload.components.climate).map((a) => [a.device.key, a.payload.components.climate]));
    expect(climates.tenths).toMatchObject({ temp_step: 0.1, precision: 0.1, temperature_unit: "C" });
    expect(climates.halves).toMatchObject({ temp_step: 0.5, precision: 0.5 });
    expect(climates.whole).toMatchObject({ temp_step: 1, precision: 1 });
    expect(climates.quarter).toMatchObject({ temp_step: 0.25, precision: 0.1 });
    expect(climates.fahrenheit).toMatchObject({ temperature_unit: "F", min_temp: 40, max_temp: 86 });
  });
});

// -------------------------------------------------------------------------------------------------
// The checker itself: each rule must fire when a payload breaks it, or the tests above prove nothing.

describe("the Home Assistant rule checker", () => {
  const base = (key: string): Announcement => ANNOUNCEMENTS.find((a) => a.device.key === key)!;
  const broken = (key: string, mutate: (p: Json) => void): Json => {
    const p = JSON.parse(JSON.stringify(base(key).payload)) as Json;
    mutate(p);
    return p;
  };
  const C = (p: Json): Json => p.components;
  const keyOf = (deviceKey: string, platform: string): string => components(base(deviceKey)).find(([, c]) => c.platform === platform)![0];
  const motion = keyOf("known_ro", "binary_sensor");
  const shade = keyOf("known_rw", "cover");
  const lock = keyOf("known_rw", "lock");

  const cases: [string, string, (p: Json) => void, string][] = [
    ["unknown device-level key", "options", (p) => (p.retain = true), "key retain is not allowed"],
    ["missing origin", "options", (p) => delete p.origin, "origin: is required"],
    ["origin without name", "options", (p) => delete p.origin.name, "origin: name is required"],
    ["device without identifiers", "options", (p) => (p.device.identifiers = []), "at least one identifier"],
    ["unknown device info key", "options", (p) => (p.device.vendor = "x"), "device: key vendor"],
    ["availability_mode outside all/any/latest", "options", (p) => (p.availability_mode = "some"), "availability_mode some"],
    ["availability item without topic", "options", (p) => (p.availability = [{ payload_available: "online" }]), "needs a topic"],
    ["qos 3", "options", (p) => (p.qos = 3), "qos 3"],
    ["unsupported platform", "options", (p) => (C(p).text.platform = "thermostat"), "platform thermostat"],
    ["entity without unique_id", "options", (p) => delete C(p).text.unique_id, "unique_id is required"],
    ["object_id", "options", (p) => (C(p).text.object_id = "text"), "object_id is deprecated"],
    ["unknown component key", "options", (p) => (C(p).text.unit = "W"), "key unit is not an option of sensor"],
    ["sensor without state_topic", "options", (p) => delete C(p).text.state_topic, "state_topic is required"],
    ["switch without command_topic", "options", (p) => delete C(p).hidden.command_topic, "command_topic is required"],
    ["state topic with +", "options", (p) => (C(p).text.state_topic = "a/+b/c"), "uses + inside a level"],
    ["command topic with #", "options", (p) => (C(p).hidden.command_topic = "a/#"), "contains a wildcard"],
    ["empty topic", "options", (p) => (C(p).text.state_topic = ""), "is empty"],
    ["default_entity_id in another domain", "options", (p) => (C(p).text.default_entity_id = "switch.text"), "not in the sensor domain"],
    ["default_entity_id not a slug", "options", (p) => (C(p).text.default_entity_id = "sensor.Text__x"), "not a valid entity id"],
    ["name equal to the device name", "options", (p) => (C(p).text.name = "Options"), "equals the device name"],
    ["sensor device class unknown", "options", (p) => (C(p).same_name.device_class = "wattage"), "is not a sensor device class"],
    ["binary sensor with a sensor device class", "known_ro", (p) => (C(p)[motion].device_class = "temperature"), "not a binary_sensor device class"],
    ["cover device class unknown", "known_rw", (p) => (C(p)[shade].device_class = "roller"), "not a cover device class"],
    ["switch device class unknown", "options", (p) => (C(p).hidden.device_class = "relay"), "not a switch device class"],
    ["device class on a platform without classes", "known_rw", (p) => (C(p)[lock].device_class = "lock"), "lock takes no device_class"],
    ["energy as measurement", "options", (p) => (C(p).energy_total.state_class = "measurement"), "state_class measurement is not allowed for device class energy"],
    ["power as total_increasing", "options", (p) => (C(p).same_name.state_class = "total_increasing"), "not allowed for device class power"],
    ["energy_storage as total_increasing", "options", (p) => Object.assign(C(p).energy_total, { device_class: "energy_storage", state_class: "total_increasing" }), "not allowed for device class energy_storage"],
    ["power in kWh", "options", (p) => (C(p).same_name.unit_of_measurement = "kWh"), "kWh is not valid for device class power"],
    ["pressure in mmH₂O", "options", (p) => Object.assign(C(p).same_name, { device_class: "pressure", unit_of_measurement: "mmH₂O" }), "not valid for device class pressure"],
    ["battery without unit", "options", (p) => Object.assign(C(p).text, { device_class: "battery" }), "unit null is not valid for device class battery"],
    ["unknown state class", "options", (p) => (C(p).same_name.state_class = "average"), "not a SensorStateClass"],
    ["enum sensor with a unit", "options", (p) => (C(p).state.unit_of_measurement = "W"), "options is not allowed together"],
    ["enum sensor with empty options", "options", (p) => (C(p).state.options = []), "empty options list"],
    ["options without device class enum", "options", (p) => delete C(p).state.device_class, "needs device_class enum"],
    ["negative display precision", "options", (p) => (C(p).same_name.suggested_display_precision = -1), "suggested_display_precision"],
    ["sensor with entity_category config", "options", (p) => (C(p).text.entity_category = "config"), "cannot have entity_category config"],
    ["unknown entity category", "options", (p) => (C(p).text.entity_category = "system"), "is not config or diagnostic"],
    ["icon without prefix", "options", (p) => (C(p).text.icon = "sync"), "icon must be prefix:name"],
    ["light on_command_type", "options", (p) => (C(p).dimmer.on_command_type = "sometimes"), "on_command_type sometimes"],
    ["light brightness_scale 0", "options", (p) => (C(p).dimmer.brightness_scale = 0), "brightness_scale must be an integer >= 1"],
    ["cover set_position_topic without position_topic", "options", (p) => delete C(p).blind.position_topic, "set_position_topic must be set together with position_topic"],
    ["cover position_open not an integer", "options", (p) => (C(p).blind.position_open = 99.5), "position_open must be an integer"],
    ["number min >= max", "options", (p) => (C(p).limit.min = 16), "max must be > min"],
    ["number step 0", "options", (p) => (C(p).limit.step = 0), "step must be a number"],
    ["number mode", "options", (p) => (C(p).limit.mode = "dial"), "mode dial"],
    ["number unit for its device class", "options", (p) => (C(p).limit.unit_of_measurement = "W"), "W is not valid for device class current"],
    ["select without options", "account_1", (p) => delete C(p).lifestyle.options, "options is required for select"],
    ["select with duplicate options", "account_1", (p) => (C(p).lifestyle.options = ["Home", "Home"]), "options has duplicates"],
    ["climate precision 0.25", "halves", (p) => (C(p).climate.precision = 0.25), "precision 0.25"],
    ["climate temperature_unit °C", "halves", (p) => (C(p).climate.temperature_unit = "°C"), "temperature_unit °C"],
    ["climate temp_step 0", "halves", (p) => (C(p).climate.temp_step = 0), "temp_step must be a positive number"],
    ["climate mode not an HVAC mode", "halves", (p) => (C(p).climate.modes = ["warm"]), "modes must be HVAC modes"],
    ["climate min_temp >= max_temp", "halves", (p) => (C(p).climate.min_temp = 30), "min_temp must be < max_temp"],
    ["scene without command_topic", "account_1", (p) => delete C(p).scene_1.command_topic, "command_topic is required for scene"],
  ];

  it.each(cases)("catches %s", (_name, key, mutate, message) => {
    const violations = ha.checkDevicePayload(broken(key, mutate), base(key).topic, PREFIX);
    expect(violations.join("\n")).toContain(message);
  });

  it("catches a discovery topic HA does not subscribe to", () => {
    expect(ha.checkDevicePayload(base("options").payload, `${PREFIX}/device/bad id/config`, PREFIX).join("\n")).toContain("does not match");
    expect(ha.checkDevicePayload(base("options").payload, `${PREFIX}/sensor/options/config`, PREFIX).join("\n")).toContain("does not match");
  });
});
