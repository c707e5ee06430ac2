import { describe, expect, it } from "vitest";
import type { Variable } from "../../src/bridges/wiotys/api-types.js";
import { lastValuesBody, parseLastValues, toVariable } from "../../src/bridges/wiotys/client.js";
import {
  matcher,
  newestDate,
  pickCorporateAccount,
  readingValue,
  toBoolean,
  toNumber,
  unitOf,
  variableEntity,
  variableFilter,
  variableKey,
  variableName,
  variableRef,
  variableTitle,
} from "../../src/bridges/wiotys/mapping.js";
import { tokenUrlOf } from "../../src/bridges/wiotys/bridge.js";
import { UnexpectedResponseError } from "../../src/bridges/errors.js";

const variable = (o: Partial<Variable> & { serviceId: string }): Variable => ({ itemType: "Global", itemIndex: "0", serviceType: "Measure", ...o });

describe("Wiotys units", () => {
  it.each([
    ["AMPERE", { unit: "A", deviceClass: "current" }],
    ["VOLT", { unit: "V", deviceClass: "voltage" }],
    ["WATT", { unit: "W", deviceClass: "power" }],
    ["KILOWATT", { unit: "kW", deviceClass: "power" }],
    ["KILOVOLT_AMPERE", { unit: "kVA", deviceClass: "apparent_power" }],
    ["KILOVAR", { unit: "kvar", deviceClass: "reactive_power" }],
    ["KILOWATT_HOUR", { unit: "kWh", deviceClass: "energy" }],
    ["KILOVAR_HOUR", { unit: "kvarh" }],
    ["AMPERE_HOUR", { unit: "Ah" }],
    ["PERCENT", { unit: "%" }],
    ["HERTZ", { unit: "Hz", deviceClass: "frequency" }],
    ["CELSIUS", { unit: "°C", deviceClass: "temperature" }],
    ["MINUTE", { unit: "min", deviceClass: "duration" }],
    ["HOUR", { unit: "h", deviceClass: "duration" }],
    ["DECIBEL_MILLIWATT", { unit: "dBm", deviceClass: "signal_strength" }],
    ["amperes", { unit: "A", deviceClass: "current" }],
    ["Kilowatt hour", { unit: "kWh", deviceClass: "energy" }],
    ["°C", { unit: "°C", deviceClass: "temperature" }],
    ["Ah", { unit: "Ah" }],
    ["V", { unit: "V", deviceClass: "voltage" }],
    ["kWh", { unit: "kWh", deviceClass: "energy" }],
    ["FURLONG", { unit: "FURLONG" }],
    [null, {}],
    ["", {}],
    ["NONE", {}],
  ])("%s → %j", (word, expected) => {
    expect(unitOf(word)).toEqual(expected);
  });
});

describe("Wiotys variables as entities", () => {
  it("keys and names: Item|Index|Service, the item shown when it is not Global 0", () => {
    const v = variable({ itemType: "Unit", itemIndex: "1", serviceId: "140400", serviceTranslations: { en: { title: "Unit rectifier temperature" }, fr: { title: "Température" } } });
    expect(variableRef(v)).toBe("Unit|1|140400");
    expect(variableKey(v)).toBe("Unit_1_140400");
    expect(variableKey({ itemType: "Load #2", itemIndex: "0", serviceId: "1" })).toMatch(/^Load_2_0_1_[0-9a-f]{8}$/);
    expect(variableName(v, variableTitle(v))).toBe("Unit rectifier temperature (Unit 2)");
    expect(variableName(variable({ serviceId: "1" }), "Ups output current L3")).toBe("Ups output current L3");
    expect(variableTitle(variable({ serviceId: "7", serviceName: "IUps_X" }))).toBe("IUps_X");
    expect(variableTitle(variable({ serviceId: "7", serviceName: "IUps_X" }), "From last value")).toBe("From last value");
    expect(variableTitle(variable({ serviceId: "7" }))).toBe("Service 7");
    expect(variableTitle(variable({ serviceId: "7", serviceTranslations: { fr: { title: "Seulement français" } } }))).toBe("Seulement français");
  });

  it("measures: device class and unit from the unit word, state class measurement", () => {
    expect(variableEntity(variable({ serviceId: "140106", unit: "AMPERE" }))).toMatchObject({ kind: "sensor", deviceClass: "current", unit: "A", stateClass: "measurement" });
    expect(variableEntity(variable({ serviceId: "140200", unit: "CELSIUS" }))).toMatchObject({ deviceClass: "temperature", unit: "°C", stateClass: "measurement" });
    // The variable's unit is null; the last value's unit word fills in.
    expect(variableEntity(variable({ serviceId: "140108", unit: null }), { unit: "AMPERE" })).toMatchObject({ deviceClass: "current", unit: "A" });
    const load = variableEntity(variable({ serviceId: "140100", unit: "PERCENT", serviceName: "IUpsOutput_Lr", serviceGroup: "Output" }));
    expect(load).toMatchObject({ unit: "%", stateClass: "measurement" });
    expect(load.deviceClass).toBeUndefined();
    expect(variableEntity(variable({ serviceId: "140302", unit: "PERCENT", serviceGroup: "Battery", serviceTranslations: { en: { title: "Ups battery charge level" } } }))).toMatchObject({ deviceClass: "battery", unit: "%" });
    expect(variableEntity(variable({ serviceId: "120123", unit: null, serviceTranslations: { en: { title: "Power factor" } } }))).toMatchObject({ deviceClass: "power_factor", stateClass: "measurement" });
    const ah = variableEntity(variable({ serviceId: "140300", unit: "AMPERE_HOUR" }));
    expect(ah).toMatchObject({ unit: "Ah", stateClass: "measurement" });
    expect(ah.deviceClass).toBeUndefined();
    const plain = variableEntity(variable({ serviceId: "141935", unit: null, serviceName: "IUpsStatistic_OverLoadMore5s_Delta" }));
    expect(plain).toMatchObject({ kind: "sensor", stateClass: "measurement" });
    expect(plain.unit).toBeUndefined();
  });

  it("counters and energy readings: total_increasing; a per-period delta is not", () => {
    expect(variableEntity(variable({ serviceId: "141900", serviceType: "Counter", unit: "KILOWATT_HOUR" }))).toMatchObject({ deviceClass: "energy", unit: "kWh", stateClass: "total_increasing" });
    expect(variableEntity(variable({ serviceId: "141910", serviceType: "Counter", unit: "HOUR" }))).toMatchObject({ deviceClass: "duration", unit: "h", stateClass: "total_increasing" });
    const reactive = variableEntity(variable({ serviceId: "120202", serviceType: "Counter", unit: "KILOVAR_HOUR" }));
    expect(reactive).toMatchObject({ unit: "kvarh", stateClass: "total_increasing" });
    expect(reactive.deviceClass).toBeUndefined();
    // A counter of something HA cannot total (a power class) keeps its unit, loses the class.
    expect(variableEntity(variable({ serviceId: "1", serviceType: "Counter", unit: "KILOWATT" })).deviceClass).toBeUndefined();
    expect(variableEntity(variable({ serviceId: "2", serviceType: "Measure", unit: "KILOWATT_HOUR", serviceName: "IMeter_Ea" }))).toMatchObject({ deviceClass: "energy", stateClass: "total_increasing" });
    const delta = variableEntity(variable({ serviceId: "3", serviceType: "Measure", unit: "KILOWATT_HOUR", serviceName: "IMeter_Ea_Delta" }));
    expect(delta).toMatchObject({ unit: "kWh", stateClass: "measurement" });
    expect(delta.deviceClass).toBeUndefined();
  });

  it("alarms are problem binary sensors; other service types are diagnostic", () => {
    expect(variableEntity(variable({ serviceId: "150001", serviceType: "Alarm" }))).toEqual({ key: "Global_0_150001", name: "Service 150001", kind: "binary_sensor", deviceClass: "problem" });
    const text = variableEntity(variable({ serviceId: "140001", serviceType: "Information", unit: "VOLT" }));
    expect(text).toMatchObject({ kind: "sensor", category: "diagnostic" });
    expect(text.unit).toBeUndefined();
    expect(text.stateClass).toBeUndefined();
    const numeric = variableEntity(variable({ serviceId: "140002", serviceType: "Parameter", unit: "KILOVOLT_AMPERE" }), { numeric: true });
    expect(numeric).toMatchObject({ category: "diagnostic", unit: "kVA", deviceClass: "apparent_power" });
    expect(numeric.stateClass).toBeUndefined();
  });
});

describe("Wiotys values", () => {
  it("numbers, booleans and text", () => {
    expect(toNumber("18")).toBe(18);
    expect(toNumber("12,5")).toBe(12.5);
    expect(toNumber(" -0.75 ")).toBe(-0.75);
    expect(toNumber("1e3")).toBe(1000);
    expect(toNumber("V3.1")).toBeNull();
    expect(toNumber(Number.NaN)).toBeNull();
    for (const t of ["1", "true", "ON", "active", 1, true, "2"]) expect(toBoolean(t), String(t)).toBe(true);
    for (const f of ["0", "false", "off", "", 0, false, "0.0"]) expect(toBoolean(f), String(f)).toBe(false);
    expect(toBoolean("maybe")).toBeNull();
  });

  it("a reading fits its entity", () => {
    const current = variableEntity(variable({ serviceId: "1", unit: "AMPERE" }));
    expect(readingValue(current, "18")).toBe(18);
    expect(readingValue(current, "n/a")).toBeNull();
    expect(readingValue(current, null)).toBeNull();
    const plain = variableEntity(variable({ serviceId: "2", unit: null }));
    expect(readingValue(plain, "3")).toBe(3);
    const alarm = variableEntity(variable({ serviceId: "3", serviceType: "Alarm" }));
    expect(readingValue(alarm, "1")).toBe(true);
    expect(readingValue(alarm, "0")).toBe(false);
    const text = variableEntity(variable({ serviceId: "4", serviceType: "Information" }));
    expect(readingValue(text, " V3.12.4 ")).toBe("V3.12.4");
    expect(readingValue(text, { a: 1 })).toBe('{"a":1}');
  });

  it("the newest date of a device's values", () => {
    expect(newestDate([{ date: "2022-07-28T11:19:25.000Z" }, { date: "2022-07-28T11:20:00Z" }, { date: null }, { date: "garbage" }])).toBe("2022-07-28T11:20:00.000Z");
    expect(newestDate([])).toBeNull();
  });
});

describe("Wiotys selections", () => {
  it("patterns: case ignored, * wildcard, empty selects all", () => {
    expect(matcher(undefined)("anything")).toBe(true);
    expect(matcher([])("anything")).toBe(true);
    const m = matcher(["FR_*", "Lab"]);
    expect(m("fr_socomec")).toBe(true);
    expect(m("x", "LAB")).toBe(true);
    expect(m("DE_Socomec")).toBe(false);
    expect(m(null, undefined, "")).toBe(false);
    expect(matcher(["(FR) Benfeld – U3"])("(fr) benfeld – u3")).toBe(true);
  });

  it("variables by service type, service id, item and Item|Index|Service; every set selection must hold", () => {
    const vars = [
      variable({ serviceId: "140100" }),
      variable({ serviceId: "150001", serviceType: "Alarm" }),
      variable({ itemType: "Unit", itemIndex: "0", serviceId: "140400" }),
      variable({ itemType: "Unit", itemIndex: "1", serviceId: "140400" }),
      variable({ itemType: "Unit", itemIndex: "1", serviceId: "150030", serviceType: "Alarm" }),
    ];
    const pick = (sel: Parameters<typeof variableFilter>[0]) => vars.filter(variableFilter(sel)).map(variableRef);
    expect(pick({})).toHaveLength(5);
    expect(pick({ service_types: ["alarm"] })).toEqual(["Global|0|150001", "Unit|1|150030"]);
    expect(pick({ service_ids: [140400] })).toEqual(["Unit|0|140400", "Unit|1|140400"]);
    expect(pick({ items: ["Global"] })).toEqual(["Global|0|140100", "Global|0|150001"]);
    expect(pick({ items: ["Unit|1"] })).toEqual(["Unit|1|140400", "Unit|1|150030"]);
    expect(pick({ variables: ["Global|0|140100", "Unit|*|140400"] })).toEqual(["Global|0|140100", "Unit|0|140400", "Unit|1|140400"]);
    expect(pick({ items: ["Unit"], service_types: ["Measure"] })).toEqual(["Unit|0|140400", "Unit|1|140400"]);
    expect(pick({ service_types: ["Counter"] })).toEqual([]);
  });

  it("corporate account by name or uuid, or the only one", () => {
    const cas = [
      { uuid: "3756c84b-8697-446f-9ca3-931b3681f908", name: "SoLink" },
      { uuid: "71fafadb-7007-44df-b943-05f4e9700717", name: "SoLink Lab" },
    ];
    expect(pickCorporateAccount(cas, "solink lab").uuid).toBe(cas[1]!.uuid);
    expect(pickCorporateAccount(cas, "3756C84B-8697-446F-9CA3-931B3681F908").name).toBe("SoLink");
    expect(pickCorporateAccount([cas[0]!], undefined).name).toBe("SoLink");
    expect(() => pickCorporateAccount(cas, undefined)).toThrow(/sees 2 corporate accounts \(SoLink \(3756c84b.*SoLink Lab.*set corporate_account/);
    expect(() => pickCorporateAccount(cas, "Other")).toThrow(/corporate_account "Other" is not among .*SoLink/);
    expect(() => pickCorporateAccount([], undefined)).toThrow(/no corporate account/);
  });
});

describe("Wiotys client details", () => {
  it("builds the token URL from keycloak_url and realm unless token_url is set", () => {
    expect(tokenUrlOf({})).toBe("https://connect.socomec.com/realms/Socomec/protocol/openid-connect/token");
    expect(tokenUrlOf({ keycloak_url: "https://kc.example.com/auth/", realm: "master" })).toBe("https://kc.example.com/auth/realms/master/protocol/openid-connect/token");
    expect(tokenUrlOf({ token_url: "https://x/token", keycloak_url: "https://y" })).toBe("https://x/token");
  });

  it("the last-values body forms", () => {
    expect(lastValuesBody("device_uuids", ["a", "b"])).toEqual({ deviceUuids: ["a", "b"] });
    expect(lastValuesBody("devices", ["a"])).toEqual({ devices: [{ deviceUuid: "a" }] });
    expect(lastValuesBody("array", ["a"])).toEqual(["a"]);
  });

  it("reads last values grouped per device, a bare list, numbers for strings; refuses other shapes", () => {
    const what = "PUT /api/v1/ca/x/last-values";
    const seed = { devices: [{ deviceUuid: "d1", values: [{ serviceId: "140108", itemType: "Global", itemIndex: "0", deviceUuid: "d1", value: "18", date: "2022-07-28T11:19:25.000Z", title: "Ups output current L3", unit: "AMPERE", serviceType: "Measure" }] }] };
    expect(parseLastValues(what, seed)).toEqual([
      { deviceUuid: "d1", itemType: "Global", itemIndex: "0", serviceId: "140108", value: "18", date: "2022-07-28T11:19:25.000Z", title: "Ups output current L3", unit: "AMPERE", serviceType: "Measure", serviceGroup: null },
    ]);
    const inherited = parseLastValues(what, [{ deviceUuid: "d2", values: [{ serviceId: 140100, itemType: "Global", itemIndex: 0, value: 4 }, { nonsense: true }] }]);
    expect(inherited).toMatchObject([{ deviceUuid: "d2", serviceId: "140100", itemIndex: "0", value: 4 }]);
    expect(() => parseLastValues(what, { results: [] })).toThrow(UnexpectedResponseError);
    expect(() => parseLastValues(what, { devices: [{ deviceUuid: "d1" }] })).toThrow(/unexpected response from PUT \/api\/v1\/ca\/x\/last-values: expected \{"deviceUuid"/);
    expect(() => parseLastValues(what, { devices: ["x"] })).toThrow(/device entries as objects/);
  });

  it("accepts variables with numeric item index and service id, refuses ones without", () => {
    expect(toVariable({ itemType: "Global", itemIndex: 0, serviceId: 140100 })).toMatchObject({ itemIndex: "0", serviceId: "140100" });
    expect(toVariable({ itemType: "Global", serviceId: "1" })?.itemIndex).toBe("0");
    expect(toVariable({ itemType: "Global" })).toBeUndefined();
    expect(toVariable("x")).toBeUndefined();
  });
});
