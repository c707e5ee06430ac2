/**
 * The Belimo bridge and its client against the simulator over real HTTP, without MQTT: paging,
 * profile caching, history fallback, tokens, pacing, shape checks, writes and their jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BelimoBridge } from "../../src/bridges/belimo/bridge.js";
import { BelimoClient } from "../../src/bridges/belimo/client.js";
import { belimo } from "../../src/bridges/belimo/definition.js";
import type { PollResult } from "../../src/bridges/types.js";
import { UnexpectedResponseError } from "../../src/bridges/errors.js";
import type { Device, Entity } from "../../src/model/index.js";
import { startBelimoSimulator, type BelimoSimulator } from "../../src/simulators/belimo/index.js";
import { bridgeContext, memoryState } from "../helpers/bridge-context.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function source(sim: BelimoSimulator, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = sim.credentials;
  return { id: "valves", type: "belimo", base_url: sim.url, token_url: sim.tokenUrl, client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password, requests_per_second: 50, max_in_flight: 5, ...extra };
}

function setup(sim: BelimoSimulator, extra: Record<string, unknown> = {}, state = memoryState()) {
  const { ctx, logs } = bridgeContext(source(sim, extra), state);
  return { bridge: belimo.create(ctx) as BelimoBridge, logs, state, ctx };
}

const reading = (r: PollResult, device: string, entity: string) => r.readings.find((x) => x.device === device && x.entity === entity && x.field === undefined)?.value;
const target = (r: PollResult, device: string, entity: string): { device: Device; entity: Entity } => {
  const d = r.devices.find((x) => x.key === device)!;
  return { device: d, entity: d.entities.find((e) => e.key === entity)! };
};

describe("Belimo bridge against the simulator", () => {
  let sim: BelimoSimulator;
  const path = (p: string) => sim.requests.filter((r) => r.server === "api" && r.path.startsWith(p));

  beforeAll(async () => {
    sim = await startBelimoSimulator({ valves: 10, actuators: 1, unregistered: 2, timeScale: 60, deviceDataRate: 1000, jobDelayMs: 200 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("reads every registered device with its profile's datapoints, account stats, and only the registered ones", async () => {
    const { bridge } = setup(sim);
    const r = await bridge.poll();
    const registered = sim.devices().filter((d) => d.registered);
    expect(r.devices.map((d) => d.key).sort()).toEqual(["account", ...registered.map((d) => d.id)].sort());
    const valve = sim.devices().find((d) => d.profile === "energyvalve3/1.2" && d.online)!;
    const dev = r.devices.find((d) => d.key === valve.id)!;
    expect(dev).toMatchObject({ name: valve.displayName, manufacturer: "Belimo", model: "belimo.energyvalve3/1.2", viaDevice: "account", serialNumber: expect.any(String), swVersion: "1.4.2" });
    expect(dev.entities.some((e) => e.key.startsWith("metadata"))).toBe(false);
    expect(dev.entities.some((e) => e.key === "evcloud_950")).toBe(false); // write-only
    const heat = Number(reading(r, valve.id, "evcloud_210"));
    expect(heat).toBeCloseTo(Number(sim.value(valve.id, "evcloud.210")) / 3_600_000, 0);
    expect(reading(r, valve.id, "evcloud_150")).toBeLessThan(150); // °C, not K
    expect(reading(r, "account", "total_devices")).toBe(sim.devices().length);
    expect(reading(r, "account", "problem")).toBe(1);
    expect(Number(reading(r, "account", "offline"))).toBeGreaterThan(0);
    expect(path("/api/v3/devices").every((q) => q.status === 200)).toBe(true);
    // Devices without data (unregistered) are never listed: state=REGISTERED.
    expect(path("/api/v3/devices").filter((q) => q.path === "/api/v3/devices").every((q) => q.query.state === "REGISTERED")).toBe(true);
  });

  it("pages /devices with limit/offset until paging.total", async () => {
    const big = await startBelimoSimulator({ valves: 230, actuators: 0, unregistered: 0 });
    try {
      const { ctx } = bridgeContext(source(big));
      const s = ctx.source;
      const client = new BelimoClient(ctx, { baseUrl: String(s.base_url), tokenUrl: String(s.token_url), audience: String(s.audience), scope: String(s.scope), clientId: String(s.client_id), clientSecret: String(s.client_secret), username: String(s.username), password: String(s.password), requestsPerSecond: 100, maxInFlight: 5 });
      const all = await client.devices(100);
      expect(all).toHaveLength(230);
      expect(new Set(all.map((d) => d.id)).size).toBe(230);
      expect(big.requests.filter((q) => q.path === "/api/v3/devices").map((q) => [q.query.limit, q.query.offset])).toEqual([
        ["100", "0"],
        ["100", "100"],
        ["100", "200"],
      ]);
      // A base_url that already ends in /api/v3 works the same.
      const again = new BelimoClient(ctx, { ...{ baseUrl: `${big.url}/api/v3/`, tokenUrl: big.tokenUrl, audience: String(s.audience), scope: String(s.scope), clientId: String(s.client_id), clientSecret: String(s.client_secret), username: String(s.username), password: String(s.password) }, requestsPerSecond: 100, maxInFlight: 5 });
      expect(await again.devices(2000)).toHaveLength(230);
      expect(await again.deviceState("00000000-0000-4000-8000-000000000000")).toBeUndefined();
    } finally {
      await big.close();
    }
  });

  it("fetches each data profile version once and keeps it in the state for the next start", async () => {
    sim.clearRequests();
    const first = setup(sim);
    await first.bridge.poll();
    await first.bridge.poll();
    const profileGets = path("/api/v3/definitions/dataprofiles/").map((q) => q.path);
    expect(profileGets.sort()).toEqual(["/api/v3/definitions/dataprofiles/actuator-mp/2.0", "/api/v3/definitions/dataprofiles/energyvalve3/1.2", "/api/v3/definitions/dataprofiles/energyvalve3/1.3"]);
    expect([...first.state.data.keys()].filter((k) => k.startsWith("profile:")).sort()).toEqual(["profile:actuator-mp/2.0", "profile:energyvalve3/1.2", "profile:energyvalve3/1.3"]);
    // Devices refer to their profile plainly, by a full path, or by ref only: all the same three.
    sim.clearRequests();
    const restarted = setup(sim, {}, first.state);
    const r = await restarted.bridge.poll();
    expect(path("/api/v3/definitions/")).toHaveLength(0);
    expect(r.devices.filter((d) => d.model?.startsWith("belimo.energyvalve3")).length).toBe(10);
  });

  it("reads datapoints missing from the state from the history, at most every history_interval", async () => {
    sim.clearRequests();
    const { bridge } = setup(sim, { history_interval: "1h" });
    const r1 = await bridge.poll();
    const valve = sim.devices().find((d) => d.profile === "energyvalve3/1.2" && d.online)!;
    const volume = Number(reading(r1, valve.id, "evcloudplus_461"));
    expect(volume).toBeGreaterThan(0);
    expect(volume).toBeLessThanOrEqual(Number(sim.value(valve.id, "evcloudplus.461")));
    const history = path("/api/v3/devices/").filter((q) => q.path.endsWith("/history/timeseries"));
    // One per energy valve (evcloudplus.461 is only in the history); the actuator's state has all its values.
    expect(history.length).toBe(10);
    expect(history[0]!.query).toMatchObject({ datapointIds: "evcloudplus.461", resolution: "1h", from: expect.any(String), to: expect.any(String) });
    expect(Date.parse(history[0]!.query.to!) - Date.parse(history[0]!.query.from!)).toBe(86_400_000);
    await bridge.poll();
    expect(path("/api/v3/devices/").filter((q) => q.path.endsWith("/history/timeseries")).length).toBe(10);
  });

  it("accepts devices/stats flat as in the seed", async () => {
    sim.settings.statsShape = "flat";
    try {
      const r = await setup(sim).bridge.poll();
      expect(reading(r, "account", "total_devices")).toBe(sim.devices().length);
      expect(reading(r, "account", "ok")).toBe(sim.devices().length - 1);
    } finally {
      sim.settings.statsShape = "nested";
    }
  });

  it("applies the datapoint filters", async () => {
    const r = await setup(sim, { datapoints: ["evcloud.2*", "amp.*"], exclude_datapoints: ["evcloud.200"] }).bridge.poll();
    const valve = r.devices.find((d) => d.model === "belimo.energyvalve3/1.2")!;
    expect(valve.entities.map((e) => e.key)).toEqual(["evcloud_210", "problem", "connectivity", "last_seen"]);
  });

  it("shows a device whose profile the cloud does not know with its health only, and says so once", async () => {
    const victim = sim.devices().find((d) => d.profile === "actuator-mp/2.0")!;
    sim.setProfile(victim.id, "mystery", "0.1");
    try {
      const { bridge, logs } = setup(sim);
      const r = await bridge.poll();
      await bridge.poll();
      expect(r.devices.find((d) => d.key === victim.id)!.entities.map((e) => e.key)).toEqual(["problem", "connectivity", "last_seen"]);
      expect(logs.filter((l) => l.includes("data profile unknown to the cloud"))).toHaveLength(1);
    } finally {
      sim.setProfile(victim.id, "actuator-mp", "2.0");
    }
  });

  describe("tokens", () => {
    it("refreshes an access token before it expires, without a new password login", async () => {
      const short = await startBelimoSimulator({ valves: 2, actuators: 0, unregistered: 0, accessTokenLifetimeS: 1.5, deviceDataRate: 1000 });
      try {
        const { bridge } = setup(short);
        await bridge.poll();
        await sleep(1600);
        await bridge.poll();
        await sleep(1600);
        await bridge.poll();
        expect(short.tokenCounters()).toMatchObject({ logins: 1, refreshes: 2, failedRefreshes: 0 });
        expect(bridge.tokenStats).toMatchObject({ logins: 1, refreshes: 2 });
        expect(short.requests.filter((q) => q.status === 401)).toHaveLength(0);
        const refresh = short.requests.find((q) => q.server === "id" && (q.body as Record<string, string>).grant_type === "refresh_token")!;
        expect(refresh.body).toMatchObject({ client_id: "demo-client", client_secret: "demo-client-secret", refresh_token: expect.any(String) });
        expect(refresh.body).not.toHaveProperty("password");
      } finally {
        await short.close();
      }
    });

    it("after a 401 refreshes once; after a revoked refresh token logs in once", async () => {
      const { bridge } = setup(sim);
      await bridge.poll();
      const before = sim.tokenCounters();
      sim.faults.unauthorizedNext = 1;
      await bridge.poll();
      expect(sim.tokenCounters()).toMatchObject({ logins: before.logins, refreshes: before.refreshes + 1 });
      sim.expireAccessTokens();
      sim.revokeRefreshTokens();
      await bridge.poll();
      expect(sim.tokenCounters()).toMatchObject({ logins: before.logins + 1, failedRefreshes: before.failedRefreshes + 1 });
      expect(bridge.tokenStats).toMatchObject({ logins: 2, failedRefreshes: 1 });
    });

    it("sends the password grant with client, audience and scope, and names a refusal without secrets", async () => {
      sim.clearRequests();
      const { bridge, logs } = setup(sim, { password: "not-the-password" });
      const error = await bridge.poll().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/password grant refused by POST http:\/\/127\.0\.0\.1:\d+\/oauth\/token: HTTP 403 invalid_grant: Wrong email or password\./);
      expect(sim.requests.find((q) => q.server === "id")!.body).toEqual({
        grant_type: "password",
        username: "demo@belimo.local",
        password: "not-the-password",
        client_id: "demo-client",
        client_secret: "demo-client-secret",
        scope: "offline_access read:dataprofile",
        audience: "https://api.cloud.belimo.com/",
      });
      expect(`${error?.message}${logs.join("")}`).not.toMatch(/not-the-password|demo-client-secret/);
    });
  });

  it("keeps polling when the cloud refuses the stats or the history for good (4xx), and says so once", async () => {
    const { bridge, logs } = setup(sim, { history_interval: "1ms" });
    sim.faults.refuse = { path: "/api/v3/devices/stats", status: 403 };
    try {
      const r = await bridge.poll();
      expect(reading(r, "account", "total_devices")).toBeNull();
      sim.faults.refuse = { path: "/api/v3/devices/", status: 400 };
      // Every device path answers 400 now: the states too, which is a failure; the history alone is not.
      await expect(bridge.poll()).rejects.toThrow(/HTTP|400/);
      sim.faults.refuse = null;
      const valve = sim.devices().find((d) => d.profile === "energyvalve3/1.2" && d.online)!;
      sim.faults.refuse = { path: `/api/v3/devices/${valve.id}/data/history`, status: 400 };
      const r2 = await bridge.poll();
      await bridge.poll();
      expect(reading(r2, valve.id, "evcloud_210")).toBeGreaterThan(0);
      expect(reading(r2, valve.id, "evcloudplus_461")).toBeUndefined();
      expect(logs.filter((l) => l.includes("devices/stats refused"))).toHaveLength(1);
      expect(logs.filter((l) => l.includes("history refused") && l.includes('"level":"warn"'))).toHaveLength(1);
      sim.faults.refuse = { path: "/api/v3/devices/stats", status: 500 };
      await expect(bridge.poll()).rejects.toThrow(/500/);
    } finally {
      sim.faults.refuse = null;
    }
  });

  it("names the request and what it expected when a body is not what the API promises", async () => {
    const { bridge } = setup(sim);
    sim.faults.malformed = true;
    try {
      const error = await bridge.poll().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expect((error as Error).message).toMatch(/unexpected response from GET \/api\/v3\/devices(\/stats)?: expected JSON, got text/);
    } finally {
      sim.faults.malformed = false;
    }
  });

  it("paces requests at 2 per second with Belimo's defaults, and the cloud never answers 429", async () => {
    const paced = await startBelimoSimulator({ valves: 3, actuators: 0, unregistered: 0 });
    try {
      const { bridge } = setup(paced, { requests_per_second: undefined, max_in_flight: undefined });
      await bridge.poll();
      const api = paced.requests.filter((q) => q.server === "api");
      expect(api.length).toBeGreaterThanOrEqual(9); // stats, list, profiles, 3 states, 3 histories
      expect(api.filter((q) => q.status === 429)).toHaveLength(0);
      const starts = api.map((q) => q.time).sort((a, b) => a - b);
      // Lower bounds only: 500 ms apart on average, never two at once.
      expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual((starts.length - 1) * 450);
      for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(250);
      for (const q of api) expect(api.filter((o) => o.time <= q.time && o.end > q.time).length).toBeLessThanOrEqual(5);
    } finally {
      await paced.close();
    }
  });

  describe("writes", () => {
    it("posts the datapoint, follows the job to SUCCESS and returns the new value", async () => {
      const { bridge } = setup(sim, { job_poll_interval: "100ms" });
      const r = await bridge.poll();
      const valve = sim.devices().find((d) => d.profile === "energyvalve3/1.3" && d.online)!;
      sim.clearRequests();
      expect(await bridge.write({ device: valve.id, entity: "evcloud_110", value: 33.5 }, target(r, valve.id, "evcloud_110"))).toEqual([{ device: valve.id, entity: "evcloud_110", value: 33.5 }]);
      expect(sim.requests.find((q) => q.method === "POST")).toMatchObject({ path: `/api/v3/devices/${valve.id}/data`, body: { datapoints: { "evcloud.110": 33.5 } } });
      expect(sim.requests.filter((q) => q.path.startsWith("/api/v3/jobs/")).length).toBeGreaterThanOrEqual(1);
      expect(sim.value(valve.id, "evcloud.110")).toBe(33.5);
      await bridge.write({ device: valve.id, entity: "evcloud_300", value: "POWER" }, target(r, valve.id, "evcloud_300"));
      await bridge.write({ device: valve.id, entity: "evcloud_310", value: true }, target(r, valve.id, "evcloud_310"));
      expect([sim.value(valve.id, "evcloud.300"), sim.value(valve.id, "evcloud.310")]).toEqual(["POWER", true]);
    });

    it("throws an error naming the job when the device rejects it, and when it never confirms", async () => {
      const { bridge } = setup(sim, { job_poll_interval: "100ms", job_timeout: "1s" });
      const r = await bridge.poll();
      const valve = sim.devices().find((d) => d.profile?.startsWith("energyvalve3") && d.online)!;
      sim.failNextJobs(1);
      await expect(bridge.write({ device: valve.id, entity: "evcloud_110", value: 12 }, target(r, valve.id, "evcloud_110"))).rejects.toThrow(/job \S+ for evcloud\.110 ended FAILURE: DEVICE_REJECTED/);
      const offline = sim.devices().find((d) => d.profile?.startsWith("energyvalve3") && !d.online)!;
      await expect(bridge.write({ device: offline.id, entity: "evcloud_110", value: 12 }, target(r, offline.id, "evcloud_110"))).rejects.toThrow(/still PENDING after 1s: the device has not confirmed/);
      const t = target(r, valve.id, "evcloud_110");
      await expect(bridge.write({ device: valve.id, entity: "evcloud_210", value: 1 }, { ...t, entity: { ...t.entity, key: "evcloud_210" } })).rejects.toThrow(/no longer writable/);
    });
  });
});
