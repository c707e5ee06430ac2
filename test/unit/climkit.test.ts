/**
 * Climkit: response checks and the mapping to the model, as pure functions; every device the
 * bridge can produce checked against Home Assistant's own discovery rules.
 */
import { describe, expect, it } from "vitest";
import { UnexpectedResponseError } from "../../src/bridges/errors.js";
import { formatUtc, parseMeters, parseSensors, parseSeries, parseSiteIds, parseSiteInfo, parseTimestamp, parseValidUntil, type MeterInfo, type SeriesRow } from "../../src/bridges/climkit/api.js";
import {
  accumulate,
  formatAddress,
  latestValues,
  meterDataEntity,
  meterDataFields,
  meterDevice,
  normalizeUnit,
  rawEntity,
  rawFieldsFor,
  sensorClass,
  sensorDevice,
  siteDataEntity,
  siteDataFields,
  siteDataTypes,
  siteDevice,
  siteKey,
} from "../../src/bridges/climkit/mapping.js";
import { climkit } from "../../src/bridges/climkit/definition.js";
import { parseConfig } from "../../src/app-config.js";
import { deviceConfig, discoveryTopic } from "../../src/discovery/payload.js";
import type { Device } from "../../src/model/index.js";
import { Topics } from "../../src/mqtt/topics.js";
import * as ha from "../helpers/ha-rules.js";

const meter = (extra: Partial<MeterInfo> = {}): MeterInfo => ({ id: "m1", type: "electricity", name: "Flat", mode: "consumption", prim_ad: 3, is_rule_meter: false, ...extra });
const row = (ts: number, values: Record<string, number | null>): SeriesRow => ({ ts, values });

describe("Climkit response checks", () => {
  it("reads timestamps the way the API and its clients write them", () => {
    const t = Date.UTC(2026, 2, 22, 4, 30);
    expect(parseTimestamp("2026-03-22 05:30:00+01:00")).toBe(t);
    expect(parseTimestamp("2026-03-22T05:30:00+01:00")).toBe(t);
    expect(parseTimestamp("2026-03-22T04:30:00Z")).toBe(t);
    expect(parseTimestamp("2026-03-22T04:30:00")).toBe(t); // naive: UTC, like the request parameters
    expect(parseTimestamp("2026-03-22 06:30:00+0200")).toBe(t);
    expect(parseTimestamp("2026-03-22T04:30:00.250Z")).toBe(t + 250);
    expect(parseTimestamp(t)).toBe(t);
    expect(parseTimestamp(t / 1000)).toBe(t); // epoch seconds
    expect(parseTimestamp(String(t))).toBe(t);
    expect(parseTimestamp({ $date: t })).toBe(t);
    expect(parseTimestamp({ $date: { $numberLong: String(t) } })).toBe(t);
    expect(parseTimestamp({ $date: "2026-03-22T04:30:00Z" })).toBe(t);
    for (const bad of ["yesterday", "2026-13-01", "", null, undefined, {}, -5, Number.NaN]) expect(parseTimestamp(bad)).toBeUndefined();
    expect(parseValidUntil({ $date: t })).toBe(t);
  });

  it("writes t_s / t_e as timezone-naive UTC without fractions", () => {
    expect(formatUtc(Date.UTC(2026, 2, 22, 4, 30, 5, 123))).toBe("2026-03-22T04:30:05");
  });

  it("takes site ids as strings, numbers, objects or MongoDB ids, without duplicates", () => {
    expect(parseSiteIds("GET /all_installations", ["a1", "b2", "a1"])).toEqual(["a1", "b2"]);
    expect(parseSiteIds("GET /all_installations", [{ id: "a1" }, { _id: { $oid: "b2" } }, { site_id: 7 }, { $oid: "c3" }])).toEqual(["a1", "b2", "7", "c3"]);
    expect(parseSiteIds("GET /all_installations", [])).toEqual([]);
    expect(() => parseSiteIds("GET /all_installations", { sites: [] })).toThrow(/GET \/all_installations: expected a JSON list of sites, got an object with keys sites/);
    expect(() => parseSiteIds("GET /all_installations", [{ name: "x" }])).toThrow(UnexpectedResponseError);
  });

  it("reads site parameters, leaving out what is missing", () => {
    const info = parseSiteInfo("GET /installation_infos/s", {
      site_ref: "CK-1",
      name: "Les Vergers",
      address: { street_name: "Rue", street_number: "4b", city: "Sion", postal_code: 1950 },
      latitude: "46.2",
      longitude: 7.36,
      timezone: "Europe/Zurich",
      creation_date: { $date: "2021-01-01T00:00:00" },
    });
    expect(info).toEqual({ site_ref: "CK-1", name: "Les Vergers", address: { street_name: "Rue", street_number: "4b", city: "Sion", postal_code: "1950" }, latitude: 46.2, longitude: 7.36, timezone: "Europe/Zurich", creation_date: "2021-01-01T00:00:00" });
    expect(parseSiteInfo("x", {})).toEqual({});
    expect(() => parseSiteInfo("GET /installation_infos/s", ["a"])).toThrow(/installation_infos\/s: expected a JSON object/);
  });

  it("reads meters and sensors; entries without an id are counted, not kept", () => {
    const { meters, skipped } = parseMeters("GET /meter_info/s", [
      { id: "m1", type: "Electricity", name: " Flat ", mode: "consumption", prim_ad: 3, is_rule_meter: false },
      { id: { $oid: "m2" }, type: "heating", name: "Heat", mode: "consumption", is_rule_meter: "true" },
      { name: "no id" },
    ]);
    expect(skipped).toBe(1);
    expect(meters).toEqual([
      { id: "m1", type: "electricity", name: "Flat", mode: "consumption", prim_ad: 3, is_rule_meter: false },
      { id: "m2", type: "heating", name: "Heat", mode: "consumption", prim_ad: null, is_rule_meter: true },
    ]);
    expect(() => parseMeters("GET /meter_info/s", { meters: [] })).toThrow(/meter_info\/s: expected a JSON list of meters/);
    expect(() => parseMeters("GET /meter_info/s", [{ name: "x" }])).toThrow(/meters with an id/);
    expect(parseSensors("GET /s/sensors_list", [{ id: "c1", name: "Room", type: "temperature", unit: "°C", model: "X" }, 5]).sensors).toHaveLength(1);
    expect(() => parseSensors("GET /s/sensors_list", "nope")).toThrow(/sensors_list: expected a JSON list of sensors/);
  });

  it("reads a series: numeric values, null for missing ones, sorted by time, rows without time left out", () => {
    const { rows, skipped } = parseSeries(
      "POST /meter_data/s/m",
      [
        { total: "0.5", self: null, timestamp: "2026-03-22 05:45:00+01:00" },
        { total: 0.25, self: 0.1, ext: 0.15, timestamp: "2026-03-22 05:30:00+01:00" },
        { total: 1, timestamp: "soon" },
      ],
      ["total", "self", "ext"],
      "a list",
    );
    expect(skipped).toBe(1);
    expect(rows.map((r) => r.ts)).toEqual([Date.UTC(2026, 2, 22, 4, 30), Date.UTC(2026, 2, 22, 4, 45)]);
    expect(rows[1]!.values).toEqual({ total: 0.5, self: null, ext: null });
    expect(() => parseSeries("POST /meter_data/s/m", { data: [] }, ["total"], "a JSON list of {total, timestamp}")).toThrow(
      "unexpected response from POST /meter_data/s/m: expected a JSON list of {total, timestamp}, got an object with keys data",
    );
    expect(() => parseSeries("POST /meter_data/s/m", [{ total: 1 }], ["total"], "a list")).toThrow(/with readable timestamps/);
  });
});

describe("Climkit validated totals", () => {
  const fields = ["total", "self", "ext"];
  const P = 15 * 60_000;
  const t0 = Date.UTC(2026, 2, 22, 0, 0);

  it("counts the periods after the start, the first time", () => {
    const { next, counted } = accumulate(undefined, t0, [row(t0, { total: 9, self: 0, ext: 9 }), row(t0 + P, { total: 1, self: 0.25, ext: 0.75 }), row(t0 + 2 * P, { total: 2, self: 1, ext: 1 })], fields);
    expect(counted).toBe(2);
    expect(next).toEqual({ last: t0 + 2 * P, sums: { total: 3, self: 1.25, ext: 1.75 } });
  });

  it("never counts a period twice: the API sends the last one counted again", () => {
    const first = accumulate(undefined, t0, [row(t0 + P, { total: 1 }), row(t0 + 2 * P, { total: 2 })], ["total"]).next;
    const persisted = JSON.parse(JSON.stringify(first)) as typeof first; // as after a restart
    const again = accumulate(persisted, t0, [row(t0 + 2 * P, { total: 2 }), row(t0 + 3 * P, { total: 4 })], ["total"]);
    expect(again.counted).toBe(1);
    expect(again.next).toEqual({ last: t0 + 3 * P, sums: { total: 7 } });
    const nothingNew = accumulate(again.next, t0, [row(t0 + 3 * P, { total: 4 })], ["total"]);
    expect(nothingNew).toEqual({ next: again.next, counted: 0, negatives: 0 });
  });

  it("leaves trailing periods without values for later, skips gaps and negative values", () => {
    const rows = [row(t0 + P, { total: 1 }), row(t0 + 2 * P, { total: null }), row(t0 + 3 * P, { total: -0.5 }), row(t0 + 4 * P, { total: 2 }), row(t0 + 5 * P, { total: null }), row(t0 + 6 * P, { total: null })];
    const { next, counted, negatives } = accumulate(undefined, t0, rows, ["total"]);
    expect(counted).toBe(4);
    expect(negatives).toBe(1);
    expect(next).toEqual({ last: t0 + 4 * P, sums: { total: 3 } });
    // The trailing periods are validated later: counted then.
    expect(accumulate(next, t0, [row(t0 + 5 * P, { total: 0.5 }), row(t0 + 6 * P, { total: 0.25 })], ["total"]).next.sums.total).toBe(3.75);
  });

  it("keeps the start when nothing came, so a late first period is still counted", () => {
    const { next, counted } = accumulate(undefined, t0, [], ["total"]);
    expect(counted).toBe(0);
    expect(next).toEqual({ last: t0, sums: {} });
  });

  it("sums without floating-point drift", () => {
    let state = accumulate(undefined, t0, [], ["total"]).next;
    for (let i = 1; i <= 1000; i++) state = accumulate(state, t0, [row(t0 + i * P, { total: 0.1 })], ["total"]).next;
    expect(state.sums.total).toBe(100);
  });

  it("takes the newest value of each raw index", () => {
    const rows = [row(t0 + 2 * P, { en_im: 12, en_ex: null }), row(t0 + P, { en_im: 11, en_ex: 5 })];
    expect(latestValues(rows, ["en_im", "en_ex"])).toEqual({ t: t0 + 2 * P, values: { en_im: 12, en_ex: 5 } });
    expect(latestValues([], ["en_im"])).toEqual({ t: undefined, values: {} });
  });
});

describe("Climkit mapping", () => {
  it("maps raw indexes by meter type to cumulative entities the energy dashboard takes", () => {
    expect(rawFieldsFor("electricity")).toEqual(["en_im", "en_ex"]);
    expect(rawFieldsFor("heating")).toEqual(["heat_energy_kwh"]);
    expect(rawFieldsFor("cold_water")).toEqual(["vol_m3"]);
    expect(rawFieldsFor("hot_water")).toEqual(["vol_m3"]);
    expect(rawEntity("en_im", "electricity")).toMatchObject({ key: "en_im", name: "Energy import", deviceClass: "energy", unit: "kWh", stateClass: "total_increasing" });
    expect(rawEntity("en_ex", "electricity")).toMatchObject({ name: "Energy export", deviceClass: "energy", stateClass: "total_increasing" });
    expect(rawEntity("heat_energy_kwh", "heating")).toMatchObject({ name: "Heat energy", deviceClass: "energy", unit: "kWh" });
    expect(rawEntity("heat_energy_kwh", "cooling")).toMatchObject({ name: "Cooling energy" });
    expect(rawEntity("vol_m3", "hot_water")).toMatchObject({ name: "Water volume", deviceClass: "water", unit: "m³", stateClass: "total_increasing" });
  });

  it("maps validated meter values: self and ext for consuming electricity meters only", () => {
    expect(meterDataFields(meter())).toEqual(["total", "self", "ext"]);
    expect(meterDataFields(meter({ mode: "production" }))).toEqual(["total"]);
    expect(meterDataFields(meter({ type: "heating" }))).toEqual(["total"]);
    expect(meterDataEntity(meter(), "total")).toMatchObject({ key: "validated_total", name: "Consumption (validated)", deviceClass: "energy", unit: "kWh", stateClass: "total_increasing" });
    expect(meterDataEntity(meter({ mode: "production" }), "total").name).toBe("Production (validated)");
    expect(meterDataEntity(meter(), "self").name).toBe("Self-consumption (validated)");
    expect(meterDataEntity(meter({ type: "cold_water" }), "total")).toMatchObject({ deviceClass: "water", unit: "m³" });
  });

  it("maps site totals per meter type: PV production, grid import and export, self-consumption", () => {
    expect(siteDataTypes([meter({ type: "hot_water" }), meter(), meter({ type: "heating" }), meter()])).toEqual(["electricity", "heating", "hot_water"]);
    expect(siteDataFields("electricity")).toEqual(["conso_total", "prod_total", "from_ext", "self", "to_ext"]);
    expect(siteDataFields("heating")).toEqual(["conso_total"]);
    const names = siteDataFields("electricity").map((f) => siteDataEntity("electricity", f));
    expect(names.map((e) => [e.key, e.name])).toEqual([
      ["electricity_conso_total", "Electricity consumption"],
      ["electricity_prod_total", "PV production"],
      ["electricity_from_ext", "Grid import"],
      ["electricity_self", "Self-consumption"],
      ["electricity_to_ext", "Grid export"],
    ]);
    expect(names.every((e) => e.deviceClass === "energy" && e.unit === "kWh" && e.stateClass === "total_increasing")).toBe(true);
    expect(siteDataEntity("cold_water", "conso_total")).toMatchObject({ name: "Cold water consumption", deviceClass: "water", unit: "m³" });
  });

  it("maps sensor units and types to Home Assistant device classes", () => {
    const cases: Array<[string, string, string | undefined, string | undefined, string]> = [
      ["temperature", "°C", "°C", "temperature", "measurement"],
      ["Temperatur", "degC", "°C", "temperature", "measurement"],
      ["humidity", "%", "%", "humidity", "measurement"],
      ["battery", "%", "%", "battery", "measurement"],
      ["opening", "%", "%", undefined, "measurement"],
      ["co2", "ppm", "ppm", "carbon_dioxide", "measurement"],
      ["voc", "ppm", "ppm", undefined, "measurement"],
      ["power", "kW", "kW", "power", "measurement"],
      ["energy", "kWh", "kWh", "energy", "total_increasing"],
      ["illuminance", "lux", "lx", "illuminance", "measurement"],
      ["pressure", "hPa", "hPa", "pressure", "measurement"],
      ["water", "m3", "m³", "water", "total_increasing"],
      ["gas", "m3", "m³", "gas", "total_increasing"],
      ["flow", "m3/h", "m³/h", "volume_flow_rate", "measurement"],
      ["voltage", "V", "V", "voltage", "measurement"],
      ["noise", "dB", "dB", undefined, "measurement"],
      ["presence", "", undefined, undefined, "measurement"],
    ];
    for (const [type, unit, normalized, deviceClass, stateClass] of cases) {
      expect(normalizeUnit(unit), `${type} ${unit}`).toBe(normalized);
      expect(sensorClass(type, normalized), `${type} ${unit}`).toEqual({ deviceClass, stateClass });
    }
    const device = sensorDevice("sensor_c1", { id: "c1", name: "Living room", type: "temperature", unit: "degC", model: "Sense" }, "s1");
    expect(device).toMatchObject({ key: "sensor_c1", vendorId: "c1", name: "Living room", model: "Sense", viaDevice: "site_s1", manufacturer: "Climkit" });
    expect(device.entities).toEqual([{ key: "temperature", name: "Temperature", kind: "sensor", unit: "°C", deviceClass: "temperature", stateClass: "measurement" }]);
  });

  it("makes sites devices with address and timezone, and meters devices under them", () => {
    const info = { name: "Les Vergers", site_ref: "CK-1", address: { street_name: "Rue du Lac", street_number: "4", postal_code: "1950", city: "Sion" }, timezone: "Europe/Zurich" };
    expect(formatAddress(info)).toBe("Rue du Lac 4, 1950 Sion");
    expect(formatAddress({})).toBeUndefined();
    const site = siteDevice("s/1", info);
    expect(site).toMatchObject({ key: expect.stringMatching(/^site_s_1_[0-9a-f]{8}$/), vendorId: "s/1", name: "Les Vergers", manufacturer: "Climkit" });
    expect(site.entities.map((e) => e.key)).toEqual(["address", "timezone"]);
    expect(siteDevice("s2", {}).name).toBe("Climkit site s2");
    expect(siteDevice("s2", {}).entities).toEqual([]);
    expect(meterDevice("meter_m1", meter({ is_rule_meter: true, name: "" }), "s/1")).toMatchObject({ name: "Meter m1", model: "Electricity rule meter (consumption)", viaDevice: siteKey("s/1") });
  });
});

describe("Climkit config", () => {
  it("needs username and password, and fills in the seed's defaults", () => {
    const ok = parseConfig("sources:\n  - id: metering\n    type: climkit\n    username: u\n    password: p\n", {}, "/tmp/c.yaml");
    expect(ok.errors).toEqual([]);
    expect(ok.config?.sources[0]).toMatchObject({ interval: 15 * 60_000, base_url: "https://api.climkit.io/api/v1", sensors: true, backfill: "1h", metadata_refresh: "1h" });
    const bad = parseConfig("sources:\n  - id: metering\n    type: climkit\n    username: u\n    backfill: soon\n", {}, "/tmp/c.yaml");
    expect(bad.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "sources[0].password: is required",
      'sources[0].backfill: must be a duration like "500ms", "30s", "5m", "1h30m", "1d" or a number of seconds (got "soon")',
    ]);
    expect(climkit.secretKeys).toEqual(["password"]);
  });
});

describe("Climkit devices by Home Assistant's rules", () => {
  const ctx = { prefix: "homeassistant", topics: new Topics("cloud2mqtt") };
  const devices: Device[] = [];
  const site = siteDevice("64b2a0000000000000000001", { name: "Les Vergers", address: { street_name: "Rue", city: "Sion" }, timezone: "Europe/Zurich" });
  for (const type of ["electricity", "heating", "cooling", "cold_water", "hot_water", "charge_point"]) for (const f of siteDataFields(type)) site.entities.push(siteDataEntity(type, f));
  devices.push(site);
  for (const type of ["electricity", "heating", "cooling", "cold_water", "hot_water"]) {
    for (const mode of ["consumption", "production", "introduction", "battery"]) {
      for (const rule of [false, true]) {
        const m = meter({ id: `${type}_${mode}_${rule}`, type, mode, is_rule_meter: rule });
        const d = meterDevice(`meter_${m.id}`, m, "64b2a0000000000000000001");
        if (!rule) for (const f of rawFieldsFor(type)) d.entities.push(rawEntity(f, type));
        for (const f of meterDataFields(m)) d.entities.push(meterDataEntity(m, f));
        devices.push(d);
      }
    }
  }
  const sensorTypes: Array<[string, string]> = [
    ["temperature", "°C"], ["temperature", "degC"], ["humidity", "%"], ["battery", "%"], ["co2", "ppm"], ["voc", "ppb"], ["power", "W"], ["energy", "kWh"], ["illuminance", "lux"],
    ["pressure", "mbar"], ["water", "m3"], ["gas", "m³"], ["flow", "L/min"], ["current", "A"], ["voltage", "V"], ["noise", "dB"], ["pm25", "µg/m3"], ["count", ""], ["state", "-"],
  ];
  sensorTypes.forEach(([type, unit], i) => devices.push(sensorDevice(`sensor_${i}`, { id: String(i), name: `Sensor ${i}`, type, unit, model: "M" }, "64b2a0000000000000000001")));

  it("publishes payloads Home Assistant accepts for every site, meter type and mode, rule meter and sensor", () => {
    for (const device of devices) {
      const topic = discoveryTopic(ctx, "metering", device.key);
      expect(ha.checkDevicePayload(deviceConfig(ctx, "metering", device), topic, ctx.prefix), device.key).toEqual([]);
    }
  });

  it("never gives energy, gas or water the measurement state class", () => {
    for (const device of devices) {
      for (const c of Object.values(deviceConfig(ctx, "metering", device).components as Record<string, Record<string, unknown>>)) {
        if (["energy", "gas", "water", "volume"].includes(String(c.device_class))) expect(c.state_class, String(c.unique_id)).toMatch(/^total/);
      }
    }
  });
});
