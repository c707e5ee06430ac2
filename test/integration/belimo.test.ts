/**
 * Belimo Cloud end to end: the simulator (API and BelimoID over real HTTP), aedes, and the daemon
 * in-process beside a myBeNext source, asserting what a user sees on MQTT and in Home Assistant.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBelimoSimulator, type BelimoSimulator } from "../../src/simulators/belimo/index.js";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import * as ha from "../helpers/ha-rules.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";
import { belimoSource } from "../helpers/vendors.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const BASE = "cloud2mqtt/valves";
const cfgTopic = (device: string) => `homeassistant/device/cloud2mqtt_valves_${device}/config`;
const info = (rec: Recorder): Json => JSON.parse(rec.last("cloud2mqtt/bridge/info") ?? "{}");
const sourceInfo = (rec: Recorder, id: string): Json => (info(rec).sources ?? []).find((s: Json) => s.id === id) ?? {};

describe("Belimo Cloud end to end (simulator, aedes, daemon)", () => {
  let sim: BelimoSimulator;
  let home: MyBeNextSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;

  const registered = () => sim.devices().filter((x) => x.registered);
  const valve = (profile: string, online = true) => sim.devices().find((x) => x.registered && x.profile === profile && x.online === online)!;
  const config = async (device: string): Promise<Json> => JSON.parse((await rec.waitFor(cfgTopic(device), (p) => p.length > 0)).payload);
  const command = async (topic: string, payload: string, timeoutMs = 10_000): Promise<Json> => {
    const since = Date.now();
    await rec.publish(`${topic}/set`, payload);
    return JSON.parse((await rec.waitFor(`${topic}/set/result`, () => true, timeoutMs, since)).payload);
  };
  /** Resolves after the next successful poll of the source that started after now. */
  const nextPoll = async (id = "valves", timeoutMs = 15_000): Promise<void> => {
    const since = new Date().toISOString();
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => (JSON.parse(p).sources as Json[]).some((s) => s.id === id && s.last_poll !== null && s.last_poll > since), timeoutMs);
  };

  beforeAll(async () => {
    sim = await startBelimoSimulator({ valves: 26, actuators: 1, unregistered: 2, timeScale: 60, accessTokenLifetimeS: 4, deviceDataRate: 50, deviceDataBurst: 10, jobDelayMs: 300 });
    home = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startAedes();
    rec = await Recorder.start(broker.url);
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [
        belimoSource(sim, "valves", { page_size: 10, job_poll_interval: "200ms", job_timeout: "3s" }),
        { id: "home", type: "mybenext", base_url: home.url, username: "demo", password: "demo-password", interval: "2s" },
      ],
    });
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 20_000);
  });

  afterAll(async () => {
    await stopAll(d, rec, broker, sim, home);
  });

  it("bridges every registered device of an account larger than one page", async () => {
    expect(registered().length).toBe(27);
    expect(sourceInfo(rec, "valves")).toMatchObject({ type: "belimo", state: "online", last_error: null, devices: 28 });
    for (const x of registered()) await rec.waitFor(cfgTopic(x.id), (p) => p.length > 0, 5_000);
    const unregistered = sim.devices().filter((x) => !x.registered);
    expect(rec.messages.some((m) => unregistered.some((u) => m.topic === cfgTopic(u.id)))).toBe(false);
    // Data profiles: fetched once per version, kept in data_dir.
    const profileGets = sim.requests.filter((q) => q.path.startsWith("/api/v3/definitions/dataprofiles/")).map((q) => q.path);
    expect(profileGets.sort()).toEqual(["actuator-mp/2.0", "energyvalve3/1.2", "energyvalve3/1.3"].map((r) => `/api/v3/definitions/dataprofiles/${r}`));
    const stored = JSON.parse(readFileSync(join(d.config.data_dir, "state.json"), "utf8")) as Json;
    expect(Object.keys(stored["source:valves"]).sort()).toEqual(["profile:actuator-mp/2.0", "profile:energyvalve3/1.2", "profile:energyvalve3/1.3"]);
    const pages = sim.requests.filter((q) => q.path === "/api/v3/devices").slice(0, 3);
    expect(pages.map((q) => [q.query.state, q.query.limit, q.query.offset])).toEqual([
      ["REGISTERED", "10", "0"],
      ["REGISTERED", "10", "10"],
      ["REGISTERED", "10", "20"],
    ]);
  });

  it("shows every datapoint kind as the right Home Assistant entity, valid by Home Assistant's rules", async () => {
    const v = valve("energyvalve3/1.3");
    const cfg = await config(v.id);
    const c = cfg.components as Json;
    expect(cfg.device).toMatchObject({ name: v.displayName, manufacturer: "Belimo", model: "belimo.energyvalve3/1.3", via_device: "cloud2mqtt_valves_account", identifiers: [`cloud2mqtt_valves_${v.id}`] });
    expect(c.evcloud_210).toMatchObject({ platform: "sensor", name: "Heating Energy", device_class: "energy", unit_of_measurement: "kWh", state_class: "total_increasing" });
    expect(c.evcloud_200).toMatchObject({ name: "Cooling Energy", device_class: "energy", unit_of_measurement: "kWh", state_class: "total_increasing" });
    expect(c.evcloudplus_461).toMatchObject({ device_class: "volume", unit_of_measurement: "m³", state_class: "total_increasing" });
    expect(c.evcloud_140).toMatchObject({ device_class: "power", unit_of_measurement: "W", state_class: "measurement" });
    expect(c.evcloud_150).toMatchObject({ device_class: "temperature", unit_of_measurement: "°C", state_class: "measurement" });
    expect(c.evcloud_160).toMatchObject({ device_class: "temperature", unit_of_measurement: "°C" });
    expect(c.evcloud_170).toMatchObject({ unit_of_measurement: "K", state_class: "measurement" });
    expect(c.evcloud_170).not.toHaveProperty("device_class");
    expect(c.evcloud_120).toMatchObject({ device_class: "volume_flow_rate", unit_of_measurement: "m³/h", state_class: "measurement" });
    expect(c.evcloud_100).toMatchObject({ unit_of_measurement: "%", state_class: "measurement", icon: "mdi:valve" });
    expect(c.evcloud_900).toMatchObject({ platform: "sensor", name: "Operating state flags" });
    expect(c.evcloud_900).not.toHaveProperty("device_class");
    expect(c.default_1).toMatchObject({ platform: "sensor", device_class: "enum", options: ["OK", "WARN", "ERROR", "UNKNOWN"], entity_category: "diagnostic" });
    expect(c.evcloud_110).toMatchObject({ platform: "number", min: 0, max: 100, unit_of_measurement: "%", command_topic: `${BASE}/${v.id}/evcloud_110/set` });
    expect(c.evcloud_300).toMatchObject({ platform: "select", options: ["POSITION", "FLOW", "POWER"] });
    expect(c.evcloud_310).toMatchObject({ platform: "switch", payload_on: "ON" });
    expect(c.problem).toMatchObject({ platform: "binary_sensor", device_class: "problem", entity_category: "diagnostic" });
    expect(c.connectivity).toMatchObject({ platform: "binary_sensor", device_class: "connectivity" });
    expect(c.last_seen).toMatchObject({ platform: "sensor", device_class: "timestamp" });
    expect(Object.keys(c).some((k) => k.startsWith("metadata"))).toBe(false);

    const account = await config("account");
    expect(account.components).toMatchObject({
      total_devices: { platform: "sensor", entity_category: "diagnostic", state_class: "measurement" },
      online: { entity_category: "diagnostic" },
      offline: { entity_category: "diagnostic" },
      problem: { platform: "sensor", entity_category: "diagnostic" },
    });
    const actuator = await config(valve("actuator-mp/2.0").id);
    expect(actuator.device.model).toBe("belimo.actuator.mp/2.0");
    expect(actuator.components.amp_4).toMatchObject({ platform: "select" });

    const all = rec.messages.filter((m) => m.topic.startsWith("homeassistant/device/cloud2mqtt_valves_") && m.payload.length > 0);
    expect(all.length).toBeGreaterThanOrEqual(28);
    for (const m of all) expect(ha.checkDevicePayload(JSON.parse(m.payload), m.topic), m.topic).toEqual([]);
  });

  it("publishes values: energy in kWh from J, temperatures in °C, history-only volume, stats; counters rise", async () => {
    const v = valve("energyvalve3/1.2");
    const first = Number((await rec.waitFor(`${BASE}/${v.id}/evcloud_210`)).payload);
    expect(first).toBeCloseTo(Number(sim.value(v.id, "evcloud.210")) / 3_600_000, -1);
    const t = Number((await rec.waitFor(`${BASE}/${v.id}/evcloud_150`)).payload);
    expect(t).toBeGreaterThan(0);
    expect(t).toBeLessThan(120);
    expect(Number((await rec.waitFor(`${BASE}/${v.id}/evcloudplus_461`)).payload)).toBeGreaterThan(1000);
    expect((await rec.waitFor(`${BASE}/${v.id}/problem`)).payload).toBe("OFF");
    expect((await rec.waitFor(`${BASE}/account/total_devices`)).payload).toBe(String(sim.devices().length));
    expect((await rec.waitFor(`${BASE}/account/problem`)).payload).toBe("1");
    const later = await rec.waitFor(`${BASE}/${v.id}/evcloud_210`, (p) => Number(p) > first, 10_000);
    expect(Number(later.payload)).toBeGreaterThan(first);
  });

  it("refreshes an expired access token with the refresh token, without a new password login", async () => {
    const deadline = Date.now() + 15_000;
    while (sim.tokenCounters().refreshes < 2 && Date.now() < deadline) await sleep(200);
    expect(sim.tokenCounters()).toMatchObject({ logins: 1, failedRefreshes: 0 });
    expect(sim.tokenCounters().refreshes).toBeGreaterThanOrEqual(2);
    expect(sim.requests.filter((q) => q.server === "api" && q.status === 401)).toHaveLength(0);
  });

  it("writes a datapoint through a job and reports the job's outcome on …/set/result", async () => {
    const v = valve("energyvalve3/1.3");
    const topic = `${BASE}/${v.id}/evcloud_110`;
    const posts = () => sim.requests.filter((q) => q.method === "POST" && q.server === "api");
    expect(await command(topic, "35.5")).toEqual({ ok: true, value: 35.5 });
    expect(posts().at(-1)).toMatchObject({ path: `/api/v3/devices/${v.id}/data`, body: { datapoints: { "evcloud.110": 35.5 } } });
    expect(sim.value(v.id, "evcloud.110")).toBe(35.5);
    await rec.waitFor(topic, (p) => p === "35.5");
    expect(await command(`${BASE}/${v.id}/evcloud_300`, "power")).toEqual({ ok: true, value: "POWER" });
    expect(await command(`${BASE}/${v.id}/evcloud_310`, "ON")).toEqual({ ok: true, value: true });
    expect(sim.value(v.id, "evcloud.310")).toBe(true);

    sim.failNextJobs(1);
    const failed = await command(topic, "20");
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatch(/job \S+ for evcloud\.110 ended FAILURE: DEVICE_REJECTED/);
    expect(sim.value(v.id, "evcloud.110")).toBe(35.5);

    const offline = valve("energyvalve3/1.3", false);
    const stuck = await command(`${BASE}/${offline.id}/evcloud_110`, "20");
    expect(stuck).toMatchObject({ ok: false, error: expect.stringMatching(/still PENDING after 3s: the device has not confirmed/) });

    const before = posts().length;
    expect(await command(topic, "150")).toMatchObject({ ok: false, error: expect.stringContaining("out of range") });
    expect(await command(`${BASE}/${v.id}/evcloud_210`, "1")).toMatchObject({ ok: false, error: expect.stringContaining("not writable") });
    expect(posts().length).toBe(before);
  });

  it("follows a revoked refresh token with one full login, and stays online", async () => {
    const before = sim.tokenCounters();
    const since = Date.now();
    sim.expireAccessTokens();
    sim.revokeRefreshTokens();
    await nextPoll();
    await nextPoll();
    expect(sim.tokenCounters()).toMatchObject({ logins: before.logins + 1, failedRefreshes: before.failedRefreshes + 1 });
    expect(rec.on(`${BASE}/availability`).filter((m) => m.at >= since && m.payload === "offline")).toHaveLength(0);
    expect(d.logs.join("")).toContain("token refresh failed: logging in again");
  });

  it("turns the source offline on 500s and back online after them, while the other source carries on", async () => {
    const since = Date.now();
    sim.faults.status500 = true;
    await rec.waitFor(`${BASE}/availability`, (p) => p === "offline", 25_000, since);
    expect(sourceInfo(rec, "valves")).toMatchObject({ state: "offline", last_error: expect.stringMatching(/HTTP 500 from GET/) });
    expect(sourceInfo(rec, "home")).toMatchObject({ state: "online", last_error: null });
    sim.faults.status500 = false;
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 25_000, since);
    expect(rec.on("cloud2mqtt/home/availability").filter((m) => m.at >= since && m.payload === "offline")).toHaveLength(0);
    expect(rec.messages.some((m) => m.at >= since && m.topic.startsWith("cloud2mqtt/home/product_"))).toBe(true);
    expect(rec.last("cloud2mqtt/bridge/state")).toBe("online");
  });

  it("treats a malformed body as a failure that names the request, offline and back", async () => {
    const since = Date.now();
    sim.faults.malformed = true;
    await rec.waitFor(`${BASE}/availability`, (p) => p === "offline", 20_000, since);
    expect(sourceInfo(rec, "valves").last_error).toMatch(/unexpected response from GET \/api\/v3\/devices(\/stats)?: expected JSON/);
    expect(sourceInfo(rec, "home").state).toBe("online");
    sim.faults.malformed = false;
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 20_000, since);
    expect(sourceInfo(rec, "valves").last_error).toBeNull();
  });

  it("never lets a password, client secret or token reach the logs or MQTT", () => {
    const c = sim.credentials;
    const tokens = new Set<string>();
    for (const q of sim.requests) {
      const bearer = /^Bearer (\S+)$/.exec(q.headers.authorization ?? "");
      if (bearer) tokens.add(bearer[1]!);
      const body = q.body as Record<string, string> | undefined;
      if (q.server === "id" && body?.refresh_token) tokens.add(body.refresh_token);
    }
    expect(tokens.size).toBeGreaterThan(3);
    const everything = [...d.logs, ...rec.messages.map((m) => `${m.topic} ${m.payload}`)].join("\n");
    expect(d.logs.length).toBeGreaterThan(10);
    for (const secret of [c.password, c.clientSecret, encodeURIComponent(c.password), ...tokens]) expect(everything).not.toContain(secret);
  });
});
