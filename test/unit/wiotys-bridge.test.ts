/**
 * The Wiotys bridge against its simulator, without MQTT: hierarchy, entities, batching, paging,
 * selections, tokens, body-form detection and error paths, each poll counted in the request log.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WiotysBridge } from "../../src/bridges/wiotys/bridge.js";
import { wiotys } from "../../src/bridges/wiotys/definition.js";
import { deviceConfig, discoveryTopic } from "../../src/discovery/payload.js";
import type { Device } from "../../src/model/index.js";
import { Topics } from "../../src/mqtt/topics.js";
import { describeHttpError } from "../../src/http/client.js";
import { WIOTYS_IDS, startWiotysSimulator, type WiotysSimulator, type WiotysSimulatorOptions } from "../../src/simulators/wiotys/index.js";
import { bridgeContext } from "../helpers/bridge.js";
import { checkDevicePayload } from "../helpers/ha-rules.js";

const D = WIOTYS_IDS.devices;
const S = WIOTYS_IDS.sites;
const C = WIOTYS_IDS.customers;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function source(sim: WiotysSimulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = sim.credentials;
  return { base_url: sim.url, keycloak_url: sim.url, realm: sim.realm, client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password, corporate_account: "SoLink", requests_per_second: 100, ...extra };
}

function bridge(sim: WiotysSimulator, extra: Record<string, unknown> = {}, state?: Map<string, unknown>) {
  const ctx = bridgeContext(wiotys, source(sim, extra), state);
  return { ctx, bridge: wiotys.create(ctx) as WiotysBridge };
}

const lastValuePuts = (sim: WiotysSimulator) => sim.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/last-values"));
const byKey = (devices: Device[], key: string): Device => {
  const d = devices.find((x) => x.key === key);
  if (!d) throw new Error(`no device ${key} in ${devices.map((x) => x.key).join(", ")}`);
  return d;
};
const entity = (d: Device, key: string) => {
  const e = d.entities.find((x) => x.key === key);
  if (!e) throw new Error(`no entity ${key} in ${d.key}`);
  return e;
};

describe("Wiotys bridge against the simulator", () => {
  let sim: WiotysSimulator;
  const extra: WiotysSimulator[] = [];
  const start = async (o: WiotysSimulatorOptions): Promise<WiotysSimulator> => {
    const s = await startWiotysSimulator(o);
    extra.push(s);
    return s;
  };

  beforeAll(async () => {
    sim = await startWiotysSimulator({ timeScale: 60 });
  });
  afterAll(async () => {
    await sim.close();
    await Promise.all(extra.map((s) => s.close()));
  });
  afterEach(() => {
    sim.resetFaults();
  });

  it("maps the hierarchy: customers → sites → gateways → devices, via_device all the way", async () => {
    const { bridge: b } = bridge(sim);
    const { devices, readings } = await b.poll();
    const keys = devices.map((d) => d.key);
    expect(keys).toHaveLength(2 + 4 + 7);
    const masterys = byKey(devices, D.masterysCds);
    expect(masterys).toMatchObject({ vendorId: D.masterysCds, name: "Masterys U2 CDS", manufacturer: "Socomec", model: "Masterys", serialNumber: "P486271001", viaDevice: D.gatewayCds });
    expect(byKey(devices, D.gatewayCds).viaDevice).toBe(`site_${S.benfeldCds}`);
    expect(byKey(devices, D.delphysKoeln).viaDevice).toBe(`site_${S.koeln}`);
    expect(byKey(devices, `site_${S.benfeldCds}`)).toMatchObject({ name: "(FR) Benfeld CDS", model: "Wiotys site", viaDevice: `customer_${C.frSocomec}` });
    expect(byKey(devices, `customer_${C.frSocomec}`)).toMatchObject({ name: "FR_Socomec", model: "Wiotys customer" });
    expect(readings).toContainEqual({ device: `site_${S.benfeldU3}`, entity: "devices", value: 3 });
    expect(readings).toContainEqual({ device: `customer_${C.frSocomec}`, entity: "sites", value: 3 });
    // Every via_device names a device of the same poll.
    for (const d of devices) if (d.viaDevice) expect(keys).toContain(d.viaDevice);
  });

  it("maps variables to entities and last values to readings", async () => {
    const { bridge: b } = bridge(sim);
    const { devices, readings } = await b.poll();
    const ups = byKey(devices, D.delphysU3);
    expect(entity(ups, "Global_0_140100")).toMatchObject({ name: "Ups output global load rate", kind: "sensor", unit: "%", stateClass: "measurement" });
    // The variable's unit is null (as in the seed); the last value says AMPERE.
    expect(entity(ups, "Global_0_140108")).toMatchObject({ name: "Ups output current L3", deviceClass: "current", unit: "A", stateClass: "measurement" });
    expect(entity(ups, "Global_0_140110")).toMatchObject({ deviceClass: "power", unit: "kW" });
    expect(entity(ups, "Global_0_140200")).toMatchObject({ deviceClass: "temperature", unit: "°C" });
    expect(entity(ups, "Global_0_140302")).toMatchObject({ deviceClass: "battery", unit: "%" });
    expect(entity(ups, "Global_0_141900")).toMatchObject({ deviceClass: "energy", unit: "kWh", stateClass: "total_increasing" });
    expect(entity(ups, "Global_0_150001")).toMatchObject({ kind: "binary_sensor", deviceClass: "problem", name: "Ups general alarm" });
    expect(entity(ups, "Unit_1_140400")).toMatchObject({ name: "Unit rectifier temperature (Unit 2)", deviceClass: "temperature" });
    expect(entity(ups, "Global_0_140001")).toMatchObject({ kind: "sensor", category: "diagnostic" });
    expect(entity(ups, "last_update")).toMatchObject({ deviceClass: "timestamp", category: "diagnostic" });
    const meter = byKey(devices, D.dirisU3);
    expect(entity(meter, "Global_0_120200")).toMatchObject({ deviceClass: "energy", unit: "kWh", stateClass: "total_increasing" });
    expect(entity(meter, "Global_0_120123")).toMatchObject({ deviceClass: "power_factor" });
    expect(entity(meter, "Global_0_120121")).toMatchObject({ deviceClass: "reactive_power", unit: "kvar" });
    expect(entity(byKey(devices, D.gatewayU3), "Global_0_160010")).toMatchObject({ deviceClass: "signal_strength", unit: "dBm" });

    const value = (device: string, key: string) => readings.find((r) => r.device === device && r.entity === key)?.value;
    expect(typeof value(D.delphysU3, "Global_0_140108")).toBe("number");
    expect(typeof value(D.delphysU3, "Global_0_150001")).toBe("boolean");
    expect(value(D.delphysU3, "Global_0_140001")).toBe("V3.12.4");
    expect(value(D.delphysU3, "last_update")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(value(D.delphysU3, "Global_0_140300")).toBe(184);
  });

  it("produces discovery payloads Home Assistant accepts", async () => {
    const { bridge: b } = bridge(sim);
    const { devices } = await b.poll();
    const ctx = { prefix: "homeassistant", topics: new Topics("cloud2mqtt") };
    for (const d of devices) {
      const payload = JSON.parse(JSON.stringify(deviceConfig(ctx, "ups", d))) as unknown;
      expect(checkDevicePayload(payload, discoveryTopic(ctx, "ups", d.key)), d.key).toEqual([]);
    }
  });

  it("makes ceil(N / batch_size) last-values requests per poll, never one per device, and reads the hierarchy once", async () => {
    const s = await start({ extraDevices: 10 });
    const { bridge: b } = bridge(s, { batch_size: 4 });
    const n = s.deviceUuids().length;
    expect(n).toBe(17);
    const first = await b.poll();
    expect(lastValuePuts(s)).toHaveLength(Math.ceil(n / 4));
    const sent = lastValuePuts(s).map((r) => (r.body as { deviceUuids: string[] }).deviceUuids);
    expect(sent.every((batch) => batch.length <= 4)).toBe(true);
    expect(new Set(sent.flat())).toEqual(new Set(s.deviceUuids()));
    expect(first.devices.filter((d) => d.model === "Diris A-10")).toHaveLength(11);
    expect(s.requests.some((r) => /\/devices\/[^/]+\/last-values$/.test(r.path))).toBe(false);

    s.clearRequests();
    await b.poll();
    expect(lastValuePuts(s)).toHaveLength(5);
    expect(s.requests).toHaveLength(5);

    const { bridge: one } = bridge(s, { batch_size: 50 });
    await one.poll();
    s.clearRequests();
    await one.poll();
    expect(lastValuePuts(s)).toHaveLength(1);
  });

  it("pages customers, sites, devices and variables with take/skip until total", async () => {
    const s = await start({ extraDevices: 5 });
    const { bridge: b } = bridge(s, { page_size: 2 });
    const { devices } = await b.poll();
    const pages = s.requests.filter((r) => r.path.endsWith("/devices") && r.query.siteUuid === S.huttenheim);
    expect(pages.map((r) => [r.query.take, r.query.skip])).toEqual([
      ["2", "0"],
      ["2", "2"],
      ["2", "4"],
    ]);
    expect(devices.filter((d) => d.viaDevice === `site_${S.huttenheim}`)).toHaveLength(6);
    expect(s.requests.filter((r) => r.path.endsWith("/customers")).map((r) => r.query.skip)).toEqual(["0"]);
    const variablePages = s.requests.filter((r) => r.path.endsWith(`/devices/${D.delphysU3}/variables`));
    expect(variablePages.length).toBe(Math.ceil(30 / 2));
    expect(byKey(devices, D.delphysU3).entities).toHaveLength(31);
  });

  it("follows a server that cuts take down to its maximum", async () => {
    const s = await start({ extraDevices: 12, maxTake: 5 });
    const { bridge: b } = bridge(s, { page_size: 50 });
    const { devices } = await b.poll();
    expect(devices.filter((d) => d.viaDevice === `site_${S.huttenheim}`)).toHaveLength(13);
    const pages = s.requests.filter((r) => r.path.endsWith("/devices") && r.query.siteUuid === S.huttenheim);
    expect(pages.map((r) => r.query.skip)).toEqual(["0", "5", "10"]);
  });

  it("selects customers, sites, devices and variables from the config", async () => {
    const keysOf = async (extra: Record<string, unknown>) => (await bridge(sim, extra).bridge.poll()).devices.map((d) => d.key);
    expect(await keysOf({ customers: ["DE_*"] })).toEqual([`customer_${C.deSocomec}`, `site_${S.koeln}`, D.delphysKoeln]);
    expect((await keysOf({ sites: ["FR_Benfeld_CDS"] })).sort()).toEqual([`customer_${C.frSocomec}`, `site_${S.benfeldCds}`, D.gatewayCds, D.masterysCds].sort());
    const bySerial = await bridge(sim, { devices: ["1D15350041"] }).bridge.poll();
    expect(bySerial.devices.filter((d) => !d.key.includes("_"))).toHaveLength(1);
    expect(byKey(bySerial.devices, D.delphysU3).viaDevice).toBe(`site_${S.benfeldU3}`);

    const alarms = byKey((await bridge(sim, { devices: [D.delphysU3], service_types: ["Alarm"] }).bridge.poll()).devices, D.delphysU3);
    expect(alarms.entities.map((e) => e.key)).toEqual(["Global_0_150001", "Global_0_150010", "Global_0_150020", "Unit_0_150030", "Unit_1_150030", "last_update"]);
    const picked = byKey((await bridge(sim, { devices: ["Delphys GP2*"], variables: ["Global|0|140100"], service_ids: [140100, "141900"] }).bridge.poll()).devices, D.delphysU3);
    expect(picked.entities.map((e) => e.key)).toEqual(["Global_0_140100", "last_update"]);
    const unit2 = byKey((await bridge(sim, { devices: [D.delphysU3], items: ["Unit|1"] }).bridge.poll()).devices, D.delphysU3);
    expect(unit2.entities.map((e) => e.key)).toEqual(["Unit_1_140400", "Unit_1_140401", "Unit_1_150030", "last_update"]);
  });

  it("says what there is when a selection matches nothing, or the corporate account is ambiguous", async () => {
    await expect(bridge(sim, { customers: ["ACME"] }).bridge.poll()).rejects.toThrow(/customers: nothing in corporate account SoLink matches \["ACME"\] \(available: FR_Socomec, DE_Socomec\)/);
    await expect(bridge(sim, { sites: ["Paris"] }).bridge.poll()).rejects.toThrow(/sites: nothing .* \(available: .*Benfeld CDS/);
    await expect(bridge(sim, { devices: ["nope"] }).bridge.poll()).rejects.toThrow(/devices: nothing/);
    await expect(bridge(sim, { corporate_account: undefined }).bridge.poll()).rejects.toThrow(/sees 2 corporate accounts .*set corporate_account/);
    await expect(bridge(sim, { corporate_account: "Nope" }).bridge.poll()).rejects.toThrow(/corporate_account "Nope" is not among/);
    const lab = await bridge(sim, { corporate_account: WIOTYS_IDS.ca.lab }).bridge.poll();
    expect(lab.devices.map((d) => d.key)).toContain(D.dirisLab);
  });

  it("logs in once, registers the tokens as secrets, refreshes before expiry, logs in again when the refresh token has expired", async () => {
    const s = await start({ accessTokenLifetime: 2, refreshTokenLifetime: 4 });
    const { bridge: b, ctx } = bridge(s);
    await b.poll();
    await b.poll();
    expect(s.grants).toEqual({ password: 1, refresh_token: 0 });
    expect(ctx.secrets.length).toBe(2);
    expect(s.issuedTokens()).toEqual(expect.arrayContaining(ctx.secrets));
    const form = s.requests.find((r) => r.path.endsWith("/token"))!;
    expect(form.headers["content-type"]).toContain("application/x-www-form-urlencoded");
    expect(form.body).toMatchObject({ grant_type: "password", client_id: s.credentials.clientId, username: s.credentials.username });

    await sleep(2_000);
    await b.poll();
    expect(s.grants).toEqual({ password: 1, refresh_token: 1 });
    expect(b.client.auth.stats).toMatchObject({ logins: 1, refreshes: 1, failedRefreshes: 0 });
    expect(s.requests.filter((r) => r.status === 401)).toHaveLength(0);

    // Idle longer than the refresh token lives: the bridge knows and logs in, without trying it.
    await sleep(4_100);
    await b.poll();
    expect(s.grants).toEqual({ password: 2, refresh_token: 1 });
    expect(b.client.auth.stats.failedRefreshes).toBe(0);
    expect(ctx.logs.join("")).not.toContain(s.credentials.password);
  });

  it("recovers from revoked tokens: the 401 leads to a refused refresh, then one login", async () => {
    const s = await start({});
    const { bridge: b, ctx } = bridge(s);
    await b.poll();
    s.revokeSessions();
    s.clearRequests();
    await b.poll();
    expect(s.grants).toEqual({ password: 2, refresh_token: 0 });
    const statuses = s.requests.map((r) => `${r.method} ${r.path.replace(/.*\//, "")} ${r.status} ${(r.body as { grant_type?: string })?.grant_type ?? ""}`.trim());
    expect(statuses).toEqual(["PUT last-values 401", "POST token 400 refresh_token", "POST token 200 password", "PUT last-values 200"]);
    expect(b.client.auth.stats).toMatchObject({ logins: 2, failedRefreshes: 1 });
    expect(ctx.logs.join("")).toContain("token refresh failed: logging in again");
  });

  it("names the problem when Keycloak refuses the login, without the password", async () => {
    const { bridge: b, ctx } = bridge(sim, { password: "wrong-password-123" });
    const error = (await b.poll().then(() => new Error("no error"), (e: unknown) => e)) as Error;
    expect(error.message).toMatch(/Keycloak refused the password grant \(HTTP 401: invalid_grant, Invalid user credentials\): check client_id, client_secret, username and password/);
    expect(error.message).not.toContain("wrong-password-123");
    expect(ctx.logs.join("")).not.toContain("wrong-password-123");
  });

  it("names the request and what it expected when a body is malformed", async () => {
    const { bridge: b } = bridge(sim);
    await b.poll();
    sim.faults.malformed = true;
    await expect(b.poll()).rejects.toThrow(/unexpected response from PUT \/api\/v1\/ca\/3756c84b-8697-446f-9ca3-931b3681f908\/last-values: expected JSON/);
    sim.resetFaults();
    sim.faults.malformed = true;
    sim.faults.pathFilter = "/variables";
    await expect(bridge(sim).bridge.poll()).rejects.toThrow(/unexpected response from GET \/api\/v1\/ca\/.*\/devices\/.*\/variables: expected JSON/);
  });

  it("describes a device by its last values when its variables cannot be read", async () => {
    sim.faults.notFound = true;
    sim.faults.pathFilter = `/devices/${D.delphysU3}/variables`;
    const { bridge: b, ctx } = bridge(sim, { service_types: ["Measure", "Alarm"] });
    const { devices, readings } = await b.poll();
    const ups = byKey(devices, D.delphysU3);
    expect(entity(ups, "Global_0_140108")).toMatchObject({ name: "Ups output current L3", deviceClass: "current", unit: "A", stateClass: "measurement" });
    expect(entity(ups, "Global_0_150001")).toMatchObject({ kind: "binary_sensor", deviceClass: "problem" });
    expect(ups.entities.some((e) => e.key === "Global_0_141900")).toBe(false); // a Counter, not selected
    expect(readings.some((r) => r.device === D.delphysU3 && r.entity === "Global_0_140108" && typeof r.value === "number")).toBe(true);
    expect(byKey(devices, D.masterysCds).entities.length).toBeGreaterThan(20);
    expect(ctx.logs.join("")).toContain("variables of a device not readable");
  });

  it("reports a pinned last-values body form that the API refuses", async () => {
    const s = await start({ lastValuesBody: "array" });
    const { bridge: b } = bridge(s, { last_values_body: "device_uuids" });
    const error = await b.poll().catch((e: unknown) => e);
    expect(describeHttpError(error)).toMatch(/^HTTP 400 from PUT http:\/\/127\.0\.0\.1:\d+\/api\/v1\/ca\/[0-9a-f-]+\/last-values: Bad Request/);
    expect(lastValuePuts(s)).toHaveLength(1);
  });

  it("finds the last-values body form the API takes and remembers it", async () => {
    const s = await start({ lastValuesBody: "devices" });
    const state = new Map<string, unknown>();
    const { bridge: b } = bridge(s, {}, state);
    await b.poll();
    expect(lastValuePuts(s).map((r) => r.status)).toEqual([400, 200]);
    expect(lastValuePuts(s)[1]!.body).toEqual({ devices: expect.arrayContaining([{ deviceUuid: D.delphysU3 }]) });
    expect(state.get("last_values_format")).toBe("devices");
    s.clearRequests();
    const { bridge: restarted } = bridge(s, {}, state);
    await restarted.poll();
    expect(lastValuePuts(s).map((r) => r.status)).toEqual([200]);
  });

  it("keeps to the rate limit it is given", async () => {
    const s = await start({ rateLimitPerSecond: 10 });
    const { bridge: b } = bridge(s, { requests_per_second: 8 });
    await b.poll();
    expect(s.requests.filter((r) => r.status === 429)).toHaveLength(0);
    expect(s.requests.length).toBeGreaterThan(10);
  });

  it("retries a GET after a 429 with Retry-After", async () => {
    const s = await start({});
    s.faults.rateLimitNext = 1;
    const { bridge: b } = bridge(s);
    const t0 = Date.now();
    await b.poll();
    expect(s.requests.filter((r) => r.status === 429)).toHaveLength(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it("reads the hierarchy again after inventory_refresh: a removed device disappears", async () => {
    const s = await start({ extraDevices: 2 });
    const { bridge: b } = bridge(s, { inventory_refresh: "1s" });
    expect((await b.poll()).devices.map((d) => d.key)).toContain("0000e17a-0000-4000-8000-000000000002");
    s.removeDevice("0000e17a-0000-4000-8000-000000000002");
    expect((await b.poll()).devices.map((d) => d.key)).toContain("0000e17a-0000-4000-8000-000000000002");
    await sleep(1_050);
    expect((await b.poll()).devices.map((d) => d.key)).not.toContain("0000e17a-0000-4000-8000-000000000002");
  });

  it("is read-only", async () => {
    const { bridge: b } = bridge(sim);
    await expect(b.write({ device: "x", entity: "y", value: 1 })).rejects.toThrow(/read-only/);
  });
});

describe("Wiotys client against a cloud that answers other shapes", () => {
  let server: Server;
  let url = "";
  let tokenBody: unknown = {};
  let caBody: unknown = {};
  let requests = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url?.startsWith("/realms/")) res.end(typeof tokenBody === "string" ? tokenBody : JSON.stringify(tokenBody));
      else {
        requests++;
        res.end(JSON.stringify(caBody));
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const poll = () => {
    const ctx = bridgeContext(wiotys, { base_url: url, keycloak_url: url, client_id: "c", client_secret: "s3cret-value", username: "u", password: "p4ssword-value" });
    return wiotys.create(ctx).poll();
  };

  it("a token answer without access_token or expires_in", async () => {
    tokenBody = { token: "abc" };
    await expect(poll()).rejects.toThrow(/unexpected response from POST \/realms\/Socomec\/protocol\/openid-connect\/token \(password grant\): expected \{"access_token": "…", "expires_in": <seconds>, "refresh_token": "…"\}, got an object with keys token/);
  });

  it("a cut-off token answer, without quoting it (it may hold a token)", async () => {
    tokenBody = '{"access_token":"eyJhbGciOiJSUzI1NiJ9.secret-part-of-a-token';
    const error = (await poll().then(() => new Error("no error"), (e: unknown) => e)) as Error;
    expect(error.message).toMatch(/unexpected response from POST \/realms\/Socomec\/protocol\/openid-connect\/token \(password grant\): expected JSON, got 60 characters that are not JSON/);
    expect(error.message).not.toContain("secret-part");
  });

  it("a list without results, or results without uuids", async () => {
    tokenBody = { access_token: "at-123456", expires_in: 300 };
    caBody = { items: [] };
    await expect(poll()).rejects.toThrow(/unexpected response from GET \/api\/v1\/ca: expected \{"total": <n>, "results": \[\{"uuid", "name"\}, …\]\}, got an object with keys items/);
    caBody = { total: "1", results: [] };
    await expect(poll()).rejects.toThrow(/unexpected response from GET \/api\/v1\/ca: expected \{"total"/);
    caBody = { total: 1, results: [{ name: "SoLink" }] };
    await expect(poll()).rejects.toThrow(/unexpected response from GET \/api\/v1\/ca: expected results of \{"uuid", "name"\}, got an object with keys name/);
  });

  it("asks once when a list without total ignores take", async () => {
    tokenBody = { access_token: "at-123456", expires_in: 300 };
    caBody = { results: Array.from({ length: 60 }, (_, i) => ({ uuid: `ca-${i}`, name: `CA ${i}` })) };
    requests = 0;
    await expect(poll()).rejects.toThrow(/sees 60 corporate accounts/);
    expect(requests).toBe(1);
  });

  it("stops paging at a short page when there is no total", async () => {
    tokenBody = { access_token: "at-123456", expires_in: 300 };
    caBody = { results: [] };
    await expect(poll()).rejects.toThrow(/this user has access to no corporate account/);
  });
});
