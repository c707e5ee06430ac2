import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS, startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon } from "../helpers/daemon.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";

const cfg = (source: string, device: string) => `homeassistant/device/cloud2mqtt_${source}_${device}/config`;

describe("myBeNext: API keys, paging, restarts", () => {
  let sim: MyBeNextSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;

  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 60, extraProducts: 120 });
    broker = await startAedes();
    rec = await Recorder.start(broker.url);
  });
  afterAll(async () => {
    await rec?.close();
    await broker?.close();
    await sim?.close();
  });

  it("bridges only the configured accounts of an API key, with the Apikey header", async () => {
    const d = await startTestDaemon({ mqttUrl: broker.url, sources: [{ id: "office", type: "mybenext", base_url: sim.url, apikey: "demo-apikey", accounts: [2], interval: "5s" }] });
    try {
      await rec.waitFor("cloud2mqtt/office/availability", (p) => p === "online");
      await rec.waitFor(cfg("office", `product_${DEMO_IDS.products.account2Thermostat}`));
      expect(rec.messages.some((m) => m.topic === cfg("office", `product_${DEMO_IDS.products.p1Meter}`))).toBe(false);
      const own = sim.requests.filter((r) => r.headers.authorization?.startsWith("Apikey "));
      expect(own.length).toBeGreaterThan(3);
      expect(own.every((r) => !r.query.account_id || r.query.account_id === "2")).toBe(true);
      const lifestyle = JSON.parse((await rec.waitFor(cfg("office", "account_2"))).payload).components.lifestyle;
      expect(lifestyle.options).toEqual(expect.arrayContaining(["home", "away", "sleep"]));
      expect((await rec.waitFor("cloud2mqtt/office/account_2/lifestyle")).payload).toBe("away");
    } finally {
      await d.stop();
    }
  });

  it("pages with Range until every product is read, clears stale discovery at start, and resumes incrementally after a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "c2m-sync-"));
    // Left behind by an earlier run: a device that no longer exists, and a source no longer configured.
    const stale = { availability: [{ topic: "cloud2mqtt/bridge/state" }, { topic: "cloud2mqtt/home/availability" }], device: { identifiers: ["x"] }, components: {} };
    const gone = { ...stale, availability: [{ topic: "cloud2mqtt/bridge/state" }, { topic: "cloud2mqtt/oldsource/availability" }] };
    await rec.publish(cfg("home", "product_999999"), JSON.stringify(stale), true);
    await rec.publish(cfg("oldsource", "product_1"), JSON.stringify(gone), true);
    const foreign = "homeassistant/device/zigbee2mqtt_0x1234/config";
    await rec.publish(foreign, JSON.stringify({ availability: [{ topic: "zigbee2mqtt/bridge/state" }], components: {} }), true);

    const source = { id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "2s", page_size: 50 };
    sim.clearRequests();
    const since = Date.now();
    let d = await startTestDaemon({ mqttUrl: broker.url, dataDir, sources: [source] });
    await rec.waitFor("cloud2mqtt/home/availability", (p) => p === "online", 20_000, since);
    await rec.waitFor(cfg("home", "product_999999"), (p) => p === "", 5_000, since);
    await rec.waitFor(cfg("oldsource", "product_1"), (p) => p === "", 5_000, since);
    expect(rec.on(foreign).filter((m) => m.at >= since && m.payload === "")).toHaveLength(0);

    const productPages = sim.requests.filter((r) => /\/products\/$/.test(r.path));
    expect(productPages.length).toBeGreaterThanOrEqual(3);
    expect(productPages.every((r) => /^resourceids \d+-\d+\/50$/.test(r.headers.range ?? ""))).toBe(true);
    await rec.waitFor(cfg("home", "product_1119"), () => true, 5_000, since);
    const info = JSON.parse(rec.last("cloud2mqtt/bridge/info") ?? "{}");
    expect(info.sources[0].devices).toBeGreaterThanOrEqual(140);

    await d.stop();
    sim.clearRequests();
    const restart = Date.now();
    d = await startTestDaemon({ mqttUrl: broker.url, dataDir, sources: [source] });
    try {
      await rec.waitFor("cloud2mqtt/bridge/info", (p) => JSON.parse(p).sources[0]?.state === "online", 20_000, restart);
      const first = sim.requests.find((r) => /\/properties\/$/.test(r.path));
      expect(first?.query.updated_after).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(sim.requests.some((r) => /\/datatypes\/$/.test(r.path))).toBe(false);
    } finally {
      await d.stop();
    }
  });

  it("keeps polling a healthy source while another one hangs or fails", async () => {
    const slow = await startMyBeNextSimulator({ timeScale: 60 });
    try {
      const d = await startTestDaemon({
        mqttUrl: broker.url,
        sources: [
          { id: "stuck", type: "mybenext", base_url: slow.url, username: "demo", password: "demo-password", interval: "1s", timeout: "10s" },
          { id: "fine", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "1s" },
        ],
      });
      try {
        await rec.waitFor("cloud2mqtt/fine/availability", (p) => p === "online");
        slow.faults.slowMs = 8_000;
        sim.clearRequests();
        await sleep(4_000);
        const polls = sim.requests.filter((r) => /\/products\/$/.test(r.path)).length;
        expect(polls).toBeGreaterThanOrEqual(2);
        slow.faults.slowMs = 0;
        slow.faults.status500 = true;
        sim.clearRequests();
        await rec.waitFor("cloud2mqtt/stuck/availability", (p) => p === "offline", 30_000);
        expect(sim.requests.filter((r) => /\/products\/$/.test(r.path)).length).toBeGreaterThanOrEqual(2);
        expect(rec.last("cloud2mqtt/fine/availability")).toBe("online");
      } finally {
        await d.stop();
      }
    } finally {
      await slow.close();
    }
  });
});
