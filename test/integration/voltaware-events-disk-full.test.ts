/**
 * The daemon with its Voltaware event queue on a real 256 KiB tmpfs that fills up (the rest of
 * data_dir, the state file included, stays on the ordinary disk): the events side degrades and
 * says so in `bridge/info`, the other source goes on polling, and once there is room again every
 * accepted event reaches Voltaware's broker. Needs root to mount; the queue's own full-disk tests
 * (voltaware-queue-disk.test.ts) fall back to a fault-injecting layer where mounting is refused.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";
import { EVENTS_TOPIC, EVENTS_USER, eventsSource } from "../helpers/voltaware-events.js";


async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function tryMount(dir: string): string | undefined {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", dir], { stdio: "pipe" });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split("\n")[0] : String(error);
  }
}

interface SourceInfo {
  id: string;
  state: string;
  last_poll: string | null;
  problems?: string[];
}

describe("Voltaware events: the daemon with a full disk under the event queue", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "c2m-diskfull-"));
  const queueDir = join(dataDir, "sources", "meter");
  const filler = join(queueDir, "filler");
  let refusedMount: string | undefined;
  let sim: VoltawareSimulator;
  let benext: MyBeNextSimulator;
  let local: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon | undefined;

  beforeAll(async () => {
    mkdirSync(queueDir, { recursive: true });
    refusedMount = tryMount(queueDir);
    if (refusedMount) return;
    sim = await startVoltawareSimulator({ broker: { ...EVENTS_USER, topic: EVENTS_TOPIC } });
    benext = await startMyBeNextSimulator({ timeScale: 60 });
    local = await startAedes();
    rec = await Recorder.start(local.url);
  });
  afterAll(async () => {
    await stopAll(d, rec, local, benext, sim);
    if (!refusedMount) execFileSync("umount", ["-l", queueDir]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses new events with one error, shows the problem in bridge/info, keeps the other source polling, and delivers every accepted event once there is room", { timeout: 90_000 }, async (ctx) => {
    if (refusedMount) {
      console.warn(`voltaware-events-disk-full: cannot mount a tmpfs (${refusedMount}); this daemon-level test needs root`);
      ctx.skip();
    }
    d = await startTestDaemon({
      mqttUrl: local.url,
      dataDir,
      sources: [
        { id: "home", type: "mybenext", base_url: benext.url, username: "demo", password: "demo-password", interval: "1s" },
        eventsSource(sim),
      ],
    });
    const info = (): SourceInfo[] => (JSON.parse(rec.last("cloud2mqtt/bridge/info") ?? '{"sources":[]}') as { sources: SourceInfo[] }).sources;
    const source = (id: string): SourceInfo | undefined => info().find((s) => s.id === id);
    let published = 0;
    const produce = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) await rec.publish("p1/power", String(++published));
    };
    await produce(3);
    await waitUntil(() => sim.broker!.events.length >= 3, 20_000, "the first events");

    const fd = openSync(filler, "a");
    try {
      for (;;) writeSync(fd, Buffer.alloc(4096, 120));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
    } finally {
      closeSync(fd);
    }
    const polledBefore = source("home")?.last_poll;
    // More than what is left in the last page of the queue file (each event is about 130 bytes).
    await produce(60);
    await waitUntil(() => /event queue: cannot write/.test(source("meter")?.problems?.[0] ?? ""), 20_000, "the problem in bridge/info");
    expect(d.daemon.sourceStatuses().find((s) => s.id === "meter")?.problems?.[0]).toMatch(/ENOSPC/);
    await waitUntil(() => source("home")?.last_poll !== polledBefore, 20_000, "the other source's next poll");
    expect(source("home")?.state).toBe("online");
    expect(source("meter")?.state).toBe("online");
    expect(d.logs.filter((l) => l.includes("cannot be written to the queue"))).toHaveLength(1);

    rmSync(filler);
    await produce(3);
    await waitUntil(() => source("meter") !== undefined && source("meter")?.problems === undefined, 20_000, "the problem to clear");
    // The counters are published with each poll: wait for the one that counts every event.
    const refused = (): number => Number(rec.last("cloud2mqtt/meter/events/refused") ?? 0);
    await waitUntil(() => sim.broker!.events.length + refused() === published, 30_000, `every accepted event (${published} published)`);
    await sleep(300);
    expect(refused()).toBeGreaterThan(0);
    const powers = sim.broker!.events.map((e) => Number(e.payload.power));
    // Every accepted one, once, in order; the refused ones never.
    expect(powers.length).toBe(published - refused());
    expect(powers).toEqual([...powers].sort((a, b) => a - b));
    expect(new Set(powers).size).toBe(powers.length);
    expect(powers.slice(-3)).toEqual([published - 2, published - 1, published]);
  });
});
