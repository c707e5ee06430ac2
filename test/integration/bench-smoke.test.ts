import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const BENCH = resolve(import.meta.dirname, "../../dist/bench/index.js");

interface Stats {
  p50Ms: number;
  p99Ms: number;
}

interface BenchOutput {
  quick: boolean;
  machine: { cpu: string; cores: number; ramGb: number; node: string; date: string };
  broker: "mosquitto" | "aedes";
  pipeline: { devices: number; entities: number; messages: number; daemonMsgPerSec: number; rawMsgPerSec: number; ratio: number };
  changes: { devices: number; entities: number; changeFraction: number; cycles: Array<{ expected: number; stateMessages: number; configMessages: number }> };
  memory: Array<{ flags: string[]; daemonRssMb: number; bareRssMb: number; differenceMb: number }>;
  memoryReal: {
    durationS: number;
    logLines: Record<string, number>;
    polls: Record<string, number>;
    failedPolls: number;
    samples: Array<{ atS: number; rssMb: number; heapAfterGcMb: number }>;
    heapSlopeMbPerHour: number;
    rssSlopeMbPerHour: number;
  };
  requests: Array<{ vendor: string; requests: number; minimum: number; paths: Record<string, number> }>;
  latency: { commands: number; mqtt: Stats & { roundTrip: Stats }; direct: Stats & { roundTrip: Stats } };
}

function runBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BENCH, "--quick", "--json"], { env: { ...process.env, BENCH_QUICK: "1", BENCH_MEM_SECONDS: "5", BENCH_MEM_LOG_FILE: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    child.on("exit", (code) => done({ code, stdout, stderr }));
  });
}

const positive = (n: number): void => {
  expect(Number.isFinite(n)).toBe(true);
  expect(n).toBeGreaterThan(0);
};

// The short run of `npm run bench`: every benchmark runs and reports its figures. No timings are
// judged here (a shared CI machine); the counts are exact.
describe("npm run bench -- --quick", () => {
  it("runs every benchmark, reports its figures, and the counts are the fewest possible", { timeout: 150_000 }, async () => {
    const { code, stdout, stderr } = await runBench();
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout) as BenchOutput;
    expect(out.quick).toBe(true);
    expect(out.machine.cores).toBeGreaterThan(0);
    expect(out.machine.node).toBe(process.version);
    expect(["mosquitto", "aedes"]).toContain(out.broker);

    // 1. Publish pipeline: both rates measured over the same messages.
    expect(out.pipeline).toMatchObject({ devices: 50, entities: 20, messages: 50 + 50 * 20 });
    positive(out.pipeline.daemonMsgPerSec);
    positive(out.pipeline.rawMsgPerSec);
    positive(out.pipeline.ratio);

    // 5. When 1 % of the values change, exactly those reach the state topics, and no discovery.
    expect(out.changes.cycles.length).toBeGreaterThan(0);
    for (const c of out.changes.cycles) {
      expect(c.expected).toBe(Math.round(out.changes.devices * out.changes.entities * out.changes.changeFraction));
      expect(c.stateMessages).toBe(c.expected);
      expect(c.configMessages).toBe(0);
    }

    // 2. Memory of the daemon's process against a bare node with the same flags.
    expect(out.memory.length).toBeGreaterThan(0);
    for (const m of out.memory) {
      positive(m.daemonRssMb);
      positive(m.bareRssMb);
      expect(m.differenceMb).toBeCloseTo(m.daemonRssMb - m.bareRssMb, 0);
    }

    // 2b. The real bridges against the simulators, logging on: sampled over time, polling, logging.
    expect(out.memoryReal.durationS).toBe(5);
    expect(out.memoryReal.samples.length).toBeGreaterThanOrEqual(3);
    for (const x of out.memoryReal.samples) {
      positive(x.rssMb);
      positive(x.heapAfterGcMb);
    }
    expect(out.memoryReal.polls.mybenext ?? 0, JSON.stringify(out.memoryReal.polls)).toBeGreaterThan(0);
    expect(out.memoryReal.failedPolls).toBe(0);
    expect(out.memoryReal.logLines.info ?? 0, JSON.stringify(out.memoryReal.logLines)).toBeGreaterThan(0);
    expect(out.memoryReal.logLines.error ?? 0, JSON.stringify(out.memoryReal.logLines)).toBe(0);
    expect(Number.isFinite(out.memoryReal.heapSlopeMbPerHour)).toBe(true);
    expect(Number.isFinite(out.memoryReal.rssSlopeMbPerHour)).toBe(true);

    // 3. Every vendor's steady-state poll makes the fewest requests its API allows.
    expect(out.requests.map((r) => r.vendor).sort()).toEqual(["belimo", "climkit", "mybenext", "voltaware", "wiotys"]);
    for (const r of out.requests) {
      expect(r.requests, `${r.vendor}: ${JSON.stringify(r.paths)}`).toBe(r.minimum);
      positive(r.minimum);
    }

    // 4. Command latency, through MQTT and direct.
    expect(out.latency.commands).toBeGreaterThan(0);
    for (const s of [out.latency.mqtt, out.latency.mqtt.roundTrip, out.latency.direct, out.latency.direct.roundTrip]) {
      expect(s.p50Ms).toBeGreaterThanOrEqual(0);
      expect(s.p99Ms).toBeGreaterThanOrEqual(s.p50Ms);
    }
  });
});
