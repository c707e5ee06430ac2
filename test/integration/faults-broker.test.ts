/**
 * The broker and Home Assistant going away and coming back: a real Mosquitto (no persistence, so
 * a restart loses every retained message) stopped for a while and started again, and Home
 * Assistant's birth message, alone and in a burst.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS, startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { MOSQUITTO, Recorder, sleep, startMosquitto, type Mosquitto } from "../helpers/mqtt.js";
import { withoutTools } from "../helpers/tools.js";

const BASE = "cloud2mqtt/home";
const meter = `product_${DEMO_IDS.products.p1Meter}`;
const washer = `product_${DEMO_IDS.products.washingMachine}`;
const SWITCH = `${BASE}/${washer}/property_${DEMO_IDS.switchProperty}`;
const CONFIG_PREFIX = "homeassistant/device/cloud2mqtt_home_";

describe.skipIf(withoutTools({ mosquitto: MOSQUITTO }))("broker stopped and restarted, Home Assistant restarted (Mosquitto)", () => {
  let sim: MyBeNextSimulator;
  let broker: Mosquitto;
  let rec: Recorder;
  let d: TestDaemon;
  const configTopics = (): string[] => [...new Set(rec.messages.filter((m) => m.topic.startsWith(CONFIG_PREFIX) && m.payload.length > 0).map((m) => m.topic))];

  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startMosquitto();
    rec = await Recorder.start(broker.url);
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [{ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "1s" }],
    });
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 20_000);
    await rec.waitFor(`${CONFIG_PREFIX}${meter}/config`, (p) => p.length > 0, 10_000);
  }, 40_000);

  afterAll(async () => {
    await stopAll(d, rec, broker, sim);
  });

  it("reconnects after an outage, refills the empty broker and takes commands again, logging the outage once", async () => {
    const port = broker.port;
    const logsBefore = d.logs.length;
    const configsBefore = configTopics();
    expect(configsBefore.length).toBeGreaterThanOrEqual(3);
    await rec.close();
    await broker.close();
    // Long enough for several reconnect attempts (1 s, then 2 s apart).
    await sleep(3_500);
    broker = await startMosquitto(port);
    await sleep(1_000);
    // A subscriber that arrives afterwards, like Home Assistant restarting with the broker.
    rec = await Recorder.start(broker.url);
    await rec.waitFor("cloud2mqtt/bridge/state", (p) => p === "online", 20_000);
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 10_000);
    // Every device's config, rebuilt by discovery (the connection keeps no copy of them).
    for (const topic of configsBefore) await rec.waitFor(topic, (p) => p.length > 0, 10_000);
    await rec.waitFor(`${BASE}/${meter}/property_${DEMO_IDS.p1Import}`, () => true, 10_000);

    const since = Date.now();
    await rec.publish(`${SWITCH}/set`, "OFF");
    expect(JSON.parse((await rec.waitFor(`${SWITCH}/set/result`, () => true, 10_000, since)).payload)).toEqual({ ok: true, value: false });
    expect(sim.getProperty(DEMO_IDS.switchProperty)?.value).toBe("0");

    const outage = d.logs.slice(logsBefore).map((l) => JSON.parse(l) as { level: string; time: string; msg: string; retryInMs?: number });
    // One warning for the outage, not one per reconnect attempt.
    const warnings = outage.filter((l) => l.level === "warn" && l.msg.includes("MQTT"));
    expect(warnings, JSON.stringify(warnings)).toEqual([expect.objectContaining({ msg: "MQTT connection lost, reconnecting", retryInMs: 1000 })]);
    expect(outage.filter((l) => l.msg.startsWith("reconnected to MQTT broker"))).toHaveLength(1);
    // Backed off: each attempt waited longer than the one before.
    const plan = outage.filter((l) => l.retryInMs !== undefined).map((l) => l.retryInMs);
    expect(plan.length).toBeGreaterThanOrEqual(2);
    expect(plan).toEqual([...plan].sort((a, b) => a! - b!));
    expect(plan.at(-1)).toBeGreaterThan(plan[0]!);
    // And waited as announced: timers fire late on a busy machine, never early.
    const at = (l: { time: string }): number => Date.parse(l.time);
    const attempts = outage.filter((l) => l.msg === "MQTT error" || l.msg.startsWith("reconnected to MQTT broker"));
    for (const planned of outage.filter((l) => l.retryInMs !== undefined)) {
      const next = attempts.find((a) => at(a) > at(planned));
      expect(next, JSON.stringify(planned)).toBeDefined();
      expect(at(next!) - at(planned), JSON.stringify([planned, next])).toBeGreaterThanOrEqual(planned.retryInMs! - 50);
    }
  }, 60_000);

  it("publishes discovery and states again once when Home Assistant comes online, even for a burst of births", async () => {
    await rec.waitFor(`${BASE}/${meter}/property_${DEMO_IDS.p1Import}`, () => true, 10_000);
    const configs = configTopics();
    expect(configs.length).toBeGreaterThanOrEqual(3);
    // Every retained state of ours right now, as Home Assistant would get it on subscribing.
    const states = [...new Set(rec.messages.filter((m) => m.topic.startsWith(`${BASE}/`) && !m.topic.includes("/set")).map((m) => m.topic))];
    const since = Date.now();
    // Home Assistant restarting can send its birth several times (reconnects, reloads).
    for (let i = 0; i < 5; i++) await rec.publish("homeassistant/status", "online");
    await sleep(4_000);
    const after = rec.messages.filter((m) => m.at >= since);
    for (const topic of configs) expect(after.filter((m) => m.topic === topic), topic).toHaveLength(1);
    for (const topic of states) expect(after.filter((m) => m.topic === topic).length, topic).toBeGreaterThanOrEqual(1);
    // A later birth (another restart) is answered again, once.
    const later = Date.now();
    await rec.publish("homeassistant/status", "online");
    await rec.publish("homeassistant/status", "offline");
    await rec.publish("homeassistant/status", "online");
    await sleep(3_000);
    for (const topic of configs) expect(rec.messages.filter((m) => m.at >= later && m.topic === topic), topic).toHaveLength(1);
  }, 30_000);
});
