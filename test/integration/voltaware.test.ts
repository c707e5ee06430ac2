/**
 * Voltaware's API side end to end: the simulator over HTTP, aedes, the daemon in-process, and a
 * myBeNext source beside it (one source failing must not touch the other).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";
import * as ha from "../helpers/ha-rules.js";
import { HOME_PROPERTY } from "../helpers/voltaware-home.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const BASE = "cloud2mqtt/meter";
const cfgTopic = (device: string) => `homeassistant/device/cloud2mqtt_meter_${device}/config`;

/** The newest month with results, worked out here from the seed's words, not from the bridge. */
function expectedMonth(now = new Date()): { year: number; month: number; key: string } {
  const back = now.getUTCDate() >= 3 ? 1 : 2;
  const i = now.getUTCFullYear() * 12 + now.getUTCMonth() - back;
  const year = Math.floor(i / 12);
  const month = (i % 12) + 1;
  return { year, month, key: `${year}-${String(month).padStart(2, "0")}` };
}

const APPLIANCES = [
  { key: "AC", amount: 1, type: "MINI_SPLIT", usage_type: "BOTH" },
  { key: "ELECTRIC_VEHICLE", amount: 1, type: "CAR", wattages: [7200] },
  { key: "TUMBLE_DRYER", amount: 1, type: "I_DONT_KNOW", usage_types: ["AUTUMN", "SPRING", "WINTER"] },
  { key: "OTHER", amount: 3, name: "Sprinklers" },
];
/** What the simulator already has for 0001 (the seed's example): nothing to write. */
const SEED_GEOLOCATION = { latitude: 51.509865, longitude: -0.118092 };

describe("Voltaware end to end (simulator, aedes, daemon)", () => {
  let sim: VoltawareSimulator;
  let benext: MyBeNextSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;

  /** The newest discovery config of a device that has the component asked for. */
  const config = async (device: string, component = "last_event"): Promise<Json> => {
    await rec.waitFor(cfgTopic(device), (p) => p.includes(`"${component}":`));
    return JSON.parse(rec.last(cfgTopic(device)) ?? "{}");
  };
  const metadataCalls = (sensor: string, method?: string) => sim.requests.filter((r) => r.path.startsWith(`/sensors/${sensor}/metadata/`) && (!method || r.method === method));
  const info = (): Json => JSON.parse(rec.last("cloud2mqtt/bridge/info") ?? "{}");
  const source = (id: string): Json => info().sources?.find((s: Json) => s.id === id) ?? {};

  beforeAll(async () => {
    sim = await startVoltawareSimulator({ tokenLifetimeSecs: 4 });
    benext = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startAedes();
    rec = await Recorder.start(broker.url);
    // The meter's results are not computed yet when the daemon starts; the first metadata call for 1001 gets 403.
    sim.setResultsPending(true);
    sim.faults.forbiddenNext = 1;
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [
        {
          id: "meter",
          type: "voltaware",
          base_url: sim.url,
          client_id: "demo-client",
          client_secret: "demo-secret",
          interval: "1s",
          rate_limit: 50,
          retry_interval: "2s",
          metadata: [
            { sensor: "1001", property: { property_type: "OFFICE", power_generator_source: "SOLAR" } },
            { sensor: "0001", property: HOME_PROPERTY, appliances: APPLIANCES, geolocation: SEED_GEOLOCATION },
            { sensor: "3001", geolocation: { latitude: 47.37, longitude: 8.54 } },
          ],
        },
        { id: "home", type: "mybenext", base_url: benext.url, username: "demo", password: "demo-password", interval: "2s" },
      ],
    });
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 20_000);
  });

  afterAll(async () => {
    if (process.env.DUMP_LOGS) {
      console.log(d.logs.filter((l) => !l.includes('"source":"home"')).slice(-60).join(""));
      console.log(sim.requests.slice(-60).map((r) => `${new Date(r.time).toISOString()} ${r.method} ${r.path} ${r.status}`).join("\n"));
    }
    await stopAll(d, rec, broker, sim, benext);
  });

  it("shows sensors and smart meters as devices with diagnostic entities", async () => {
    const sensor = await config("sensor_0001");
    expect(sensor.device).toMatchObject({ identifiers: ["cloud2mqtt_meter_sensor_0001"], name: "Voltaware sensor 0001", manufacturer: "Voltaware", sw_version: "112356" });
    const c = sensor.components;
    expect(c.connectivity).toMatchObject({ platform: "binary_sensor", device_class: "connectivity", entity_category: "diagnostic", payload_on: "ON" });
    expect(c.firmware).toMatchObject({ platform: "sensor", entity_category: "diagnostic" });
    expect(c.first_event).toMatchObject({ platform: "sensor", device_class: "timestamp", entity_category: "diagnostic" });
    expect(c.last_event).toMatchObject({ device_class: "timestamp", json_attributes_topic: `${BASE}/sensor_0001/last_event/attributes` });
    expect(c.metadata).toMatchObject({ platform: "sensor", device_class: "enum", entity_category: "diagnostic" });
    expect((await rec.waitFor(`${BASE}/sensor_0001/connectivity`)).payload).toBe("ON");
    expect((await rec.waitFor(`${BASE}/sensor_0002/connectivity`)).payload).toBe("OFF");
    expect((await rec.waitFor(`${BASE}/sensor_0001/firmware`)).payload).toBe("112356");
    expect((await rec.waitFor(`${BASE}/sensor_0001/first_event`)).payload).toBe("2018-06-08T10:20:51.287Z");
    expect(JSON.parse((await rec.waitFor(`${BASE}/sensor_0001/last_event/attributes`)).payload)).toEqual({ country: "DE", locale: "de-DE", time_zone: "Europe/Berlin" });

    const meter = await config("sensor_1001");
    expect(meter.device).toMatchObject({ name: "Smart meter 1001", model: "Smart meter (Voltaware)" });
    expect(Object.keys(meter.components)).not.toContain("connectivity");
    expect(source("meter")).toMatchObject({ type: "voltaware", state: "online", devices: 4 });
  });

  it("treats results that are not there yet (404) as pending, and publishes them once they come", async () => {
    expect(d.logs.join("")).toContain("results not there yet (404)");
    expect(d.logs.filter((l) => l.includes('"level":"warn"') && l.includes("reading results failed"))).toEqual([]);
    expect(rec.messages.some((m) => m.topic === `${BASE}/sensor_0001/month_energy`)).toBe(false);
    sim.setResultsPending(false);
    const since = Date.now();
    await rec.waitFor(`${BASE}/sensor_0001/month_energy`, () => true, 15_000, since);
  });

  it("publishes last month's and last week's energy per appliance, the monthly report and EV cycles", async () => {
    const month = expectedMonth();
    const c = (await config("sensor_0001", "electric_vehicle_month_cycles")).components;
    expect(c.month_energy).toMatchObject({ platform: "sensor", device_class: "energy", unit_of_measurement: "kWh" });
    // Monthly figures are not a running meter: no state class, so the energy dashboard does not count them twice.
    expect(c.month_energy).not.toHaveProperty("state_class");
    expect(c.month_electric_vehicle).toMatchObject({ device_class: "energy", unit_of_measurement: "kWh", name: "Electric vehicle last month" });
    expect(c.week_fridge).toMatchObject({ device_class: "energy", name: "Fridge last week" });
    expect(c.month_co2).toMatchObject({ unit_of_measurement: "kg" });
    expect(c.electric_vehicle_last_cycle).toMatchObject({ device_class: "energy", unit_of_measurement: "kWh" });
    expect(c.electric_vehicle_month_cycles).toMatchObject({ device_class: "energy", json_attributes_topic: `${BASE}/sensor_0001/electric_vehicle_month_cycles/attributes` });

    const asked = sim.requests.filter((r) => r.path === "/sensors/0001/sm/disag/month" && r.status === 200).at(-1);
    expect(asked?.query).toEqual({ year: String(month.year), month: String(month.month) });
    const answer = (await fetchJson(`/sensors/0001/sm/disag/month?year=${month.year}&month=${month.month}`)) as Json;
    expect(Number((await rec.waitFor(`${BASE}/sensor_0001/month_energy`)).payload)).toBeCloseTo(answer.total_consumption / 1000, 3);
    expect(JSON.parse((await rec.waitFor(`${BASE}/sensor_0001/month_energy/attributes`)).payload)).toMatchObject({ period: month.key });
    const ev = answer.appliances.find((a: Json) => a.appliance_key === "electric_vehicle");
    expect(Number((await rec.waitFor(`${BASE}/sensor_0001/month_electric_vehicle`)).payload)).toBeCloseTo(ev.consumption / 1000, 3);

    const week = sim.requests.filter((r) => r.path === "/sensors/0001/sm/disag/week" && r.status === 200).at(-1)?.query ?? {};
    expect(new Date(`${week.startDate}T00:00:00Z`).getUTCDay()).toBe(1);
    expect((Date.parse(`${week.endDate}T00:00:00Z`) - Date.parse(`${week.startDate}T00:00:00Z`)) / 86_400_000).toBe(6);
    expect(week.endDate?.slice(0, 7) <= month.key).toBe(true);

    const cycles = JSON.parse((await rec.waitFor(`${BASE}/sensor_0001/electric_vehicle_month_cycles/attributes`)).payload);
    expect(cycles.count).toBe(cycles.cycles.length);
    expect(cycles.cycles[0]).toMatchObject({ from: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), kwh: expect.any(Number) });
    expect(JSON.parse((await rec.waitFor(`${BASE}/sensor_0001/electric_vehicle_last_cycle/attributes`)).payload).to).toBe(cycles.cycles.at(-1).to);
    expect(Number((await rec.waitFor(`${BASE}/sensor_0001/month_co2`)).payload)).toBeGreaterThan(0);
  });

  it("reads results at the slow cadence, not at every poll", async () => {
    const polls = () => sim.requests.filter((r) => r.path === "/sensors").length;
    const results = () => sim.requests.filter((r) => r.path === "/sensors/0001/sm/disag/month").length;
    const before = { polls: polls(), results: results() };
    while (polls() < before.polls + 3) await sleep(100);
    expect(results()).toBe(before.results);
  });

  it("passes Home Assistant's own rules with every device it announces", async () => {
    await config("sensor_0001");
    const configs = rec.messages.filter((m) => m.topic.startsWith("homeassistant/device/cloud2mqtt_meter_") && m.payload.length > 0);
    expect(configs.length).toBeGreaterThanOrEqual(5);
    for (const m of configs) expect(ha.checkDevicePayload(JSON.parse(m.payload), m.topic), m.topic).toEqual([]);
  });

  it("writes metadata that differs from the API's once, and not on every poll", async () => {
    await rec.waitFor(`${BASE}/sensor_0001/metadata`, (p) => p === "synced");
    const puts = metadataCalls("0001", "PUT");
    // property differed, appliances were not set; the geolocation was already the same.
    expect(puts.map((r) => r.path).sort()).toEqual(["/sensors/0001/metadata/appliances", "/sensors/0001/metadata/property"]);
    expect(puts.find((r) => r.path.endsWith("property"))?.body).toEqual({ ...HOME_PROPERTY, version: "1.0" });
    expect(puts.find((r) => r.path.endsWith("appliances"))?.body).toEqual({ appliances: APPLIANCES, version: "1.0" });
    expect(sim.metadata("0001")?.property).toEqual({ ...HOME_PROPERTY, version: "1.0" });
    expect(JSON.parse((await rec.waitFor(`${BASE}/sensor_0001/metadata/attributes`)).payload).message).toBe("written: property, appliances");
    const calls = metadataCalls("0001").length;
    const polls = sim.requests.filter((r) => r.path === "/sensors").length;
    while (sim.requests.filter((r) => r.path === "/sensors").length < polls + 3) await sleep(100);
    expect(metadataCalls("0001")).toHaveLength(calls);
  });

  it("reports a 403 clearly and writes the metadata later with a new token", async () => {
    await rec.waitFor(`${BASE}/sensor_1001/metadata`, (p) => p === "synced", 15_000);
    const statuses = rec.on(`${BASE}/sensor_1001/metadata`).map((m) => m.payload);
    expect(statuses).toContain("waiting_for_first_event");
    const warning = d.logs.find((l) => l.includes("metadata not written yet") && l.includes('"sensor":"1001"'));
    expect(warning).toMatch(/403 for meter 1001: it has sent no event yet/);
    const calls = metadataCalls("1001");
    expect(calls[0]?.status).toBe(403);
    // The retry came with a token obtained after the 403.
    const forbiddenAt = calls[0]!.time;
    const loginAfter = sim.requests.find((r) => r.path === "/auth/token" && r.time >= forbiddenAt);
    expect(loginAfter).toBeDefined();
    expect(calls.filter((r) => r.method === "PUT").map((r) => r.status)).toEqual([204]);
  });

  it("waits for a meter's first event, then writes its metadata with a new token and without a 403", async () => {
    expect((await rec.waitFor(`${BASE}/sensor_3001/metadata`, () => true, 3_000).catch(() => undefined))?.payload).toBeUndefined();
    expect(d.logs.join("")).toMatch(/3001 is not listed by GET \/sensors yet/);
    expect(metadataCalls("3001")).toHaveLength(0);
    const logins = sim.tokenStats.logins;
    sim.recordEvent("3001");
    await rec.waitFor(`${BASE}/sensor_3001/metadata`, (p) => p === "synced", 15_000);
    expect(sim.tokenStats.logins).toBeGreaterThan(logins);
    expect(metadataCalls("3001").map((r) => `${r.method} ${r.status}`)).toEqual(["GET 404", "PUT 204"]);
    expect(sim.metadata("3001")?.geolocation).toEqual({ latitude: 47.37, longitude: 8.54 });
  });

  it("refreshes the token before it expires, and logs in again when the refresh is refused", async () => {
    const since = Date.now();
    await waitUntil(() => sim.requests.some((r) => r.path === "/auth/token/refresh" && r.status === 200 && r.time >= since), 10_000);
    expect(sim.requests.filter((r) => r.time >= since && r.path.startsWith("/sensors") && r.status === 401)).toHaveLength(0);
    sim.revokeRefreshTokens();
    const revokedAt = Date.now();
    await waitUntil(() => sim.requests.some((r) => r.path === "/auth/token" && r.status === 200 && r.time >= revokedAt), 10_000);
    expect(sim.requests.some((r) => r.path === "/auth/token/refresh" && r.status === 401 && r.time >= revokedAt)).toBe(true);
    expect(rec.on(`${BASE}/availability`).filter((m) => m.at >= since && m.payload === "offline")).toHaveLength(0);
  });

  it("recovers from a revoked access token (401) without going offline", async () => {
    const since = Date.now();
    sim.revokeAccessTokens();
    await waitUntil(() => sim.requests.some((r) => r.time >= since && r.path.startsWith("/sensors") && r.status === 401), 5_000);
    const rejectedAt = sim.requests.find((r) => r.time >= since && r.status === 401)!.time;
    await waitUntil(() => sim.requests.some((r) => r.time > rejectedAt && r.path === "/sensors" && r.status === 200), 5_000);
    expect(rec.on(`${BASE}/availability`).filter((m) => m.at >= since && m.payload === "offline")).toHaveLength(0);
  });

  it("goes offline during a cloud outage (500) and back online, while myBeNext stays online", async () => {
    const since = Date.now();
    sim.faults.status500 = true;
    await rec.waitFor(`${BASE}/availability`, (p) => p === "offline", 30_000, since);
    // The sensors, or the token endpoint when the short-lived token was due.
    expect(source("meter").last_error).toMatch(/HTTP 500 from (GET .*\/sensors|POST .*\/auth\/token)/);
    expect(source("home").state).toBe("online");
    sim.faults.status500 = false;
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 30_000, since);
    expect(rec.on("cloud2mqtt/home/availability").filter((m) => m.at >= since && m.payload === "offline")).toHaveLength(0);
    expect(d.logs.filter((l) => l.includes('"source":"meter"') && l.includes('"msg":"poll failed"') && l.includes('"level":"warn"'))).toHaveLength(1);
  });

  it("names the request and what was expected when a body is malformed", async () => {
    const since = Date.now();
    sim.faults.malformed = true;
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => /unexpected response from (GET \/sensors: expected a JSON array of sensor ids|POST \/auth\/token(\/refresh)?: expected JSON)/.test(JSON.parse(p).sources.find((s: Json) => s.id === "meter")?.last_error ?? ""), 15_000, since);
    sim.faults.malformed = false;
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => JSON.parse(p).sources.find((s: Json) => s.id === "meter")?.last_error === null, 30_000, Date.now());
  });

  it("follows a sensor's connection, and clears the device of a sensor that leaves the account", async () => {
    const since = Date.now();
    sim.setConnectionState("0001", "disconnected");
    expect((await rec.waitFor(`${BASE}/sensor_0001/connectivity`, (p) => p === "OFF", 10_000, since)).payload).toBe("OFF");
    sim.setConnectionState("0001", "connected");
    await rec.waitFor(`${BASE}/sensor_0001/connectivity`, (p) => p === "ON", 10_000, since);
    sim.removeSensor("0002");
    await rec.waitFor(cfgTopic("sensor_0002"), (p) => p === "", 10_000, since);
    expect(rec.messages.filter((m) => m.at >= since && m.topic.startsWith(`${BASE}/sensor_0002/`)).every((m) => m.payload === "")).toBe(true);
  });

  it("refuses writes to its read-only entities", async () => {
    const since = Date.now();
    await rec.publish(`${BASE}/sensor_0001/firmware/set`, "1");
    const result = JSON.parse((await rec.waitFor(`${BASE}/sensor_0001/firmware/set/result`, () => true, 5_000, since)).payload);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining("not writable") });
    expect(sim.requests.filter((r) => r.time >= since && r.method === "PUT")).toHaveLength(0);
  });

  it("never lets the client secret or a token reach the logs or MQTT", () => {
    const everything = [...d.logs, ...rec.messages.map((m) => `${m.topic} ${m.payload}`)].join("\n");
    expect(d.logs.length).toBeGreaterThan(20);
    expect(everything).not.toContain("demo-secret");
    const issued = sim.requests.filter((r) => r.path.startsWith("/sensors")).map((r) => (r.headers.authorization ?? "").replace(/^Bearer /, "")).filter((t) => t.length > 8);
    expect(issued.length).toBeGreaterThan(10);
    for (const token of new Set(issued)) expect(everything).not.toContain(token);
  });

  async function fetchJson(path: string): Promise<unknown> {
    const token = (await (await fetch(`${sim.url}/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ grant_type: "client_credentials", client_id: "demo-client", client_secret: "demo-secret" }) })).json()) as Json;
    return (await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token.access_token}` } })).json();
  }
});

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(50);
  }
}
