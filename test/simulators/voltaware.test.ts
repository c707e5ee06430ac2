import mqtt from "mqtt";
import { beforeAll, describe, expect, it } from "vitest";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import { closeAfterAllAndResetFaults, readAnswer } from "../helpers/simulator-tests.js";
import { HOME_PROPERTY } from "../helpers/voltaware-home.js";

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

type Obj = Record<string, unknown>;

async function call(sim: VoltawareSimulator, path: string, init: { method?: string; token?: string | null; body?: unknown; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers["content-type"] = init.contentType ?? "application/json";
  }
  const res = await fetch(`${sim.url}${path}`, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  return readAnswer(res);
}

async function login(sim: VoltawareSimulator, secret = "demo-secret"): Promise<Obj> {
  const a = await call(sim, "/auth/token", { body: { grant_type: "client_credentials", client_id: "demo-client", client_secret: secret } });
  expect(a.status).toBe(200);
  return a.json as Obj;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The newest month with results, as the seed describes it (from the 3rd of the next month). */
function lastMonth(now = new Date()): { year: number; month: number } {
  const back = now.getUTCDate() >= 3 ? 1 : 2;
  const i = now.getUTCFullYear() * 12 + now.getUTCMonth() - back;
  return { year: Math.floor(i / 12), month: (i % 12) + 1 };
}

describe("Voltaware simulator", () => {
  let sim: VoltawareSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startVoltawareSimulator({ broker: { username: "u", password: "p" } });
    token = String((await login(sim)).access_token);
  });
  closeAfterAllAndResetFaults(() => sim);

  describe("authentication", () => {
    it("issues a token with the seed's fields and refreshes it without a new refresh token", async () => {
      const t = await login(sim);
      expect(Object.keys(t).sort()).toEqual(["access_token", "expires_in_secs", "refresh_token", "token_type"]);
      expect(t).toMatchObject({ token_type: "Bearer", expires_in_secs: 43_200 });
      const r = await call(sim, "/auth/token/refresh", { body: { grant_type: "refresh_token", client_id: "demo-client", refresh_token: t.refresh_token } });
      expect(r.status).toBe(200);
      expect(Object.keys(r.json as Obj).sort()).toEqual(["access_token", "expires_in_secs", "token_type"]);
      expect((await call(sim, "/sensors", { token: String((r.json as Obj).access_token) })).status).toBe(200);
    });

    it("refuses bad credentials, a wrong grant, a body that is not JSON and a wrong content type", async () => {
      expect((await call(sim, "/auth/token", { body: { grant_type: "client_credentials", client_id: "demo-client", client_secret: "nope" } })).status).toBe(401);
      expect((await call(sim, "/auth/token", { body: { grant_type: "password", client_id: "demo-client", client_secret: "demo-secret" } })).status).toBe(400);
      expect((await call(sim, "/auth/token", { body: "grant_type=client_credentials" })).status).toBe(400);
      expect((await call(sim, "/auth/token", { body: "{}", contentType: "application/x-www-form-urlencoded" })).status).toBe(415);
      expect((await call(sim, "/auth/token", { method: "GET" })).status).toBe(405);
      expect((await call(sim, "/auth/token/refresh", { body: { grant_type: "refresh_token", client_id: "demo-client", refresh_token: "made-up" } })).status).toBe(401);
    });

    it("rejects a missing, unknown, expired or revoked access token with 401, and a revoked refresh token", async () => {
      expect((await call(sim, "/sensors")).status).toBe(401);
      expect((await call(sim, "/sensors", { token: "made-up" })).status).toBe(401);
      const short = await startVoltawareSimulator({ tokenLifetimeSecs: 1 });
      const t = await login(short);
      expect(t.expires_in_secs).toBe(1);
      expect((await call(short, "/sensors", { token: String(t.access_token) })).status).toBe(200);
      await sleep(1_100);
      expect((await call(short, "/sensors", { token: String(t.access_token) })).status).toBe(401);
      await short.close();
      const fresh = await login(sim);
      sim.revokeAccessTokens();
      expect((await call(sim, "/sensors", { token: String(fresh.access_token) })).status).toBe(401);
      sim.revokeRefreshTokens();
      expect((await call(sim, "/auth/token/refresh", { body: { grant_type: "refresh_token", client_id: "demo-client", refresh_token: fresh.refresh_token } })).status).toBe(401);
      token = String((await login(sim)).access_token);
    });

    it("counts logins and refreshes", async () => {
      const before = { ...sim.tokenStats };
      const t = await login(sim);
      await call(sim, "/auth/token/refresh", { body: { grant_type: "refresh_token", client_id: "demo-client", refresh_token: t.refresh_token } });
      expect(sim.tokenStats.logins).toBe(before.logins + 1);
      expect(sim.tokenStats.refreshes).toBe(before.refreshes + 1);
      token = String(t.access_token);
    });
  });

  describe("sensors", () => {
    it("lists sensor ids and answers each sensor as the seed shows", async () => {
      const list = await call(sim, "/sensors", { token });
      expect(list.json).toEqual(["0001", "0002", "0003", "1001"]);
      const s = (await call(sim, "/sensors/0001", { token })).json as Obj;
      expect(Object.keys(s).sort()).toEqual(["connection_state", "firmware", "first_event", "last_event", "locale"]);
      expect(s).toMatchObject({ connection_state: "connected", firmware: "112356", first_event: "2018-06-08T10:20:51.287Z" });
      expect(s.locale).toEqual({ isoCountryCode: "DE", isoLocaleCode: "de-DE", timeZoneId: "Europe/Berlin", userDefinedLanguage: "pt-BR" });
      expect((await call(sim, "/sensors/1001", { token })).json).toMatchObject({ connection_state: null, firmware: null });
      expect((await call(sim, "/sensors/0003", { token })).json).toMatchObject({ connection_state: "never_connected", first_event: null, last_event: null });
      expect((await call(sim, "/sensors/9999", { token })).status).toBe(404);
    });

    it("moves a connected sensor's last event forward, not a disconnected one's", async () => {
      let clock = Date.UTC(2024, 7, 10, 12);
      const clocked = await startVoltawareSimulator({ now: () => clock });
      const t = String((await login(clocked)).access_token);
      const lastEvent = async (id: string): Promise<number> => Date.parse(String(((await call(clocked, `/sensors/${id}`, { token: t })).json as Obj).last_event));
      const [connected, disconnected] = [await lastEvent("0001"), await lastEvent("0002")];
      clock += 60_000;
      expect(await lastEvent("0001")).toBe(connected + 60_000);
      expect(await lastEvent("0002")).toBe(disconnected);
      await clocked.close();
    });

    it("writes the id list as strings, numbers or literally as the seed shows it", async () => {
      for (const [format, expected] of [
        ["numbers", "[1,2,3,1001]"],
        ["seed", "[\n  0001, \n  0002, \n  0003, \n  1001\n]"],
      ] as const) {
        const other = await startVoltawareSimulator({ sensorListFormat: format });
        const t = String((await login(other)).access_token);
        expect((await call(other, "/sensors", { token: t })).text).toBe(expected);
        await other.close();
      }
    });
  });

  describe("metadata", () => {
    const home = { ...HOME_PROPERTY, version: "1.0" };

    it("returns the seed's example property, 404 for what is not set, and keeps what PUT sets (204)", async () => {
      expect(((await call(sim, "/sensors/0001/metadata/property", { token })).json as Obj).home_type).toBe("FLAT");
      expect((await call(sim, "/sensors/0002/metadata/appliances", { token })).status).toBe(404);
      const put = await call(sim, "/sensors/0002/metadata/property", { token, method: "PUT", body: home });
      expect(put.status).toBe(204);
      expect(put.text).toBe("");
      expect((await call(sim, "/sensors/0002/metadata/property", { token })).json).toEqual(home);
      const office = { property_type: "INDUSTRY", power_generator_source: "SOLAR", version: "1.0" };
      expect((await call(sim, "/sensors/0002/metadata/property", { token, method: "PUT", body: office })).status).toBe(204);
      const geo = { latitude: 51.509865, longitude: -0.118092 };
      expect((await call(sim, "/sensors/0002/metadata/geolocation", { token, method: "PUT", body: geo })).status).toBe(204);
      expect(sim.metadata("0002")?.geolocation).toEqual(geo);
    });

    it("answers 400 naming the field for bodies that break the seed's rules", async () => {
      const put = (section: string, body: unknown) => call(sim, `/sensors/0002/metadata/${section}`, { token, method: "PUT", body });
      const cases: Array<[string, unknown, RegExp]> = [
        ["property", { ...home, home_type: "CASTLE" }, /home_type must be one of FLAT, HOUSE/],
        ["property", { ...home, bedroom_amount: 0 }, /bedroom_amount/],
        ["property", { ...home, people: undefined }, /people must be present/],
        ["property", { ...home, version: "2.0" }, /version/],
        ["property", { property_type: "OFFICE", version: "1.0" }, /power_generator_source is required/],
        ["appliances", { appliances: [{ key: "AC", amount: 1, type: "WINDOW" }], version: "1.0" }, /appliances\[0\]\.usage_type is required for AC/],
        ["appliances", { appliances: [{ key: "ELECTRIC_VEHICLE", amount: 2, type: "BIKE", wattages: [750] }], version: "1.0" }, /wattages must be a list of integers of size equal to the amount/],
        ["appliances", { appliances: [{ key: "TUMBLE_DRYER", amount: 1, type: "VENTED", usage_types: ["MONSOON"] }], version: "1.0" }, /usage_types/],
        ["appliances", { appliances: [{ key: "TOASTER", amount: 1 }], version: "1.0" }, /key must be one of/],
        ["geolocation", { latitude: 51.5 }, /both mandatory/],
        ["geolocation", { latitude: 95, longitude: 0 }, /valid location/],
      ];
      for (const [section, body, message] of cases) {
        const a = await put(section, body);
        expect(a.status, JSON.stringify(body)).toBe(400);
        expect(String((a.json as Obj).message)).toMatch(message);
      }
      const ok = await put("appliances", {
        appliances: [
          { key: "ELECTRIC_VEHICLE", amount: 2, type: "BIKE", wattages: [750, 750] },
          { key: "OTHER", amount: 3, name: "Sprinklers" },
          { key: "GAS_HEATING", amount: 1, any_electric_heater: true },
        ],
        version: "1.0",
      });
      expect(ok.status).toBe(204);
    });

    it("answers 403 for a meter without events, and for one whose first event came after the token", async () => {
      expect((await call(sim, "/sensors/5555/metadata/property", { token })).status).toBe(403);
      sim.recordEvent("5555");
      // The token predates the meter: "reconnect to the API" (a new token) first.
      expect((await call(sim, "/sensors/5555/metadata/property", { token })).status).toBe(403);
      await sleep(5);
      const fresh = String((await login(sim)).access_token);
      expect((await call(sim, "/sensors/5555/metadata/property", { token: fresh })).status).toBe(404);
      expect((await call(sim, "/sensors", { token: fresh })).json).toContain("5555");
      sim.faults.forbiddenNext = 1;
      expect((await call(sim, "/sensors/5555/metadata/property", { token: fresh })).status).toBe(403);
      expect((await call(sim, "/sensors/5555/metadata/property", { token: fresh })).status).toBe(404);
      token = fresh;
    });
  });

  describe("results", () => {
    it("answers month, weeks of a month, week, cycles and reports for a finished period", async () => {
      const { year, month } = lastMonth();
      const disag = (await call(sim, `/sensors/0001/sm/disag/month?year=${year}&month=${month}`, { token })).json as Obj;
      expect(Object.keys(disag).sort()).toEqual(["appliances", "disconnection_percentage", "total_consumption"]);
      const appliances = disag.appliances as Array<{ appliance_key: string; consumption: number }>;
      expect(appliances.map((a) => a.appliance_key)).toContain("electric_vehicle");
      expect(disag.total_consumption).toBeCloseTo(appliances.reduce((s, a) => s + a.consumption, 0), 1);
      // The same question gets the same answer.
      expect((await call(sim, `/sensors/0001/sm/disag/month?year=${year}&month=${month}`, { token })).json).toEqual(disag);

      const weeks = (await call(sim, `/sensors/0001/sm/disag/month/weeks?year=${year}&month=${month}`, { token })).json as Obj;
      const list = weeks.weeks as Obj[];
      expect(list[0]?.from).toBe(`${year}-${String(month).padStart(2, "0")}-01`);
      expect(new Date(`${String(list.at(-1)?.to)}T00:00:00Z`).getUTCDate()).toBe(new Date(Date.UTC(year, month, 0)).getUTCDate());

      const cycles = (await call(sim, `/sensors/0001/sm/disag/cycles/monthly?year=${year}&month=${month}`, { token })).json as Obj[];
      expect(cycles[0]).toMatchObject({ appliance_key: "electric_vehicle" });
      expect((cycles[0]?.cycles as Obj[])[0]?.from).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      expect((await call(sim, `/sensors/0002/sm/disag/cycles/monthly?year=${year}&month=${month}`, { token })).json).toEqual([]);

      const report = (await call(sim, `/sensors/0001/sm/reports/monthly?year=${year}&month=${month}`, { token })).json as Obj;
      expect(Object.keys(report).sort()).toEqual(["carbon_footprint", "day_by_day_metrics", "disaggregation_metrics", "version"]);
      expect(Object.keys(report.day_by_day_metrics as Obj)).toEqual(expect.arrayContaining(["total_month_consumption", "max_month_consumption", "days"]));
      const last = new Date(Date.UTC(year, month, 0));
      const sunday = new Date(last.getTime() - last.getUTCDay() * 86_400_000);
      const monday = new Date(sunday.getTime() - 6 * 86_400_000);
      const q = `startDate=${monday.toISOString().slice(0, 10)}&endDate=${sunday.toISOString().slice(0, 10)}`;
      expect(((await call(sim, `/sensors/0001/sm/disag/week?${q}`, { token })).json as Obj).total_consumption).toBeGreaterThan(0);
      expect(Object.keys(((await call(sim, `/sensors/0001/sm/reports/weekly?${q}`, { token })).json as Obj).day_by_day_metrics as Obj)).toContain("total_week_consumption");
      expect((await call(sim, `/sensors/0001/sm/disag/cycles/weekly?${q}`, { token })).status).toBe(200);
    });

    it("answers 404 for the current month, a month before the 3rd of the next, and a sensor without data; 400 for bad periods", async () => {
      const now = new Date();
      const cur = `year=${now.getUTCFullYear()}&month=${now.getUTCMonth() + 1}`;
      expect((await call(sim, `/sensors/0001/sm/disag/month?${cur}`, { token })).status).toBe(404);
      const { year, month } = lastMonth();
      expect((await call(sim, `/sensors/0003/sm/disag/month?year=${year}&month=${month}`, { token })).status).toBe(404);
      expect((await call(sim, "/sensors/0001/sm/disag/month?year=2024", { token })).status).toBe(400);
      expect((await call(sim, "/sensors/0001/sm/disag/month?year=2024&month=13", { token })).status).toBe(400);
      expect((await call(sim, "/sensors/0001/sm/disag/week?startDate=2024-07-09&endDate=2024-07-15", { token })).status).toBe(400);
      expect((await call(sim, "/sensors/0001/sm/disag/week?startDate=2024-07-08&endDate=2024-07-21", { token })).status).toBe(400);
      expect((await call(sim, "/sensors/0001/sm/disag/week?startDate=2024-07-08&endDate=2024-07-14", { token })).status).toBe(200);
      expect((await call(sim, "/sensors/0001/sm/unknown", { token })).status).toBe(404);

      // On the 2nd of a month the previous month is not computed yet; on the 3rd it is.
      for (const [day, status] of [[2, 404], [3, 200]] as const) {
        const clocked = await startVoltawareSimulator({ now: () => Date.UTC(2024, 7, day, 12) });
        const t = String((await login(clocked)).access_token);
        expect((await call(clocked, "/sensors/0001/sm/disag/month?year=2024&month=7", { token: t })).status).toBe(status);
        expect((await call(clocked, "/sensors/0001/sm/disag/month?year=2024&month=6", { token: t })).status).toBe(200);
        await clocked.close();
      }
      sim.setResultsPending(true);
      expect((await call(sim, `/sensors/0001/sm/disag/month?year=${year}&month=${month}`, { token })).status).toBe(404);
      sim.setResultsPending(false);
    });
  });

  describe("faults and limits", () => {
    it("answers 500, a malformed body, 401, 429 with Retry-After, slowly, or not at all", async () => {
      sim.faults.status500 = true;
      expect((await call(sim, "/sensors", { token })).status).toBe(500);
      sim.resetFaults();
      sim.faults.malformed = true;
      const bad = await call(sim, "/sensors/0001", { token });
      expect(bad.status).toBe(200);
      expect(bad.json).toBeUndefined();
      sim.resetFaults();
      sim.faults.unauthorizedNext = 1;
      expect((await call(sim, "/sensors", { token })).status).toBe(401);
      expect((await call(sim, "/sensors", { token })).status).toBe(200);
      sim.faults.rateLimitNext = 1;
      const limited = await call(sim, "/sensors", { token });
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("1");
      sim.faults.slowMs = 300;
      const started = Date.now();
      await call(sim, "/sensors", { token });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      sim.resetFaults();
      sim.faults.outage = true;
      await expect(call(sim, "/sensors", { token })).rejects.toThrow();
    });

    it("limits requests per second when asked to", async () => {
      const limited = await startVoltawareSimulator({ rateLimitPerSecond: 3 });
      const t = String((await login(limited)).access_token);
      const answers = await Promise.all(Array.from({ length: 5 }, () => call(limited, "/sensors", { token: t })));
      expect(answers.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(2);
      await limited.close();
    });

    it("logs every request with its status", async () => {
      sim.clearRequests();
      await call(sim, "/sensors/0001", { token });
      expect(sim.requests).toEqual([expect.objectContaining({ method: "GET", path: "/sensors/0001", status: 200 })]);
    });
  });

  describe("events broker", () => {
    const connect = (url: string, password = "p") =>
      new Promise<mqtt.MqttClient>((resolve, reject) => {
        const c = mqtt.connect(url, { username: "u", password, protocolVersion: 4, reconnectPeriod: 0 });
        c.once("connect", () => resolve(c));
        c.once("error", (e) => (c.end(true), reject(e)));
      });

    it("keeps QoS 2 JSON events on its topic, discards the rest, and makes the meter exist at the API", async () => {
      const broker = sim.broker!;
      const c = await connect(broker.url);
      await c.publishAsync("smartmeter/7001/events", JSON.stringify({ timestamp: new Date().toISOString(), values: { power: 5 } }), { qos: 2 });
      await c.publishAsync("smartmeter/7001/events", JSON.stringify({ timestamp: new Date().toISOString() }), { qos: 1 });
      await c.publishAsync("elsewhere/7001", JSON.stringify({ timestamp: new Date().toISOString() }), { qos: 2 });
      await c.publishAsync("smartmeter/7001/events", "power=5", { qos: 2 });
      await c.publishAsync("smartmeter/7001/events", JSON.stringify({ power: 5 }), { qos: 2 });
      await c.endAsync();
      expect(broker.events.map((e) => e.meter)).toEqual(["7001"]);
      expect(broker.discarded.map((d) => d.reason)).toEqual(["published with QoS 1, not 2", "topic is not smartmeter/{{meter}}/events", "payload is not JSON", "payload has no timestamp"]);
      expect((await call(sim, "/sensors", { token })).json).toContain("7001");
      expect((await call(sim, "/sensors/7001", { token })).json).toMatchObject({ connection_state: null, first_event: expect.any(String) });
    });

    it("refuses a wrong password, and stops and starts on the same port", async () => {
      const broker = sim.broker!;
      await expect(connect(broker.url, "wrong")).rejects.toThrow(/Bad username or password|Not authorized/i);
      const port = broker.port;
      await broker.stop();
      expect(broker.running).toBe(false);
      await expect(connect(broker.url)).rejects.toThrow();
      await broker.start();
      expect(broker.port).toBe(port);
      const c = await connect(broker.url);
      await c.endAsync();
    });
  });
});
