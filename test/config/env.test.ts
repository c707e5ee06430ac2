import { describe, expect, it } from "vitest";
import { expandEnvString, parseConfig, substituteEnv } from "../../src/app-config.js";

describe("expandEnvString", () => {
  it("replaces a set variable, also inside text", () => {
    expect(expandEnvString("${A}", { A: "x" }).value).toBe("x");
    expect(expandEnvString("mqtt://${HOST}:${PORT}", { HOST: "h", PORT: "1" }).value).toBe("mqtt://h:1");
  });

  it("uses the default when the variable is unset or empty, as a shell does", () => {
    expect(expandEnvString("${A:-dflt}", {}).value).toBe("dflt");
    expect(expandEnvString("${A:-dflt}", { A: "" }).value).toBe("dflt");
    expect(expandEnvString("${A:-dflt}", { A: "set" }).value).toBe("set");
    expect(expandEnvString("${A:-}", {}).value).toBe("");
    expect(expandEnvString("${A:-mqtt://h:1}", {}).value).toBe("mqtt://h:1");
  });

  it("keeps an empty but set variable without default", () => {
    expect(expandEnvString("${A}", { A: "" })).toEqual({ value: "", problems: [], expanded: true, defaulted: false });
  });

  it("turns $${ into a literal ${ and leaves other dollars alone", () => {
    expect(expandEnvString("$${A}", { A: "x" }).value).toBe("${A}");
    expect(expandEnvString("pa$$word $5 $A", {}).value).toBe("pa$$word $5 $A");
  });

  it("names the missing variable and the path", () => {
    expect(expandEnvString("${NOPE}", {}, "mqtt.password").problems).toEqual([
      { path: "mqtt.password", message: "environment variable NOPE is not set" },
    ]);
  });

  it("reports malformed references", () => {
    expect(expandEnvString("${1A}", {}, "x").problems[0].message).toMatch(/not a valid environment variable reference/);
    expect(expandEnvString("${A", {}, "x").problems[0].message).toMatch(/is not closed/);
  });
});

describe("substituteEnv", () => {
  it("expands every string value at any depth, never keys, and leaves the input alone", () => {
    const input = { "${K}": "${V}", list: ["${V}", 1, true, null], nested: { deep: "a-${V}" } };
    const result = substituteEnv(input, { K: "key", V: "val" });
    expect(result.value).toEqual({ "${K}": "val", list: ["val", 1, true, null], nested: { deep: "a-val" } });
    expect(input.list[0]).toBe("${V}");
    expect(result.expanded).toEqual(['["${K}"]', "list[0]", "nested.deep"]);
  });

  it("collects every missing variable with the YAML path where it is used", () => {
    const result = substituteEnv({ mqtt: { password: "${MQTT_PASSWORD}" }, sources: [{ id: "a" }, { apikey: "${KEY}-${OTHER}" }] }, {});
    expect(result.problems).toEqual([
      { path: "mqtt.password", message: "environment variable MQTT_PASSWORD is not set" },
      { path: "sources[1].apikey", message: "environment variable KEY is not set" },
      { path: "sources[1].apikey", message: "environment variable OTHER is not set" },
    ]);
  });
});

describe("env in a config file", () => {
  const text = [
    "mqtt:",
    "  url: ${MQTT_URL:-mqtt://127.0.0.1:1883}",
    "  password: ${MQTT_PASSWORD}",
    "  keepalive: ${KEEPALIVE}",
    "broker:",
    "  port: ${BROKER_PORT:-1884}",
    "homeassistant:",
    "  enabled: ${HA:-false}",
    "sources:",
    "  - id: home",
    "    type: mybenext",
    "    username: ${USER_NAME}",
    "    password: ${BENEXT_PASSWORD}",
    "",
  ].join("\n");

  it("gives numbers and booleans where the schema wants them", () => {
    const { config, errors } = parseConfig(text, { MQTT_PASSWORD: "p", KEEPALIVE: "30", USER_NAME: "u", BENEXT_PASSWORD: "123456" });
    expect(errors).toEqual([]);
    expect(config?.mqtt).toMatchObject({ url: "mqtt://127.0.0.1:1883", password: "p", keepalive: 30 });
    expect(config?.broker.port).toBe(1884);
    expect(config?.homeassistant.enabled).toBe(false);
    // A numeric password stays a string.
    expect(config?.sources[0].password).toBe("123456");
  });

  it("reports each missing variable once, not also as a schema error of its empty stand-in", () => {
    const { config, errors } = parseConfig(text, { KEEPALIVE: "30" });
    expect(config).toBeUndefined();
    expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "mqtt.password: environment variable MQTT_PASSWORD is not set",
      "sources[0].username: environment variable USER_NAME is not set",
      "sources[0].password: environment variable BENEXT_PASSWORD is not set",
    ]);
  });
});
