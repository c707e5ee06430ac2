import { beforeAll, describe, expect, it } from "vitest";
import { formatLocal, meter, parseRequestTime, sampleSites, sensor, site, startClimkitSimulator, type ClimkitSimulator } from "../../src/simulators/climkit/index.js";
import { closeAfterAllAndResetFaults, readAnswer } from "../helpers/simulator-tests.js";

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

type Row = Record<string, unknown>;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const LOCAL = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d$/;
const naive = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "");
const epoch = (local: string): number => Date.parse(local.replace(" ", "T"));

async function call(sim: ClimkitSimulator, path: string, init: { method?: string; token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${sim.apiUrl}/${path}`, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  return readAnswer(res);
}

async function login(sim: ClimkitSimulator): Promise<string> {
  const a = await call(sim, "auth", { body: { username: "demo", password: "demo-password" } });
  expect(a.status).toBe(200);
  return (a.json as { access_token: string }).access_token;
}

describe("Climkit simulator", () => {
  let sim: ClimkitSimulator;
  let token = "";
  const sites = sampleSites();
  const [a, b] = sites as [(typeof sites)[number], (typeof sites)[number]];
  const flat = a.meters[0]!;
  const pv = a.meters[1]!;
  const rule = a.meters[2]!;
  const heat = b.meters[0]!;
  const water = b.meters[1]!;

  beforeAll(async () => {
    sim = await startClimkitSimulator({ sites, rateLimitMs: 0, tokenLifetimeMs: 60_000 });
    token = await login(sim);
  });
  closeAfterAllAndResetFaults(() => sim);

  describe("authentication (JWT, 15 minutes by default)", () => {
    it("answers POST /auth with a JWT and valid_until as {$date: ms}", async () => {
      const before = Date.now();
      const def = await startClimkitSimulator({ rateLimitMs: 0 });
      try {
        const ans = await call(def, "auth", { body: { username: "demo", password: "demo-password" } });
        const { access_token, valid_until } = ans.json as { access_token: string; valid_until: { $date: number } };
        expect(access_token.split(".")).toHaveLength(3);
        const payload = JSON.parse(Buffer.from(access_token.split(".")[1]!, "base64url").toString()) as { sub: string; exp: number };
        expect(payload.sub).toBe("demo");
        expect(valid_until.$date - before).toBeGreaterThanOrEqual(15 * 60_000 - 50);
        expect(valid_until.$date - Date.now()).toBeLessThanOrEqual(15 * 60_000);
      } finally {
        await def.close();
      }
    });

    it("takes form-encoded credentials too, refuses wrong or missing ones", async () => {
      const form = await call(sim, "auth", { raw: "username=demo&password=demo-password", headers: { "content-type": "application/x-www-form-urlencoded" } });
      expect(form.status).toBe(200);
      expect(await call(sim, "auth", { body: { username: "demo", password: "nope" } })).toMatchObject({ status: 401, json: { msg: "Bad username or password" } });
      expect(await call(sim, "auth", { body: { username: "demo" } })).toMatchObject({ status: 400, json: { msg: "Missing username or password" } });
      expect((await call(sim, "auth", { method: "GET" })).status).toBe(405);
    });

    it("wants a valid Bearer token on every other endpoint", async () => {
      expect(await call(sim, "all_installations")).toMatchObject({ status: 401, json: { msg: "Missing Authorization Header" } });
      expect(await call(sim, "all_installations", { token: "made.up.token" })).toMatchObject({ status: 401, json: { msg: "Invalid token" } });
      const short = await startClimkitSimulator({ rateLimitMs: 0, tokenLifetimeMs: 300 });
      try {
        const t = await login(short);
        expect((await call(short, "all_installations", { token: t })).status).toBe(200);
        await sleep(350);
        expect(await call(short, "all_installations", { token: t })).toMatchObject({ status: 401, json: { msg: "Token has expired" } });
        const t2 = await login(short);
        short.revokeTokens();
        expect(await call(short, "all_installations", { token: t2 })).toMatchObject({ status: 401, json: { msg: "Token has been revoked" } });
        const t3 = await login(short);
        short.expireTokens();
        expect(await call(short, "all_installations", { token: t3 })).toMatchObject({ status: 401, json: { msg: "Token has expired" } });
        expect(short.tokensIssued).toBe(3);
      } finally {
        await short.close();
      }
    });
  });

  describe("sites, meters, sensors", () => {
    it("lists the sites as id strings, and answers their parameters", async () => {
      expect((await call(sim, "all_installations", { token })).json).toEqual([a.id, b.id]);
      expect((await call(sim, `installation_infos/${a.id}`, { token })).json).toEqual({
        site_ref: a.site_ref,
        name: "Les Vergers",
        address: a.address,
        creation_date: a.creation_date,
        latitude: a.latitude,
        longitude: a.longitude,
        timezone: "Europe/Zurich",
      });
      expect(await call(sim, "installation_infos/000000000000000000000000", { token })).toMatchObject({ status: 404, json: { msg: "Site not found" } });
    });

    it("lists meters with type, mode, primary address and the rule-meter flag", async () => {
      const meters = (await call(sim, `meter_info/${a.id}`, { token })).json as Row[];
      expect(meters).toEqual(a.meters.map((m) => ({ id: m.id, type: m.type, name: m.name, mode: m.mode, prim_ad: m.prim_ad, is_rule_meter: m.is_rule_meter })));
      expect(meters.filter((m) => m.is_rule_meter)).toHaveLength(1);
    });

    it("lists sensors with type, unit and model", async () => {
      expect((await call(sim, `${a.id}/sensors_list`, { token })).json).toEqual(a.sensors.map((s) => ({ id: s.id, name: s.name, type: s.type, unit: s.unit, model: s.model })));
      expect((await call(sim, "nosuchsite/sensors_list", { token })).status).toBe(404);
    });

    it("answers unknown paths 404 and wrong methods 405", async () => {
      expect((await call(sim, "meters", { token })).status).toBe(404);
      expect((await call(sim, `meter_data/${a.id}/${flat.id}`, { token })).status).toBe(405);
      expect((await call(sim, "all_installations", { token, body: {} })).status).toBe(405);
    });
  });

  describe("validated data", () => {
    const P = 15 * 60_000;

    it("labels 15T rows with the END of their period, local time with offset and a space", async () => {
      const t_e = Math.floor(Date.now() / P) * P - 2 * P;
      const t_s = t_e - 4 * P;
      const rows = (await call(sim, `meter_data/${a.id}/${flat.id}`, { token, body: { t_s: naive(t_s), t_e: naive(t_e), sampling_frequency: "15T" } })).json as Row[];
      expect(rows).toHaveLength(5); // inclusive at both ends
      expect(rows.every((r) => LOCAL.test(String(r.timestamp)))).toBe(true);
      expect(rows.map((r) => epoch(String(r.timestamp)))).toEqual([0, 1, 2, 3, 4].map((i) => t_s + i * P));
      expect(rows[0]!.timestamp).toBe(formatLocal(t_s, "Europe/Zurich"));
      expect(Object.keys(rows[0]!)).toEqual(["ext", "timestamp", "self", "total"]);
      for (const r of rows) expect(r.total).toBeCloseTo((r.self as number) + (r.ext as number), 6);
      const prod = (await call(sim, `meter_data/${a.id}/${pv.id}`, { token, body: { t_s: naive(t_s), t_e: naive(t_e) } })).json as Row[];
      expect(Object.keys(prod[0]!)).toEqual(["total", "timestamp"]);
    });

    it("labels coarser rows with the START of their bucket and sums the periods in it", async () => {
      const dayAgo = Date.now() - 86_400_000;
      const hourStart = Math.floor(dayAgo / 3_600_000) * 3_600_000; // Europe/Zurich hours start on UTC hours
      const hour = (await call(sim, `meter_data/${a.id}/${flat.id}`, { token, body: { t_s: naive(hourStart), t_e: naive(hourStart), sampling_frequency: "H" } })).json as Row[];
      expect(hour).toHaveLength(1);
      expect(epoch(String(hour[0]!.timestamp))).toBe(hourStart);
      const quarters = (await call(sim, `meter_data/${a.id}/${flat.id}`, { token, body: { t_s: naive(hourStart + P), t_e: naive(hourStart + 4 * P) } })).json as Row[];
      expect(hour[0]!.total).toBeCloseTo(quarters.reduce((n, r) => n + (r.total as number), 0), 6);

      // Whole days only: just after local midnight today's bucket has no validated period yet.
      const day = (await call(sim, `site_data/${a.id}/electricity`, { token, body: { t_s: naive(Date.now() - 5 * 86_400_000), t_e: naive(Date.now() - 86_400_000), sampling_frequency: "D" } })).json as Row[];
      expect(day.length).toBeGreaterThanOrEqual(3);
      expect(day.every((r) => / 00:00:00[+-]\d\d:\d\d$/.test(String(r.timestamp)))).toBe(true);
      const month = (await call(sim, `site_data/${b.id}/heating`, { token, body: { sampling_frequency: "M" } })).json as Row[];
      expect(month.every((r) => /-01 00:00:00/.test(String(r.timestamp)))).toBe(true);
      const year = (await call(sim, `site_data/${b.id}/heating`, { token, body: { t_s: naive(Date.now() - 86_400_000), sampling_frequency: "Y" } })).json as Row[];
      expect(year.every((r) => /-01-01 00:00:00/.test(String(r.timestamp)))).toBe(true);
    });

    it("gives site totals that add up: consumption = self + grid import, production = self + export", async () => {
      const rows = (await call(sim, `site_data/${a.id}/electricity`, { token, body: { t_s: naive(Date.now() - 86_400_000), t_e: naive(Date.now()) } })).json as Row[];
      expect(rows.length).toBeGreaterThan(90);
      expect(Object.keys(rows[0]!)).toEqual(["conso_total", "prod_total", "from_ext", "self", "to_ext", "timestamp"]);
      for (const r of rows) {
        expect(r.conso_total).toBeCloseTo((r.self as number) + (r.from_ext as number), 6);
        expect(r.prod_total).toBeCloseTo((r.self as number) + (r.to_ext as number), 6);
      }
      // The rule meter is the building's consumption.
      const ruleRows = (await call(sim, `meter_data/${a.id}/${rule.id}`, { token, body: { t_s: naive(Date.now() - 86_400_000), t_e: naive(Date.now()) } })).json as Row[];
      expect(ruleRows.map((r) => r.total)).toEqual(rows.map((r) => r.conso_total));
      expect(Object.keys(((await call(sim, `site_data/${b.id}/hot_water`, { token, body: {} })).json as Row[])[0]!)).toEqual(["conso_total", "timestamp"]);
    });

    it("lags one period behind the raw data by default, and has no data before its history", async () => {
      const now = Date.now();
      const validated = (await call(sim, `meter_data/${a.id}/${flat.id}`, { token, body: { t_s: naive(now - 3 * P), t_e: naive(now + P) } })).json as Row[];
      const raw = (await call(sim, `meter_data_raw/${a.id}/${flat.id}`, { token, body: { t_s: naive(now - 3 * P), t_e: naive(now + P) } })).json as Row[];
      expect(epoch(String(raw.at(-1)!.timestamp))).toBe(Math.floor(now / P) * P);
      expect(epoch(String(validated.at(-1)!.timestamp))).toBe(Math.floor(now / P) * P - P);
      const old = (await call(sim, `meter_data/${a.id}/${flat.id}`, { token, body: { t_s: naive(now - 30 * 86_400_000), t_e: naive(now - 20 * 86_400_000) } })).json;
      expect(old).toEqual([]);
    });

    it("checks its parameters", async () => {
      const path = `meter_data/${a.id}/${flat.id}`;
      expect(await call(sim, path, { token, body: { t_s: "yesterday" } })).toMatchObject({ status: 400, json: { msg: "t_s: invalid isoformat string" } });
      expect(await call(sim, path, { token, body: { t_s: naive(Date.now()), t_e: naive(Date.now() - P) } })).toMatchObject({ status: 400, json: { msg: "t_s must be before t_e" } });
      expect((await call(sim, path, { token, body: { sampling_frequency: "5T" } })).status).toBe(400);
      expect((await call(sim, path, { token, raw: "{not json", headers: { "content-type": "application/json" } })).status).toBe(400);
      expect((await call(sim, `site_data/${a.id}/gas`, { token, body: {} })).status).toBe(400);
      expect((await call(sim, `meter_data/${a.id}/000000000000000000000000`, { token, body: {} })).status).toBe(404);
      // t_s with an offset or Z is read as such; without, as UTC.
      expect(parseRequestTime("2026-03-22T05:30:00+01:00")).toBe(parseRequestTime("2026-03-22T04:30:00"));
      expect(parseRequestTime("2026-03-22 04:30:00Z")).toBe(Date.UTC(2026, 2, 22, 4, 30));
      expect(parseRequestTime("2026-02-30T00:00:00")).toBeUndefined();
    });
  });

  describe("raw data", () => {
    const P = 15 * 60_000;

    it("answers physical meters only, never rule meters", async () => {
      expect(await call(sim, `meter_data_raw/${a.id}/${rule.id}`, { token, body: {} })).toMatchObject({ status: 400, json: { msg: expect.stringContaining("rule meters") } });
    });

    it("gives rising indexes that agree with the validated values, by meter type", async () => {
      const t_e = Math.floor(Date.now() / P) * P - 2 * P;
      const body = { t_s: naive(t_e - 8 * P), t_e: naive(t_e) };
      const raw = (await call(sim, `meter_data_raw/${a.id}/${flat.id}`, { token, body })).json as Array<Record<string, number | null | string>>;
      const validated = (await call(sim, `meter_data/${a.id}/${flat.id}`, { token, body })).json as Row[];
      expect(raw).toHaveLength(9);
      expect(Object.keys(raw[0]!)).toEqual(["en_im", "en_ex", "heat_energy_kwh", "vol_m3", "timestamp"]);
      expect(raw[0]).toMatchObject({ heat_energy_kwh: null, vol_m3: null });
      for (let i = 1; i < raw.length; i++) {
        expect(raw[i]!.timestamp).toBe(validated[i]!.timestamp);
        expect((raw[i]!.en_im as number) - (raw[i - 1]!.en_im as number)).toBeCloseTo(validated[i]!.total as number, 6);
      }
      const pvRaw = (await call(sim, `meter_data_raw/${a.id}/${pv.id}`, { token, body })).json as Row[];
      expect((pvRaw.at(-1)!.en_ex as number) >= (pvRaw[0]!.en_ex as number)).toBe(true);
      const heatRaw = (await call(sim, `meter_data_raw/${b.id}/${heat.id}`, { token, body })).json as Row[];
      expect(heatRaw[0]).toMatchObject({ en_im: null, en_ex: null, vol_m3: null, heat_energy_kwh: expect.any(Number) });
      expect((heatRaw.at(-1)!.heat_energy_kwh as number) > (heatRaw[0]!.heat_energy_kwh as number)).toBe(true);
      const waterRaw = (await call(sim, `meter_data_raw/${b.id}/${water.id}`, { token, body })).json as Row[];
      expect(waterRaw[0]).toMatchObject({ en_im: null, heat_energy_kwh: null, vol_m3: expect.any(Number) });
    });

    it("moves on with time: counters only rise", async () => {
      const fast = await startClimkitSimulator({ sites: [site("s1", "One", [meter("m1", "electricity", "Flat")])], periodMs: 1_000, rateLimitMs: 0 });
      try {
        const t = await login(fast);
        const latest = async (): Promise<Row> => ((await call(fast, "meter_data_raw/s1/m1", { token: t, body: { t_s: naive(Date.now() - 5_000) } })).json as Row[]).at(-1)!;
        const first = await latest();
        await sleep(2_100);
        const second = await latest();
        expect(epoch(String(second.timestamp))).toBeGreaterThan(epoch(String(first.timestamp)));
        expect(second.en_im as number).toBeGreaterThan(first.en_im as number);
      } finally {
        await fast.close();
      }
    });
  });

  describe("sensor data", () => {
    it("gives {timestamp: epoch ms, value} in the window, the newest sample without one", async () => {
      const s = a.sensors[0]!;
      const now = Date.now();
      const rows = (await call(sim, `${a.id}/sensor_data/${s.id}?t_s=${naive(now - 3_600_000)}&t_e=${naive(now)}`, { token })).json as Array<{ timestamp: number; value: number }>;
      expect(rows.length).toBeGreaterThanOrEqual(11);
      expect(rows.every((r) => Number.isInteger(r.timestamp) && r.timestamp > now - 3_600_000 - 1000 && r.timestamp <= Date.now())).toBe(true);
      expect(rows.every((r) => Math.abs(r.value - 21) < 3)).toBe(true);
      const newest = (await call(sim, `${a.id}/sensor_data/${s.id}`, { token })).json as Row[];
      expect(newest).toHaveLength(1);
      expect(newest[0]!.timestamp).toBe(rows.at(-1)!.timestamp);
      expect((await call(sim, `${a.id}/sensor_data/nope`, { token })).status).toBe(404);
      expect((await call(sim, `${a.id}/sensor_data/${s.id}?t_s=soon`, { token })).status).toBe(400);
    });

    it("limits how far back t_s reaches", async () => {
      const limited = await startClimkitSimulator({ sites: [site("s1", "One", [], [sensor("c1", "Room", "temperature", "°C", 20, 1)])], rateLimitMs: 0, sensorHistoryMs: 3_600_000 });
      try {
        const t = await login(limited);
        const rows = (await call(limited, `s1/sensor_data/c1?t_s=${naive(Date.now() - 86_400_000)}`, { token: t })).json as Array<{ timestamp: number }>;
        expect(rows[0]!.timestamp).toBeGreaterThanOrEqual(Date.now() - 3_600_000 - 1000);
      } finally {
        await limited.close();
      }
    });
  });

  describe("one request per second", () => {
    it("answers 429 to a user's request that arrives within a second of the previous one, /auth included", async () => {
      const limited = await startClimkitSimulator();
      try {
        const t = await login(limited);
        expect((await call(limited, "all_installations", { token: t })).status).toBe(429);
        await sleep(1_050);
        expect((await call(limited, "all_installations", { token: t })).status).toBe(200);
        expect(await call(limited, "all_installations", { token: t })).toMatchObject({ status: 429, json: { msg: expect.stringContaining("1 per 1 second") } });
        await sleep(1_050);
        expect((await call(limited, "auth", { body: { username: "demo", password: "demo-password" } })).status).toBe(200);
        expect((await call(limited, "all_installations", { token: t })).status).toBe(429);
        expect(limited.requests.map((r) => r.status)).toEqual([200, 429, 200, 429, 200, 429]);
        expect(limited.requests.every((r) => r.user === "demo")).toBe(true);
      } finally {
        await limited.close();
      }
    });
  });

  describe("faults and the request log", () => {
    it("drops connections during an outage, answers 500, a truncated body, or slowly", async () => {
      sim.faults.outage = true;
      await expect(call(sim, "all_installations", { token })).rejects.toThrow();
      sim.faults.outage = false;
      sim.faults.status500 = true;
      expect((await call(sim, "all_installations", { token })).status).toBe(500);
      sim.faults.status500 = false;
      sim.faults.malformed = true;
      const bad = await call(sim, "all_installations", { token });
      expect(bad.status).toBe(200);
      expect(bad.json).toBeUndefined();
      sim.faults.malformed = false;
      sim.faults.slowMs = 300;
      const start = Date.now();
      expect((await call(sim, "all_installations", { token })).status).toBe(200);
      expect(Date.now() - start).toBeGreaterThanOrEqual(280);
    });

    it("counts unauthorizedNext and rateLimitNext down, and limits faults to paths with `only`", async () => {
      sim.faults.unauthorizedNext = 1;
      sim.faults.rateLimitNext = 1;
      expect((await call(sim, "all_installations", { token })).status).toBe(429);
      expect((await call(sim, "all_installations", { token })).status).toBe(401);
      expect((await call(sim, "all_installations", { token })).status).toBe(200);
      sim.faults.status500 = true;
      sim.faults.only = "/meter_data/";
      expect((await call(sim, "all_installations", { token })).status).toBe(200);
      expect((await call(sim, `meter_data/${a.id}/${flat.id}`, { token, body: {} })).status).toBe(500);
      expect((await call(sim, `meter_data_raw/${a.id}/${flat.id}`, { token, body: {} })).status).toBe(200);
    });

    it("logs each request with its user, its token's serial number, a redacted password and data answers", async () => {
      sim.clearRequests();
      await call(sim, "auth", { body: { username: "demo", password: "demo-password" } });
      await call(sim, `meter_data/${a.id}/${flat.id}`, { token, body: { t_s: naive(Date.now() - 3_600_000) } });
      const [auth, data] = sim.requests;
      expect(auth).toMatchObject({ method: "POST", path: "/api/v1/auth", status: 200, user: "demo", token: null, body: { username: "demo", password: "***" } });
      expect(data).toMatchObject({ method: "POST", status: 200, user: "demo", token: 1 });
      expect(Array.isArray(data!.response)).toBe(true);
      expect(JSON.stringify(sim.requests)).not.toContain("demo-password");
    });

    it("compresses large answers when asked", async () => {
      const res = await fetch(`${sim.apiUrl}/site_data/${a.id}/electricity`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "accept-encoding": "gzip" },
        body: JSON.stringify({ t_s: naive(Date.now() - 86_400_000) }),
      });
      expect(res.headers.get("content-encoding")).toBe("gzip");
      expect(((await res.json()) as unknown[]).length).toBeGreaterThan(90);
    });

    it("refuses periods that are not whole seconds", async () => {
      await expect(startClimkitSimulator({ periodMs: 500 })).rejects.toThrow(/whole seconds/);
    });
  });
});
