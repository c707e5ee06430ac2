import { describe, expect, it } from "vitest";
import { parseConfig, redactConfig, secretEntries, secretValues, type Config } from "../../src/app-config.js";

function load(text: string, env: NodeJS.ProcessEnv = {}): Config {
  const { config, errors } = parseConfig(text, env);
  expect(errors).toEqual([]);
  if (config === undefined) throw new Error("no config");
  return config;
}

const TEXT = [
  "mqtt:",
  "  url: mqtt://bridge:url%40pass@broker:1883",
  "  username: bridge",
  "  password: ${MQTT_PASSWORD}",
  "broker:",
  "  username: ha",
  "  password: broker-secret",
  "sources:",
  "  - id: home",
  "    type: mybenext",
  "    username: me",
  "    password: benext-secret",
  "  - id: office",
  "    type: mybenext",
  "    apikey: key-secret",
  "    accounts: [7]",
  "",
].join("\n");

describe("secrets", () => {
  const config = load(TEXT, { MQTT_PASSWORD: "mqtt-secret" });

  it("collects every secret with where it is", () => {
    expect(secretEntries(config)).toEqual([
      { path: "mqtt.password", value: "mqtt-secret" },
      { path: "mqtt.url", value: "url%40pass" },
      { path: "mqtt.url", value: "url@pass" },
      { path: "broker.password", value: "broker-secret" },
      { path: "sources[0].password", value: "benext-secret" },
      { path: "sources[1].apikey", value: "key-secret" },
    ]);
    expect(secretValues(config)).toEqual(["mqtt-secret", "url%40pass", "url@pass", "broker-secret", "benext-secret", "key-secret"]);
  });

  it("redacts a deep copy and leaves the config alone", () => {
    const redacted = redactConfig(config);
    const printed = JSON.stringify(redacted);
    for (const secret of secretValues(config)) expect(printed).not.toContain(secret);
    expect(redacted.mqtt).toMatchObject({ password: "***", url: "mqtt://bridge:***@broker:1883", username: "bridge" });
    expect(redacted.broker).toMatchObject({ password: "***", username: "ha" });
    expect(redacted.sources[0]).toMatchObject({ password: "***", username: "me" });
    expect(redacted.sources[1]).toMatchObject({ apikey: "***", accounts: [7] });
    expect(config.sources[0].password).toBe("benext-secret");
    expect(config.mqtt.url).toBe("mqtt://bridge:url%40pass@broker:1883");
  });

  it("has nothing to hide in a config without secrets", () => {
    const plain = load(["sources:", "  - { id: a, type: mybenext, apikey: k }", ""].join("\n"));
    plain.sources[0].apikey = undefined;
    expect(secretValues(plain)).toEqual([]);
    expect(redactConfig(plain)).toEqual(plain);
  });
});
