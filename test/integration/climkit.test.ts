/**
 * Climkit end to end: the simulator (1 request/second, short JWTs, one-second "15-minute"
 * periods), aedes, and the daemon. Two sites with every meter type the issue names. The first
 * poll outlives its token; the second has its token revoked halfway; the simulator's log over
 * the whole run is checked for two requests of one token (or user) within a second.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meter, site, startClimkitSimulator, type ClimkitSimulator } from "../../src/simulators/climkit/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";
import * as ha from "../helpers/ha-rules.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const BASE = "cloud2mqtt/metering";
const cfgTopic = (device: string) => `homeassistant/device/cloud2mqtt_metering_${device}/config`;

const SITE_A = "64c3a0000000000000000001";
const SITE_B = "64c3a0000000000000000002";
const FLAT = "64c3a00000000000000000a1";
const RULE = "64c3a00000000000000000a3";
const HEAT = "64c3a00000000000000000b1";
const WATER = "64c3a00000000000000000b2";

describe("Climkit end to end (simulator, aedes, daemon)", () => {
  let sim: ClimkitSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;
  let firstPollDone = 0;

  const config = async (device: string): Promise<Json> => JSON.parse((await rec.waitFor(cfgTopic(device), (p) => p.length > 0)).payload);
  const info = (): Json => JSON.parse(rec.last("cloud2mqtt/bridge/info") ?? "{}").sources[0];

  beforeAll(async () => {
    sim = await startClimkitSimulator({
      sites: [
        site(SITE_A, "Les Vergers", [meter(FLAT, "electricity", "Flat A"), meter(RULE, "electricity", "Building", { is_rule_meter: true })]),
        site(SITE_B, "Chemin Vert 5", [meter(HEAT, "heating", "Heat meter"), meter(WATER, "hot_water", "Hot water")], [], {
          address: { street_name: "Chemin Vert", street_number: "5", city: "Genève", postal_code: 1205 },
        }),
      ],
      periodMs: 1_000,
      tokenLifetimeMs: 8_000,
    });
    broker = await startAedes();
    rec = await Recorder.start(broker.url);
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [{ id: "metering", type: "climkit", base_url: sim.apiUrl, username: "demo", password: "demo-password", interval: "1s", backfill: "30s", sensors: false }],
    });
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 45_000);
    firstPollDone = Date.now();
  }, 60_000);

  afterAll(async () => {
    await stopAll(d, rec, broker, sim);
  });

  it("announces sites as devices, and meters under their site, by Home Assistant's rules", async () => {
    const siteA = await config(`site_${SITE_A}`);
    expect(siteA.device).toMatchObject({ name: "Les Vergers", manufacturer: "Climkit", model: "Site", identifiers: [`cloud2mqtt_metering_site_${SITE_A}`] });
    const flat = await config(`meter_${FLAT}`);
    expect(flat.device).toMatchObject({ name: "Flat A", model: "Electricity meter (consumption)", via_device: `cloud2mqtt_metering_site_${SITE_A}` });
    expect((await config(`meter_${HEAT}`)).device.via_device).toBe(`cloud2mqtt_metering_site_${SITE_B}`);
    for (const device of [`site_${SITE_A}`, `site_${SITE_B}`, `meter_${FLAT}`, `meter_${RULE}`, `meter_${HEAT}`, `meter_${WATER}`]) {
      expect(ha.checkDevicePayload(await config(device), cfgTopic(device)), device).toEqual([]);
    }
    expect(info()).toMatchObject({ id: "metering", type: "climkit", state: "online", devices: 6, last_error: null });
  });

  it("exposes raw indexes as total_increasing energy and water the energy dashboard takes", async () => {
    const cumulative = { platform: "sensor", state_class: "total_increasing" };
    const flat = (await config(`meter_${FLAT}`)).components;
    expect(flat.en_im).toMatchObject({ ...cumulative, name: "Energy import", device_class: "energy", unit_of_measurement: "kWh" });
    expect(flat.en_ex).toMatchObject({ ...cumulative, name: "Energy export", device_class: "energy", unit_of_measurement: "kWh" });
    expect((await config(`meter_${HEAT}`)).components.heat_energy_kwh).toMatchObject({ ...cumulative, device_class: "energy", unit_of_measurement: "kWh" });
    expect((await config(`meter_${WATER}`)).components.vol_m3).toMatchObject({ ...cumulative, device_class: "water", unit_of_measurement: "m³" });
    // The rule meter has no raw data: no index entities, and it was never asked for.
    expect(Object.keys((await config(`meter_${RULE}`)).components).sort()).toEqual(["validated_ext", "validated_self", "validated_total"]);
    expect(sim.requests.some((r) => r.path.includes("/meter_data_raw/") && r.path.endsWith(RULE))).toBe(false);

    const index = Number((await rec.waitFor(`${BASE}/meter_${FLAT}/en_im`)).payload);
    expect(index).toBeGreaterThan(12_000);
    expect(Number((await rec.waitFor(`${BASE}/meter_${HEAT}/heat_energy_kwh`)).payload)).toBeGreaterThan(45_000);
    expect(Number((await rec.waitFor(`${BASE}/meter_${WATER}/vol_m3`)).payload)).toBeGreaterThan(300);
  });

  it("exposes validated meter values and site totals per meter type as cumulative sums", async () => {
    const cumulative = { platform: "sensor", state_class: "total_increasing", device_class: "energy", unit_of_measurement: "kWh" };
    const flat = (await config(`meter_${FLAT}`)).components;
    expect(flat.validated_total).toMatchObject({ ...cumulative, name: "Consumption (validated)" });
    expect(flat.validated_self).toMatchObject({ ...cumulative, name: "Self-consumption (validated)" });
    expect(flat.validated_ext).toMatchObject({ ...cumulative, name: "Grid consumption (validated)" });
    expect((await config(`meter_${WATER}`)).components.validated_total).toMatchObject({ state_class: "total_increasing", device_class: "water", unit_of_measurement: "m³" });

    const a = (await config(`site_${SITE_A}`)).components;
    expect(a.electricity_conso_total).toMatchObject({ ...cumulative, name: "Electricity consumption" });
    expect(a.electricity_prod_total).toMatchObject({ ...cumulative, name: "PV production" });
    expect(a.electricity_from_ext).toMatchObject({ ...cumulative, name: "Grid import" });
    expect(a.electricity_self).toMatchObject({ ...cumulative, name: "Self-consumption" });
    expect(a.electricity_to_ext).toMatchObject({ ...cumulative, name: "Grid export" });
    expect(a.address).toMatchObject({ platform: "sensor", entity_category: "diagnostic", json_attributes_topic: `${BASE}/site_${SITE_A}/address/attributes` });
    const b = (await config(`site_${SITE_B}`)).components;
    expect(b.heating_conso_total).toMatchObject({ ...cumulative, name: "Heating consumption" });
    expect(b.hot_water_conso_total).toMatchObject({ state_class: "total_increasing", device_class: "water", unit_of_measurement: "m³" });

    expect(Number((await rec.waitFor(`${BASE}/meter_${FLAT}/validated_total`)).payload)).toBeGreaterThan(0);
    expect(Number((await rec.waitFor(`${BASE}/site_${SITE_A}/electricity_conso_total`)).payload)).toBeGreaterThan(0);
    expect((await rec.waitFor(`${BASE}/site_${SITE_B}/address`)).payload).toBe("Chemin Vert 5, 1205 Genève");
    expect((await rec.waitFor(`${BASE}/site_${SITE_B}/timezone`)).payload).toBe("Europe/Zurich");
    expect(JSON.parse((await rec.waitFor(`${BASE}/site_${SITE_B}/address/attributes`)).payload)).toMatchObject({ city: "Genève", postal_code: "1205", timezone: "Europe/Zurich" });
  });

  it("recovers from token expiry and from a token revoked mid-poll, without going offline", async () => {
    // The first poll took longer than a token lives: it logged in again on its own.
    const firstPoll = sim.requests.filter((r) => r.time <= firstPollDone);
    expect(firstPoll.filter((r) => r.path.endsWith("/auth")).length).toBeGreaterThanOrEqual(2);
    expect(firstPoll.every((r) => r.status === 200 || r.status === 401)).toBe(true);

    // Revoke the token while the next poll is under way.
    const since = Date.now();
    while (sim.requests.filter((r) => r.time > since && r.path.includes("/meter_data")).length < 2) await sleep(50);
    sim.revokeTokens();
    const revokedAt = Date.now();
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => (JSON.parse(p).sources[0].last_poll ?? "") > new Date(revokedAt).toISOString(), 30_000, revokedAt);
    const after = sim.requests.filter((r) => r.time >= revokedAt);
    expect(after.filter((r) => r.status === 401)).toHaveLength(1);
    const rejected = after.findIndex((r) => r.status === 401);
    expect(after[rejected + 1]).toMatchObject({ path: "/api/v1/auth", status: 200 });
    expect(after[rejected + 2]).toMatchObject({ path: after[rejected]!.path, status: 200 });
    expect(rec.on(`${BASE}/availability`).filter((m) => m.payload === "offline")).toEqual([]);
    expect(info()).toMatchObject({ state: "online", last_error: null });
    expect(d.logs.join("")).toContain("access rejected (401): logging in again");
  }, 45_000);

  it("keeps counters rising from poll to poll", () => {
    const values = (topic: string) => rec.on(topic).map((m) => Number(m.payload));
    for (const topic of [`${BASE}/meter_${FLAT}/en_im`, `${BASE}/meter_${FLAT}/validated_total`, `${BASE}/site_${SITE_B}/heating_conso_total`]) {
      const seen = values(topic);
      expect(seen.length, topic).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!, topic).toBeGreaterThan(seen[i - 1]!);
    }
  });

  it("never sent two requests of one token, or of the user, within a second, over the whole run", () => {
    const all = sim.requests;
    expect(all.length).toBeGreaterThan(25);
    expect(new Set(all.filter((r) => r.path.includes("/site_data/")).map((r) => r.path.split("/")[4])).size).toBe(2); // several sites
    expect(all.filter((r) => r.status === 429)).toEqual([]);
    const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);
    for (const token of new Set(all.map((r) => r.token).filter((t) => t !== null))) {
      for (const gap of gaps(all.filter((r) => r.token === token).map((r) => r.time))) expect(gap, `token ${token}`).toBeGreaterThanOrEqual(1000);
    }
    // Stricter: every request of the user, logins included.
    for (const gap of gaps(all.map((r) => r.time))) expect(gap).toBeGreaterThanOrEqual(1000);
    expect(sim.tokensIssued).toBeGreaterThanOrEqual(3);
  });

  it("never lets the password or a token reach the logs or MQTT", () => {
    const everything = [...d.logs, ...rec.messages.map((m) => `${m.topic} ${m.payload}`)].join("\n");
    expect(d.logs.length).toBeGreaterThan(20);
    expect(everything).not.toContain("demo-password");
    for (const token of sim.issuedTokens()) {
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.split(".")[2]!);
    }
  });

  it("stops within seconds in the middle of a poll, publishing offline, without a failure", async () => {
    const since = Date.now();
    while (!sim.requests.some((r) => r.time > since && r.path.includes("/meter_data"))) await sleep(50);
    const start = Date.now();
    await d.stop();
    expect(Date.now() - start).toBeLessThan(3_000);
    await rec.waitFor("cloud2mqtt/bridge/state", (p) => p === "offline", 5_000, start);
    expect(d.logs.filter((l) => l.includes("poll failed"))).toEqual([]);
    const count = sim.requests.length;
    await sleep(1_500);
    expect(sim.requests.length).toBe(count);
  }, 20_000);
});
