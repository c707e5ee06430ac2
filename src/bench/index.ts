import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { preferSmallHeap } from "../daemon/small-heap.js";
import { startBroker } from "./common.js";
import { benchLatency } from "./latency.js";
import { benchMemory } from "./memory.js";
import { benchRealMemory, realMemoryOptions } from "./memory-real.js";
import { benchPipeline } from "./pipeline.js";
import { benchRequests } from "./requests.js";

/**
 * `npm run bench [-- --quick] [-- --json] [-- --only pipeline,memory,memory-real,requests,latency]`:
 * the daemon's throughput, memory, requests per poll and command latency (docs/PERFORMANCE.md).
 * `--quick` (or BENCH_QUICK=1) is the small run CI makes to check every benchmark still works.
 * BENCH_MEM_SECONDS (default 180; 6 with --quick) sets how long the real bridges run for 2b.
 */
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: "boolean" },
    json: { type: "boolean" },
    only: { type: "string" },
    aedes: { type: "boolean" },
  },
});
const quick = values.quick === true || process.env.BENCH_QUICK === "1";
const only = new Set((values.only ?? "pipeline,memory,memory-real,requests,latency").split(","));
const size = quick ? { devices: 50, entities: 20 } : { devices: 1_000, entities: 20 };

function log(text: string): void {
  // With --json, stdout carries only the result.
  (values.json ? process.stderr : process.stdout).write(`${text}\n`);
}

// The in-process benchmarks (pipeline, changes, latency) run the daemon as `cloud2mqtt run` does,
// the raw mqtt.js reference in the same V8; `node --no-optimize-for-size` measures V8's defaults.
preferSmallHeap();

const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  ramGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  date: new Date().toISOString(),
  flags: process.execArgv.join(" "),
};
log(`cloud2mqtt benchmarks${quick ? " (quick)" : ""}: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGb} GB, Node ${machine.node}${machine.flags ? ` ${machine.flags}` : ""}, ${machine.date}`);

const broker = await startBroker(values.aedes === true);
if (broker.kind === "aedes") log(values.aedes ? "broker: the embedded aedes (--aedes)" : "Mosquitto is not installed: the benchmarks use the embedded aedes broker instead.");
else log(`broker: Mosquitto at ${broker.url}`);
const results: Record<string, unknown> = { quick, machine, broker: broker.kind };
try {
  if (only.has("pipeline")) {
    const { pipeline, changes } = await benchPipeline(broker, { ...size, iterations: quick ? 1 : 3, changeCycles: 3, changeFraction: 0.01 });
    results.pipeline = pipeline;
    results.changes = changes;
    log(`\n1. Publish pipeline, ${pipeline.devices} devices × ${pipeline.entities} entities (${pipeline.messages} messages, median of ${pipeline.iterations}):`);
    log(`   daemon ${pipeline.daemonMsgPerSec} msg/s, raw mqtt.js ${pipeline.rawMsgPerSec} msg/s: raw is ${pipeline.ratio}× the daemon`);
    log(`\n5. Messages per poll when ${changes.changeFraction * 100} % of ${changes.devices * changes.entities} values change:`);
    for (const c of changes.cycles) log(`   expected ${c.expected}, state messages ${c.stateMessages}, discovery configs ${c.configMessages}`);
  }
  if (only.has("memory")) {
    // V8's defaults (what the daemon ran with before it asked for a small heap), the daemon as
    // `cloud2mqtt run` starts it, and as the Docker image runs it (a young generation of 2 MB: a
    // poll of 20,000 values is a burst of short-lived objects that otherwise grows it to 48 MB).
    // BENCH_MEM_FLAGS="a b;c" measures other sets of node flags.
    const flagSets = process.env.BENCH_MEM_FLAGS ? process.env.BENCH_MEM_FLAGS.split(";").map((s) => s.split(" ").filter(Boolean)) : [["--no-optimize-for-size"], [], ["--max-semi-space-size=2"]];
    results.memory = [];
    for (const flags of flagSets) {
      // A broker of its own: the pipeline's 1,000 retained configs would reach this daemon at start.
      const own = await startBroker(values.aedes === true);
      const memory = await benchMemory(own, { ...size, polls: quick ? 3 : 6, intervalMs: quick ? 300 : 1_000, flags }).finally(() => own.close());
      (results.memory as unknown[]).push(memory);
      log(`\n2. Memory, ${memory.devices * memory.entities} entities (node flags: ${memory.flags.join(" ") || "none"}):`);
      log(`   daemon RSS ${memory.daemonRssMb} MB, bare node ${memory.bareRssMb} MB: +${memory.differenceMb} MB`);
    }
  }
  if (only.has("memory-real")) {
    // The real bridges against the simulators, logging on, for minutes: what a leak would show.
    const realOpts = realMemoryOptions(quick);
    log(`\n2b. Memory over time, the five real bridges against the simulators (${realOpts.durationMs / 1000} s, polls every ${realOpts.interval}, logging at ${realOpts.logLevel} into a file)...`);
    const own = await startBroker(values.aedes === true);
    const real = await benchRealMemory(own, realOpts).finally(() => own.close());
    results.memoryReal = real;
    const first = real.samples.find((x) => x.atS * 1000 >= realOpts.warmUpMs) ?? real.samples[0];
    const last = real.samples.at(-1);
    log(`   polls ${JSON.stringify(real.polls)} (failed ${real.failedPolls}), log lines ${JSON.stringify(real.logLines)}, ${real.samples.length} samples`);
    log(`   after the ${real.warmUpS} s warm-up: heap after GC ${first?.heapAfterGcMb} → ${last?.heapAfterGcMb} MB, slope ${real.heapSlopeMbPerHour} ± ${real.heapSlopeUncertaintyMbPerHour} MB/h; RSS ${first?.rssMb} → ${last?.rssMb} MB, slope ${real.rssSlopeMbPerHour} ± ${real.rssSlopeUncertaintyMbPerHour} MB/h`);
  }
  if (only.has("requests")) {
    const requests = await benchRequests({ quick });
    results.requests = requests;
    log("\n3. HTTP requests per steady-state poll:");
    for (const r of requests) {
      log(`   ${r.vendor.padEnd(10)} ${String(r.requests).padStart(4)} (fewest the API allows: ${r.minimum}): ${r.note}`);
      for (const [path, n] of Object.entries(r.paths)) log(`              ${String(n).padStart(4)} × ${path}`);
    }
  }
  if (only.has("latency")) {
    const latency = await benchLatency(broker, { commands: quick ? 20 : 200 });
    results.latency = latency;
    const report = (l: typeof latency, title: string): void => {
      log(`\n4. Command latency to myBeNext, ${l.commands} commands, ${title} (p50 / p99, ms):`);
      log(`   via MQTT:    to the PUT ${l.mqtt.p50Ms} / ${l.mqtt.p99Ms}, round trip to the result ${l.mqtt.roundTrip.p50Ms} / ${l.mqtt.roundTrip.p99Ms}`);
      log(`   direct HTTP: to the PUT ${l.direct.p50Ms} / ${l.direct.p99Ms}, round trip to the response ${l.direct.roundTrip.p50Ms} / ${l.direct.roundTrip.p99Ms}`);
    };
    report(latency, broker.kind === "mosquitto" ? "Mosquitto as configured by default" : "aedes");
    if (broker.kind === "mosquitto" && !quick) {
      // Mosquitto's default leaves Nagle's algorithm on: a small message waits for the ACK of the last.
      const fast = await startBroker(false, true);
      try {
        results.latencyNoDelay = await benchLatency(fast, { commands: 200 });
        report(results.latencyNoDelay as typeof latency, "Mosquitto with set_tcp_nodelay true");
      } finally {
        await fast.close();
      }
    }
  }
} finally {
  await broker.close();
}
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
// Keep-alive sockets of the HTTP clients must not hold the finished run.
process.exit(0);
