import { createServer, type Server } from "node:http";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MyBeNextBridge } from "../../src/bridges/mybenext/bridge.js";
import type { BridgeContext } from "../../src/bridges/types.js";
import { createHttpClient } from "../../src/http/client.js";
import type { SourceState } from "../../src/state/store.js";

/**
 * Another server than our simulator, within what the seed allows: no Range support (200 with
 * everything), plain lists instead of wrapped ones, /accounts/ refused, sparse fields.
 */
const routes: Record<string, unknown> = {
  "/login/api/v1/datatypes/": [
    { datatype: 9, name: "Switch", suffix: "", value: { type: "boolean", min: 0, max: 255 } },
    { datatype: 39, name: "Energy_kWh", suffix: "kWh", value: { type: "float", min: 0, max: 1e9, step: 0.01 } },
  ],
  "/login/api/v1/producttypes/": [{ producttype: 42, name: "Energy Switch", manufacturer: "BeNext" }],
  "/login/api/v1/products/": [{ account: 7, appearance: 42, name: "Boiler", product: 41, producttype: 42 }],
  "/login/api/v1/properties/": [
    { datatype: 9, name: "Switch", product: 41, property: 300, receiving: true, sending: true, updated: "2021-01-01T00:00:00Z", value: 255 },
    { datatype: 39, name: "kWh", product: 41, property: 301, receiving: false, sending: true, updated: null, value: "12.5" },
    { name: "broken: no ids" },
  ],
  "/login/api/v1/climatecontrollers/": [],
  "/login/api/v1/lifestyles/": [{ account: 7, active: true, id: 1, lifestyle: 11, name: "home" }],
  "/login/api/v1/nodes/": [],
  "/login/api/v1/failures/": [],
  "/login/api/v1/scenes/": [],
};

describe("myBeNext bridge against a stricter, plainer server", () => {
  let server: Server;
  let url = "";
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? "").split("?")[0] ?? "";
      if (path === "/login/api/v1/accounts/") return void res.writeHead(403, { "content-type": "application/json" }).end('{"error":"forbidden","code":3}');
      if (!(path in routes)) return void res.writeHead(404).end('{"error":"not found"}');
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(routes[path]));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("still finds every device, entity and value", async () => {
    const memory = new Map<string, unknown>();
    const state: SourceState = { get: <T>(k: string) => memory.get(k) as T | undefined, set: (k, v) => void memory.set(k, v), delete: (k) => void memory.delete(k) };
    const logger = pino({ level: "silent" });
    const ctx: BridgeContext = {
      source: { id: "t", type: "mybenext", enabled: true, interval: 60_000, timeout: 5_000, base_url: url, username: "u", password: "pw-123456", full_sync: "1h", page_size: 100 },
      logger,
      state,
      http: (o) => createHttpClient({ ...o, sourceId: "t", timeoutMs: 5_000, logger }),
      registerSecret: () => undefined,
    };
    const { devices, readings } = await new MyBeNextBridge(ctx).poll();
    expect(devices.map((d) => d.key).sort()).toEqual(["account_7", "product_41"]);
    const product = devices.find((d) => d.key === "product_41");
    expect(product?.entities.find((e) => e.key === "property_300")?.kind).toBe("switch");
    expect(product?.entities.find((e) => e.key === "property_301")).toMatchObject({ deviceClass: "energy", unit: "kWh", stateClass: "total_increasing" });
    expect(readings).toEqual(expect.arrayContaining([
      { device: "product_41", entity: "property_300", value: true },
      { device: "product_41", entity: "property_301", value: 12.5 },
      { device: "account_7", entity: "lifestyle", value: "home" },
    ]));
  });
});
