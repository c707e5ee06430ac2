import pino from "pino";
import { describe, expect, it } from "vitest";
import { DiscoveryManager } from "../../src/discovery/manager.js";
import type { Device } from "../../src/model/index.js";
import type { MqttConnection } from "../../src/mqtt/connection.js";
import { Topics } from "../../src/mqtt/topics.js";

/** Records what the manager hands to the MQTT layer. */
function fakeConnection(): { conn: MqttConnection; sent: Array<{ topic: string; payload: string }> } {
  const sent: Array<{ topic: string; payload: string }> = [];
  const conn = {
    publishRebuildable: (topic: string, payload: string) => void sent.push({ topic, payload }),
    onReconnect: () => undefined,
    clearRetained: (topic: string) => void sent.push({ topic, payload: "" }),
  };
  return { conn: conn as unknown as MqttConnection, sent };
}

const device = (entities: string[], name = "Meter"): Device => ({
  key: "m1",
  vendorId: "1",
  name,
  entities: entities.map((key) => ({ key, name: key, kind: "sensor", unit: "W", deviceClass: "power", stateClass: "measurement" })),
});

const TOPIC = "homeassistant/device/c2m_src_m1/config";

describe("DiscoveryManager", () => {
  it("builds no discovery payload for a device that is as it was, and one when it changed", () => {
    const { conn, sent } = fakeConnection();
    const m = new DiscoveryManager(conn, new Topics("c2m"), "homeassistant", true, pino({ level: "silent" }));
    m.sync("src", [device(["a", "b"])]);
    expect(sent.map((s) => s.topic)).toEqual([TOPIC]);
    sent.length = 0;
    // Every poll brings new objects with the same content: nothing to send.
    m.sync("src", [device(["a", "b"])]);
    m.sync("src", [device(["a", "b"])]);
    expect(sent).toEqual([]);
    m.sync("src", [device(["a", "b"], "Main meter")]);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.payload).device.name).toBe("Main meter");
  });

  it("announces a removed component once with its platform only, then leaves it out", () => {
    const { conn, sent } = fakeConnection();
    const m = new DiscoveryManager(conn, new Topics("c2m"), "homeassistant", true, pino({ level: "silent" }));
    m.sync("src", [device(["a", "b"])]);
    sent.length = 0;
    expect(m.sync("src", [device(["a"])]).removedEntities).toEqual([{ device: "m1", entity: "b" }]);
    expect(JSON.parse(sent[0]!.payload).components.b).toEqual({ platform: "sensor" });
    sent.length = 0;
    // The next poll, though the device did not change, must take the stub out of the retained config.
    m.sync("src", [device(["a"])]);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.payload).components).not.toHaveProperty("b");
    sent.length = 0;
    m.sync("src", [device(["a"])]);
    expect(sent).toEqual([]);
  });
});
