import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS, startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const BASE = "cloud2mqtt/home";
const ids = DEMO_IDS;
const cfgTopic = (device: string) => `homeassistant/device/cloud2mqtt_home_${device}/config`;

describe("myBeNext end to end (simulator, aedes, daemon)", () => {
  let sim: MyBeNextSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;

  const config = async (device: string): Promise<Json> => JSON.parse((await rec.waitFor(cfgTopic(device), (p) => p.length > 0)).payload);
  const puts = () => sim.requests.filter((r) => r.method === "PUT");
  const command = async (topic: string, payload: string): Promise<Json> => {
    const since = Date.now();
    await rec.publish(`${topic}/set`, payload);
    return JSON.parse((await rec.waitFor(`${topic}/set/result`, () => true, 10_000, since)).payload);
  };

  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startAedes();
    rec = await Recorder.start(broker.url);
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [{ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "1s" }],
    });
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online");
  });

  afterAll(async () => {
    await stopAll(d, rec, broker, sim);
  });

  it("announces the bridge and its sources", async () => {
    expect(rec.last("cloud2mqtt/bridge/state")).toBe("online");
    const info = JSON.parse((await rec.waitFor("cloud2mqtt/bridge/info", (p) => p.includes('"online"'))).payload);
    expect(info.version).toMatch(/\d+\.\d+\.\d+/);
    expect(info.sources[0]).toMatchObject({ id: "home", type: "mybenext", state: "online", last_error: null });
    expect(info.sources[0].devices).toBeGreaterThan(15);
  });

  it("maps every kind of myBeNext resource to the right Home Assistant entity", async () => {
    const p1 = (await config(`product_${ids.products.p1Meter}`)).components;
    expect(p1[`property_${ids.p1Import}`]).toMatchObject({ platform: "sensor", device_class: "energy", unit_of_measurement: "kWh", state_class: "total_increasing" });
    expect(p1[`property_${ids.p1Export}`]).toMatchObject({ device_class: "energy", state_class: "total_increasing" });
    expect(p1[`property_${ids.p1Gas}`]).toMatchObject({ device_class: "gas", unit_of_measurement: "m³", state_class: "total_increasing" });
    expect(p1[`property_${ids.p1Power}`]).toMatchObject({ device_class: "power", unit_of_measurement: "W", state_class: "measurement" });
    expect(p1[`property_${ids.p1Current}`]).toMatchObject({ device_class: "current", unit_of_measurement: "A" });
    expect(p1[`property_${ids.p1Voltage}`]).toMatchObject({ device_class: "voltage", unit_of_measurement: "V" });

    const water = (await config(`product_${ids.products.waterMeter}`)).components;
    expect(water[`property_${ids.waterVolume}`]).toMatchObject({ device_class: "water", unit_of_measurement: "m³", state_class: "total_increasing" });
    expect(water[`property_${ids.waterFlow}`]).toMatchObject({ device_class: "volume_flow_rate", unit_of_measurement: "m³/h" });
    const heat = (await config(`product_${ids.products.heatMeter}`)).components;
    expect(heat[`property_${ids.heatEnergy}`]).toMatchObject({ device_class: "energy", unit_of_measurement: "GJ", state_class: "total_increasing" });
    expect(heat[`property_${ids.coolEnergy}`]).toMatchObject({ device_class: "energy", unit_of_measurement: "GJ" });
    const solar = (await config(`product_${ids.products.solar}`)).components;
    expect(solar[`property_${ids.solarEnergy}`]).toMatchObject({ device_class: "energy", state_class: "total_increasing" });

    const sw = (await config(`product_${ids.products.washingMachine}`)).components;
    expect(sw[`property_${ids.switchProperty}`]).toMatchObject({ platform: "switch", payload_on: "ON", payload_off: "OFF", command_topic: expect.stringMatching(/\/set$/) });
    const dimmer = (await config(`product_${ids.products.dimmer}`)).components;
    expect(dimmer[`property_${ids.dimmerProperty}`]).toMatchObject({ platform: "light", brightness_scale: 99, on_command_type: "brightness" });
    const blind = (await config(`product_${ids.products.blind}`)).components;
    expect(blind[`property_${ids.blindProperty}`]).toMatchObject({ platform: "cover", position_open: 99, position_closed: 0 });
    const lock = (await config(`product_${ids.products.doorLock}`)).components;
    expect(lock[`property_${ids.lockProperty}`]).toMatchObject({ platform: "lock", payload_lock: "LOCK" });
    expect(lock[`property_${ids.lockBattery}`]).toMatchObject({ device_class: "battery", unit_of_measurement: "%", entity_category: "diagnostic" });
    const contact = (await config(`product_${ids.products.backDoor}`)).components;
    expect(contact[`property_${ids.contactProperty}`]).toMatchObject({ platform: "binary_sensor", device_class: "door" });
    const motion = (await config(`product_${ids.products.motionSensor}`)).components;
    expect(motion[`property_${ids.movementProperty}`]).toMatchObject({ platform: "binary_sensor", device_class: "motion" });
    expect(motion[`property_${ids.lightLuxProperty}`]).toMatchObject({ device_class: "illuminance", unit_of_measurement: "lx" });
    expect(motion[`property_${ids.luxPercentProperty}`]).toMatchObject({ unit_of_measurement: "%" });
    expect(motion[`property_${ids.luxPercentProperty}`]).not.toHaveProperty("device_class");
    const multi = (await config(`product_${ids.products.multisensor}`)).components;
    expect(multi[`property_${ids.temperatureProperty}`]).toMatchObject({ device_class: "temperature", unit_of_measurement: "°C" });
    expect(multi[`property_${ids.humidityProperty}`]).toMatchObject({ device_class: "humidity", unit_of_measurement: "%" });
    expect(multi[`property_${ids.co2Property}`]).toMatchObject({ device_class: "carbon_dioxide", unit_of_measurement: "ppm" });
    const room = (await config(`product_${ids.products.boilerRoom}`)).components;
    expect(room[`property_${ids.barPressure}`]).toMatchObject({ device_class: "pressure", unit_of_measurement: "bar" });
    expect(room[`property_${ids.airPressure}`]).toMatchObject({ device_class: "pressure", unit_of_measurement: "kPa" });
    expect(room[`property_${ids.velocity}`]).toMatchObject({ device_class: "speed", unit_of_measurement: "m/s" });
    const siren = (await config(`product_${ids.products.siren}`)).components;
    expect(siren[`property_${ids.sirenMode}`]).toMatchObject({ platform: "select", options: expect.arrayContaining(["Alarm", "Doorbell"]) });
    expect(siren[`property_${ids.sirenDuration}`]).toMatchObject({ platform: "number", min: 0, max: 15, step: 1 });

    const thermostat = await config(`product_${ids.products.thermostat}`);
    expect(thermostat.components.climate).toMatchObject({ platform: "climate", min_temp: 4, max_temp: 28, temp_step: 0.5, modes: ["heat"] });
    expect(thermostat.components.synchronised).toMatchObject({ platform: "binary_sensor", entity_category: "diagnostic" });
    const radiator = await config(`product_${ids.products.radiator}`);
    expect(radiator.components.climate.temp_step).toBe(1);

    const account = await config("account_1");
    expect(account.components.lifestyle).toMatchObject({ platform: "select", options: expect.arrayContaining(["home", "away"]) });
    const scenes = Object.values(account.components as Json).filter((c) => c.platform === "scene");
    expect(scenes.length).toBeGreaterThanOrEqual(3);
    expect(thermostat.device.via_device).toMatch(/^cloud2mqtt_home_(account_1|product_35)$/);
  });

  it("publishes states as plain text values", async () => {
    const energy = await rec.waitFor(`${BASE}/product_${ids.products.p1Meter}/property_${ids.p1Import}`);
    expect(Number(energy.payload)).toBeGreaterThan(0);
    // A subscriber that comes later gets it from the broker's retained store.
    const late = await Recorder.start(broker.url);
    expect((await late.waitFor(energy.topic)).retain).toBe(true);
    await late.close();
    expect(["ON", "OFF"]).toContain((await rec.waitFor(`${BASE}/product_${ids.products.backDoor}/property_${ids.contactProperty}`)).payload);
    expect(Number((await rec.waitFor(`${BASE}/product_${ids.products.thermostat}/climate/current_temperature`)).payload)).toBeGreaterThan(0);
    expect((await rec.waitFor(`${BASE}/account_1/lifestyle`)).payload).toBe("home");
  });

  it("publishes changed values and leaves unchanged ones alone", async () => {
    const topic = `${BASE}/product_${ids.products.siren}/property_${ids.sirenDuration}`;
    await rec.waitFor(topic);
    const polls = sim.requests.filter((r) => /\/properties\/$/.test(r.path)).length;
    while (sim.requests.filter((r) => /\/properties\/$/.test(r.path)).length < polls + 3) await sleep(100);
    expect(rec.on(topic)).toHaveLength(1);

    const since = Date.now();
    sim.setPropertyValue(ids.sirenDuration, "7");
    expect((await rec.waitFor(topic, (p) => p === "7", 10_000, since)).payload).toBe("7");
    // Incremental polling: after the first full read only changed properties are asked for.
    expect(sim.requests.some((r) => /\/properties\/$/.test(r.path) && r.query.updated_after)).toBe(true);
  });

  it("writes a switch, a dimmer, a setpoint, a lifestyle and a scene as the documented PUTs", async () => {
    const sw = `${BASE}/product_${ids.products.washingMachine}/property_${ids.switchProperty}`;
    expect(await command(sw, "OFF")).toEqual({ ok: true, value: false });
    expect(puts().at(-1)).toMatchObject({ path: expect.stringMatching(new RegExp(`/login/api/v1/properties/${ids.switchProperty}/?$`)), body: { value: "0" } });
    await rec.waitFor(sw, (p) => p === "OFF");
    await sleep(1_500);
    expect(rec.last(sw)).toBe("OFF");
    expect(sim.getProperty(ids.switchProperty)?.value).toBe("0");

    const dim = `${BASE}/product_${ids.products.dimmer}/property_${ids.dimmerProperty}`;
    expect(await command(dim, "42")).toEqual({ ok: true, value: 42 });
    expect(puts().at(-1)).toMatchObject({ body: { value: "42" } });
    await rec.waitFor(dim, (p) => p === "42");

    const climate = `${BASE}/product_${ids.products.thermostat}/climate/target_temperature`;
    expect(await command(climate, "19.5")).toEqual({ ok: true, value: 19.5 });
    expect(puts().at(-1)).toMatchObject({ path: expect.stringMatching(new RegExp(`/climatecontrollers/${ids.products.thermostat}/?$`)), body: { setpoint: 19.5, scheduletype: 1 } });
    await rec.waitFor(climate, (p) => p === "19.5");
    expect(sim.getClimateController(ids.products.thermostat)?.setpoint).toBe(19.5);

    const lifestyle = `${BASE}/account_1/lifestyle`;
    expect(await command(lifestyle, "away")).toEqual({ ok: true, value: "away" });
    expect(puts().at(-1)).toMatchObject({ path: expect.stringMatching(/\/lifestyles\/\d+\/?$/), body: { active: true } });
    await rec.waitFor(lifestyle, (p) => p === "away");

    const account = await config("account_1");
    const [sceneKey] = Object.entries(account.components as Json).find(([, c]) => c.platform === "scene") ?? [];
    expect(await command(`${BASE}/account_1/${sceneKey}`, "ON")).toEqual({ ok: true, value: true });
    expect(puts().at(-1)).toMatchObject({ path: expect.stringMatching(/\/scenes\/\d+\/?$/), body: { trigger: true } });
    expect(sim.triggeredScenes).toContain(Number(String(sceneKey).replace("scene_", "")));
  });

  it("answers bad commands with an error result and sends nothing to the cloud", async () => {
    const before = puts().length;
    const dim = `${BASE}/product_${ids.products.dimmer}/property_${ids.dimmerProperty}`;
    expect(await command(dim, "150")).toMatchObject({ ok: false, error: expect.stringContaining("out of range") });
    expect(await command(dim, "bright")).toMatchObject({ ok: false, error: expect.stringContaining("expected a number") });
    expect(await command(`${BASE}/product_${ids.products.thermostat}/climate/target_temperature`, "40")).toMatchObject({ ok: false, error: expect.stringContaining("4–28") });
    expect(await command(`${BASE}/account_1/lifestyle`, "disco")).toMatchObject({ ok: false, error: expect.stringContaining("expected one of") });
    expect(await command(`${BASE}/product_${ids.products.p1Meter}/property_${ids.p1Import}`, "0")).toMatchObject({ ok: false, error: expect.stringContaining("not writable") });
    expect(await command(`${BASE}/product_9999/property_1`, "ON")).toMatchObject({ ok: false, error: expect.stringContaining("unknown entity") });
    expect(puts().length).toBe(before);
  });

  it("does not replay a retained command after a restart, and removes it", async () => {
    const sw = `${BASE}/product_${ids.products.washingMachine}/property_${ids.switchProperty}`;
    await d.stop();
    await rec.publish(`${sw}/set`, "ON", true);
    const before = puts().length;
    const since = Date.now();
    d = await startTestDaemon({
      mqttUrl: broker.url,
      dataDir: d.config.data_dir,
      sources: [{ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "1s" }],
    });
    await rec.waitFor(`${sw}/set`, (p) => p === "", 5_000, since);
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 10_000, since);
    expect(puts().length).toBe(before);
    expect(d.logs.join("")).toContain("ignoring a retained command");
  });

  it("recovers from a 401 mid-run by sending the credentials once more", async () => {
    sim.faults.unauthorizedNext = 1;
    const since = Date.now();
    const count = sim.requests.length;
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => JSON.parse(p).sources[0].last_poll > new Date(since + 1500).toISOString(), 15_000, since);
    const after = sim.requests.slice(count);
    expect(after.filter((r) => r.status === 401)).toHaveLength(1);
    expect(rec.on(`${BASE}/availability`).filter((m) => m.at >= since && m.payload === "offline")).toHaveLength(0);
    expect(d.logs.join("").match(/logging in again/g)?.length).toBe(1);
  });

  it("turns the source offline during a cloud outage and back online after it, without a crash", async () => {
    const since = Date.now();
    sim.faults.status500 = true;
    await rec.waitFor(`${BASE}/availability`, (p) => p === "offline", 20_000, since);
    const info = JSON.parse(rec.last("cloud2mqtt/bridge/info") ?? "{}");
    expect(info.sources[0].state).toBe("offline");
    expect(info.sources[0].last_error).toMatch(/HTTP 500/);
    sim.faults.status500 = false;
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 30_000, since);
    expect(rec.last("cloud2mqtt/bridge/state")).toBe("online");
    // Logged once per incident, not once per failed poll.
    expect(d.logs.filter((l) => l.includes('"msg":"poll failed"') && l.includes('"level":"warn"')).length).toBeLessThanOrEqual(2);
  });

  it("treats a malformed body as a failure that names the problem", async () => {
    const since = Date.now();
    sim.faults.malformed = true;
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => /unexpected response/.test(JSON.parse(p).sources[0].last_error ?? ""), 15_000, since);
    sim.faults.malformed = false;
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => JSON.parse(p).sources[0].last_error === null, 30_000, Date.now());
  });

  it("publishes discovery and states again when Home Assistant comes online", async () => {
    const since = Date.now();
    await rec.publish("homeassistant/status", "online");
    await rec.waitFor(cfgTopic(`product_${ids.products.p1Meter}`), (p) => p.length > 0, 5_000, since);
    await rec.waitFor(`${BASE}/product_${ids.products.siren}/property_${ids.sirenDuration}`, () => true, 8_000, since);
    // Once: one config per device, not a storm.
    await sleep(2_500);
    expect(rec.on(cfgTopic(`product_${ids.products.p1Meter}`)).filter((m) => m.at >= since)).toHaveLength(1);
  });

  it("clears the discovery and state of a product removed from the cloud", async () => {
    const key = `product_${ids.products.genericMeter}`;
    await rec.waitFor(cfgTopic(key), (p) => p.length > 0);
    const since = Date.now();
    sim.removeProduct(ids.products.genericMeter);
    await rec.waitFor(cfgTopic(key), (p) => p === "", 15_000, since);
    // The states are cleared just after the config, so they may still be on their way.
    const clearedStates = () => rec.messages.filter((m) => m.at >= since && m.topic.startsWith(`${BASE}/${key}/`) && m.payload === "");
    for (let waited = 0; clearedStates().length === 0 && waited < 5_000; waited += 50) await sleep(50);
    // A poll already under way when the product left may still publish once; what stays is empty.
    const cleared = clearedStates();
    expect(cleared.length).toBeGreaterThan(0);
    for (const topic of new Set(cleared.map((m) => m.topic))) expect(rec.last(topic)).toBe("");
    const late = await Recorder.start(broker.url, [`${BASE}/${key}/#`, cfgTopic(key)]);
    await sleep(500);
    expect(late.messages.filter((m) => m.payload !== "")).toEqual([]);
    await late.close();
  });

  it("brings discovery and states back after a broker restart", async () => {
    const port = broker.port;
    await rec.close();
    await broker.close();
    await sleep(500);
    broker = await startAedes(port);
    rec = await Recorder.start(broker.url);
    await rec.waitFor(cfgTopic(`product_${ids.products.p1Meter}`), (p) => p.length > 0, 30_000);
    await rec.waitFor(`${BASE}/product_${ids.products.p1Meter}/property_${ids.p1Import}`, () => true, 10_000);
    await rec.waitFor("cloud2mqtt/bridge/state", (p) => p === "online", 10_000);
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 10_000);
    // Commands work after the restart.
    expect(await command(`${BASE}/product_${ids.products.washingMachine}/property_${ids.switchProperty}`, "ON")).toEqual({ ok: true, value: true });
  });

  it("never lets a password or credential reach the logs or MQTT", () => {
    const basic = Buffer.from("demo:demo-password").toString("base64");
    const everything = [...d.logs, ...rec.messages.map((m) => `${m.topic} ${m.payload}`)].join("\n");
    expect(d.logs.length).toBeGreaterThan(10);
    expect(everything).not.toContain("demo-password");
    expect(everything).not.toContain(basic);
  });
});
