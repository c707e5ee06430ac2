import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS, startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { MOSQUITTO, Recorder, sleep, startMosquitto, type Mosquitto } from "../helpers/mqtt.js";
import { withoutTools } from "../helpers/tools.js";

const BASE = "cloud2mqtt/home";
const meter = `product_${DEMO_IDS.products.p1Meter}`;

describe.skipIf(withoutTools({ mosquitto: MOSQUITTO }))("against a real Mosquitto", () => {
  let sim: MyBeNextSimulator;
  let broker: Mosquitto;
  let rec: Recorder;
  let d: TestDaemon;

  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startMosquitto();
    rec = await Recorder.start(broker.url);
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [{ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "2s" }],
    });
  });
  afterAll(async () => {
    await stopAll(d, rec, broker, sim);
  });

  it("publishes discovery and states, and takes commands", async () => {
    const cfg = JSON.parse((await rec.waitFor(`homeassistant/device/cloud2mqtt_home_${meter}/config`)).payload);
    expect(cfg.components[`property_${DEMO_IDS.p1Import}`].state_class).toBe("total_increasing");
    await rec.waitFor(`${BASE}/${meter}/property_${DEMO_IDS.p1Import}`);
    const since = Date.now();
    const topic = `${BASE}/product_${DEMO_IDS.products.washingMachine}/property_${DEMO_IDS.switchProperty}`;
    await rec.publish(`${topic}/set`, "OFF");
    expect(JSON.parse((await rec.waitFor(`${topic}/set/result`, () => true, 10_000, since)).payload)).toEqual({ ok: true, value: false });
  });

  it("refills a restarted broker that lost its retained messages", async () => {
    const port = broker.port;
    await rec.close();
    await broker.close();
    await sleep(1_000);
    broker = await startMosquitto(port);
    await sleep(4_000);
    // A subscriber that arrives afterwards sees the retained discovery, states and availability.
    rec = await Recorder.start(broker.url);
    await rec.waitFor(`homeassistant/device/cloud2mqtt_home_${meter}/config`, (p) => p.length > 0, 20_000);
    await rec.waitFor(`${BASE}/${meter}/property_${DEMO_IDS.p1Import}`, () => true, 10_000);
    expect(rec.last("cloud2mqtt/bridge/state")).toBe("online");
    expect(rec.last(`${BASE}/availability`)).toBe("online");
  });
});
