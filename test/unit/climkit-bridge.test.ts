/**
 * The Climkit bridge and client against the simulator over real HTTP. The pacing is shortened
 * here (the bridge's test option, the simulator's limit off) to check the logic quickly; the
 * real 1 request/second pacing is checked at the end and in test/integration/climkit*.test.ts.
 */
import { createServer, type Server } from "node:http";
import { Writable } from "node:stream";
import { HTTPError } from "got";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ClimkitBridge } from "../../src/bridges/climkit/bridge.js";
import { formatUtc, parseTimestamp } from "../../src/bridges/climkit/api.js";
import type { BridgeContext } from "../../src/bridges/types.js";
import { createHttpClient, describeHttpError } from "../../src/http/client.js";
import { createLogger, SecretScrubber } from "../../src/log.js";
import type { SourceState } from "../../src/state/store.js";
import { meter, sampleSites, sensor, site, startClimkitSimulator, type ClimkitSimulator, type RecordedRequest } from "../../src/simulators/climkit/index.js";

const PASSWORD = "demo-password";
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function memoryState(): SourceState & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  // JSON round trip, like the state file.
  return { data, get: (k) => (data.has(k) ? JSON.parse(JSON.stringify(data.get(k))) : undefined), set: (k, v) => void data.set(k, JSON.parse(JSON.stringify(v))), delete: (k) => void data.delete(k) };
}

interface Harness {
  bridge: ClimkitBridge;
  logs: string[];
  state: ReturnType<typeof memoryState>;
  stats(): { logins: number };
}

function harness(baseUrl: string, extra: Record<string, unknown> = {}, opts: { state?: ReturnType<typeof memoryState>; spacingMs?: number; retries?: number; realPacing?: boolean } = {}): Harness {
  const logs: string[] = [];
  const scrubber = new SecretScrubber();
  scrubber.add(String(extra.password ?? PASSWORD));
  const logger = createLogger("debug", scrubber, new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }));
  const state = opts.state ?? memoryState();
  const ctx: BridgeContext = {
    source: { id: "metering", type: "climkit", enabled: true, interval: 60_000, timeout: 5_000, base_url: baseUrl, username: "demo", password: PASSWORD, backfill: "10s", metadata_refresh: "1h", sensors: true, ...extra },
    logger,
    state,
    http: (o) => createHttpClient({ ...o, sourceId: "metering", timeoutMs: 5_000, logger, retries: opts.retries ?? 1 }),
    registerSecret: (v) => scrubber.add(v),
  };
  const bridge = new ClimkitBridge(ctx, opts.realPacing ? {} : { spacingMs: opts.spacingMs ?? 5 });
  return { bridge, logs, state, stats: () => (bridge as unknown as { client: { auth: { stats: { logins: number } } } }).client.auth.stats };
}

const paths = (reqs: RecordedRequest[], re: RegExp): RecordedRequest[] => reqs.filter((r) => re.test(r.path));

describe("Climkit bridge against the simulator", () => {
  let sim: ClimkitSimulator;
  const sites = sampleSites();
  const [siteA, siteB] = sites as [(typeof sites)[number], (typeof sites)[number]];
  const ruleMeter = siteA.meters.find((m) => m.is_rule_meter)!;
  const flat = siteA.meters.find((m) => m.mode === "consumption" && !m.is_rule_meter)!;

  beforeAll(async () => {
    sim = await startClimkitSimulator({ sites, periodMs: 1_000, rateLimitMs: 0, tokenLifetimeMs: 60_000 });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.resetFaults();
    sim.clearRequests();
  });

  it("reads sites, meters and sensors, and builds the device tree with every series", async () => {
    const h = harness(sim.apiUrl);
    const { devices, readings } = await h.bridge.poll();
    expect(devices.map((d) => d.key)).toEqual([
      `site_${siteA.id}`,
      ...siteA.meters.map((m) => `meter_${m.id}`),
      ...siteA.sensors.map((s) => `sensor_${s.id}`),
      `site_${siteB.id}`,
      ...siteB.meters.map((m) => `meter_${m.id}`),
      ...siteB.sensors.map((s) => `sensor_${s.id}`),
    ]);
    const byKey = new Map(devices.map((d) => [d.key, d]));
    expect(byKey.get(`meter_${flat.id}`)).toMatchObject({ name: "Flat A", viaDevice: `site_${siteA.id}`, vendorId: flat.id });
    expect(byKey.get(`meter_${ruleMeter.id}`)!.entities.map((e) => e.key)).toEqual(["validated_total", "validated_self", "validated_ext"]);
    expect(byKey.get(`site_${siteB.id}`)!.entities.map((e) => e.key)).toEqual(["address", "timezone", "heating_conso_total", "hot_water_conso_total"]);
    const value = (device: string, entity: string) => readings.find((r) => r.device === device && r.entity === entity && r.field === undefined)?.value;
    expect(value(`site_${siteA.id}`, "address")).toBe("Chemin des Vignes 12, 1004 Lausanne");
    expect(value(`site_${siteA.id}`, "timezone")).toBe("Europe/Zurich");
    // The raw index is the simulator's index at the newest complete period.
    const rawRows = paths(sim.requests, new RegExp(`/meter_data_raw/${siteA.id}/${flat.id}$`))[0]!.response as Array<{ en_im: number; timestamp: string }>;
    expect(value(`meter_${flat.id}`, "en_im")).toBe(rawRows.at(-1)!.en_im);
    expect(Number(value(`meter_${flat.id}`, "validated_total"))).toBeGreaterThan(0);
    expect(typeof value(`sensor_${siteA.sensors[0]!.id}`, "temperature")).toBe("number");
  });

  it("never asks for a rule meter's raw data, and asks for every physical meter's", async () => {
    await harness(sim.apiUrl).bridge.poll();
    const raw = paths(sim.requests, /\/meter_data_raw\//).map((r) => r.path.split("/").pop());
    expect(raw).not.toContain(ruleMeter.id);
    expect(raw.sort()).toEqual([...siteA.meters, ...siteB.meters].filter((m) => !m.is_rule_meter).map((m) => m.id).sort());
    expect(paths(sim.requests, new RegExp(`/meter_data/${siteA.id}/${ruleMeter.id}$`))).toHaveLength(1);
  });

  it("sends JSON windows as naive UTC with 15T sampling, and a Bearer token", async () => {
    const before = Date.now();
    await harness(sim.apiUrl).bridge.poll();
    const md = paths(sim.requests, /\/meter_data\//)[0]!;
    expect(md.method).toBe("POST");
    expect(md.body).toMatchObject({ t_s: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/), t_e: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/), sampling_frequency: "15T" });
    expect(Math.abs(parseTimestamp((md.body as { t_e: string }).t_e)! - before)).toBeLessThan(5_000);
    expect(paths(sim.requests, /\/meter_data_raw\//)[0]!.body).not.toHaveProperty("sampling_frequency");
    const sd = paths(sim.requests, /\/sensor_data\//)[0]!;
    expect(sd.method).toBe("GET");
    expect(sd.query).toMatchObject({ t_s: expect.stringMatching(/T/), t_e: expect.stringMatching(/T/) });
    expect(sim.requests.filter((r) => !r.path.endsWith("/auth")).every((r) => r.token !== null && r.status === 200)).toBe(true);
    expect(sim.requests.find((r) => r.path.endsWith("/auth"))!.body).toEqual({ username: "demo", password: "***" });
  });

  it("fetches only the window since the last poll, and lists sites and meters again only after metadata_refresh", async () => {
    const h = harness(sim.apiUrl);
    await h.bridge.poll();
    const series = h.state.data.get("series") as Record<string, { last: number }>;
    const raw = h.state.data.get("raw") as Record<string, { t: number }>;
    await sleep(2_100);
    sim.clearRequests();
    await h.bridge.poll();
    expect(paths(sim.requests, /all_installations|installation_infos|meter_info|sensors_list/)).toEqual([]);
    const md = paths(sim.requests, new RegExp(`/meter_data/${siteA.id}/${flat.id}$`))[0]!;
    expect((md.body as { t_s: string }).t_s).toBe(formatUtc(series[`meter/${siteA.id}/${flat.id}`]!.last));
    const rawReq = paths(sim.requests, new RegExp(`/meter_data_raw/${siteA.id}/${flat.id}$`))[0]!;
    expect((rawReq.body as { t_s: string }).t_s).toBe(formatUtc(raw[`${siteA.id}/${flat.id}`]!.t));
    // Two seconds of one-second periods: a handful of rows, not the backfill again.
    expect((rawReq.response as unknown[]).length).toBeLessThanOrEqual(5);

    const later = harness(sim.apiUrl, { metadata_refresh: "1s" });
    await later.bridge.poll();
    await sleep(1_100);
    sim.clearRequests();
    await later.bridge.poll();
    expect(paths(sim.requests, /all_installations|installation_infos|meter_info|sensors_list/).length).toBe(1 + 3 * 2);
  });

  it("counts every validated period exactly once, across restarts", async () => {
    const state = memoryState();
    const returned = new Map<string, Map<string, number>>(); // meter -> timestamp -> total
    const start = new Map<string, number>(); // meter -> t_s of its first window: counting starts after it
    const seen = (): void => {
      for (const r of paths(sim.requests, /\/meter_data\//)) {
        const id = r.path.split("/").pop()!;
        if (!start.has(id)) start.set(id, parseTimestamp((r.body as { t_s: string }).t_s)!);
        const rows = returned.get(id) ?? new Map<string, number>();
        for (const row of r.response as Array<{ timestamp: string; total: number }>) if (parseTimestamp(row.timestamp)! > start.get(id)!) rows.set(row.timestamp, row.total);
        returned.set(id, rows);
      }
      sim.clearRequests();
    };
    let h = harness(sim.apiUrl, {}, { state });
    await h.bridge.poll();
    seen();
    await sleep(2_100);
    await h.bridge.poll();
    seen();
    // Restart: a new bridge with the saved state.
    await sleep(2_100);
    h = harness(sim.apiUrl, {}, { state });
    const { readings } = await h.bridge.poll();
    const overlap = paths(sim.requests, new RegExp(`/meter_data/${siteA.id}/${flat.id}$`))[0]!.response as Array<{ timestamp: string }>;
    expect(returned.get(flat.id)!.has(overlap[0]!.timestamp)).toBe(true); // the API sent an already counted period again
    seen();
    for (const m of [...siteA.meters, ...siteB.meters]) {
      const expected = [...returned.get(m.id)!.values()].reduce((a, b) => a + b, 0);
      const published = readings.find((r) => r.device === `meter_${m.id}` && r.entity === "validated_total")!.value as number;
      expect(published, m.name).toBeCloseTo(expected, 6);
    }
  });

  it("renews the token before it expires, without a 401", async () => {
    const short = await startClimkitSimulator({ sites: [site("s1", "One", [meter("m1", "electricity", "Flat")])], periodMs: 1_000, rateLimitMs: 0, tokenLifetimeMs: 1_500 });
    try {
      const h = harness(short.apiUrl, { backfill: "3s" });
      await h.bridge.poll();
      await sleep(1_600);
      await h.bridge.poll();
      expect(h.stats().logins).toBe(2);
      expect(short.requests.filter((r) => r.status === 401)).toEqual([]);
      expect(paths(short.requests, /\/auth$/)).toHaveLength(2);
    } finally {
      await short.close();
    }
  });

  it("logs in once more after a 401 (a token revoked mid-poll) and finishes the poll", async () => {
    const h = harness(sim.apiUrl);
    await h.bridge.poll();
    sim.clearRequests();
    sim.revokeTokens();
    await h.bridge.poll();
    expect(sim.requests.filter((r) => r.status === 401)).toHaveLength(1);
    expect(paths(sim.requests, /\/auth$/)).toHaveLength(1);
    expect(h.stats().logins).toBe(2);
    expect(h.logs.join("").match(/logging in again/g)).toHaveLength(1);
  });

  it("gives up after a second 401, naming it", async () => {
    const h = harness(sim.apiUrl);
    sim.faults.unauthorizedNext = 2;
    const error = await h.bridge.poll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect(describeHttpError(error)).toMatch(/^HTTP 401 from GET .*\/all_installations: \{"msg":"Token has been revoked"\}$/);
    expect(paths(sim.requests, /all_installations/)).toHaveLength(2);
  });

  it("fails the poll on wrong credentials with the API's message, after one login attempt", async () => {
    const h = harness(sim.apiUrl, { password: "wrong-password" });
    const error = await h.bridge.poll().catch((e: unknown) => e);
    expect(describeHttpError(error)).toMatch(/^HTTP 401 from POST .*\/api\/v1\/auth: \{"msg":"Bad username or password"\}$/);
    expect(sim.requests).toHaveLength(1);
    expect(h.logs.join("")).not.toContain("wrong-password");
  });

  it("fails the poll on a malformed body, naming the request", async () => {
    const h = harness(sim.apiUrl);
    sim.faults.malformed = true;
    sim.faults.only = "/meter_data/";
    await expect(h.bridge.poll()).rejects.toThrow(/^unexpected response from POST \/meter_data\/\w+\/\w+: expected JSON, got text "\[\{\\"timestamp/);
  });

  it("retries a POST answered 429 after a pause, and a 500 once before failing", async () => {
    const h = harness(sim.apiUrl);
    await h.bridge.poll();
    sim.clearRequests();
    sim.faults.rateLimitNext = 1;
    sim.faults.only = "/meter_data/";
    await h.bridge.poll();
    const [limited, retried] = paths(sim.requests, /\/meter_data\//);
    expect(limited!.status).toBe(429);
    expect(retried!.path).toBe(limited!.path);
    expect(retried!.status).toBe(200);
    expect(retried!.time - limited!.time).toBeGreaterThanOrEqual(900);

    sim.clearRequests();
    sim.faults.status500 = true;
    const error = await h.bridge.poll().catch((e: unknown) => e);
    expect(describeHttpError(error)).toMatch(/^HTTP 500 from POST .*\/meter_data\/\w+\/\w+: <!doctype html>/);
    expect(sim.requests.filter((r) => r.status === 500)).toHaveLength(2);
  });

  it("skips an unknown configured site with one warning, and reads the others", async () => {
    const h = harness(sim.apiUrl, { sites: ["000000000000000000000000", siteB.id] });
    const first = await h.bridge.poll();
    expect(first.devices.map((d) => d.key)).toContain(`site_${siteB.id}`);
    expect(first.devices.some((d) => d.key === `site_${siteA.id}`)).toBe(false);
    expect(paths(sim.requests, /all_installations/)).toEqual([]);
    expect(h.logs.filter((l) => l.includes("skipped: the API refused this item"))).toHaveLength(1);
    expect(h.logs.join("")).toContain("HTTP 404");
  });

  it("skips sensor requests with sensors: false", async () => {
    const { devices } = await harness(sim.apiUrl, { sensors: false }).bridge.poll();
    expect(paths(sim.requests, /sensor/)).toEqual([]);
    expect(devices.some((d) => d.key.startsWith("sensor_"))).toBe(false);
  });

  it("keeps a sensor's last value when no new sample came", async () => {
    const quiet = await startClimkitSimulator({ sites: [site("s1", "One", [], [sensor("c1", "Room", "temperature", "°C", 20, 1)])], periodMs: 60_000, sensorPeriodMs: 60_000, rateLimitMs: 0 });
    try {
      const h = harness(quiet.apiUrl, { backfill: "5m" });
      const first = await h.bridge.poll();
      const second = await h.bridge.poll();
      const value = (r: typeof first) => r.readings.find((x) => x.device === "sensor_c1")?.value;
      expect(typeof value(first)).toBe("number");
      expect(value(second)).toBe(value(first));
    } finally {
      await quiet.close();
    }
  });
});

describe("Climkit client with a hand-written server", () => {
  let server: Server;
  let url = "";
  let handler: (path: string, body: string, res: import("node:http").ServerResponse) => void = (_p, _b, res) => res.end("[]");
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += String(c)));
      req.on("end", () => handler(req.url ?? "", body, res));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/api/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("never quotes a malformed login answer, which may hold a token", async () => {
    handler = (path, _b, res) => res.end(path.endsWith("/auth") ? '{"access_token": "eyJhbGciOiJIUzI1NiJ9.secret-part' : "[]");
    const h = harness(url);
    const error = await h.bridge.poll().catch((e: unknown) => e);
    expect(String(error)).toMatch(/unexpected response from POST \/auth: expected JSON/);
    expect(String(error)).not.toContain("secret-part");
    handler = (path, _b, res) => res.end(path.endsWith("/auth") ? '{"token": "eyJ.secret-part"}' : "[]");
    const error2 = await harness(url).bridge.poll().catch((e: unknown) => e);
    expect(String(error2)).toMatch(/POST \/auth: expected \{"access_token"/);
    expect(String(error2)).not.toContain("secret-part");
  });

  it("assumes the documented 15 minutes when valid_until is missing, and reads ids written as objects", async () => {
    let logins = 0;
    handler = (path, _b, res) => {
      if (path.endsWith("/auth")) {
        logins++;
        return res.end(JSON.stringify({ access_token: `token-number-${logins}` }));
      }
      if (path.endsWith("/all_installations")) return res.end(JSON.stringify([{ _id: { $oid: "s1" }, name: "x" }]));
      if (path.includes("/installation_infos/")) return res.end(JSON.stringify({ name: "Site One" }));
      if (path.includes("/meter_info/")) return res.end(JSON.stringify([{ id: "m1", type: "cold_water", name: "Water", mode: "consumption", is_rule_meter: false }]));
      if (path.includes("/sensors_list")) return res.end("[]");
      if (path.includes("/meter_data_raw/")) return res.end(JSON.stringify([{ vol_m3: 12.5, en_im: null, timestamp: Date.now() - 60_000 }]));
      return res.end("[]");
    };
    const h = harness(url);
    const first = await h.bridge.poll();
    await h.bridge.poll();
    expect(logins).toBe(1);
    expect(first.devices.map((d) => d.key)).toEqual(["site_s1", "meter_m1"]);
    expect(first.readings).toContainEqual({ device: "meter_m1", entity: "vol_m3", value: 12.5 });
  });
});

describe("Climkit pacing", () => {
  it("keeps every request of a source, the login included, more than a second apart (the bridge's own pacing)", async () => {
    const sim = await startClimkitSimulator({ sites: [site("s1", "One", [meter("m1", "electricity", "Flat", { is_rule_meter: true })])], periodMs: 1_000 });
    try {
      const h = harness(sim.apiUrl, { sensors: false }, { realPacing: true });
      await h.bridge.poll();
      expect(sim.requests.map((r) => r.path.replace(/^\/api\/v1\//, ""))).toEqual(["auth", "all_installations", "installation_infos/s1", "meter_info/s1", "meter_data/s1/m1", "site_data/s1/electricity"]);
      for (let i = 1; i < sim.requests.length; i++) expect(sim.requests[i]!.time - sim.requests[i - 1]!.time).toBeGreaterThanOrEqual(1_000);
      expect(sim.requests.every((r) => r.status === 200)).toBe(true);
    } finally {
      await sim.close();
    }
  }, 20_000);
});
