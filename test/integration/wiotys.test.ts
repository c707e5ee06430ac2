/**
 * Socomec Wiotys end to end: the simulator (SoData API and Keycloak over HTTP), aedes, the daemon
 * in-process. What a user would notice: devices and entities in Home Assistant's discovery,
 * values on the state topics, availability through faults, and what the cloud saw (the request
 * log): batched last-values, paging, token refresh and re-login.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { WIOTYS_IDS, startWiotysSimulator, type RecordedRequest, type WiotysSimulator } from "../../src/simulators/wiotys/index.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { checkDevicePayload } from "../helpers/ha-rules.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const D = WIOTYS_IDS.devices;
const S = WIOTYS_IDS.sites;
const BASE = "cloud2mqtt/ups";
const BATCH = 4;
const EXTRA = 5;
const cfgTopic = (source: string, device: string) => `homeassistant/device/cloud2mqtt_${source}_${device}/config`;
const isLastValues = (r: RecordedRequest) => r.method === "PUT" && r.path.endsWith("/last-values");

function sourceFor(id: string, sim: WiotysSimulator, extra: Record<string, unknown>): Record<string, unknown> {
  const c = sim.credentials;
  return { id, type: "wiotys", interval: "1s", base_url: sim.url, keycloak_url: sim.url, realm: sim.realm, client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password, requests_per_second: 50, ...extra };
}

describe("Socomec Wiotys end to end (simulator, aedes, daemon)", () => {
  let sim: WiotysSimulator;
  let lab: WiotysSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;
  let started = 0;

  const config = async (source: string, device: string): Promise<Json> => JSON.parse((await rec.waitFor(cfgTopic(source, device), (p) => p.length > 0)).payload) as Json;
  const info = (): Json => JSON.parse(rec.last("cloud2mqtt/bridge/info") ?? "{}") as Json;
  const sourceInfo = (id: string): Json => (info().sources as Json[]).find((s) => s.id === id) ?? {};
  const offlineSince = (source: string, since: number) => rec.on(`cloud2mqtt/${source}/availability`).filter((m) => m.at >= since && m.payload === "offline");

  beforeAll(async () => {
    sim = await startWiotysSimulator({ timeScale: 120, extraDevices: EXTRA, accessTokenLifetime: 3, refreshTokenLifetime: 60 });
    lab = await startWiotysSimulator({ timeScale: 120, corporateAccounts: [WIOTYS_IDS.ca.lab] });
    broker = await startAedes();
    rec = await Recorder.start(broker.url);
    started = Date.now();
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [sourceFor("ups", sim, { corporate_account: "SoLink", page_size: 3, batch_size: BATCH }), sourceFor("lab", lab, {})],
    });
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online");
    await rec.waitFor("cloud2mqtt/lab/availability", (p) => p === "online");
  });

  afterAll(async () => {
    await stopAll(d, rec, broker, sim, lab);
  });

  it("announces UPS, meters and gateways with the entities Home Assistant should show", async () => {
    const ups = await config("ups", D.delphysU3);
    expect(ups.device).toMatchObject({
      identifiers: [`cloud2mqtt_ups_${D.delphysU3}`],
      name: "Delphys GP2 - 160 kVA",
      manufacturer: "Socomec",
      model: "Delphys GP2",
      serial_number: "1D15350041",
      via_device: `cloud2mqtt_ups_${D.gatewayU3}`,
    });
    const c = ups.components as Json;
    expect(c.Global_0_140100).toMatchObject({ platform: "sensor", name: "Ups output global load rate", unit_of_measurement: "%", state_class: "measurement", state_topic: `${BASE}/${D.delphysU3}/Global_0_140100` });
    expect(c.Global_0_140100).not.toHaveProperty("device_class");
    expect(c.Global_0_140108).toMatchObject({ platform: "sensor", device_class: "current", unit_of_measurement: "A", state_class: "measurement" });
    expect(c.Global_0_140110).toMatchObject({ device_class: "power", unit_of_measurement: "kW", state_class: "measurement" });
    expect(c.Global_0_140102).toMatchObject({ device_class: "voltage", unit_of_measurement: "V" });
    expect(c.Global_0_140115).toMatchObject({ device_class: "frequency", unit_of_measurement: "Hz" });
    expect(c.Global_0_140200).toMatchObject({ device_class: "temperature", unit_of_measurement: "°C" });
    expect(c.Global_0_140302).toMatchObject({ device_class: "battery", unit_of_measurement: "%" });
    expect(c.Global_0_140303).toMatchObject({ device_class: "duration", unit_of_measurement: "min" });
    expect(c.Global_0_141900).toMatchObject({ platform: "sensor", device_class: "energy", unit_of_measurement: "kWh", state_class: "total_increasing" });
    expect(c.Global_0_141910).toMatchObject({ device_class: "duration", unit_of_measurement: "h", state_class: "total_increasing" });
    expect(c.Global_0_150001).toMatchObject({ platform: "binary_sensor", device_class: "problem", payload_on: "ON", payload_off: "OFF" });
    expect(c.Unit_1_140400).toMatchObject({ name: "Unit rectifier temperature (Unit 2)", device_class: "temperature" });
    expect(c.last_update).toMatchObject({ platform: "sensor", device_class: "timestamp", entity_category: "diagnostic" });

    const meter = (await config("ups", D.dirisU3)).components as Json;
    expect(meter.Global_0_120200).toMatchObject({ device_class: "energy", unit_of_measurement: "kWh", state_class: "total_increasing" });
    expect(meter.Global_0_120202).toMatchObject({ unit_of_measurement: "kvarh", state_class: "total_increasing" });
    expect(meter.Global_0_120121).toMatchObject({ device_class: "reactive_power", unit_of_measurement: "kvar" });
    expect(meter.Global_0_120122).toMatchObject({ device_class: "apparent_power", unit_of_measurement: "kVA" });
    expect(meter.Global_0_120123).toMatchObject({ device_class: "power_factor" });

    const gateway = await config("ups", D.gatewayU3);
    expect(gateway.device.via_device).toBe(`cloud2mqtt_ups_site_${S.benfeldU3}`);
    const site = await config("ups", `site_${S.benfeldU3}`);
    expect(site.device).toMatchObject({ name: "(FR) Benfeld – U3", model: "Wiotys site", via_device: `cloud2mqtt_ups_customer_${WIOTYS_IDS.customers.frSocomec}` });
    expect((await config("ups", D.delphysKoeln)).device.via_device).toBe(`cloud2mqtt_ups_site_${S.koeln}`);
  });

  it("announces only what Home Assistant accepts", async () => {
    await config("ups", D.masterysCds);
    const configs = rec.messages.filter((m) => m.topic.startsWith("homeassistant/device/cloud2mqtt_") && m.payload.length > 0);
    expect(configs.length).toBeGreaterThanOrEqual(2 + 4 + 7 + EXTRA);
    for (const m of configs) expect(checkDevicePayload(JSON.parse(m.payload), m.topic), m.topic).toEqual([]);
  });

  it("publishes values as plain text: numbers, ON/OFF, timestamps; counters rise", async () => {
    expect(Number((await rec.waitFor(`${BASE}/${D.delphysU3}/Global_0_140108`)).payload)).toBeGreaterThan(0);
    expect(["ON", "OFF"]).toContain((await rec.waitFor(`${BASE}/${D.delphysU3}/Global_0_150001`)).payload);
    expect((await rec.waitFor(`${BASE}/${D.delphysU3}/last_update`)).payload).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect((await rec.waitFor(`${BASE}/site_${S.huttenheim}/devices`)).payload).toBe(String(1 + EXTRA));
    const topic = `${BASE}/${D.dirisU3}/Global_0_120200`;
    const first = Number((await rec.waitFor(topic)).payload);
    const later = await rec.waitFor(topic, (p) => Number(p) !== first, 10_000);
    expect(Number(later.payload)).toBeGreaterThan(first);

    const since = Date.now();
    lab.setValue(D.dirisLab, "Global|0|150101", "1");
    await rec.waitFor(`cloud2mqtt/lab/${D.dirisLab}/Global_0_150101`, (p) => p === "ON", 10_000, since);
  });

  it(`reads current values with ceil(N / ${BATCH}) bulk last-values requests per poll`, async () => {
    const n = sim.deviceUuids().length;
    expect(n).toBe(7 + EXTRA);
    await sleep(2_000);
    const puts = sim.requests.filter((r) => r.time >= started && isLastValues(r));
    // A poll sends its batches together; polls are at least a second apart.
    const polls: RecordedRequest[][] = [];
    for (const r of puts) {
      const current = polls.at(-1);
      if (current && r.time - current[0]!.time < 500) current.push(r);
      else polls.push([r]);
    }
    // The last poll may still be sending.
    polls.pop();
    expect(polls.length).toBeGreaterThanOrEqual(2);
    for (const poll of polls) {
      expect(poll).toHaveLength(Math.ceil(n / BATCH));
      const uuids = poll.flatMap((r) => (r.body as { deviceUuids: string[] }).deviceUuids);
      expect(uuids.length).toBe(n);
      expect(new Set(uuids)).toEqual(new Set(sim.deviceUuids()));
      expect(poll.every((r) => r.status === 200)).toBe(true);
    }
    expect(sim.requests.some((r) => /\/devices\/[^/]+\/last-values$/.test(r.path))).toBe(false);
  });

  it("pages until every device of a site with more than one page is there", async () => {
    const pages = sim.requests.filter((r) => r.path.endsWith("/devices") && r.query.siteUuid === S.huttenheim && r.time >= started);
    expect(pages.map((r) => r.query.skip)).toEqual(["0", "3"]);
    expect(pages.every((r) => r.query.take === "3")).toBe(true);
    for (const uuid of sim.deviceUuids().filter((u) => sim.device(u)?.siteUuid === S.huttenheim)) {
      expect((await config("ups", uuid)).device.via_device).toBe(`cloud2mqtt_ups_site_${S.huttenheim}`);
    }
    expect(sourceInfo("ups").devices).toBe(2 + 4 + 7 + EXTRA);
  });

  it("refreshes the access token before it expires, without a new login or a 401", async () => {
    while (sim.grants.refresh_token < 2) await sleep(200);
    expect(sim.grants.password).toBe(1);
    expect(sim.requests.filter((r) => r.path.startsWith("/api/") && r.status === 401)).toHaveLength(0);
    const refreshes = sim.requests.filter((r) => (r.body as Json | undefined)?.grant_type === "refresh_token");
    expect(refreshes.every((r) => r.headers["content-type"]?.includes("application/x-www-form-urlencoded"))).toBe(true);
    expect(offlineSince("ups", started)).toHaveLength(0);
  });

  it("recovers from an access token the cloud expired early with one refresh, not a login", async () => {
    const since = Date.now();
    const { password, refresh_token: refreshes } = sim.grants;
    sim.expireAccessTokens();
    while (sim.requests.filter((r) => r.time >= since && r.status === 401).length === 0) await sleep(100);
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => (JSON.parse(p) as Json).sources[0].last_poll > new Date(since + 1_000).toISOString(), 10_000, since);
    expect(sim.grants.password).toBe(password);
    expect(sim.grants.refresh_token).toBeGreaterThan(refreshes);
    const after = sim.requests.filter((r) => r.time >= since);
    expect(after.filter((r) => r.status === 401)).toHaveLength(1);
    expect(after.filter((r) => r.path.endsWith("/token") && r.status !== 200)).toHaveLength(0);
    expect(offlineSince("ups", since)).toHaveLength(0);
  });

  it("logs in once when the refresh token has expired, and stays online", async () => {
    const since = Date.now();
    const logins = sim.grants.password;
    sim.expireRefreshTokens();
    sim.expireAccessTokens();
    while (sim.grants.password === logins) await sleep(100);
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => (JSON.parse(p) as Json).sources[0].last_poll > new Date(since + 1_000).toISOString(), 10_000, since);
    expect(sim.grants.password).toBe(logins + 1);
    const after = sim.requests.filter((r) => r.time >= since);
    expect(after.filter((r) => r.status === 401)).toHaveLength(1);
    expect(after.filter((r) => r.path.endsWith("/token") && r.status === 400)).toHaveLength(1);
    expect(offlineSince("ups", since)).toHaveLength(0);
    expect(d.logs.join("")).toContain("token refresh failed: logging in again");
  });

  it("turns the source offline on HTTP 500 and back online, while the other source stays online", async () => {
    const since = Date.now();
    sim.faults.status500 = true;
    try {
      await rec.waitFor(`${BASE}/availability`, (p) => p === "offline", 20_000, since);
      await rec.waitFor("cloud2mqtt/bridge/info", (p) => (JSON.parse(p) as Json).sources[0].state === "offline", 5_000, since);
      // The 500 hits the last-values PUT, or the token refresh that a 3 s token needs meanwhile.
      expect(sourceInfo("ups")).toMatchObject({ state: "offline", last_error: expect.stringMatching(/^HTTP 500 from (PUT .*\/last-values|POST .*\/openid-connect\/token)/) });
      expect(sourceInfo("lab").state).toBe("online");
    } finally {
      sim.faults.status500 = false;
    }
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 20_000, since);
    expect(offlineSince("lab", started)).toHaveLength(0);
    expect(rec.last("cloud2mqtt/bridge/state")).toBe("online");
  });

  it("turns the source offline on a malformed body, naming the request, and back online", async () => {
    const since = Date.now();
    sim.faults.malformed = true;
    sim.faults.pathFilter = "/api/";
    try {
      await rec.waitFor(`${BASE}/availability`, (p) => p === "offline", 20_000, since);
      await rec.waitFor("cloud2mqtt/bridge/info", (p) => (JSON.parse(p) as Json).sources[0].state === "offline", 5_000, since);
      expect(sourceInfo("ups").last_error).toMatch(/^unexpected response from PUT \/api\/v1\/ca\/[0-9a-f-]+\/last-values: expected JSON, got text/);
    } finally {
      sim.resetFaults();
    }
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online", 20_000, since);
    expect(sourceInfo("ups").last_error).toBeNull();
    expect(offlineSince("lab", started)).toHaveLength(0);
  });

  it("never lets a password, client secret or token reach the logs or MQTT", () => {
    const everything = [...d.logs, ...rec.messages.map((m) => `${m.topic} ${m.payload}`)].join("\n");
    expect(d.logs.length).toBeGreaterThan(5);
    for (const s of [sim, lab]) {
      expect(everything).not.toContain(s.credentials.password);
      expect(everything).not.toContain(s.credentials.clientSecret);
      const tokens = s.issuedTokens();
      expect(tokens.length).toBeGreaterThan(0);
      for (const t of tokens) expect(everything.includes(t), "a token leaked").toBe(false);
    }
  });
});
