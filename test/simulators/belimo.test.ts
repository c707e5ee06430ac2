import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startBelimoSimulator, type BelimoSimulator } from "../../src/simulators/belimo/index.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Json;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function grant(sim: BelimoSimulator, form: Record<string, string>): Promise<Answer> {
  return answer(await fetch(sim.tokenUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() }));
}

function login(sim: BelimoSimulator, overrides: Record<string, string> = {}): Promise<Answer> {
  const c = sim.credentials;
  return grant(sim, { grant_type: "password", client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password, scope: "offline_access read:dataprofile", audience: c.audience, ...overrides });
}

async function api(sim: BelimoSimulator, path: string, token: string | null, init: { method?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return answer(await fetch(`${sim.url}/api/v3/${path}`, { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("Belimo Cloud simulator", () => {
  let sim: BelimoSimulator;
  let token: string;
  const registered = () => sim.devices().filter((d) => d.registered);
  const onlineValve = () => sim.devices().find((d) => d.registered && d.online && d.profile === "energyvalve3/1.2")!;

  beforeAll(async () => {
    sim = await startBelimoSimulator({ valves: 30, timeScale: 600, deviceDataRate: 1000, jobDelayMs: 300 });
    token = (await login(sim)).json.access_token as string;
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.resetFaults();
    sim.settings.deviceDataRate = 1000;
    sim.settings.deviceDataBurst = 1000;
  });

  describe("BelimoID token endpoint", () => {
    it("answers the password grant with an access token, its lifetime and, with offline_access, a refresh token", async () => {
      const a = await login(sim);
      expect(a.status).toBe(200);
      expect(a.headers.get("cache-control")).toBe("no-store");
      expect(a.json).toMatchObject({ token_type: "Bearer", expires_in: 86_400, scope: "offline_access read:dataprofile", access_token: expect.any(String), refresh_token: expect.any(String) });
      const none = await login(sim, { scope: "read:dataprofile" });
      expect(none.json.refresh_token).toBeUndefined();
      // JSON bodies are accepted too, like Auth0.
      const c = sim.credentials;
      const res = await fetch(sim.tokenUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ grant_type: "password", client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password, audience: c.audience }) });
      expect(res.status).toBe(200);
    });

    it("refuses wrong credentials, clients and audiences with OAuth error bodies", async () => {
      expect(await login(sim, { password: "wrong" })).toMatchObject({ status: 403, json: { error: "invalid_grant", error_description: "Wrong email or password." } });
      expect(await login(sim, { client_secret: "wrong" })).toMatchObject({ status: 401, json: { error: "access_denied" } });
      expect(await login(sim, { audience: "https://elsewhere/" })).toMatchObject({ status: 403, json: { error: "access_denied", error_description: expect.stringContaining("Service not found") } });
      expect(await login(sim, { audience: "" })).toMatchObject({ status: 403, json: { error_description: expect.stringContaining("No audience") } });
      expect(await login(sim, { grant_type: "client_credentials" })).toMatchObject({ status: 403, json: { error: "unsupported_grant_type" } });
      expect((await answer(await fetch(sim.tokenUrl))).status).toBe(405);
      expect(sim.tokenCounters().failedLogins).toBeGreaterThanOrEqual(1);
    });

    it("refreshes with the refresh token until it is revoked", async () => {
      const first = await login(sim);
      const c = sim.credentials;
      const refresh = (rt: string) => grant(sim, { grant_type: "refresh_token", refresh_token: rt, client_id: c.clientId, client_secret: c.clientSecret });
      const r = await refresh(first.json.refresh_token);
      expect(r).toMatchObject({ status: 200, json: { access_token: expect.any(String), expires_in: 86_400 } });
      expect(r.json.refresh_token).toBeUndefined();
      expect((await api(sim, "devices/stats", r.json.access_token)).status).toBe(200);
      sim.revokeRefreshTokens();
      expect(await refresh(first.json.refresh_token)).toMatchObject({ status: 403, json: { error: "invalid_grant", error_description: "Unknown or invalid refresh token." } });
      expect(await refresh("never-issued")).toMatchObject({ status: 403 });
      token = (await login(sim)).json.access_token as string;
    });

    it("lets access tokens expire", async () => {
      const short = await startBelimoSimulator({ valves: 1, accessTokenLifetimeS: 0.3 });
      try {
        const t = (await login(short)).json;
        expect(t.expires_in).toBe(0.3);
        expect((await api(short, "devices/stats", t.access_token)).status).toBe(200);
        await sleep(400);
        const late = await api(short, "devices/stats", t.access_token);
        expect(late).toMatchObject({ status: 401, json: { error: "invalid_token", error_description: "Access token expired" } });
        expect(late.headers.get("www-authenticate")).toContain('error="invalid_token"');
      } finally {
        await short.close();
      }
    });
  });

  describe("API", () => {
    it("needs a valid bearer token", async () => {
      expect((await api(sim, "devices", null)).status).toBe(401);
      expect(await api(sim, "devices", "forged")).toMatchObject({ status: 401, json: { error: "invalid_token" } });
      const t = (await login(sim)).json.access_token as string;
      sim.expireAccessTokens();
      expect((await api(sim, "devices", t)).status).toBe(401);
      token = (await login(sim)).json.access_token as string;
    });

    it("pages devices with limit (default 20, at most 2000) and offset, with paging.total", async () => {
      const first = await api(sim, "devices?state=REGISTERED", token);
      expect(first.status).toBe(200);
      expect(first.json.data).toHaveLength(20);
      expect(first.json.paging).toEqual({ total: registered().length, offset: 0, limit: 20 });
      const ids = new Set<string>();
      for (let offset = 0; offset < first.json.paging.total; offset += 7) {
        const page = await api(sim, `devices?state=REGISTERED&limit=7&offset=${offset}`, token);
        for (const d of page.json.data) ids.add(d.id);
      }
      expect(ids).toEqual(new Set(registered().map((d) => d.id)));
      const all = await api(sim, "devices?limit=2000", token);
      expect(all.json.paging.total).toBe(sim.devices().length);
      expect(all.json.data.some((d: Json) => d.dataprofile === null)).toBe(true);
      expect((await api(sim, "devices?limit=2001", token)).status).toBe(400);
      expect(await api(sim, "devices?limit=ten", token)).toMatchObject({ status: 400, json: { error: "Bad Request", message: expect.stringContaining("limit") } });
      expect((await api(sim, "devices?state=SOME", token)).status).toBe(400);
      const search = await api(sim, "devices?search=nord-ost&limit=100", token);
      expect(search.json.data.every((d: Json) => /nord-ost/i.test(d.displayName))).toBe(true);
      const desc = await api(sim, "devices?sortDirection=DESC&limit=3", token);
      expect(desc.json.sorting).toEqual({ field: "displayName", direction: "DESC" });
    });

    it("shows devices as the spec does, with the profile reference plain, as a full path, or as ref only", async () => {
      const list = (await api(sim, "devices?state=REGISTERED&limit=100", token)).json.data as Json[];
      const d = list[0]!;
      expect(d).toMatchObject({ id: expect.any(String), displayName: expect.any(String), serialNumber: expect.any(String), health: { state: expect.any(String) }, state: { timestamp: expect.any(String) } });
      // The list carries only metadata datapoints; the device itself carries its data.
      expect(Object.keys(d.state.datapoints).every((k) => k.startsWith("metadata."))).toBe(true);
      const refs = list.map((x) => x.dataprofile);
      expect(refs.some((r) => r.entityId === "energyvalve3/1.2")).toBe(true);
      expect(refs.some((r) => String(r.entityId).startsWith("/api/v3/definitions/dataprofiles/"))).toBe(true);
      expect(refs.some((r) => r.entityId === undefined && String(r.ref).startsWith("/definitions/dataprofiles/"))).toBe(true);
    });

    it("answers devices/stats nested by default and flat as in the seed when asked", async () => {
      const nested = await api(sim, "devices/stats", token);
      expect(nested.json).toEqual({ totalDevices: sim.devices().length, connection: { offline: expect.any(Number), online: expect.any(Number) }, health: { problem: 1, ok: sim.devices().length - 1 }, transfer: { incoming: 0, outgoing: 0 } });
      expect(nested.json.connection.offline).toBeGreaterThan(0);
      sim.settings.statsShape = "flat";
      try {
        const flat = await api(sim, "devices/stats", token);
        expect(Object.keys(flat.json).sort()).toEqual(["incoming", "offline", "ok", "online", "outgoing", "problem", "totalDevices"]);
      } finally {
        sim.settings.statsShape = "nested";
      }
    });

    it("serves a device's current state with metadata datapoints the profile does not list, and not history-only ones", async () => {
      const v = onlineValve();
      const a = await api(sim, `devices/${v.id}`, token);
      expect(a.status).toBe(200);
      const points = a.json.state.datapoints as Json;
      expect(points["evcloud.210"].value).toBeGreaterThan(1e10);
      expect(points["metadata.1001"]).toBeDefined();
      expect(points["evcloudplus.461"]).toBeUndefined();
      expect(points["evcloud.950"]).toBeUndefined(); // write-only
      const data = await api(sim, `devices/${v.id}/data`, token);
      expect(Object.keys(data.json.datapoints)).toEqual(Object.keys(points));
      expect(await api(sim, "devices/00000000-0000-4000-8000-000000000000", token)).toMatchObject({ status: 404, json: { status: 404, error: "Not Found" } });
    });

    it("serves data profiles by version, with featureValues, to tokens with read:dataprofile", async () => {
      const p = await api(sim, "definitions/dataprofiles/energyvalve3/1.2", token);
      expect(p.json).toMatchObject({ id: "energyvalve3", version: "1.2", ref: "energyvalve3/1.2" });
      const heating = (p.json.datapoints as Json[]).find((d) => d.id === "evcloud.210");
      expect(heating?.featureValues["default.description"]).toBe("Heating Energy in J");
      expect((p.json.datapoints as Json[]).some((d) => d.id.startsWith("metadata."))).toBe(false);
      expect((await api(sim, "definitions/dataprofiles/energyvalve3/last", token)).json.version).toBe("1.3");
      expect((await api(sim, "definitions/dataprofiles/energyvalve3/9.9", token)).status).toBe(404);
      const narrow = (await login(sim, { scope: "offline_access" })).json.access_token as string;
      expect(await api(sim, "definitions/dataprofiles/energyvalve3/1.2", narrow)).toMatchObject({ status: 403, json: { error: "insufficient_scope" } });
    });

    it("serves history timeseries with datapointIds, from, to and resolution; counters rise", async () => {
      const v = onlineValve();
      const to = new Date();
      const from = new Date(to.getTime() - 6 * 3_600_000);
      const q = `datapointIds=evcloud.210,evcloudplus.461,default.1,nope.1&resolution=1h&from=${from.toISOString()}&to=${to.toISOString()}`;
      const a = await api(sim, `devices/${v.id}/data/history/timeseries?${q}`, token);
      expect(a.status).toBe(200);
      expect(a.json.resolution).toBe("1h");
      expect((a.json.series as Json[]).map((s) => s.datapointId)).toEqual(["evcloud.210", "evcloudplus.461"]);
      for (const s of a.json.series as Json[]) {
        expect(s.values).toHaveLength(6);
        const values = (s.values as Json[]).map((x) => x.value as number);
        for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
      }
      expect(await api(sim, `devices/${v.id}/data/history/timeseries`, token)).toMatchObject({ status: 400, json: { message: expect.stringContaining("datapointIds") } });
      expect((await api(sim, `devices/${v.id}/data/history/timeseries?datapointIds=evcloud.210&from=${to.toISOString()}&to=${from.toISOString()}`, token)).status).toBe(400);
      expect((await api(sim, `devices/${v.id}/data/history/timeseries?datapointIds=evcloud.210&resolution=1s&from=2020-01-01T00:00:00Z`, token)).status).toBe(400);
      expect((await api(sim, `devices/${v.id}/data/history/timeseries?datapointIds=evcloud.210&resolution=fast`, token)).status).toBe(400);
      const points = await api(sim, `devices/${v.id}/data/history/timeseries?datapointIds=evcloud.210&resolution=10&from=${from.toISOString()}&to=${to.toISOString()}`, token);
      expect(points.json.series[0].values).toHaveLength(10);
    });

    it("moves values over time: counters only rise, measurements change", async () => {
      const v = onlineValve();
      const read = async () => (await api(sim, `devices/${v.id}`, token)).json.state.datapoints as Json;
      const a = await read();
      await sleep(300);
      const b = await read();
      expect(b["evcloud.210"].value).toBeGreaterThan(a["evcloud.210"].value);
      expect(b["evcloud.200"].value).toBeGreaterThanOrEqual(a["evcloud.200"].value);
      expect(b["evcloud.150"].value).not.toBe(a["evcloud.150"].value);
    });

    it("turns a write into a job the device confirms, and applies the value", async () => {
      const v = onlineValve();
      const post = await api(sim, `devices/${v.id}/data`, token, { method: "POST", body: { datapoints: { "evcloud.110": 42.5 } } });
      expect(post.status).toBe(200);
      expect(post.json).toMatchObject({ id: expect.any(String), state: "PENDING", mergeable: false, cancelable: false });
      // PENDING → EXECUTING → SUCCESS, never backwards.
      const order = ["PENDING", "EXECUTING", "SUCCESS"];
      const seen: string[] = ["PENDING"];
      let job: Json = post.json;
      for (let i = 0; i < 100 && job.state !== "SUCCESS"; i++) {
        await sleep(20);
        job = (await api(sim, `jobs/${post.json.id}`, token)).json;
        seen.push(job.state);
      }
      expect(seen.map((x) => order.indexOf(x))).toEqual([...seen.map((x) => order.indexOf(x))].sort());
      expect(job).toMatchObject({ state: "SUCCESS", confirmedBy: "DEVICE", result: "ok", confirmedAt: expect.any(String) });
      expect(sim.value(v.id, "evcloud.110")).toBe(42.5);
      expect((await api(sim, "jobs/unknown", token)).status).toBe(404);
    });

    it("refuses writes the profile does not allow with 400, fails jobs on request, and leaves jobs of offline devices pending", async () => {
      const v = onlineValve();
      const post = (datapoints: Json) => api(sim, `devices/${v.id}/data`, token, { method: "POST", body: { datapoints } });
      expect(await post({ "evcloud.210": 1 })).toMatchObject({ status: 400, json: { message: expect.stringContaining("read-only") } });
      expect(await post({ "nope.1": 1 })).toMatchObject({ status: 400, json: { message: expect.stringContaining("not part of the data profile") } });
      expect(await post({ "evcloud.110": 150 })).toMatchObject({ status: 400, json: { message: expect.stringContaining("outside") } });
      expect(await post({ "evcloud.110": "high" })).toMatchObject({ status: 400, json: { message: expect.stringContaining("expects a number") } });
      expect((await post({})).status).toBe(400);
      expect((await api(sim, `devices/${v.id}/data`, token, { method: "POST", body: { datapoints: { "evcloud.110": 1 }, mergeable: true, cancelable: true } })).status).toBe(400);

      sim.failNextJobs(1);
      const failing = await post({ "evcloud.110": 10 });
      await sleep(400);
      expect((await api(sim, `jobs/${failing.json.id}`, token)).json).toMatchObject({ state: "FAILURE", error: expect.stringContaining("DEVICE_REJECTED") });
      expect(sim.value(v.id, "evcloud.110")).toBe(42.5);

      const offline = sim.devices().find((d) => d.registered && !d.online && d.profile?.startsWith("energyvalve3"))!;
      const stuck = await api(sim, `devices/${offline.id}/data`, token, { method: "POST", body: { datapoints: { "evcloud.110": 20 } } });
      await sleep(400);
      expect((await api(sim, `jobs/${stuck.json.id}`, token)).json.state).toBe("PENDING");
      expect((await api(sim, "devices/stats", token, { method: "DELETE" })).status).toBe(405);
    });

    it("limits device-data requests (429 with Retry-After) but not lists and stats", async () => {
      sim.settings.deviceDataRate = 2;
      sim.settings.deviceDataBurst = 2;
      await sleep(1100);
      const v = onlineValve();
      const burst = await Promise.all(Array.from({ length: 10 }, () => api(sim, `devices/${v.id}`, token)));
      const limited = burst.filter((a) => a.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(3);
      expect(limited[0]!.headers.get("retry-after")).toBe("1");
      expect(limited[0]!.json.message).toMatch(/device-data requests/);
      const lists = await Promise.all(Array.from({ length: 6 }, () => api(sim, "devices/stats", token)));
      expect(lists.every((a) => a.status === 200)).toBe(true);
    });
  });

  describe("faults", () => {
    it("outage resets the connection; identityOutage and identity500 hit the token endpoint only", async () => {
      sim.faults.outage = true;
      await expect(fetch(`${sim.url}/api/v3/devices`)).rejects.toThrow();
      expect((await login(sim)).status).toBe(200);
      sim.resetFaults();
      sim.faults.identity500 = true;
      expect((await login(sim)).status).toBe(500);
      expect((await api(sim, "devices/stats", token)).status).toBe(200);
      sim.faults.identity500 = false;
      sim.faults.identityOutage = true;
      await expect(login(sim)).rejects.toThrow();
    });

    it("status500, malformed, slowMs, unauthorizedNext and rateLimitNext", async () => {
      sim.faults.status500 = true;
      expect(await api(sim, "devices", token)).toMatchObject({ status: 500, json: { error: "Internal Server Error" } });
      sim.resetFaults();
      sim.faults.malformed = true;
      const bad = await api(sim, "devices", token);
      expect(bad.status).toBe(200);
      expect(() => JSON.parse(bad.text)).toThrow();
      sim.resetFaults();
      sim.faults.slowMs = 250;
      const t0 = Date.now();
      await api(sim, "devices/stats", token);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
      sim.resetFaults();
      sim.faults.unauthorizedNext = 1;
      sim.faults.rateLimitNext = 1;
      expect((await api(sim, "devices/stats", token)).status).toBe(401);
      const limited = await api(sim, "devices/stats", token);
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("1");
      expect((await api(sim, "devices/stats", token)).status).toBe(200);
    });

    it("records every request with its server, path, query and status", async () => {
      sim.clearRequests();
      await api(sim, "devices?limit=5", token);
      await login(sim);
      expect(sim.requests.map((r) => [r.server, r.method, r.path, r.status])).toEqual([
        ["api", "GET", "/api/v3/devices", 200],
        ["id", "POST", "/oauth/token", 200],
      ]);
      expect(sim.requests[0]!.query).toEqual({ limit: "5" });
      expect(sim.requests[1]!.body).toMatchObject({ grant_type: "password", scope: "offline_access read:dataprofile" });
      expect(sim.requests[0]!.end).toBeGreaterThanOrEqual(sim.requests[0]!.time);
    });
  });

  it("removes a device and changes its health", async () => {
    const v = registered().at(-1)!;
    sim.setHealth(v.id, "ERROR", "Sensor failure");
    expect((await api(sim, `devices/${v.id}`, token)).json.health).toMatchObject({ state: "ERROR", description: "Sensor failure" });
    sim.removeDevice(v.id);
    expect((await api(sim, `devices/${v.id}`, token)).status).toBe(404);
    expect(sim.devices().some((d) => d.id === v.id)).toBe(false);
  });
});
