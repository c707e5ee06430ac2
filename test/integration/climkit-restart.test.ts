/**
 * Climkit across a restart: validated totals continue from the last period counted, which the
 * API sends again and which is not counted twice. Also sensors end to end, and a 429 on the
 * first request of the new run, backed off and recovered.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTimestamp } from "../../src/bridges/climkit/api.js";
import { meter, sensor, site, startClimkitSimulator, type ClimkitSimulator, type RecordedRequest } from "../../src/simulators/climkit/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";

const BASE = "cloud2mqtt/metering";
const SITE = "64d4a0000000000000000001";
const FLAT = "64d4a00000000000000000a1";
const ROOM = "64d4a00000000000000000c1";

describe("Climkit: a restart does not count a period twice", () => {
  let sim: ClimkitSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "c2m-climkit-"));
  const source = { id: "metering", type: "climkit", username: "demo", password: "demo-password", interval: "1s", backfill: "10s" };

  const start = async (): Promise<number> => {
    const since = Date.now();
    d = await startTestDaemon({ mqttUrl: broker.url, dataDir, sources: [{ ...source, base_url: sim.apiUrl }] });
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => JSON.parse(p).sources[0]?.last_poll > new Date(since).toISOString(), 40_000, since);
    return since;
  };

  beforeAll(async () => {
    sim = await startClimkitSimulator({ sites: [site(SITE, "Les Vergers", [meter(FLAT, "electricity", "Flat A")], [sensor(ROOM, "Living room", "temperature", "degC", 21, 1.5)])], periodMs: 1_000 });
    broker = await startAedes();
    rec = await Recorder.start(broker.url);
  });

  afterAll(async () => {
    await stopAll(d, rec, broker, sim);
  });

  it("maps sensors by the unit and type they declare", async () => {
    await start();
    const cfg = JSON.parse((await rec.waitFor(`homeassistant/device/cloud2mqtt_metering_sensor_${ROOM}/config`)).payload);
    expect(cfg.device).toMatchObject({ name: "Living room", model: "Climkit Sense", via_device: `cloud2mqtt_metering_site_${SITE}` });
    expect(cfg.components.temperature).toMatchObject({ platform: "sensor", device_class: "temperature", unit_of_measurement: "°C", state_class: "measurement" });
    expect(Number((await rec.waitFor(`${BASE}/sensor_${ROOM}/temperature`)).payload)).toBeGreaterThan(15);
  }, 50_000);

  it("continues the validated totals after a restart from the last period counted, the first request of the new run refused with 429", async () => {
    await d!.stop();
    const meterData = (reqs: RecordedRequest[]) => reqs.filter((r) => r.path === `/api/v1/meter_data/${SITE}/${FLAT}`);
    const before = meterData(sim.requests);
    const lastCounted = Math.max(...before.flatMap((r) => (r.response as Array<{ timestamp: string }>).map((row) => parseTimestamp(row.timestamp)!)));
    const beforeTotal = Number(rec.last(`${BASE}/meter_${FLAT}/validated_total`));
    expect(beforeTotal).toBeGreaterThan(0);

    // A real restart takes longer than a second (process start, broker, retained configs); the
    // limiter lives in memory, so an in-process restart within a second could break the limit.
    await sleep(1_100);
    const count = sim.requests.length;
    sim.faults.rateLimitNext = 1;
    const since = await start();
    const run2 = sim.requests.slice(count);
    // Backed off and went on: one 429, the same request again more than a second later, and the
    // source online from its first successful poll of this run on (offline before it: issue 11).
    expect(run2[0]).toMatchObject({ path: "/api/v1/auth", status: 429 });
    expect(run2[1]).toMatchObject({ path: "/api/v1/auth", status: 200 });
    expect(run2[1]!.time - run2[0]!.time).toBeGreaterThanOrEqual(1000);
    const run2Availability = rec.on(`${BASE}/availability`).filter((m) => m.at >= since).map((m) => m.payload);
    expect(run2Availability.slice(0, 2)).toEqual(["offline", "online"]);
    expect(run2Availability.slice(2)).not.toContain("offline");

    // The first window starts at the last period counted; the API sends that period again.
    const [first] = meterData(run2);
    expect(parseTimestamp((first!.body as { t_s: string }).t_s)).toBe(lastCounted);
    const rows = first!.response as Array<{ timestamp: string; total: number }>;
    expect(parseTimestamp(rows[0]!.timestamp)).toBe(lastCounted);
    const fresh = rows.filter((r) => parseTimestamp(r.timestamp)! > lastCounted).reduce((n, r) => n + r.total, 0);
    const after = Number((await rec.waitFor(`${BASE}/meter_${FLAT}/validated_total`, (p) => Number(p) !== beforeTotal, 10_000, since)).payload);
    expect(after).toBeCloseTo(beforeTotal + fresh, 3);

    // Over both runs: every period returned counted exactly once.
    const seen = new Map<string, number>();
    const windowStart = parseTimestamp((meterData(sim.requests)[0]!.body as { t_s: string }).t_s)!;
    for (const r of meterData(sim.requests)) {
      for (const row of r.response as Array<{ timestamp: string; total: number }>) if (parseTimestamp(row.timestamp)! > windowStart) seen.set(row.timestamp, row.total);
    }
    await d!.stop();
    d = undefined;
    const expected = [...seen.values()].reduce((a, b) => a + b, 0);
    const final = await rec.waitFor(`${BASE}/meter_${FLAT}/validated_total`, (p) => Math.abs(Number(p) - expected) < 1e-3, 5_000, since);
    expect(Number(final.payload)).toBeCloseTo(expected, 3);
  }, 60_000);
});
