import { describe, expect, it } from "vitest";
import type { ProfileDatapoint } from "../../src/bridges/belimo/api-types.js";
import {
  datapointMapping,
  globMatcher,
  isMetadata,
  parseStats,
  profileRef,
  restrictionOptions,
  restrictionRange,
  stateValue,
  uniqueKey,
  unitFromDescription,
  unitInfo,
} from "../../src/bridges/belimo/mapping.js";
import { deviceConfig, discoveryTopic } from "../../src/discovery/payload.js";
import type { Device } from "../../src/model/index.js";
import { Topics } from "../../src/mqtt/topics.js";
import { PROFILES } from "../../src/simulators/belimo/index.js";
import * as ha from "../helpers/ha-rules.js";

const dp = (id: string, fv: Record<string, string>): ProfileDatapoint => ({ id, featureValues: { "default.access": "r", ...fv } });
const map = (id: string, fv: Record<string, string>) => {
  const m = datapointMapping(dp(id, fv));
  if (!m) throw new Error(`${id} has no mapping`);
  return m;
};

describe("Belimo units", () => {
  it("finds the unit at the end of a description, only when it is a unit", () => {
    expect(unitFromDescription("Heating Energy in J")).toEqual({ unit: "j", rest: "Heating Energy" });
    expect(unitFromDescription("Temperature 1 embedded in Grad Kelvin")).toEqual({ unit: "k", rest: "Temperature 1 embedded" });
    expect(unitFromDescription("Flow in m3/s")).toEqual({ unit: "m³/s", rest: "Flow" });
    expect(unitFromDescription("Water in circuit")).toBeUndefined();
    expect(unitFromDescription("Energy")).toBeUndefined();
  });

  it("converts energy in J to kWh, cumulative; K to °C except for differences; m³/s to m³/h", () => {
    expect(unitInfo("J", "Heating Energy")).toMatchObject({ unit: "kWh", deviceClass: "energy", stateClass: "total_increasing", factor: 1 / 3_600_000 });
    expect(unitInfo("K", "Temperature 2 remote")).toMatchObject({ unit: "°C", deviceClass: "temperature", offset: -273.15 });
    expect(unitInfo("K", "Delta T")).toEqual({ unit: "K", factor: 1, offset: 0, stateClass: "measurement", precision: 1 });
    expect(unitInfo("m3/s", "Flow")).toMatchObject({ unit: "m³/h", deviceClass: "volume_flow_rate", factor: 3600 });
    expect(unitInfo("m3", "Total volume")).toMatchObject({ unit: "m³", deviceClass: "volume", stateClass: "total_increasing" });
    expect(unitInfo("h", "Operating hours counter")).toMatchObject({ deviceClass: "duration", stateClass: "total_increasing" });
    expect(unitInfo("%", "Relative valve position")).toMatchObject({ unit: "%", icon: "mdi:valve" });
    expect(unitInfo("Nm", "Torque")).toEqual({ unit: "Nm", factor: 1, offset: 0, stateClass: "measurement" });
    expect(unitInfo(undefined, "Flags")).toEqual({ factor: 1, offset: 0 });
  });
});

describe("Belimo datapoints as entities", () => {
  it("maps the seed's energy datapoints (unit only in the description) to kWh, total_increasing", () => {
    const heat = map("evcloud.210", { "default.basetype": "real", "default.description": "Heating Energy in J" });
    expect(heat.entity).toMatchObject({ key: "evcloud_210", name: "Heating Energy", kind: "sensor", deviceClass: "energy", unit: "kWh", stateClass: "total_increasing" });
    expect(heat.read(3_600_000)).toBe(1);
    expect(heat.read("7200000")).toBe(2);
    expect(heat.read(1_234_567_890)).toBe(342.935525);
    expect(heat.read("n/a")).toBeUndefined();
    expect(heat.write).toBeUndefined();
    // Known ids keep their unit when a profile describes them without one.
    expect(map("evcloud.200", { "default.basetype": "real", "default.description": "Cooling" }).entity).toMatchObject({ deviceClass: "energy", unit: "kWh" });
    expect(map("evcloudplus.461", { "default.basetype": "real", "default.description": "Total volume" }).entity).toMatchObject({ deviceClass: "volume", unit: "m³", stateClass: "total_increasing" });
  });

  it("maps temperatures, flow, power and position as measurements", () => {
    const t = map("evcloud.150", { "default.basetype": "real", "default.description": "Temperature 1 embedded in Grad Kelvin" });
    expect(t.entity).toMatchObject({ deviceClass: "temperature", unit: "°C", stateClass: "measurement", name: "Temperature 1 embedded" });
    expect(t.read(293.15)).toBe(20);
    const flow = map("x.1", { "default.basetype": "real", "default.description": "Flow", "default.unit": "m3/s" });
    expect(flow.entity).toMatchObject({ deviceClass: "volume_flow_rate", unit: "m³/h" });
    expect(flow.read(0.001)).toBe(3.6);
    expect(map("x.2", { "default.basetype": "real", "default.description": "Power in W" }).entity).toMatchObject({ deviceClass: "power", unit: "W", stateClass: "measurement" });
    expect(map("x.3", { "default.basetype": "real", "default.description": "Relative valve position", "default.unit": "%" }).entity).toMatchObject({ unit: "%", stateClass: "measurement", icon: "mdi:valve" });
  });

  it("shows an unknown datapoint as a plain sensor named by the profile's description", () => {
    const m = map("evcloud.900", { "default.basetype": "int", "default.description": "Operating   state\n\t\tflags", "default.restriction": "int32" });
    expect(m.entity).toEqual({ key: "evcloud_900", name: "Operating state flags", kind: "sensor" });
    expect(m.read(4)).toBe(4);
    const odd = map("x.9", { "default.basetype": "blob", "default.description": "Opaque" });
    expect(odd.entity).toEqual({ key: "x_9", name: "Opaque", kind: "sensor" });
    expect(odd.read({ a: 1 })).toBeUndefined();
    expect(map("x.10", { "default.basetype": "real" }).entity.name).toBe("x.10");
  });

  it("prefers the GUI display name, whatever the GUI aspect's id, and marks default.* as diagnostic", () => {
    const m = map("default.1", { "default.basetype": "text", "default.description": "Aggregated health status", "Zq81kLm2.displayname": "Device health status", "default.restriction": "re:(OK|WARN|ERROR|UNKNOWN)" });
    expect(m.entity).toMatchObject({ name: "Device health status", category: "diagnostic", kind: "sensor", options: ["OK", "WARN", "ERROR", "UNKNOWN"] });
    expect(m.read("WARN")).toBe("WARN");
    // Home Assistant rejects an enum state outside the options: unknown instead.
    expect(m.read("BROKEN")).toBeNull();
    // An empty retained payload would delete the state topic: an empty text is unknown instead.
    expect(map("default.2", { "default.basetype": "text", "default.description": "Description" }).read("")).toBeNull();
  });

  it("makes writable datapoints numbers, selects and switches, with the profile's range", () => {
    const sp = map("evcloud.110", { "default.access": "rw", "default.basetype": "real", "default.description": "Setpoint relative flow", "default.unit": "%", "default.restriction": "[0.0,100.0]" });
    expect(sp.entity).toMatchObject({ kind: "number", unit: "%", command: { type: "number", min: 0, max: 100, step: 0.01 } });
    expect(sp.write!(42.5)).toBe(42.5);
    const kelvin = map("x.4", { "default.access": "rw", "default.basetype": "real", "default.description": "Supply setpoint", "default.unit": "K", "default.restriction": "[278.15,363.15]" });
    expect(kelvin.entity).toMatchObject({ kind: "number", deviceClass: "temperature", unit: "°C", command: { min: 5, max: 90 } });
    expect(kelvin.write!(20)).toBe(293.15);
    const int = map("x.5", { "default.access": "rw", "default.basetype": "int", "default.description": "Stages", "default.restriction": "[1,5]" });
    expect(int.entity.command).toEqual({ type: "number", min: 1, max: 5, step: 1 });
    expect(int.write!(3)).toBe(3);
    const noRange = map("x.6", { "default.access": "rw", "default.basetype": "real", "default.description": "Offset" });
    expect(noRange.entity.command).toMatchObject({ min: -1_000_000, max: 1_000_000 });
    const gui = map("x.7", { "default.access": "rw", "default.basetype": "real", "default.description": "Limit", "bMg3Fgui.min": "10", "bMg3Fgui.max": "20" });
    expect(gui.entity.command).toMatchObject({ min: 10, max: 20 });

    const mode = map("evcloud.300", { "default.access": "rw", "default.basetype": "text", "default.description": "Control mode", "default.restriction": "re:(POSITION|FLOW|POWER)" });
    expect(mode.entity).toMatchObject({ kind: "select", options: ["POSITION", "FLOW", "POWER"], command: { type: "select", options: ["POSITION", "FLOW", "POWER"] } });
    expect(mode.write!("POWER")).toBe("POWER");
    const sw = map("evcloud.310", { "default.access": "rw", "default.basetype": "bool", "default.description": "Glycol monitoring enabled" });
    expect(sw.entity).toMatchObject({ kind: "switch", command: { type: "switch" } });
    expect(sw.read("true")).toBe(true);
    expect(sw.write!(false)).toBe(false);
    expect(map("x.8", { "default.basetype": "bool", "default.description": "Alarm" }).entity.kind).toBe("binary_sensor");
    // Writable text without choices has no entity kind that can write it: a sensor.
    expect(map("x.11", { "default.access": "rw", "default.basetype": "text", "default.description": "Name" }).entity).toMatchObject({ kind: "sensor" });
    expect(map("x.11", { "default.access": "rw", "default.basetype": "text" }).write).toBeUndefined();
  });

  it("leaves write-only datapoints out", () => {
    expect(datapointMapping(dp("evcloud.950", { "default.access": "w", "default.basetype": "bool" }))).toBeUndefined();
  });

  it("reads restrictions: ranges, choices, and what is neither", () => {
    expect(restrictionRange("[0.0,100.0]")).toEqual({ min: 0, max: 100 });
    expect(restrictionRange("[-180.0,180.0]")).toEqual({ min: -180, max: 180 });
    expect(restrictionRange("re:(A|B);[1,5]")).toEqual({ min: 1, max: 5 });
    expect(restrictionRange("len:[0,255]")).toBeUndefined();
    expect(restrictionRange("b32")).toBeUndefined();
    expect(restrictionRange("[5,5]")).toBeUndefined();
    expect(restrictionOptions("re:(OK|WARN|ERROR|UNKNOWN)")).toEqual(["OK", "WARN", "ERROR", "UNKNOWN"]);
    expect(restrictionOptions("re:(user:.*|gps|ip);len:[0,255]")).toBeUndefined();
    expect(restrictionOptions(undefined, "Off, Eco ,Comfort")).toEqual(["Off", "Eco", "Comfort"]);
    expect(restrictionOptions("len:[0,30]")).toBeUndefined();
  });
});

describe("Belimo responses", () => {
  it("takes the profile reference as id/version, whether plain or already a full path", () => {
    expect(profileRef({ entityId: "energyvalve3/1.2", ref: "/definitions/dataprofiles/energyvalve3/1.2" })).toBe("energyvalve3/1.2");
    expect(profileRef({ entityId: "/api/v3/definitions/dataprofiles/energyvalve3/1.2" })).toBe("energyvalve3/1.2");
    expect(profileRef({ ref: "/definitions/dataprofiles/2uTRMlbK/1.0", displayName: "restdoc.device.hlk/1.0" })).toBe("2uTRMlbK/1.0");
    expect(profileRef("https://cloud.belimo.com/api/v3/definitions/dataprofiles/energyvalve3/1.2?expanded=true")).toBe("energyvalve3/1.2");
    expect(profileRef("energyvalve3/1.2")).toBe("energyvalve3/1.2");
    expect(profileRef(null)).toBeUndefined();
    expect(profileRef({ displayName: "x" })).toBeUndefined();
    expect(profileRef({ entityId: " / " })).toBeUndefined();
  });

  it("reads devices/stats flat as in the seed and nested as in the spec", () => {
    expect(parseStats({ totalDevices: 36, offline: 1, online: 35, problem: 1, ok: 35, incoming: 0, outgoing: 0 })).toEqual({ total: 36, online: 35, offline: 1, problem: 1, ok: 35 });
    expect(parseStats({ totalDevices: 4, connection: { offline: 4, online: 0 }, health: { problem: 4, ok: 0 }, transfer: { incoming: 0, outgoing: 0 } })).toEqual({ total: 4, online: 0, offline: 4, problem: 4, ok: 0 });
    expect(parseStats({ totalDevices: 3 })).toEqual({ total: 3, online: null, offline: null, problem: null, ok: null });
    expect(parseStats({ devices: [] })).toBeUndefined();
    expect(parseStats([1, 2])).toBeUndefined();
    expect(parseStats("stats")).toBeUndefined();
  });

  it("reads state values, tells metadata apart, matches globs, keeps keys unique", () => {
    expect(stateValue({ value: 12.5 })).toBe(12.5);
    expect(stateValue({ value: null })).toBeNull();
    expect(stateValue(7)).toBe(7);
    expect(isMetadata("metadata.1001")).toBe(true);
    expect(isMetadata("timeline.1")).toBe(true);
    expect(isMetadata("evcloud.210")).toBe(false);
    const m = globMatcher(["evcloud.*", "DEFAULT.1"])!;
    expect(["evcloud.210", "default.1", "default.2", "evcloudplus.461", "xevcloud.1"].filter(m)).toEqual(["evcloud.210", "default.1"]);
    expect(globMatcher([])).toBeUndefined();
    const taken = new Set(["problem"]);
    expect([uniqueKey("problem", taken), uniqueKey("problem", taken), uniqueKey("x", taken)]).toEqual(["problem_2", "problem_3", "x"]);
  });
});

describe("Belimo entities by Home Assistant's rules", () => {
  const ctx = { prefix: "homeassistant", topics: new Topics("cloud2mqtt") };
  const devices: Device[] = PROFILES.map((p, i) => ({
    key: `dev_${i}`,
    vendorId: `dev-${i}`,
    name: `${p.name} ${p.version}`,
    manufacturer: "Belimo",
    model: `${p.name}/${p.version}`,
    viaDevice: "account",
    entities: p.datapoints.map((d) => datapointMapping(d)?.entity).filter((e) => e !== undefined),
  }));

  it.each(devices.map((d) => [d.name, d] as const))("%s passes every rule", (_name, device) => {
    const payload = JSON.parse(JSON.stringify(deviceConfig(ctx, "valves", device))) as unknown;
    expect(ha.checkDevicePayload(payload, discoveryTopic(ctx, "valves", device.key))).toEqual([]);
  });

  it("covers sensors of every class the profiles give, numbers, selects and switches", () => {
    const entities = devices.flatMap((d) => d.entities);
    expect(new Set(entities.map((e) => e.kind))).toEqual(new Set(["sensor", "number", "select", "switch"]));
    expect(new Set(entities.map((e) => e.deviceClass).filter(Boolean))).toEqual(new Set(["energy", "power", "temperature", "volume", "volume_flow_rate"]));
  });
});
