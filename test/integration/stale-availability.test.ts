/**
 * Issue 11, defect 10: restarted with a wrong cloud password, a source must not stay "online"
 * from the previous run's retained availability, and /health must say it has never succeeded.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { freePort, Recorder, startAedes } from "../helpers/mqtt.js";

interface Health {
  status: string;
  never_succeeded: string[];
  sources: Array<{ id: string; state: string; last_poll: string | null; last_error: string | null }>;
}

describe("a source restarted with a wrong password", () => {
  let sim: MyBeNextSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "c2m-stale-"));
  const AVAILABILITY = "cloud2mqtt/home/availability";

  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startAedes();
    rec = await Recorder.start(broker.url);
  });

  afterAll(async () => {
    await stopAll(d, rec, broker, sim);
  });

  it("is offline from the start of the run and /health reports it as never succeeded", async () => {
    const source = { id: "home", type: "mybenext", base_url: sim.url, username: "demo", interval: "1s" };
    d = await startTestDaemon({ mqttUrl: broker.url, dataDir, sources: [{ ...source, password: "demo-password" }] });
    await rec.waitFor(AVAILABILITY, (p) => p === "online", 20_000);
    await d.stop();
    d = undefined;
    // The first run left its availability retained as online (stop does not touch it).
    expect(rec.last(AVAILABILITY)).toBe("online");

    const since = Date.now();
    const healthPort = await freePort();
    d = await startTestDaemon({ mqttUrl: broker.url, dataDir, healthPort, sources: [{ ...source, password: "wrong-password" }] });
    const health = async (): Promise<{ code: number; body: Health }> => {
      const res = await fetch(`http://127.0.0.1:${healthPort}/health`);
      return { code: res.status, body: (await res.json()) as Health };
    };
    // The first poll of this run has failed.
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => (JSON.parse(p) as Health).sources.some((s) => s.id === "home" && s.last_error !== null), 20_000, since);

    expect(rec.last(AVAILABILITY)).toBe("offline");
    expect(rec.messages.filter((m) => m.topic === AVAILABILITY && m.at >= since).map((m) => m.payload)).not.toContain("online");
    // A new subscriber (Home Assistant after a restart) is told offline, not the old run's online.
    const late = await Recorder.start(broker.url, [AVAILABILITY]);
    try {
      expect((await late.waitFor(AVAILABILITY, () => true, 5_000)).payload).toBe("offline");
    } finally {
      await late.close();
    }
    const { code, body } = await health();
    // The broker connection is fine: still 200 (a container restart cannot fix a password).
    expect(code).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.never_succeeded).toEqual(["home"]);
    expect(body.sources.find((s) => s.id === "home")).toMatchObject({ last_poll: null, last_error: expect.stringMatching(/401|password|credentials|unauthori/i) });
  }, 60_000);
});
