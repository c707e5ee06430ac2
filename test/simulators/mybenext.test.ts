import { request as httpRequest } from "node:http";
import { gunzipSync, gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS, parseTimestamp, startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { closeAfterAllAndResetFaults, readAnswer } from "../helpers/simulator-tests.js";

const BASIC = `Basic ${Buffer.from("demo:demo-password").toString("base64")}`;
const APIKEY = "Apikey demo-apikey";

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

async function api(sim: MyBeNextSimulator, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; auth?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  const auth = init.auth === undefined ? BASIC : init.auth;
  if (auth !== null) headers.authorization = auth;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${sim.url}/login/api/v1/${path}`, { method: init.method ?? "GET", headers, body });
  return readAnswer(res);
}

type Obj = Record<string, unknown>;
const list = (a: Answer, key: string): Obj[] => (a.json as Record<string, Obj[]>)[key]!;
const ids = (items: Obj[], key: string): number[] => items.map((i) => i[key] as number);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("myBeNext simulator", () => {
  let sim: MyBeNextSimulator;

  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 20 });
  });
  closeAfterAllAndResetFaults(() => sim);

  describe("authentication", () => {
    it("accepts Basic and shows only the user's account", async () => {
      const a = await api(sim, "products/");
      expect(a.status).toBe(200);
      const products = list(a, "products");
      expect(products.every((p) => p.account === 1)).toBe(true);
      expect(ids(products, "product")).toContain(DEMO_IDS.products.dimmer);
      expect((await api(sim, "accounts/")).json).toEqual({
        accounts: [{ account: 1, addons: [], email: "no-reply@benext.eu", firstname: "Demo", language: "nl", lastname: "Account", username: "demo" }],
      });
      expect((await api(sim, "accounts/2/products/")).status).toBe(404);
      expect((await api(sim, `products/${DEMO_IDS.products.account2Switch}/`)).json).toEqual({ error: "product not found", resource: "product", code: 12 });
      expect(list(await api(sim, "products/?account_id=2"), "products")).toEqual([]);
    });

    it("accepts the API key in the header and in the query, seeing both accounts", async () => {
      const header = await api(sim, "products/", { auth: APIKEY });
      expect(header.status).toBe(200);
      expect(new Set(list(header, "products").map((p) => p.account))).toEqual(new Set([1, 2]));
      const query = await api(sim, "accounts/2/products/?apikey=demo-apikey", { auth: null });
      expect(query.status).toBe(200);
      expect(ids(list(query, "products"), "product")).toEqual([60, 61, 62, 63]);
    });

    it("answers 401 with the error body and a Basic challenge", async () => {
      for (const auth of [null, `Basic ${Buffer.from("demo:wrong").toString("base64")}`, "Apikey nope", "HMAC abc,account_id=1"]) {
        const a = await api(sim, "products/", { auth });
        expect(a.status).toBe(401);
        expect(a.headers.get("www-authenticate")).toBe('Basic realm="myBeNext"');
        expect(a.json).toMatchObject({ error: expect.any(String), resource: "product", code: expect.any(Number) });
      }
      expect((await api(sim, "products/?apikey=wrong", { auth: null })).status).toBe(401);
    });

    it("supports session authentication with cookies and a CSRF token for writes", async () => {
      const bad = await api(sim, "authenticate/", { method: "POST", auth: null, body: { username: "demo", password: "x" } });
      expect(bad.status).toBe(401);
      const res = await fetch(`${sim.url}/login/api/v1/authenticate/`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "username=demo&password=demo-password",
      });
      expect(res.status).toBe(200);
      const cookies = Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(";")[0]!.split("=") as [string, string]));
      expect(Object.keys(cookies).sort()).toEqual(["2myhomesession", "csrftoken"]);
      const cookie = `2myhomesession=${cookies["2myhomesession"]}; csrftoken=${cookies.csrftoken}`;
      expect((await api(sim, "scenes/", { auth: null, headers: { cookie } })).status).toBe(200);
      const put = { method: "PUT", auth: null, body: { name: "LightsOn" } };
      expect((await api(sim, "scenes/3/", { ...put, headers: { cookie } })).status).toBe(403);
      expect((await api(sim, "scenes/3/", { ...put, headers: { cookie, "x-csrftoken": cookies.csrftoken! } })).status).toBe(200);
    });
  });

  describe("lists and paths", () => {
    it("wraps lists unless Accept-Format: list, and rejects unknown formats with 406", async () => {
      const wrapped = await api(sim, "scenes/");
      expect(wrapped.json).toEqual({
        scenes: [
          { account: 1, code: 75, name: "LightsOn", scene: 3 },
          { account: 1, code: 76, name: "Film", scene: 4 },
          { account: 1, code: 77, name: "AllOff", scene: 5 },
        ],
      });
      expect((await api(sim, "scenes/", { headers: { "accept-format": "object" } })).json).toEqual(wrapped.json);
      expect((await api(sim, "scenes/", { headers: { "accept-format": "list" } })).json).toEqual((wrapped.json as { scenes: unknown }).scenes);
      const bad = await api(sim, "scenes/", { headers: { "accept-format": "xml" } });
      expect(bad.status).toBe(406);
      expect(bad.json).toMatchObject({ resource: "scene" });
    });

    it("serves single, nested and slash-less paths, and 404s unknown ones", async () => {
      const single = await api(sim, "products/44/");
      expect(single.json).toEqual({ account: 1, appearance: 90, name: "Living room dimmer", product: 44, producttype: 90 });
      expect((await api(sim, "products/44")).json).toEqual(single.json);
      expect((await api(sim, "accounts/1/products/44/")).json).toEqual(single.json);
      expect(ids(list(await api(sim, "products/44/properties/"), "properties"), "property")).toEqual([222, 223, 224]);
      expect(ids(list(await api(sim, "accounts/1/products/44/properties/"), "properties"), "property")).toEqual([222, 223, 224]);
      expect((await api(sim, "accounts/1/products/44/properties/222/")).json).toMatchObject({ property: 222, datatype: 8, name: "Dimmer", receiving: true });
      expect((await api(sim, "account/1/properties/222/")).status).toBe(200);
      expect((await api(sim, "products/36/properties/222/")).status).toBe(404);
      expect(ids(list(await api(sim, "gateways/2/nodes/"), "nodes"), "gateway").every((g) => g === 2)).toBe(true);
      expect((await api(sim, "gateways/5/nodes/")).status).toBe(404); // account 2's gateway
      expect((await api(sim, "failuretypes/product/gateway/unavailable/")).json).toEqual({ failuretype: "product/gateway/unavailable", resource_type: "gateway" });
      const unknown = await api(sim, "nonsense/");
      expect(unknown.status).toBe(404);
      expect(unknown.json).toMatchObject({ code: expect.any(Number) });
      expect((await api(sim, "products/999/")).json).toEqual({ error: "product not found", resource: "product", code: 12 });
      expect((await api(sim, "products/", { method: "POST", body: { producttype: 1, account: 1 } })).status).toBe(405);
    });

    it("filters by ids, datatype, fields, active, latest", async () => {
      expect(ids(list(await api(sim, "properties/?property_id=222,224,999"), "properties"), "property")).toEqual([222, 224]);
      expect(ids(list(await api(sim, "properties/?product_id=36&datatype_id=39,50"), "properties"), "property")).toEqual([200, 201]);
      expect(list(await api(sim, "products/?product_id=44&fields=name,product"), "products")).toEqual([{ name: "Living room dimmer", product: 44 }]);
      expect(list(await api(sim, "accounts/1/lifestyles/?active=true"), "lifestyles")).toHaveLength(1);
      expect((await api(sim, "lifestyles/?active=maybe")).status).toBe(400);
      const latest = list(await api(sim, "failures/?latest=true"), "failures");
      expect(latest.filter((f) => f.resource === 55)).toEqual([expect.objectContaining({ failure: 130, status: "failed", failuretype: "product/general/unavailable" })]);
      expect(list(await api(sim, "failures/"), "failures").length).toBeGreaterThan(latest.length);
      const nodes = list(await api(sim, "nodes/?status_id=2"), "nodes");
      expect(nodes).toEqual([expect.objectContaining({ node: DEMO_IDS.nodes.unreachable, product: DEMO_IDS.products.unreachableSensor, status: 2 })]);
      expect(list(await api(sim, "producttypes/?climatecontroller=true"), "producttypes").map((p) => p.producttype)).toEqual([103, 104]);
    });

    it("lists every datatype the demo uses, with value descriptions", async () => {
      const datatypes = list(await api(sim, "datatypes/"), "datatypes");
      const byId = new Map(datatypes.map((d) => [d.datatype as number, d]));
      const used = new Set(list(await api(sim, "properties/", { auth: APIKEY }), "properties").map((p) => p.datatype as number));
      for (const id of used) expect(byId.has(id), `datatype ${id}`).toBe(true);
      expect(byId.get(15)).toEqual({ datatype: 15, name: "Contact", suffix: "", value: { cmp: ["eq"], max: 255, max_conv: "Opened", min: 0, min_conv: "Closed", type: "boolean" } });
      expect(byId.get(67)).toMatchObject({ name: "Setpoint", value: { type: "float", min: 4, max: 28, step: 0.5 } });
      expect(byId.get(25)).toMatchObject({ value: { type: "choice", choice: { "1": "Alarm", "6": "Doorbell" } } });
      expect(byId.get(73)).toBeDefined();
    });
  });

  describe("Range", () => {
    it("filters by resource id and count with 206 on ranged resources", async () => {
      const a = await api(sim, "products/", { headers: { range: "resourceids 40-50/3" } });
      expect(a.status).toBe(206);
      expect(a.headers.get("accept-ranges")).toBe("resourceids");
      expect(ids(list(a, "products"), "product")).toEqual([40, 41, 42]);
      expect(ids(list(await api(sim, "products/", { headers: { range: "resourceids *-37" } }), "products"), "product")).toEqual([35, 36, 37]);
      expect(ids(list(await api(sim, "products/", { headers: { range: "resourceids 54-" } }), "products"), "product")).toEqual([54, 55]);
      const garbage = await api(sim, "products/", { headers: { range: "resourceids banana" } });
      expect(garbage.status).toBe(206);
      expect(list(garbage, "products")).toEqual([]);
      expect((await api(sim, "products/")).status).toBe(200);
    });

    it("ignores Range where the seed does not support it", async () => {
      const a = await api(sim, "climatecontrollers/", { headers: { range: "resourceids 0-52/1" } });
      expect(a.status).toBe(200);
      expect(a.headers.get("accept-ranges")).toBeNull();
      expect(list(a, "climatecontrollers")).toHaveLength(2);
    });

    it("pages through many products", async () => {
      const big = await startMyBeNextSimulator({ extraProducts: 250, timeScale: 1000 });
      try {
        const all = ids(list(await api(big, "properties/", { headers: { "accept-encoding": "gzip" } }), "properties"), "property");
        expect(all.length).toBeGreaterThan(750);
        const paged: number[] = [];
        let start = 0;
        for (;;) {
          const page = await api(big, "properties/", { headers: { range: `resourceids ${start}-2147483647/100` } });
          expect(page.status).toBe(206);
          const got = ids(list(page, "properties"), "property");
          paged.push(...got);
          if (got.length < 100) break;
          start = got[got.length - 1]! + 1;
        }
        expect(paged).toEqual(all);
        expect(ids(list(await api(big, "products/?product_id=1000,1249"), "products"), "product")).toEqual([1000, 1249]);
      } finally {
        await big.close();
      }
    });
  });

  describe("values over time", () => {
    it("counters only rise, measurements change, and updated_after returns only changed properties", async () => {
      const fast = await startMyBeNextSimulator({ timeScale: 500 });
      try {
        const first = new Map(list(await api(fast, "properties/"), "properties").map((p) => [p.property as number, p]));
        await sleep(1100);
        const since = new Date(Math.floor(Date.now() / 1000) * 1000);
        const sinceIso = since.toISOString().replace(".000Z", "Z");
        await sleep(1100);
        expect((await api(fast, `properties/${DEMO_IDS.dimmerProperty}/`, { method: "PUT", body: { value: "33" } })).status).toBe(200);
        const changed = list(await api(fast, `properties/?updated_after=${encodeURIComponent(sinceIso)}`), "properties");
        const second = new Map(list(await api(fast, "properties/"), "properties").map((p) => [p.property as number, p]));
        const changedIds = ids(changed, "property");
        expect(changedIds).toContain(DEMO_IDS.dimmerProperty);
        expect(changedIds).toContain(DEMO_IDS.p1Power);
        for (const fixed of [DEMO_IDS.lockProperty, DEMO_IDS.switchProperty, DEMO_IDS.sirenMode, DEMO_IDS.sirenDuration, DEMO_IDS.sensorProperty]) {
          expect(changedIds).not.toContain(fixed);
        }
        for (const p of changed) expect(Date.parse(p.updated as string)).toBeGreaterThanOrEqual(since.getTime());
        expect(changed.length).toBeLessThan(second.size);
        // Counters rise (or stay), consistent with what drives them.
        for (const id of [DEMO_IDS.p1Import, DEMO_IDS.p1Gas, DEMO_IDS.switchEnergy, DEMO_IDS.dimmerEnergy, DEMO_IDS.waterVolume, DEMO_IDS.heatEnergy]) {
          expect(Number(second.get(id)!.value)).toBeGreaterThanOrEqual(Number(first.get(id)!.value));
        }
        // The grid meter counts import or export (solar), whichever way the power flows.
        const grid = (m: Map<number, Obj>): number => Number(m.get(DEMO_IDS.p1Import)!.value) + Number(m.get(DEMO_IDS.p1Export)!.value);
        expect(grid(second)).toBeGreaterThan(grid(first));
        // The same instant with an offset, and as naive Amsterdam local time.
        const offset = new Date(since.getTime() + 2 * 3600_000).toISOString().slice(0, 19) + "+02:00";
        const viaOffset = ids(list(await api(fast, `properties/?updated_after=${encodeURIComponent(offset)}`), "properties"), "property");
        expect(viaOffset).toContain(DEMO_IDS.dimmerProperty);
        expect(viaOffset).not.toContain(DEMO_IDS.lockProperty);
        for (const bad of ["yesterday", "2024-13-01", since.toISOString(), offset.replace("+", " ")]) {
          const a = await api(fast, `properties/?updated_after=${encodeURIComponent(bad)}`);
          expect(a.status, bad).toBe(400);
          expect(a.json).toMatchObject({ code: expect.any(Number) });
        }
        expect((await api(fast, "properties/?updated_before=2000-01-01")).json).toEqual({ properties: [] });
      } finally {
        await fast.close();
      }
    });

    it("stops an appliance's power and energy when switched off", async () => {
      const fast = await startMyBeNextSimulator({ timeScale: 2000 });
      try {
        expect((await api(fast, `properties/${DEMO_IDS.switchProperty}/`, { method: "PUT", body: { value: "0" } })).status).toBe(200);
        await sleep(50);
        const before = fast.getProperty(DEMO_IDS.switchEnergy)!.value;
        await sleep(200);
        expect(fast.getProperty(DEMO_IDS.switchPower)!.value).toBe("0");
        expect(fast.getProperty(DEMO_IDS.switchEnergy)!.value).toBe(before);
      } finally {
        await fast.close();
      }
    });

    it("parses the seed's timestamp forms", () => {
      expect(parseTimestamp("2021-04-07T10:00:00Z")).toBe(Date.UTC(2021, 3, 7, 10));
      expect(parseTimestamp("2021-04-07T12:00:00+02:00")).toBe(Date.UTC(2021, 3, 7, 10));
      expect(parseTimestamp("2021-04-07T13:00:00+0300")).toBe(Date.UTC(2021, 3, 7, 10));
      expect(parseTimestamp("2021-04-07T12:00:00")).toBe(Date.UTC(2021, 3, 7, 10)); // CEST
      expect(parseTimestamp("2021-01-07")).toBe(Date.UTC(2021, 0, 6, 23)); // CET midnight
      expect(parseTimestamp("2021-04-07T10:00:00.123Z")).toBeUndefined();
      expect(parseTimestamp("2021-02-30")).toBeUndefined();
    });
  });

  describe("writes", () => {
    it("PUT property within limits answers 200 with an empty body and is reflected", async () => {
      const before = Date.now() - 1000;
      const put = await api(sim, `properties/${DEMO_IDS.dimmerProperty}/`, { method: "PUT", body: { value: "42", unknown_field: 1 } });
      expect(put.status).toBe(200);
      expect(put.text).toBe("");
      const after = (await api(sim, `properties/${DEMO_IDS.dimmerProperty}/`)).json as Obj;
      expect(after.value).toBe("42");
      expect(Date.parse(after.updated as string)).toBeGreaterThanOrEqual(before);
      await api(sim, `products/44/properties/${DEMO_IDS.dimmerProperty}/`, { method: "PUT", body: { value: 100 } });
      expect(sim.getProperty(DEMO_IDS.dimmerProperty)!.value).toBe("99");
      expect((await api(sim, `properties/${DEMO_IDS.blindProperty}/`, { method: "PUT", body: { value: "100" } })).status).toBe(200);
      expect(sim.getProperty(DEMO_IDS.blindProperty)!.value).toBe("99");
      // Basic: 0–99 and 255 (on at the last level)
      await api(sim, `properties/${DEMO_IDS.basicProperty}/`, { method: "PUT", body: { value: "55" } });
      await api(sim, `properties/${DEMO_IDS.basicProperty}/`, { method: "PUT", body: { value: "0" } });
      await api(sim, `properties/${DEMO_IDS.basicProperty}/`, { method: "PUT", body: { value: "255" } });
      expect(sim.getProperty(DEMO_IDS.basicProperty)!.value).toBe("55");
      expect((await api(sim, `properties/${DEMO_IDS.sirenMode}/`, { method: "PUT", body: { value: "3" } })).status).toBe(200);
      expect((await api(sim, `properties/${DEMO_IDS.sirenDuration}/`, { method: "PUT", body: { value: "10" } })).status).toBe(200);
      expect(sim.getProperty(DEMO_IDS.sirenDuration)).toMatchObject({ value: "10", updated: expect.any(String) });
    });

    it("rejects invalid writes with 400 and leaves the value unchanged", async () => {
      await api(sim, `properties/${DEMO_IDS.dimmerProperty}/`, { method: "PUT", body: { value: "50" } });
      const cases: [number, unknown][] = [
        [DEMO_IDS.dimmerProperty, { value: "150" }],
        [DEMO_IDS.dimmerProperty, { value: "-1" }],
        [DEMO_IDS.dimmerProperty, { value: "12.5" }],
        [DEMO_IDS.dimmerProperty, { value: "abc" }],
        [DEMO_IDS.dimmerProperty, { value: true }],
        [DEMO_IDS.dimmerProperty, { product: 36, value: "10" }],
        [DEMO_IDS.dimmerProperty, "{not json"],
        [DEMO_IDS.switchProperty, { value: "1" }],
        [DEMO_IDS.sirenMode, { value: "9" }],
        [DEMO_IDS.sirenDuration, { value: "16" }],
        [DEMO_IDS.basicProperty, { value: "100" }],
        [DEMO_IDS.dimmerPower, { value: "10" }], // not receiving
        [DEMO_IDS.thermostatSetpoint, { value: "20.3" }],
      ];
      for (const [id, body] of cases) {
        const before = sim.getProperty(id)!.value;
        const a = await api(sim, `properties/${id}/`, { method: "PUT", body });
        expect(a.status, JSON.stringify(body)).toBe(400);
        expect(a.json).toMatchObject({ error: expect.any(String), resource: "property", code: expect.any(Number) });
        if (id !== DEMO_IDS.dimmerPower) expect(sim.getProperty(id)!.value).toBe(before);
      }
      expect(sim.getProperty(DEMO_IDS.dimmerProperty)!.value).toBe("50");
      expect((await api(sim, `properties/${DEMO_IDS.p1Import}/`, { method: "PUT", body: { value: "1" } })).status).toBe(400);
      expect((await api(sim, "datatypes/8/", { method: "PUT", body: { name: "x" } })).status).toBe(405);
      expect((await api(sim, `properties/${DEMO_IDS.account2Switch}/`, { method: "PUT", body: { value: "255" } })).status).toBe(404);
    });

    it("accepts a gzipped request body", async () => {
      const res = await fetch(`${sim.url}/login/api/v1/properties/${DEMO_IDS.blindProperty}/`, {
        method: "PUT",
        headers: { authorization: BASIC, "content-type": "application/json", "content-encoding": "gzip" },
        body: gzipSync(JSON.stringify({ value: "25" })),
      });
      expect(res.status).toBe(200);
      expect(sim.getProperty(DEMO_IDS.blindProperty)!.value).toBe("25");
    });

    it("activates one lifestyle at a time, only with active: true", async () => {
      expect(sim.activeLifestyle(1)).toBe(DEMO_IDS.lifestyles.home);
      expect((await api(sim, "lifestyles/3/", { method: "PUT", body: { active: true } })).status).toBe(200);
      expect(sim.activeLifestyle(1)).toBe(DEMO_IDS.lifestyles.sleep);
      const listed = list(await api(sim, "lifestyles/"), "lifestyles");
      expect(listed.filter((l) => l.active).map((l) => l.lifestyle)).toEqual([3]);
      expect(listed[2]).toEqual({ account: 1, active: true, id: 9, lifestyle: 3, name: "sleep" });
      expect((await api(sim, "lifestyles/3/", { method: "PUT", body: { active: false } })).status).toBe(400);
      expect((await api(sim, "lifestyles/", { method: "PUT", body: { active: true } })).status).toBe(400);
      expect((await api(sim, "lifestyles/2/", { method: "PUT", body: { name: "out" } })).status).toBe(400);
      expect((await api(sim, "lifestyles/5/", { method: "PUT", body: { active: true } })).status).toBe(404);
      expect((await api(sim, "accounts/1/lifestyles/1/", { method: "PUT", body: { active: true } })).status).toBe(200);
      expect(sim.activeLifestyle(1)).toBe(DEMO_IDS.lifestyles.home);
      expect(sim.activeLifestyle(2)).toBe(DEMO_IDS.lifestyles.account2Away);
    });

    it("records triggered scenes and applies their effects", async () => {
      sim.triggeredScenes.length = 0;
      expect((await api(sim, "scenes/3/", { method: "PUT", body: { trigger: true } })).status).toBe(200);
      expect(sim.triggeredScenes).toEqual([3]);
      expect(sim.getProperty(DEMO_IDS.dimmerProperty)!.value).toBe("99");
      expect(sim.getProperty(DEMO_IDS.switchOrder1Property)!.value).toBe("255");
      await api(sim, "accounts/1/scenes/5/", { method: "PUT", body: { trigger: true } });
      expect(sim.triggeredScenes).toEqual([3, 5]);
      expect(sim.getProperty(DEMO_IDS.dimmerProperty)!.value).toBe("0");
      expect((await api(sim, "scenes/4/", { method: "PUT", body: { code: 1 } })).status).toBe(400);
      expect((await api(sim, "scenes/4/", { method: "PUT", body: { trigger: "yes" } })).status).toBe(400);
      expect(sim.triggeredScenes).toEqual([3, 5]);
    });

    it("takes a climate setpoint at the device's wake-up", async () => {
      const put = await api(sim, `climatecontrollers/${DEMO_IDS.radiator}/`, { method: "PUT", body: { setpoint: 21, scheduletype: 1 } });
      expect(put.status).toBe(200);
      expect(put.text).toBe("");
      const pending = list(await api(sim, "climatecontrollers/"), "climatecontrollers").find((c) => c.product === DEMO_IDS.radiator)!;
      expect(pending).toMatchObject({ setpoint: 21, scheduletype: 1, synchronised: false, datatype: 83 });
      expect(sim.getProperty(DEMO_IDS.radiatorSetpoint)!.value).toBe("18");
      const deadline = Date.now() + 5000;
      while (!sim.getClimateController(DEMO_IDS.radiator)!.synchronised && Date.now() < deadline) await sleep(50);
      expect(sim.getClimateController(DEMO_IDS.radiator)).toMatchObject({ synchronised: true, setpoint: 21 });
      expect(sim.getProperty(DEMO_IDS.radiatorSetpoint)!.value).toBe("21");
      // The single resource prints "schedulertype" (as the seed's example does).
      expect((await api(sim, `accounts/1/climatecontrollers/${DEMO_IDS.radiator}/`)).json).toMatchObject({ schedulertype: 1, product: DEMO_IDS.radiator });
      const rejected: [number, unknown][] = [
        [DEMO_IDS.radiator, { setpoint: 20.5 }], // 83: whole steps
        [DEMO_IDS.thermostat, { setpoint: 30 }], // 67: 4–28
        [DEMO_IDS.thermostat, { setpoint: 20.3 }], // 67: step 0.5
        [DEMO_IDS.thermostat, { setpoint: "warm" }],
        [DEMO_IDS.thermostat, { scheduletype: 7 }],
        [DEMO_IDS.thermostat, { mode: 1 }],
      ];
      for (const [id, body] of rejected) expect((await api(sim, `climatecontrollers/${id}/`, { method: "PUT", body })).status, JSON.stringify(body)).toBe(400);
      expect((await api(sim, `climatecontrollers/${DEMO_IDS.thermostat}/`, { method: "PUT", body: { setpoint: 21.5 } })).status).toBe(200);
      expect(sim.getClimateController(DEMO_IDS.thermostat)).toMatchObject({ setpoint: 21.5 });
      expect((await api(sim, "climatecontrollers/63/", { method: "PUT", body: { setpoint: 20 } })).status).toBe(404);
    });
  });

  describe("faults", () => {
    it("outage resets the connection", async () => {
      sim.faults.outage = true;
      await expect(api(sim, "products/")).rejects.toThrow();
      sim.resetFaults();
      expect((await api(sim, "products/")).status).toBe(200);
    });

    it("status500 answers the JSON error", async () => {
      sim.faults.status500 = true;
      const a = await api(sim, "products/");
      expect(a.status).toBe(500);
      expect(a.json).toMatchObject({ error: expect.any(String), code: expect.any(Number) });
    });

    it("malformed answers 200 with invalid JSON", async () => {
      sim.faults.malformed = true;
      const a = await api(sim, "products/");
      expect(a.status).toBe(200);
      expect(() => JSON.parse(a.text) as unknown).toThrow();
    });

    it("slowMs delays answers", async () => {
      sim.faults.slowMs = 300;
      const t = Date.now();
      expect((await api(sim, "scenes/")).status).toBe(200);
      expect(Date.now() - t).toBeGreaterThanOrEqual(290);
    });

    it("unauthorizedNext and rateLimitNext count down", async () => {
      sim.faults.unauthorizedNext = 2;
      for (let i = 0; i < 2; i++) {
        const a = await api(sim, "products/", { auth: APIKEY });
        expect(a.status).toBe(401);
        expect(a.headers.get("www-authenticate")).toBe('Basic realm="myBeNext"');
        expect(a.json).toMatchObject({ error: expect.any(String), resource: "product", code: expect.any(Number) });
      }
      expect((await api(sim, "products/")).status).toBe(200);
      sim.faults.rateLimitNext = 1;
      const limited = await api(sim, "products/");
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("1");
      expect((await api(sim, "products/")).status).toBe(200);
      expect(sim.faults).toMatchObject({ unauthorizedNext: 0, rateLimitNext: 0 });
    });
  });

  describe("transport", () => {
    it("gzips answers when asked", async () => {
      const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = httpRequest(`${sim.url}/login/api/v1/datatypes/12/`, { headers: { authorization: BASIC, "accept-encoding": "gzip" } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on("error", reject);
        req.end();
      });
      expect(raw.headers["content-encoding"]).toBe("gzip");
      expect(JSON.parse(gunzipSync(raw.body).toString())).toMatchObject({ datatype: 12, name: "Temperature", suffix: " gr C" });
      const plain = await api(sim, "datatypes/12/", { headers: { "accept-encoding": "identity" } });
      expect(plain.headers.get("content-encoding")).toBeNull();
    });

    it("records requests", async () => {
      sim.clearRequests();
      await api(sim, "properties/?product_id=44", { headers: { "accept-format": "list" } });
      await api(sim, `properties/${DEMO_IDS.blindProperty}/`, { method: "PUT", body: { value: "10" } });
      expect(sim.requests).toHaveLength(2);
      expect(sim.requests[0]).toMatchObject({
        method: "GET",
        path: "/login/api/v1/properties/",
        query: { product_id: "44" },
        headers: { authorization: BASIC, "accept-format": "list" },
        status: 200,
        time: expect.any(Number),
      });
      expect(sim.requests[1]).toMatchObject({ method: "PUT", path: `/login/api/v1/properties/${DEMO_IDS.blindProperty}/`, body: { value: "10" }, status: 200 });
      sim.clearRequests();
      expect(sim.requests).toHaveLength(0);
    });

    it("supports JSONP", async () => {
      const a = await api(sim, "scenes/3/?jsonp=cb");
      expect(a.headers.get("content-type")).toContain("application/javascript");
      expect(a.text).toBe('cb({"account":1,"code":75,"name":"LightsOn","scene":3});');
    });
  });

  it("removes a product with its properties, node and climate controller", async () => {
    const s = await startMyBeNextSimulator();
    try {
      s.removeProduct(DEMO_IDS.thermostat);
      expect((await api(s, `products/${DEMO_IDS.thermostat}/`)).status).toBe(404);
      expect(s.getProperty(DEMO_IDS.thermostatSetpoint)).toBeUndefined();
      expect(s.getClimateController(DEMO_IDS.thermostat)).toBeUndefined();
      expect(list(await api(s, `nodes/?product_id=${DEMO_IDS.thermostat}`), "nodes")).toEqual([]);
      s.setPropertyValue(DEMO_IDS.temperatureProperty, "30.0");
      expect((await api(s, `properties/${DEMO_IDS.temperatureProperty}/`)).json).toMatchObject({ value: "30.0" });
    } finally {
      await s.close();
    }
  });
});
