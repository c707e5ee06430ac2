/**
 * Voltaware: the pure parts of the bridge. Answers are the seed's examples (voltaware-api.txt).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig, redactConfig, secretEntries } from "../../src/app-config.js";
import { deviceConfig, discoveryTopic } from "../../src/discovery/payload.js";
import { Topics } from "../../src/mqtt/topics.js";
import { UnexpectedResponseError } from "../../src/bridges/errors.js";
import { voltawareOptions } from "../../src/bridges/voltaware/config.js";
import { toNumber } from "../../src/bridges/voltaware/feeds.js";
import {
  applianceName,
  parseCycles,
  parseDisaggregation,
  parseMonthlyReport,
  parseSensor,
  parseSensorList,
  sensorDevice,
  type SensorInfo,
} from "../../src/bridges/voltaware/mapping.js";
import { canonical, sameMetadata, sectionBody } from "../../src/bridges/voltaware/metadata.js";
import { lastAvailableMonth, lastAvailableWeek } from "../../src/bridges/voltaware/periods.js";
import { payloadTemplateProblems, placeholders, renderPayload, renderTopic, eventFields, topicTemplateProblems } from "../../src/bridges/voltaware/template.js";
import * as ha from "../helpers/ha-rules.js";

const SEED_SENSOR = {
  connection_state: "connected",
  firmware: "112356",
  last_event: "2020-12-08T15:23:05Z",
  first_event: "2018-06-08T10:20:51.287Z",
  locale: { isoCountryCode: "DE", isoLocaleCode: "de-DE", timeZoneId: "Europe/Berlin", userDefinedLanguage: "pt-BR" },
};
const SEED_DISAG = {
  total_consumption: 416951.0,
  disconnection_percentage: 14.3,
  appliances: [
    { appliance_key: "cooking", consumption: 19057.0 },
    { appliance_key: "electric_vehicle", consumption: 197148.0 },
    { appliance_key: "fridge", consumption: 45081.336 },
  ],
};
const SEED_CYCLES = [
  {
    appliance_key: "electric_vehicle",
    total_consumption: 1917.0650024414,
    cycles: [
      { from: "2024-07-12T00:32:53", to: "2024-07-12T04:29:10", consumption: 838.8944702148438 },
      { from: "2024-07-12T20:17:24", to: "2024-07-12T22:48:14", consumption: 1078.1705322265625 },
    ],
  },
];
const SEED_REPORT = {
  day_by_day_metrics: {
    days_without_consumption: 0,
    total_consumed_on_week_days: 10.12829,
    total_consumed_on_weekend_days: 3.57842,
    total_month_consumption: 13.70671,
    max_month_consumption: { day: "2024-07-23", total_consumption: 0.46071, weekend: false },
    min_month_consumption: { day: "2024-07-24", total_consumption: 0.40534, weekend: false },
    days: [],
  },
  disaggregation_metrics: { total_consumption: 13706.82, disconnection_percentage: 14.3, appliances: [{ appliance_key: "fridge", consumption: 5413.5107 }] },
  carbon_footprint: { kgco2: 7.11378249, trees: 3.803064 },
  version: 1,
};

describe("Voltaware periods", () => {
  const at = (iso: string): Date => new Date(`${iso}T12:00:00Z`);

  it("asks for the previous month from the 3rd on, the one before until then", () => {
    expect(lastAvailableMonth(at("2024-08-02"))).toEqual({ year: 2024, month: 6 });
    expect(lastAvailableMonth(at("2024-08-03"))).toEqual({ year: 2024, month: 7 });
    expect(lastAvailableMonth(at("2024-08-31"))).toEqual({ year: 2024, month: 7 });
    expect(lastAvailableMonth(at("2024-01-02"))).toEqual({ year: 2023, month: 11 });
    expect(lastAvailableMonth(at("2024-01-03"))).toEqual({ year: 2023, month: 12 });
    expect(lastAvailableMonth(at("2024-02-01"))).toEqual({ year: 2023, month: 12 });
  });

  it("asks for the last Monday–Sunday week that ends within that month", () => {
    // July 2024 ends on a Wednesday: the week of the 22nd to the 28th.
    expect(lastAvailableWeek(at("2024-08-10"))).toEqual({ start: "2024-07-22", end: "2024-07-28" });
    // June 2024 ends on a Sunday: its last week is complete.
    expect(lastAvailableWeek(at("2024-07-05"))).toEqual({ start: "2024-06-24", end: "2024-06-30" });
    // Before the 3rd of August, July is not there: a week of June.
    expect(lastAvailableWeek(at("2024-08-02"))).toEqual({ start: "2024-06-24", end: "2024-06-30" });
    // A week may start in the month before.
    expect(lastAvailableWeek(at("2024-10-03"))).toEqual({ start: "2024-09-23", end: "2024-09-29" });
    for (const day of ["2024-03-03", "2025-01-15", "2024-12-02"]) {
      const w = lastAvailableWeek(at(day));
      expect(new Date(`${w.start}T00:00:00Z`).getUTCDay()).toBe(1);
      expect(new Date(`${w.end}T00:00:00Z`).getUTCDay()).toBe(0);
    }
  });
});

describe("Voltaware answers", () => {
  it("reads sensor lists as JSON strings, JSON numbers, or as the seed prints them", () => {
    expect(parseSensorList("GET /sensors", '["0001","0002"]')).toEqual(["0001", "0002"]);
    expect(parseSensorList("GET /sensors", "[1, 2]")).toEqual(["1", "2"]);
    expect(parseSensorList("GET /sensors", "[\n  0001, \n  0002, \n  0003\n]")).toEqual(["0001", "0002", "0003"]);
    expect(parseSensorList("GET /sensors", "[]")).toEqual([]);
    expect(() => parseSensorList("GET /sensors", '{"sensors": []}')).toThrow(/GET \/sensors: expected an array of sensor ids, got an object with keys sensors/);
    expect(() => parseSensorList("GET /sensors", "[0001, 00")).toThrow(UnexpectedResponseError);
    expect(() => parseSensorList("GET /sensors", '[{"id": 1}]')).toThrow(/sensor ids/);
  });

  it("reads a sensor, and smart meters with nulls", () => {
    expect(parseSensor("0001", "GET /sensors/0001", SEED_SENSOR)).toEqual({
      id: "0001",
      connectionState: "connected",
      firmware: "112356",
      firstEvent: "2018-06-08T10:20:51.287Z",
      lastEvent: "2020-12-08T15:23:05Z",
      locale: { country: "DE", locale: "de-DE", timeZone: "Europe/Berlin" },
    });
    expect(parseSensor("9", "GET /sensors/9", { connection_state: null, firmware: null, first_event: null, last_event: null })).toMatchObject({ connectionState: null, locale: null });
    expect(() => parseSensor("1", "GET /sensors/1", ["x"])).toThrow(/GET \/sensors\/1: expected a JSON object, got an array/);
    expect(() => parseSensor("1", "GET /sensors/1", { ...SEED_SENSOR, last_event: "yesterday" })).toThrow(/"last_event" as an ISO timestamp/);
    expect(() => parseSensor("1", "GET /sensors/1", { ...SEED_SENSOR, firmware: { v: 1 } })).toThrow(/"firmware" as text or null/);
  });

  it("reads disaggregation, monthly reports and cycles, naming the request when they are malformed", () => {
    expect(parseDisaggregation("GET m", "2024-07", SEED_DISAG)).toEqual({
      period: "2024-07",
      totalWh: 416951,
      disconnectionPercentage: 14.3,
      appliances: { cooking: 19057, electric_vehicle: 197148, fridge: 45081.336 },
    });
    expect(() => parseDisaggregation("GET /sensors/1/sm/disag/month?year=2024&month=7", "2024-07", { total_consumption: "lots" })).toThrow(
      /GET \/sensors\/1\/sm\/disag\/month\?year=2024&month=7: expected "total_consumption" as a number/,
    );
    expect(() => parseDisaggregation("GET m", "p", { total_consumption: 1, appliances: [{ consumption: 3 }] })).toThrow(/appliance_key/);

    expect(parseMonthlyReport("GET r", "2024-07", SEED_REPORT)).toMatchObject({ kgco2: 7.11378249, trees: 3.803064, totalWh: 13706.82, maxDay: { day: "2024-07-23", consumption: 0.46071 } });
    expect(() => parseMonthlyReport("GET r", "p", { day_by_day_metrics: {} })).toThrow(/carbon_footprint/);

    expect(parseCycles("GET c", "2024-07", SEED_CYCLES).appliances[0]).toMatchObject({ appliance: "electric_vehicle", totalWh: 1917.0650024414, cycles: [{ wh: 838.8944702148438 }, { wh: 1078.1705322265625 }] });
    expect(parseCycles("GET c", "p", [])).toEqual({ period: "p", appliances: [] });
    expect(() => parseCycles("GET c", "p", { cycles: [] })).toThrow(/GET c: expected a JSON array/);
    expect(() => parseCycles("GET c", "p", [{ appliance_key: "ev", total_consumption: 1, cycles: [{ from: "x" }] }])).toThrow(/"from" and "to"/);
  });
});

describe("Voltaware model", () => {
  const info = parseSensor("0001", "GET", SEED_SENSOR);
  const meter: SensorInfo = { id: "SM/1", connectionState: null, firmware: null, firstEvent: "2024-01-01T00:00:00Z", lastEvent: "2024-08-01T00:00:00Z", locale: null };
  const results = {
    month: parseDisaggregation("m", "2024-07", SEED_DISAG),
    week: parseDisaggregation("w", "2024-07-22/2024-07-28", { ...SEED_DISAG, appliances: [{ appliance_key: "fridge", consumption: 1000 }] }),
    report: parseMonthlyReport("r", "2024-07", SEED_REPORT),
    cycles: parseCycles("c", "2024-07", SEED_CYCLES),
  };
  const ctx = { prefix: "homeassistant", topics: new Topics("cloud2mqtt") };

  it("maps a sensor to a device with diagnostic entities and its results", () => {
    const { device, readings } = sensorDevice(info, results, { state: "synced", message: "written: property", checkedAt: "2024-08-05T00:00:00Z" }, ["cooking", "electric_vehicle", "fridge"]);
    expect(device).toMatchObject({ key: "sensor_0001", vendorId: "0001", name: "Voltaware sensor 0001", manufacturer: "Voltaware", swVersion: "112356" });
    const e = Object.fromEntries(device.entities.map((x) => [x.key, x]));
    expect(e.connectivity).toMatchObject({ kind: "binary_sensor", deviceClass: "connectivity", category: "diagnostic" });
    expect(e.firmware).toMatchObject({ kind: "sensor", category: "diagnostic" });
    expect(e.first_event).toMatchObject({ deviceClass: "timestamp", category: "diagnostic" });
    expect(e.last_event).toMatchObject({ deviceClass: "timestamp", category: "diagnostic", hasAttributes: true });
    expect(e.metadata).toMatchObject({ kind: "sensor", options: ["synced", "pending", "waiting_for_first_event", "rejected", "error"], category: "diagnostic" });
    for (const key of ["month_energy", "month_fridge", "week_energy", "week_cooking", "electric_vehicle_last_cycle", "electric_vehicle_month_cycles"]) {
      expect(e[key], key).toMatchObject({ deviceClass: "energy", unit: "kWh" });
      expect(e[key]?.stateClass, key).toBeUndefined();
    }
    expect(e.month_co2).toMatchObject({ unit: "kg" });
    const value = (entity: string, field?: string) => readings.find((r) => r.entity === entity && r.field === field)?.value;
    expect(value("connectivity")).toBe(true);
    expect(value("month_energy")).toBe(416.951);
    expect(value("month_electric_vehicle")).toBe(197.148);
    expect(value("month_energy", "attributes")).toEqual({ period: "2024-07", disconnection_percentage: 14.3 });
    // An appliance of the month that the week does not list has 0 for the week.
    expect(value("week_cooking")).toBe(0);
    expect(value("electric_vehicle_last_cycle")).toBe(1.078);
    expect(value("electric_vehicle_last_cycle", "attributes")).toMatchObject({ from: "2024-07-12T20:17:24", to: "2024-07-12T22:48:14", time_zone: "Europe/Berlin" });
    expect(value("electric_vehicle_month_cycles")).toBe(1.917);
    expect((value("electric_vehicle_month_cycles", "attributes") as { count: number }).count).toBe(2);
    expect(value("month_co2")).toBe(7.114);
    expect(value("metadata")).toBe("synced");
  });

  it("maps a smart meter without connection state or firmware, with a topic-safe key", () => {
    const { device } = sensorDevice(meter, {}, undefined);
    expect(device).toMatchObject({ key: expect.stringMatching(/^sensor_SM_1_[0-9a-f]{8}$/), vendorId: "SM/1", name: "Smart meter SM/1", model: "Smart meter (Voltaware)" });
    expect(device.entities.map((e) => e.key)).toEqual(["first_event", "last_event"]);
  });

  it("passes Home Assistant's own discovery rules", () => {
    const devices = [sensorDevice(info, results, { state: "pending", message: null, checkedAt: null }, ["boiler", "cooking_heating"]).device, sensorDevice(meter, results, undefined).device];
    for (const device of devices) {
      const payload = deviceConfig(ctx, "meter", device);
      expect(ha.checkDevicePayload(payload, discoveryTopic(ctx, "meter", device.key))).toEqual([]);
    }
  });

  it("names appliances for people", () => {
    expect(applianceName("electric_vehicle")).toBe("Electric vehicle");
    expect(applianceName("heat_pump")).toBe("Heat pump");
  });
});

describe("Voltaware metadata comparison", () => {
  const property = { property_type: "HOME", home_type: "FLAT", home_size: 49.8, people: [{ age_range: "ADULT", amount: 2 }, { age_range: "ZERO_TO_FIVE", amount: 1 }], version: "1.0" };

  it("finds nothing to write when the API has the same, in any order", () => {
    const api = { ...property, people: [...property.people].reverse(), extra_field_from_api: 1 };
    expect(sameMetadata(property, api)).toBe(true);
    const { version: _v, ...withoutVersion } = property;
    expect(sameMetadata(property, withoutVersion)).toBe(true);
    expect(sameMetadata({ latitude: 51.509865, longitude: -0.118092 }, { latitude: 51.5098650000001, longitude: -0.118092 })).toBe(true);
    const appliances = sectionBody({ sensor: "1", appliances: [{ key: "AC", amount: 1, type: "WINDOW", usage_type: "BOTH" }, { key: "KETTLE", amount: 1 }] }, "appliances") ?? {};
    expect(sameMetadata(appliances, { appliances: [{ amount: 1, key: "KETTLE" }, { usage_type: "BOTH", type: "WINDOW", amount: 1, key: "AC" }], version: "1.0" })).toBe(true);
  });

  it("finds a difference in any value, a missing key, or nothing at all", () => {
    expect(sameMetadata(property, { ...property, home_size: 50 })).toBe(false);
    expect(sameMetadata(property, { ...property, people: [{ age_range: "ADULT", amount: 2 }] })).toBe(false);
    expect(sameMetadata(property, { ...property, home_type: undefined })).toBe(false);
    expect(sameMetadata(property, undefined)).toBe(false);
    expect(sameMetadata(property, [property])).toBe(false);
    expect(canonical({ b: 1, a: [2, 1] })).toBe(canonical({ a: [1, 2], b: 1 }));
  });
});

describe("Voltaware event templates", () => {
  it("inserts values as JSON in payloads and the meter id as it is in topics", () => {
    const fields = eventFields("0001", Date.UTC(2024, 6, 1, 12, 0, 5, 250), { power: 1234.5, energy: null });
    expect(renderPayload('{"id": {{meter}}, "t": {{ timestamp }}, "s": {{timestamp_s}}, "ms": {{timestamp_ms}}, "p": {{power}}, "e": {{energy}}, "all": {{values}}}', fields)).toBe(
      '{"id": "0001", "t": "2024-07-01T12:00:05.250Z", "s": 1719835205, "ms": 1719835205250, "p": 1234.5, "e": null, "all": {"power":1234.5,"energy":null}}',
    );
    expect(renderTopic("partners/acme/{{meter}}/events", "0001")).toBe("partners/acme/0001/events");
    expect(placeholders("{{a}} {{ b }} {{a}}")).toEqual(["a", "b"]);
    expect(renderPayload('{"name": {{meter}}}', eventFields('say "hi"', 0, {}))).toBe('{"name": "say \\"hi\\""}');
  });

  it("rejects a payload that does not render valid JSON, unknown placeholders and bad topics", () => {
    expect(payloadTemplateProblems('{"id": "{{meter}}"}', "0001", [])[0]).toMatch(/does not render valid JSON for meter "0001".*\{"id": ""0001""\}/);
    expect(payloadTemplateProblems('{"p": {{power}}', "0001", ["power"])[0]).toMatch(/not render valid JSON/);
    expect(payloadTemplateProblems('{"p": {{pwr}}}', "0001", ["power"])[0]).toMatch(/uses \{\{pwr\}\}, which meter "0001" does not have; known: .*\{\{power\}\}/);
    expect(payloadTemplateProblems('{"p": {{power}}}', "0001", ["power"])).toEqual([]);
    expect(topicTemplateProblems("a/{{meter}}/{{power}}")[0]).toMatch(/only \{\{meter\}\}/);
    expect(topicTemplateProblems("a/+/{{meter}}")).toEqual(["must not contain the wildcards + or #"]);
    expect(topicTemplateProblems("a//{{meter}}")[0]).toMatch(/empty level/);
    expect(topicTemplateProblems("a/{{meter}}/")[0]).toMatch(/empty level/);
    expect(topicTemplateProblems("/a/{{meter}}")).toEqual([]);
  });

  it("turns readings and payloads into numbers", () => {
    expect(toNumber(12.5)).toBe(12.5);
    expect(toNumber("  7 ")).toBe(7);
    expect(toNumber(true)).toBe(1);
    expect(toNumber("None")).toBeNull();
    expect(toNumber(null)).toBeNull();
    expect(toNumber('{"ENERGY": {"Power": 431}}', "ENERGY.Power")).toBe(431);
    expect(toNumber('{"ENERGY": {"Power": "431"}}', "ENERGY.Power")).toBe(431);
    expect(toNumber({ a: { b: 3 } }, "a.b")).toBe(3);
    expect(toNumber("ON")).toBeUndefined();
    expect(toNumber('{"a": 1}', "b")).toBeUndefined();
  });
});

describe("Voltaware config", () => {
  const source = (extra: string): string =>
    ["sources:", "  - id: meter", "    type: voltaware", "    client_id: my-client", "    client_secret: ${SECRET}", ...extra.split("\n").filter(Boolean).map((l) => `    ${l}`), ""].join("\n");
  const errors = (extra: string): string[] => parseConfig(source(extra), { SECRET: "s3cret-value" }).errors.map((e) => `${e.path}: ${e.message}`);

  it("takes the defaults from the seed and the design", () => {
    const { config } = parseConfig(source(""), { SECRET: "s3cret-value" });
    expect(config?.sources[0]).toMatchObject({ base_url: "https://smart-meter-reseller-api.voltaware.com", interval: 300_000, rate_limit: 5, reports_interval: "1d", retry_interval: "1h" });
    const opts = voltawareOptions(config?.sources[0] ?? {});
    expect(opts).toMatchObject({ reportsIntervalMs: 86_400_000, retryIntervalMs: 3_600_000, metadata: [] });
    expect(opts.events).toBeUndefined();
  });

  it("requires the client credentials", () => {
    expect(parseConfig("sources:\n  - id: m\n    type: voltaware\n", {}).errors.map((e) => `${e.path}: ${e.message}`)).toEqual(["sources[0].client_id: is required", "sources[0].client_secret: is required"]);
  });

  it("rejects metadata outside the seed's enums and required fields, naming the field", () => {
    const found = errors(`metadata:
  - sensor: "0001"
    property: { property_type: HOME, home_type: CASTLE, power_generator_source: NONE }
    appliances:
      - { key: AC, amount: 1, type: GAS }
      - { key: TOASTER, amount: 1 }
    geolocation: { latitude: 91, longitude: 2 }
  - sensor: 7
    property: { property_type: OFFICE }`);
    expect(found).toEqual(
      expect.arrayContaining([
        "sources[0].metadata[0].property.home_type: must be one of FLAT, HOUSE (got \"CASTLE\")",
        "sources[0].metadata[0].property.home_usage_type: is required",
        "sources[0].metadata[0].property.people: is required",
        "sources[0].metadata[0].appliances[0].type: must be one of CENTRALISED, MINI_SPLIT, WINDOW, OTHER, I_DONT_KNOW (got \"GAS\")",
        "sources[0].metadata[0].appliances[0].usage_type: is required",
        expect.stringMatching(/^sources\[0\]\.metadata\[0\]\.appliances\[1\]\.key: must be one of AC, DEHUMIDIFIER, .* \(got "TOASTER"\)$/),
        "sources[0].metadata[0].geolocation.latitude: must be at most 90 (got 91)",
        "sources[0].metadata[1].property.power_generator_source: is required",
      ]),
    );
    // An unquoted number is taken as text by the loader (leading zeros would be lost: quote ids).
    expect(found.some((f) => f.startsWith("sources[0].metadata[1].sensor"))).toBe(false);
  });

  it("rejects what the schema cannot say: wattages per vehicle, fields of another appliance or property type, people count, duplicates", () => {
    expect(
      errors(`metadata:
  - sensor: "0001"
    property: { property_type: OFFICE, power_generator_source: NONE, home_type: FLAT }
    appliances:
      - { key: ELECTRIC_VEHICLE, amount: 2, type: CAR, wattages: [7200] }
      - { key: KETTLE, amount: 1, water_tank: true }
  - sensor: "0001"
    geolocation: { latitude: 1, longitude: 2 }
  - sensor: "0002"
    property: { property_type: HOME, home_type: FLAT, home_usage_type: PRIMARY, home_size: 50, bedroom_amount: 1, power_generator_source: NONE, people_amount: 3, people_amount_in_day_time: 0, people: [{ age_range: ADULT, amount: 2 }] }
  - sensor: "0003"`),
    ).toEqual([
      "sources[0].metadata[0].property.home_type: is only for property_type HOME (got OFFICE)",
      "sources[0].metadata[0].appliances[0].wattages: must have one wattage per vehicle: 2 (amount), got 1",
      "sources[0].metadata[0].appliances[1].water_tank: is not a field of KETTLE (it has only key and amount)",
      'sources[0].metadata[1].sensor: "0001" already has metadata at metadata[0]',
      "sources[0].metadata[2].property.people: adds up to 2 people, but people_amount is 3",
      "sources[0].metadata[3]: has nothing to write: add property, appliances or geolocation",
    ]);
  });

  it("rejects event templates that do not render valid JSON and bad feeds before anything is sent", () => {
    const events = (payload: string, topic = "partners/{{meter}}", values = "[{ name: power, topic: p1/power }]") => `events:
  url: mqtts://events.example.com:8883
  topic: "${topic}"
  payload: '${payload}'
  meters:
    - id: "1001"
      values: ${values}`;
    expect(errors(events('{"id": {{meter}}, "p": {{power}}}'))).toEqual([]);
    expect(errors(events('{"id": "{{meter}}", "p": {{power}}}'))).toEqual([expect.stringMatching(/^sources\[0\]\.events\.payload: does not render valid JSON for meter "1001"/)]);
    expect(errors(events('{"p": {{energy}}}'))).toEqual([expect.stringMatching(/^sources\[0\]\.events\.payload: uses \{\{energy\}\}/)]);
    expect(errors(events('{"p": {{power}}}', "partners/#"))).toEqual(["sources[0].events.topic: must not contain the wildcards + or #"]);
    expect(errors(events('{"p": {{power}}}', "p/{{meter}}", "[{ name: power, topic: p1/+ }, { name: power, source: a, device: b, entity: c }, { name: meter, topic: x, source: y, device: z, entity: w }]"))).toEqual([
      "sources[0].events.meters[0].values[0].topic: must be one topic, without the wildcards + or #",
      'sources[0].events.meters[0].values[1].name: "power" is already values[0]',
      'sources[0].events.meters[0].values[2].name: "meter" is reserved (meter, timestamp, timestamp_ms, timestamp_s, values)',
      "sources[0].events.meters[0].values[2]: takes either an entity (source, device, entity) or a topic, not both",
    ]);
    expect(errors(events('{"p": {{power}}}', "p/{{meter}}", "[{ name: power }]"))).toEqual(["sources[0].events.meters[0].values[0]: needs either source, device and entity, or topic"]);
    expect(errors('events:\n  url: mqtts://e.example.com\n  topic: "t/{{meter}}"\n  meters: []')).toEqual(["sources[0].events.meters: must have at least 1 entry"]);
  });

  it("requires the events url: without one a production meter's events went to Voltaware's test broker", () => {
    expect(errors('events:\n  topic: "t/{{meter}}"\n  meters: [{ id: "1", values: [{ name: power, topic: p }] }]')).toEqual([
      "sources[0].events.url: is required: name Voltaware's events broker: the production one they gave you, or their test broker mqtts://test-partner-broker.voltaware.com:8883 (there is no default, so a production meter's events never go to the test broker by mistake)",
    ]);
  });

  it("accepts the commented example of config.example.yaml once it is uncommented", () => {
    const example = readFileSync(new URL("../../config.example.yaml", import.meta.url), "utf8").split("\n");
    const start = example.findIndex((l) => l.trim() === "# - id: meter");
    const block = example.slice(start).map((l) => l.replace(/^ {2}# ?/, "  "));
    const env = { VOLTAWARE_CLIENT_ID: "id", VOLTAWARE_CLIENT_SECRET: "secret", VOLTAWARE_MQTT_USERNAME: "u", VOLTAWARE_MQTT_PASSWORD: "p" };
    const { config, errors } = parseConfig(["sources:", ...block].join("\n"), env);
    expect(errors).toEqual([]);
    const opts = voltawareOptions(config!.sources[0]!);
    expect(opts.metadata[0]?.appliances?.map((a) => a.key)).toEqual(["AC", "ELECTRIC_BOILER", "GAS_HEATING", "ELECTRIC_VEHICLE", "TUMBLE_DRYER", "OTHER"]);
    expect(opts.metadata[0]?.appliances?.[1]).toMatchObject({ coupled_with_solar_thermal_system: "NO" });
    expect(opts.events?.meters[0]?.values.map((v) => v.name)).toEqual(["power", "indoor_temperature", "energy"]);
  });

  it("treats the broker password and client secret as secrets, nested or not", () => {
    const { config } = parseConfig(
      source('events:\n  url: mqtts://events.example.com:8883\n  password: ${BROKER}\n  topic: "t/{{meter}}"\n  meters: [{ id: "1", values: [{ name: power, topic: p }] }]'),
      { SECRET: "s3cret-value", BROKER: "broker-pass" },
    );
    expect(secretEntries(config!)).toEqual([
      { path: "sources[0].client_secret", value: "s3cret-value" },
      { path: "sources[0].events.password", value: "broker-pass" },
    ]);
    const printed = JSON.stringify(redactConfig(config!));
    expect(printed).not.toContain("broker-pass");
    expect(printed).not.toContain("s3cret-value");
    expect(voltawareOptions(config!.sources[0]!).events).toMatchObject({ url: "mqtts://events.example.com:8883", qos: 2, queueSize: 50_000, password: "broker-pass" });
  });
});
