/**
 * What the daemon sends while the broker is away or stuck: a removed device's retained config
 * and states are cleared once the broker is back (not dropped while it is away), and a broker that
 * never acknowledges a publish does not hold the outbox forever.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, SecretScrubber } from "../../src/log.js";
import { MqttConnection } from "../../src/mqtt/connection.js";
import { DEMO_IDS, startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { startFaultyBroker, type FaultyBroker } from "../helpers/faulty-broker.js";
import { Recorder, sleep } from "../helpers/mqtt.js";

const BASE = "cloud2mqtt/home";

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await sleep(50);
  }
}

/** What a subscriber arriving now gets from the broker's retained store. */
async function retainedNow(url: string, filters: string[]): Promise<Map<string, string>> {
  const rec = await Recorder.start(url, filters);
  await sleep(700);
  await rec.close();
  return new Map(rec.messages.filter((m) => m.retain).map((m) => [m.topic, m.payload]));
}

describe("a device removed while the broker is away", () => {
  let sim: MyBeNextSimulator;
  let broker: FaultyBroker;
  let d: TestDaemon | undefined;
  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startFaultyBroker();
  });
  afterAll(async () => {
    await stopAll(d, broker, sim);
  });

  it("has its retained discovery config and states removed from the broker after the reconnect", async () => {
    const key = `product_${DEMO_IDS.products.genericMeter}`;
    const config = `homeassistant/device/cloud2mqtt_home_${key}/config`;
    const filters = [config, `${BASE}/${key}/#`];
    const rec = await Recorder.start(broker.url, filters);
    d = await startTestDaemon({ mqttUrl: broker.url, sources: [{ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "1s" }] });
    await rec.waitFor(config, (p) => p.length > 0, 15_000);
    await waitUntil(() => rec.messages.some((m) => m.topic.startsWith(`${BASE}/${key}/`) && m.payload.length > 0), 10_000, "a state of the device");
    await rec.close();
    const before = await retainedNow(broker.url, filters);
    expect([...before.values()].filter((p) => p.length > 0).length).toBeGreaterThanOrEqual(2);

    await broker.pause();
    const logsBefore = d.logs.length;
    sim.removeProduct(DEMO_IDS.products.genericMeter);
    await waitUntil(() => d!.logs.slice(logsBefore).some((l) => l.includes("device left its source")), 15_000, "the poll that finds the device gone");
    await broker.resume();
    await waitUntil(() => d!.logs.slice(logsBefore).some((l) => l.includes("reconnected to MQTT broker")), 20_000, "the reconnect");

    // Cleared before anything else is published again: wait until the broker holds none of them.
    const deadline = Date.now() + 10_000;
    let left = await retainedNow(broker.url, filters);
    while ([...left.values()].some((p) => p.length > 0) && Date.now() < deadline) left = await retainedNow(broker.url, filters);
    expect([...left].filter(([, p]) => p.length > 0)).toEqual([]);
    // The rest of the source is back.
    const meter = await retainedNow(broker.url, [`homeassistant/device/cloud2mqtt_home_product_${DEMO_IDS.products.p1Meter}/config`]);
    expect([...meter.values()][0]?.length ?? 0).toBeGreaterThan(0);
  }, 60_000);
});

describe("clears while the broker is away", () => {
  it("are sent once it is back, and a later publish of the same topic supersedes its clear", async () => {
    const broker = await startFaultyBroker();
    const logger = createLogger("debug", new SecretScrubber(), new Writable({ write: (_c, _e, cb) => cb() }));
    const conn = new MqttConnection({ url: broker.url, clientId: "clears_client", keepalive: 60, will: { topic: "t/state", payload: "offline" }, logger });
    try {
      await conn.waitConnected();
      conn.publishRetained("t/x", "1");
      conn.publishRetained("t/y", "1");
      const first = await retainedNow(broker.url, ["t/#"]);
      expect(first.get("t/x")).toBe("1");
      await broker.pause();
      await waitUntil(() => !conn.connected, 10_000, "the disconnect");
      conn.clearRetained("t/x");
      conn.clearRetained("t/y");
      conn.publishRetained("t/y", "2");
      await broker.resume();
      await waitUntil(() => conn.connected, 20_000, "the reconnect");
      const deadline = Date.now() + 10_000;
      let after = await retainedNow(broker.url, ["t/#"]);
      while ((after.has("t/x") || after.get("t/y") !== "2") && Date.now() < deadline) after = await retainedNow(broker.url, ["t/#"]);
      expect(after.has("t/x")).toBe(false);
      expect(after.get("t/y")).toBe("2");
    } finally {
      await conn.close();
      await broker.close();
    }
  }, 60_000);
});

describe("a broker that never acknowledges a publish", () => {
  it("drops the connection after the acknowledgement timeout and the pending messages get through", async () => {
    const broker = await startFaultyBroker();
    const logs: string[] = [];
    const scrubber = new SecretScrubber();
    const logger = createLogger("debug", scrubber, new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }));
    const conn = new MqttConnection({ url: broker.url, clientId: "stuck_client", keepalive: 600, will: { topic: "t/state", payload: "offline" }, logger, ackTimeoutMs: 2_000 });
    const rec = await Recorder.start(broker.url, ["t/#"]);
    try {
      await conn.waitConnected();
      conn.publishRetained("t/a", "1");
      await rec.waitFor("t/a", (p) => p === "1", 10_000);

      // The broker goes on reading but answers nothing: not even the keepalive would notice for 15 minutes.
      broker.holdPublishes("stuck_");
      conn.publishRetained("t/b", "held");
      await waitUntil(() => broker.held >= 1, 10_000, "the held publish");
      broker.holdPublishes(undefined);
      for (let i = 0; i < 5; i++) conn.publishRetained(`t/c${i}`, `after ${i}`);

      await rec.waitFor("t/b", (p) => p === "held", 30_000);
      for (let i = 0; i < 5; i++) await rec.waitFor(`t/c${i}`, (p) => p === `after ${i}`, 10_000);
      expect(logs.filter((l) => l.includes("did not acknowledge"))).toHaveLength(1);
      expect(conn.connected).toBe(true);
      // And the connection works as before.
      conn.publishRetained("t/d", "later");
      await rec.waitFor("t/d", (p) => p === "later", 10_000);
    } finally {
      await rec.close();
      await conn.close();
      await broker.close();
    }
  }, 60_000);
});
