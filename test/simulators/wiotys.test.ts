import { beforeAll, describe, expect, it } from "vitest";
import { WIOTYS_IDS, startWiotysSimulator, type WiotysSimulator } from "../../src/simulators/wiotys/index.js";
import { closeAfterAllAndResetFaults } from "../helpers/simulator-tests.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Obj;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const CA = WIOTYS_IDS.ca.solink;
const D = WIOTYS_IDS.devices;

async function token(sim: WiotysSimulator, fields: Record<string, string> = {}, init: { path?: string; method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const c = sim.credentials;
  const form = new URLSearchParams({ grant_type: "password", client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password, ...fields });
  for (const [k, v] of Object.entries(fields)) if (v === "") form.delete(k);
  const res = await fetch(`${sim.url}${init.path ?? `/realms/${sim.realm}/protocol/openid-connect/token`}`, {
    method: init.method ?? "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...init.headers },
    body: (init.method ?? "POST") === "POST" ? form.toString() : undefined,
  });
  return answer(res);
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: Obj = {};
  try {
    json = JSON.parse(text) as Obj;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe("Wiotys simulator", () => {
  let sim: WiotysSimulator;
  let bearer = "";

  const api = async (path: string, init: { method?: string; body?: unknown; auth?: string | null } = {}): Promise<Answer> => {
    const headers: Record<string, string> = {};
    const auth = init.auth === undefined ? `Bearer ${bearer}` : init.auth;
    if (auth !== null) headers.authorization = auth;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${sim.url}/api/v1/${path}`, { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    return answer(res);
  };

  beforeAll(async () => {
    sim = await startWiotysSimulator({ timeScale: 600, extraDevices: 60 });
    bearer = (await token(sim)).json.access_token as string;
  });
  closeAfterAllAndResetFaults(() => sim);

  describe("Keycloak", () => {
    it("answers the password grant like the seed: access 300 s, refresh 1800 s, Bearer", async () => {
      const a = await token(sim);
      expect(a.status).toBe(200);
      expect(a.json).toMatchObject({ expires_in: 300, refresh_expires_in: 1800, token_type: "Bearer", "not-before-policy": 0, scope: "email profile" });
      expect(a.json.access_token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(a.json.refresh_token).toMatch(/^eyJ/);
      expect(a.json.session_state).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.headers.get("cache-control")).toBe("no-store");
      const last = sim.requests.at(-1)!;
      expect(last.body).toMatchObject({ grant_type: "password", username: sim.credentials.username });
    });

    it("refuses wrong client credentials, a wrong password, a missing or unknown grant, another realm, GET", async () => {
      expect(await token(sim, { client_secret: "nope" })).toMatchObject({ status: 401, json: { error: "unauthorized_client" } });
      expect(await token(sim, { client_id: "other" })).toMatchObject({ status: 401, json: { error: "invalid_client" } });
      expect(await token(sim, { password: "wrong" })).toMatchObject({ status: 401, json: { error: "invalid_grant", error_description: "Invalid user credentials" } });
      expect(await token(sim, { grant_type: "" })).toMatchObject({ status: 400, json: { error: "invalid_request" } });
      expect(await token(sim, { grant_type: "client_credentials" })).toMatchObject({ status: 400, json: { error: "unsupported_grant_type" } });
      expect((await token(sim, {}, { path: "/realms/master/protocol/openid-connect/token" })).status).toBe(404);
      expect((await token(sim, {}, { method: "GET" })).status).toBe(405);
    });

    it("takes the client credentials as HTTP Basic too", async () => {
      const c = sim.credentials;
      const basic = `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString("base64")}`;
      expect((await token(sim, { client_id: "", client_secret: "" }, { headers: { authorization: basic } })).status).toBe(200);
    });

    it("refreshes with the refresh grant; an expired or revoked refresh token is 'not active'", async () => {
      const first = (await token(sim)).json;
      const refreshed = await token(sim, { grant_type: "refresh_token", refresh_token: first.refresh_token, username: "", password: "" });
      expect(refreshed.status).toBe(200);
      expect(refreshed.json.access_token).not.toBe(first.access_token);
      expect(refreshed.json.refresh_token).not.toBe(first.refresh_token);
      expect((await api("ca", { auth: `Bearer ${refreshed.json.access_token}` })).status).toBe(200);

      sim.expireRefreshTokens();
      const expired = await token(sim, { grant_type: "refresh_token", refresh_token: refreshed.json.refresh_token, username: "", password: "" });
      expect(expired).toMatchObject({ status: 400, json: { error: "invalid_grant", error_description: "Token is not active" } });
      expect((await api("ca", { auth: `Bearer ${refreshed.json.access_token}` })).status).toBe(200);

      const again = (await token(sim)).json;
      sim.revokeSessions();
      expect((await api("ca", { auth: `Bearer ${again.access_token}` })).status).toBe(401);
      expect((await token(sim, { grant_type: "refresh_token", refresh_token: again.refresh_token, username: "", password: "" })).status).toBe(400);
      bearer = (await token(sim)).json.access_token as string;
    });

    it("lets access tokens expire after their lifetime", async () => {
      const s = await startWiotysSimulator({ accessTokenLifetime: 1, refreshTokenLifetime: 2 });
      try {
        const t = (await token(s)).json;
        expect(t).toMatchObject({ expires_in: 1, refresh_expires_in: 2 });
        const get = () => fetch(`${s.url}/api/v1/ca`, { headers: { authorization: `Bearer ${t.access_token}` } });
        expect((await get()).status).toBe(200);
        await sleep(1_100);
        const late = await get();
        expect(late.status).toBe(401);
        expect(late.headers.get("www-authenticate")).toContain('error="invalid_token"');
        expect(await late.json()).toEqual({ statusCode: 401, message: "Unauthorized" });
        expect(s.grants.password).toBe(1);
      } finally {
        await s.close();
      }
    });
  });

  describe("API", () => {
    it("needs a Bearer token", async () => {
      const a = await api("ca", { auth: null });
      expect(a.status).toBe(401);
      expect(a.headers.get("www-authenticate")).toMatch(/^Bearer realm="Socomec"/);
      expect((await api("ca", { auth: "Bearer not-a-token" })).status).toBe(401);
    });

    it("lists corporate accounts like 5.3.3", async () => {
      const a = await api("ca?take=50&skip=0");
      expect(a.status).toBe(200);
      expect(a.json).toMatchObject({ total: 2, isMaster: false });
      expect(a.json.results[0]).toMatchObject({ uuid: CA, name: "SoLink", active: true, isMultiCustomerAccount: true, userLinks: [expect.objectContaining({ status: "VALIDATED" })] });
      expect((await api(`ca/${CA}`)).json.name).toBe("SoLink");
      expect((await api("ca/00000000-0000-4000-8000-000000000000/customers")).status).toBe(404);
    });

    it("pages with take and skip: default take 50, larger takes cut to the maximum, bad values refused", async () => {
      const first = await api(`ca/${CA}/devices`);
      expect(first.json.total).toBe(67);
      expect(first.json.results).toHaveLength(50);
      expect(first.json.take).toBe(50);
      const second = await api(`ca/${CA}/devices?take=50&skip=50`);
      expect(second.json.results).toHaveLength(17);
      const uuids = new Set([...first.json.results, ...second.json.results].map((d: Obj) => d.uuid));
      expect(uuids.size).toBe(67);
      const big = await api(`ca/${CA}/devices?take=500`);
      expect(big.json.results).toHaveLength(67);
      expect(big.json.take).toBe(100);
      const pages = await api(`ca/${CA}/customers?take=1&skip=1`);
      expect(pages.json).toMatchObject({ total: 2, take: 1 });
      expect(pages.json.results).toHaveLength(1);
      expect((await api(`ca/${CA}/devices?take=-1`)).status).toBe(400);
      expect((await api(`ca/${CA}/devices?take=0`)).status).toBe(400);
      expect((await api(`ca/${CA}/devices?skip=abc`)).json).toMatchObject({ statusCode: 400, error: "Bad Request" });
    });

    it("filters sites by customer and devices by site, with the seed's fields", async () => {
      const sites = await api(`ca/${CA}/sites?take=50&skip=0&customerUuid=${WIOTYS_IDS.customers.frSocomec}`);
      expect(sites.json.total).toBe(3);
      expect(sites.json.results[0]).toMatchObject({ uuid: WIOTYS_IDS.sites.benfeldCds, name: "(FR) Benfeld CDS", technicalName: "FR_Benfeld_CDS", timeZone: "Europe/Paris", customerUuid: WIOTYS_IDS.customers.frSocomec, devicesQuantity: 2 });
      expect((await api(`ca/${CA}/sites/count`)).json.count).toBe(4);

      const devices = await api(`ca/${CA}/devices?take=50&skip=0&siteUuid=${WIOTYS_IDS.sites.benfeldCds}&withContact=true&withAddress=true`);
      expect(devices.json.total).toBe(2);
      const masterys = devices.json.results.find((d: Obj) => d.uuid === D.masterysCds);
      expect(masterys).toMatchObject({ name: "Masterys U2 CDS", serialNumber: "P486271001", technicalName: "MASTERIS_U2_CDS", modelName: "Masterys", manufacturer: "Socomec", siteUuid: WIOTYS_IDS.sites.benfeldCds, gatewayUuid: D.gatewayCds, deviceTypeReferenceld: "9204", status: "ACCEPTED" });
      expect(masterys.contact).toBeDefined();
      expect((await api(`ca/${CA}/devices?siteUuid=${WIOTYS_IDS.sites.benfeldCds}`)).json.results[0].contact).toBeUndefined();
      expect((await api(`ca/${CA}/devices/${D.masterysCds}/gateway`)).json.uuid).toBe(D.gatewayCds);
      expect((await api(`ca/${CA}/devices/${D.gatewayCds}/gateway`)).status).toBe(404);
      expect((await api(`ca/${CA}/devices?customerUuid=${WIOTYS_IDS.customers.deSocomec}`)).json.total).toBe(1);
    });

    it("lists a device's variables like 5.7.3, paged", async () => {
      const all = await api(`ca/${CA}/devices/${D.masterysCds}/variables`);
      expect(all.json.total).toBeGreaterThan(20);
      const v = all.json.results.find((x: Obj) => x.serviceId === "141935");
      expect(v).toMatchObject({ itemType: "Global", itemIndex: "0", serviceName: "IUpsStatistic_OverLoadMore5s_Delta", serviceType: "Measure", unit: null, deviceUuid: D.masterysCds, streamRef: "Global 0 141935" });
      expect(v.serviceTranslations.en.title).toBe("Ups overload more than 5s Delta");
      expect(all.json.results.find((x: Obj) => x.serviceId === "140108").unit).toBeNull();
      const page = await api(`ca/${CA}/devices/${D.masterysCds}/variables?take=5&skip=5`);
      expect(page.json.results).toHaveLength(5);
      expect(page.json.results[0].uuid).toBe(all.json.results[5].uuid);
      expect((await api(`ca/${CA}/devices/${D.masterysCds}/variables/${v.uuid}`)).json.serviceId).toBe("141935");
    });

    it("answers last values of one device (GET) and of many (PUT) like 5.9.3", async () => {
      const one = await api(`ca/${CA}/devices/${D.delphysU3}/last-values`);
      const value = one.json.devices[0].values.find((x: Obj) => x.serviceId === "140108");
      expect(value).toMatchObject({ itemType: "Global", itemIndex: "0", deviceUuid: D.delphysU3, title: "Ups output current L3", unit: "AMPERE", deviceName: "Delphys GP2 - 160 kVA", itemName: "Global", serviceGroup: "Output", serviceType: "Measure" });
      expect(value.value).toMatch(/^\d+$/);
      expect(value.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);

      const uuids = [D.delphysU3, D.dirisU3, "00000000-0000-4000-8000-000000000000", D.gatewayU3];
      const many = await api(`ca/${CA}/last-values`, { method: "PUT", body: { deviceUuids: uuids } });
      expect(many.status).toBe(200);
      expect(many.json.devices.map((d: Obj) => d.deviceUuid)).toEqual([D.delphysU3, D.dirisU3, D.gatewayU3]);
      expect(sim.requests.at(-1)).toMatchObject({ method: "PUT", path: `/api/v1/ca/${CA}/last-values`, body: { deviceUuids: uuids }, status: 200 });
    });

    it("refuses other last-values bodies and too many devices", async () => {
      for (const body of [{ devices: [{ deviceUuid: D.delphysU3 }] }, [D.delphysU3], {}, { deviceUuids: [] }, { deviceUuids: ["x"] }]) {
        const a = await api(`ca/${CA}/last-values`, { method: "PUT", body });
        expect(a.status, JSON.stringify(body)).toBe(400);
      }
      const tooMany = Array.from({ length: 101 }, () => D.delphysU3);
      expect((await api(`ca/${CA}/last-values`, { method: "PUT", body: { deviceUuids: tooMany } })).json.message[0]).toContain("no more than 100");
      const s = await startWiotysSimulator({ lastValuesBody: "devices" });
      try {
        const t = (await token(s)).json.access_token;
        const res = await fetch(`${s.url}/api/v1/ca/${CA}/last-values`, { method: "PUT", headers: { authorization: `Bearer ${t}`, "content-type": "application/json" }, body: JSON.stringify({ devices: [{ deviceUuid: D.delphysU3 }] }) });
        expect(res.status).toBe(200);
      } finally {
        await s.close();
      }
    });

    it("moves values with time: counters only rise, measurements change; a pinned value stays", async () => {
      const ref = "Global|0|141900";
      const a = Number(sim.value(D.delphysU3, ref));
      await sleep(300);
      const b = Number(sim.value(D.delphysU3, ref));
      expect(b).toBeGreaterThan(a);
      const seen = new Set<string | null | undefined>();
      for (let i = 0; i < 10; i++) {
        seen.add(sim.value(D.delphysU3, "Global|0|140110"));
        await sleep(60);
      }
      expect(seen.size).toBeGreaterThan(1);
      sim.setValue(D.delphysU3, "Global|0|150001", "1");
      const one = await api(`ca/${CA}/devices/${D.delphysU3}/last-values`);
      expect(one.json.devices[0].values.find((x: Obj) => x.serviceId === "150001").value).toBe("1");
      sim.unpin(D.delphysU3, "Global|0|150001");
    });

    it("answers datapoints raw and aggregated like 5.8.3 and 7.1.2", async () => {
      const series = { deviceUuid: D.delphysU3, itemType: "Global", itemIndex: "0", serviceId: "140100" };
      const body = { from: "2022-05-18T00:00:00Z", to: "2022-05-19T00:00:00Z", timezone: "UTC", useDeviceLocalTimezone: false, granularity: "raw", series: [series] };
      const raw = await api(`ca/${CA}/datapoints`, { method: "PUT", body });
      expect(raw.status).toBe(200);
      expect(raw.json).toMatchObject({ from: body.from, to: body.to, granularity: "raw" });
      const s = raw.json.series[0];
      expect(s).toMatchObject({ itemType: "Global", itemIndex: "0", serviceId: "140100", deviceUuid: D.delphysU3, dataType: "number", deviceTimeZone: "Europe/Paris" });
      expect(s.data).toHaveLength(288);
      expect(s.data[0].at).toMatch(/^2022-05-18T00:0\d:\d\dZ$/);
      expect(Date.parse(s.data[1].at) - Date.parse(s.data[0].at)).toBe(300_000);
      expect(typeof s.data[0].value).toBe("number");

      const day = await api(`ca/${CA}/datapoints`, { method: "PUT", body: { ...body, to: "2022-05-21T00:00:00Z", granularity: "day", series: [{ ...series, aggregation: "avg" }, { ...series, aggregation: "count" }] } });
      expect(day.json.series[0].data.map((p: Obj) => p.at)).toEqual(["2022-05-18T00:00:00Z", "2022-05-19T00:00:00Z", "2022-05-20T00:00:00Z"]);
      expect(day.json.series[1].data[0].value).toBe(288);
      const max = await api(`ca/${CA}/datapoints`, { method: "PUT", body: { ...body, granularity: "hour", series: [{ ...series, aggregation: "max" }] } });
      expect(max.json.series[0].data).toHaveLength(24);

      // The seed's Python example names the device "deviceId".
      expect((await api(`ca/${CA}/datapoints`, { method: "PUT", body: { ...body, series: [{ ...series, deviceUuid: undefined, deviceId: D.delphysU3 }] } })).status).toBe(200);
      const bad = [
        { ...body, series: [{ ...series, aggregation: "avg" }] },
        { ...body, granularity: "day" },
        { ...body, granularity: "fortnight" },
        { ...body, from: "yesterday" },
        { ...body, from: body.to },
        { ...body, series: [] },
      ];
      for (const b of bad) expect((await api(`ca/${CA}/datapoints`, { method: "PUT", body: b })).status, JSON.stringify(b)).toBe(400);
      expect((await api(`ca/${CA}/datapoints`, { method: "PUT", body: { ...body, series: [{ ...series, serviceId: "999999" }] } })).status).toBe(404);
    });

    it("keeps the user to its rights: writes 403, unknown paths 404, invisible accounts 403", async () => {
      expect((await api(`ca/${CA}/customers`, { method: "POST", body: { name: "x" } })).status).toBe(403);
      expect((await api(`ca/${CA}/devices/${D.delphysU3}`, { method: "DELETE" })).status).toBe(403);
      expect((await api(`ca/${CA}/nothing`)).status).toBe(404);
      expect((await fetch(`${sim.url}/elsewhere`)).status).toBe(404);
      const s = await startWiotysSimulator({ corporateAccounts: [WIOTYS_IDS.ca.lab] });
      try {
        const t = (await token(s)).json.access_token;
        const get = (p: string) => fetch(`${s.url}/api/v1/${p}`, { headers: { authorization: `Bearer ${t}` } });
        expect(((await (await get("ca")).json()) as Obj).total).toBe(1);
        expect((await get(`ca/${CA}/customers`)).status).toBe(403);
      } finally {
        await s.close();
      }
    });
  });

  describe("faults and limits", () => {
    it("outage drops the connection; 500; malformed body; slow answers", async () => {
      sim.faults.outage = true;
      await expect(api("ca")).rejects.toThrow();
      sim.faults.outage = false;
      sim.faults.status500 = true;
      expect(await api("ca")).toMatchObject({ status: 500, json: { statusCode: 500 } });
      expect((await token(sim)).status).toBe(500);
      sim.faults.status500 = false;
      sim.faults.malformed = true;
      const m = await api("ca");
      expect(m.status).toBe(200);
      expect(() => JSON.parse(m.text)).toThrow();
      sim.faults.malformed = false;
      sim.faults.slowMs = 300;
      const t0 = Date.now();
      expect((await api("ca")).status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    });

    it("faults can hit one path only", async () => {
      sim.faults.status500 = true;
      sim.faults.pathFilter = "/last-values";
      expect((await api("ca")).status).toBe(200);
      expect((await api(`ca/${CA}/last-values`, { method: "PUT", body: { deviceUuids: [D.delphysU3] } })).status).toBe(500);
      sim.resetFaults();
      sim.faults.notFound = true;
      sim.faults.pathFilter = "/variables";
      expect((await api(`ca/${CA}/devices/${D.delphysU3}/variables`)).status).toBe(404);
      expect((await api(`ca/${CA}/devices/${D.delphysU3}`)).status).toBe(200);
    });

    it("401 and 429 on demand, Keycloak down", async () => {
      sim.faults.unauthorizedNext = 1;
      expect((await api("ca")).status).toBe(401);
      expect((await api("ca")).status).toBe(200);
      sim.faults.rateLimitNext = 1;
      const limited = await api("ca");
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("1");
      sim.faults.keycloakDown = true;
      expect((await token(sim)).status).toBe(503);
    });

    it("answers 429 beyond a configured rate", async () => {
      const s = await startWiotysSimulator({ rateLimitPerSecond: 3 });
      try {
        const t = (await token(s)).json.access_token;
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push((await fetch(`${s.url}/api/v1/ca`, { headers: { authorization: `Bearer ${t}` } })).status);
        expect(statuses).toEqual([200, 200, 200, 429, 429]);
        await sleep(1_050);
        expect((await fetch(`${s.url}/api/v1/ca`, { headers: { authorization: `Bearer ${t}` } })).status).toBe(200);
      } finally {
        await s.close();
      }
    });

    it("logs every request with method, path, query, body and status", async () => {
      sim.clearRequests();
      await api(`ca/${CA}/devices?take=2&skip=4`);
      expect(sim.requests).toHaveLength(1);
      expect(sim.requests[0]).toMatchObject({ method: "GET", path: `/api/v1/ca/${CA}/devices`, query: { take: "2", skip: "4" }, status: 200 });
      expect(sim.requests[0]!.headers.authorization).toMatch(/^Bearer /);
    });
  });
});
