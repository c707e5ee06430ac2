/**
 * Several cloud2mqtt on one broker. A second instance on the same base topic would delete the
 * first's discovery configs as stale and grey out its entities with its `offline`: it refuses to
 * start, naming base_topic. Each with its own base topic, they run side by side.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";

/** What a subscriber arriving now gets from the broker's retained store. */
async function retainedNow(url: string, filters: string[]): Promise<Map<string, string>> {
  const rec = await Recorder.start(url, filters);
  await sleep(700);
  await rec.close();
  return new Map(rec.messages.filter((m) => m.retain && m.payload.length > 0).map((m) => [m.topic, m.payload]));
}

describe("two instances on one broker", () => {
  let sim: MyBeNextSimulator;
  let broker: EmbeddedBroker;
  let first: TestDaemon | undefined;
  const source = (id: string) => ({ id, type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "1s" });
  const firstConfigs = async (): Promise<string[]> => [...(await retainedNow(broker.url, ["homeassistant/device/+/config"])).keys()].filter((t) => t.startsWith("homeassistant/device/cloud2mqtt_home_"));

  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startAedes();
    const rec = await Recorder.start(broker.url, ["cloud2mqtt/home/availability"]);
    first = await startTestDaemon({ mqttUrl: broker.url, sources: [source("home")] });
    await rec.waitFor("cloud2mqtt/home/availability", (p) => p === "online", 20_000);
    await rec.close();
  }, 40_000);
  afterAll(async () => {
    await first?.stop();
    await broker?.close();
    await sim?.close();
  });

  it("a second instance on the same base topic refuses to start, naming base_topic, and leaves the first's configs and availability alone", async () => {
    const configs = await firstConfigs();
    expect(configs.length).toBeGreaterThanOrEqual(3);
    const watch = await Recorder.start(broker.url, ["cloud2mqtt/bridge/state", "homeassistant/device/+/config"]);
    await expect(startTestDaemon({ mqttUrl: broker.url, sources: [source("cabin")] })).rejects.toThrow(/mqtt\.base_topic "cloud2mqtt" is already used on this broker by another running cloud2mqtt \(client id "c2m_test_/);
    // The refused one was stopped (as the CLI does): nothing of the first is gone or offline.
    await sleep(500);
    await watch.close();
    // Not even for a moment: no offline, no config cleared.
    expect(watch.messages.filter((m) => !m.retain && (m.payload === "offline" || m.payload === ""))).toEqual([]);
    expect(await firstConfigs()).toEqual(configs);
    const state = await retainedNow(broker.url, ["cloud2mqtt/bridge/state", "cloud2mqtt/home/availability"]);
    expect(state.get("cloud2mqtt/bridge/state")).toBe("online");
    expect(state.get("cloud2mqtt/home/availability")).toBe("online");
  }, 40_000);

  it("the first puts its online back when another client's last will sets bridge/state offline", async () => {
    const rec = await Recorder.start(broker.url, ["cloud2mqtt/bridge/state"]);
    const since = Date.now();
    // What a refused second instance killed before it could disconnect leaves: its last will.
    await rec.publish("cloud2mqtt/bridge/state", "offline", true);
    await rec.waitFor("cloud2mqtt/bridge/state", (p) => p === "online", 10_000, since);
    await rec.close();
    expect((await retainedNow(broker.url, ["cloud2mqtt/bridge/state"])).get("cloud2mqtt/bridge/state")).toBe("online");
  });

  it("with its own base topic a second instance runs beside the first; stopping it leaves the first available", async () => {
    const configs = await firstConfigs();
    const second = await startTestDaemon({ mqttUrl: broker.url, baseTopic: "cloud2mqtt_b", sources: [source("cabin")] });
    try {
      const rec = await Recorder.start(broker.url, ["cloud2mqtt_b/cabin/availability"]);
      await rec.waitFor("cloud2mqtt_b/cabin/availability", (p) => p === "online", 20_000);
      await rec.close();
    } finally {
      await second.stop();
    }
    expect(await firstConfigs()).toEqual(configs);
    const state = await retainedNow(broker.url, ["cloud2mqtt/bridge/state", "cloud2mqtt_b/bridge/state"]);
    expect(state.get("cloud2mqtt/bridge/state")).toBe("online");
    expect(state.get("cloud2mqtt_b/bridge/state")).toBe("offline");
  }, 40_000);

  it("a retained online of a previous run that no longer answers (kill -9) does not keep a new instance from starting", async () => {
    await first?.stop();
    first = undefined;
    const rec = await Recorder.start(broker.url, ["cloud2mqtt/bridge/state"]);
    await rec.publish("cloud2mqtt/bridge/state", "online", true);
    await rec.close();
    first = await startTestDaemon({ mqttUrl: broker.url, sources: [source("home")] });
    expect((await retainedNow(broker.url, ["cloud2mqtt/bridge/state"])).get("cloud2mqtt/bridge/state")).toBe("online");
  }, 40_000);
});
