/**
 * Climkit failures end to end: a cloud answering 500 and one answering malformed bodies turn
 * their sources offline after three failed polls and online again at the next success, while a
 * healthy Climkit source and a myBeNext source beside them carry on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meter, site, startClimkitSimulator, type ClimkitSimulator } from "../../src/simulators/climkit/index.js";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, startAedes } from "../helpers/mqtt.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const tiny = () => [site("64e5a0000000000000000001", "Small site", [meter("64e5a00000000000000000a1", "electricity", "Building", { is_rule_meter: true })])];

describe("Climkit failures end to end", () => {
  const sims: Record<"c500" | "cbad" | "cok", ClimkitSimulator> = {} as never;
  let benext: MyBeNextSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;
  const status = (id: string): Json => (JSON.parse(rec.last("cloud2mqtt/bridge/info") ?? "{}").sources ?? []).find((s: Json) => s.id === id) ?? {};

  beforeAll(async () => {
    for (const id of ["c500", "cbad", "cok"] as const) sims[id] = await startClimkitSimulator({ sites: tiny(), periodMs: 1_000 });
    benext = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startAedes();
    rec = await Recorder.start(broker.url);
    const climkit = (id: keyof typeof sims) => ({ id, type: "climkit", base_url: sims[id].apiUrl, username: "demo", password: "demo-password", interval: "1s", backfill: "10s", sensors: false });
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [climkit("c500"), climkit("cbad"), climkit("cok"), { id: "home", type: "mybenext", base_url: benext.url, username: "demo", password: "demo-password", interval: "1s" }],
    });
    await Promise.all(["c500", "cbad", "cok", "home"].map((id) => rec.waitFor(`cloud2mqtt/${id}/availability`, (p) => p === "online", 30_000)));
  }, 45_000);

  afterAll(async () => {
    await stopAll(d, rec, broker);
    await Promise.all(Object.values(sims).map((s) => s.close()));
    await benext?.close();
  });

  it("turns a source offline on 500s and on malformed bodies, and online again, without touching the others", async () => {
    const since = Date.now();
    sims.c500.faults.status500 = true;
    sims.cbad.faults.malformed = true;
    await Promise.all([
      rec.waitFor("cloud2mqtt/c500/availability", (p) => p === "offline", 40_000, since),
      rec.waitFor("cloud2mqtt/cbad/availability", (p) => p === "offline", 40_000, since),
    ]);
    expect(status("c500")).toMatchObject({ state: "offline", last_error: expect.stringMatching(/^HTTP 500 from POST .*\/meter_data\//) });
    expect(status("cbad")).toMatchObject({ state: "offline", last_error: expect.stringMatching(/^unexpected response from POST \/meter_data\/\w+\/\w+: expected JSON/) });
    // 500s were retried (twice per request), malformed bodies were not.
    expect(sims.c500.requests.filter((r) => r.time >= since && r.status === 500).length).toBeGreaterThanOrEqual(9);
    const recovering = Date.now();
    sims.c500.resetFaults();
    sims.cbad.resetFaults();
    await Promise.all([
      rec.waitFor("cloud2mqtt/c500/availability", (p) => p === "online", 30_000, recovering),
      rec.waitFor("cloud2mqtt/cbad/availability", (p) => p === "online", 30_000, recovering),
    ]);
    await rec.waitFor("cloud2mqtt/bridge/info", () => status("c500").last_error === null && status("cbad").last_error === null, 10_000, recovering);

    // The others carried on: never offline, and polled all along.
    for (const id of ["cok", "home"]) {
      expect(rec.on(`cloud2mqtt/${id}/availability`).filter((m) => m.payload === "offline"), id).toEqual([]);
      expect(status(id)).toMatchObject({ state: "online", last_error: null });
      expect(Date.parse(status(id).last_poll)).toBeGreaterThan(recovering - 5_000);
    }
    expect(sims.cok.requests.filter((r) => r.time > since && r.time < recovering).length).toBeGreaterThanOrEqual(5);
    // Discovery stayed: an outage greys entities out, it does not remove them.
    expect(rec.messages.filter((m) => m.topic.startsWith("homeassistant/device/cloud2mqtt_c") && m.payload === "")).toEqual([]);
    // One warning per incident, not one per failed poll.
    for (const id of ["c500", "cbad"]) {
      expect(d.logs.filter((l) => l.includes(`"source":"${id}"`) && l.includes('"msg":"poll failed"') && l.includes('"level":"warn"')), id).toHaveLength(1);
    }
    // Each Climkit cloud saw its source keep the pace throughout, failures and retries included.
    for (const sim of Object.values(sims)) {
      const times = sim.requests.map((r) => r.time);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
      expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
    }
  }, 90_000);

  it("never lets the password or a token reach the logs or MQTT", () => {
    const everything = [...d.logs, ...rec.messages.map((m) => `${m.topic} ${m.payload}`)].join("\n");
    expect(everything).not.toContain("demo-password");
    for (const sim of Object.values(sims)) for (const token of sim.issuedTokens()) expect(everything).not.toContain(token.split(".")[2]!);
  });
});
