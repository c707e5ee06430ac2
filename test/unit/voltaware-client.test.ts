/** The Voltaware API client against the simulator: tokens, answers, errors. */
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { HTTPError } from "got";
import { createHttpClient } from "../../src/http/client.js";
import type { BridgeContext } from "../../src/bridges/types.js";
import { UnexpectedResponseError } from "../../src/bridges/errors.js";
import { MeterNotRegisteredError, VoltawareClient } from "../../src/bridges/voltaware/client.js";
import { VoltawareBridge } from "../../src/bridges/voltaware/bridge.js";
import { startVoltawareSimulator, type VoltawareSimulator, type VoltawareSimulatorOptions } from "../../src/simulators/voltaware/index.js";

const sims: VoltawareSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function setup(options: VoltawareSimulatorOptions = {}, secret = "demo-secret") {
  const sim = await startVoltawareSimulator(options);
  sims.push(sim);
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (l: string) => void lines.push(l) });
  const secrets: string[] = [];
  const ctx = {
    source: { id: "meter", type: "voltaware", enabled: true, interval: 1000, timeout: 5000 },
    logger,
    state: { get: () => undefined, set: () => undefined, delete: () => undefined },
    http: (o) => createHttpClient({ ...o, sourceId: "meter", timeoutMs: 5000, logger, retries: 1 }),
    registerSecret: (s: string) => void secrets.push(s),
  } satisfies BridgeContext;
  const client = new VoltawareClient(ctx, { baseUrl: sim.url, clientId: "demo-client", clientSecret: secret, rateLimit: 50 });
  const tokenCalls = () => sim.requests.filter((r) => r.path.startsWith("/auth/")).map((r) => `${r.path} ${r.status}`);
  return { sim, client, lines, secrets, tokenCalls };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("Voltaware client", () => {
  it("logs in once with client credentials and reuses the token", async () => {
    const { sim, client, secrets, tokenCalls } = await setup();
    await Promise.all([client.sensors(), client.sensor("0001"), client.sensor("0002")]);
    await client.sensors();
    expect(tokenCalls()).toEqual(["/auth/token 200"]);
    const login = sim.requests.find((r) => r.path === "/auth/token");
    expect(login?.headers["content-type"]).toMatch(/^application\/json/);
    expect(login?.body).toEqual({ grant_type: "client_credentials", client_id: "demo-client", client_secret: "demo-secret" });
    expect(sim.requests.filter((r) => r.path.startsWith("/sensors")).every((r) => /^Bearer \S+$/.test(r.headers.authorization ?? ""))).toBe(true);
    expect(secrets).toContain("demo-secret");
    expect(secrets.length).toBeGreaterThanOrEqual(3); // secret, access token, refresh token
  });

  it("refreshes with /auth/token/refresh before the token expires, and logs in again when the refresh is refused", async () => {
    const { sim, client, tokenCalls } = await setup({ tokenLifetimeSecs: 1 });
    await client.sensors();
    await sleep(1_050);
    await client.sensors();
    expect(tokenCalls()).toEqual(["/auth/token 200", "/auth/token/refresh 200"]);
    const refresh = sim.requests.find((r) => r.path === "/auth/token/refresh");
    expect(refresh?.body).toMatchObject({ grant_type: "refresh_token", client_id: "demo-client", refresh_token: expect.any(String) });
    sim.revokeRefreshTokens();
    await sleep(1_050);
    await client.sensors();
    expect(tokenCalls()).toEqual(["/auth/token 200", "/auth/token/refresh 200", "/auth/token/refresh 401", "/auth/token 200"]);
    expect(client.auth.stats).toMatchObject({ logins: 2, refreshes: 2, failedRefreshes: 1 });
  });

  it("gets a new token after a 401 and sends the request once more", async () => {
    const { sim, client, tokenCalls } = await setup();
    await client.sensors();
    sim.revokeAccessTokens();
    expect(await client.sensors()).toContain("0001");
    expect(tokenCalls()).toEqual(["/auth/token 200", "/auth/token/refresh 200"]);
    expect(sim.requests.filter((r) => r.path === "/sensors").map((r) => r.status)).toEqual([200, 401, 200]);
  });

  it("fails clearly with wrong client credentials", async () => {
    const { client } = await setup({}, "wrong-secret");
    const error = await client.sensors().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).response.statusCode).toBe(401);
    expect((error as HTTPError).options.url?.toString()).toMatch(/\/auth\/token$/);
  });

  it("reads the sensor list in every format and a sensor as the seed shows it", async () => {
    for (const format of ["strings", "numbers", "seed"] as const) {
      const { client } = await setup({ sensorListFormat: format });
      expect(await client.sensors()).toEqual(format === "numbers" ? ["1", "2", "3", "1001"] : ["0001", "0002", "0003", "1001"]);
    }
    const { client } = await setup();
    expect(await client.sensor("0001")).toMatchObject({ id: "0001", connectionState: "connected", firmware: "112356", locale: { timeZone: "Europe/Berlin" } });
    // A sensor gone between the list and its details is skipped, not an error.
    expect(await client.sensor("9999")).toBeUndefined();
  });

  it("names the request and what was expected when a body is malformed", async () => {
    const { sim, client } = await setup();
    await client.sensors();
    sim.faults.malformed = true;
    await expect(client.sensor("0001")).rejects.toThrow(UnexpectedResponseError);
    await expect(client.sensor("0001")).rejects.toThrow(/unexpected response from GET \/sensors\/0001: expected JSON, got text/);
  });

  it("reads a 404 result as 'not there', retries a 429, and reports 403 on metadata as an unregistered meter", async () => {
    const { sim, client } = await setup();
    expect(await client.result("0001", "sm/disag/month", { year: 2000, month: 1 })).toBeUndefined();
    sim.faults.rateLimitNext = 1;
    expect(await client.sensors()).toHaveLength(4);
    await expect(client.getMetadata("4242", "property")).rejects.toThrow(MeterNotRegisteredError);
    await expect(client.putMetadata("4242", "geolocation", { latitude: 1, longitude: 2 })).rejects.toThrow(/403 for meter 4242/);
    expect(await client.getMetadata("0002", "appliances")).toBeUndefined();
    await client.putMetadata("0002", "geolocation", { latitude: 1, longitude: 2 });
    expect(await client.getMetadata("0002", "geolocation")).toEqual({ latitude: 1, longitude: 2 });
    const bad = await client.putMetadata("0002", "geolocation", { latitude: 100, longitude: 2 }).catch((e: unknown) => e);
    expect((bad as HTTPError).response.statusCode).toBe(400);
  });

  it("only reads outside the daemon (discover): no metadata written, no events connection", async () => {
    const sim = await startVoltawareSimulator();
    sims.push(sim);
    const logger = pino({ level: "silent" });
    const store = new Map<string, unknown>();
    const source = {
      id: "meter",
      type: "voltaware",
      enabled: true,
      interval: 1000,
      timeout: 5000,
      base_url: sim.url,
      client_id: "demo-client",
      client_secret: "demo-secret",
      rate_limit: 50,
      metadata: [{ sensor: "0002", geolocation: { latitude: 1, longitude: 2 } }],
      events: { url: "mqtt://127.0.0.1:9", topic: "t/{{meter}}", meters: [{ id: "1", values: [{ name: "power", topic: "p" }] }] },
    };
    const bridge = new VoltawareBridge({
      source,
      logger,
      state: { get: <T>(k: string) => store.get(k) as T | undefined, set: (k, v) => void store.set(k, v), delete: (k) => void store.delete(k) },
      http: (o) => createHttpClient({ ...o, sourceId: "meter", timeoutMs: 5000, logger }),
      registerSecret: () => undefined,
    });
    const { devices } = await bridge.poll();
    await bridge.close();
    expect(devices.map((d) => d.key)).toEqual(["sensor_0001", "sensor_0002", "sensor_0003", "sensor_1001"]);
    expect(devices.find((d) => d.key === "sensor_0002")?.entities.some((e) => e.key === "month_energy")).toBe(true);
    expect(sim.requests.filter((r) => r.path.includes("/metadata/"))).toEqual([]);
  });
});
