import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDuration } from "../config/duration.js";
import { demoSources, type DemoSource } from "../simulators/demo-sources.js";
import type { BenchBroker } from "./common.js";
import { round, sleep } from "./common.js";
import { rssBytes } from "./memory.js";
import type { RealReply, RealRequest } from "./memory-real-protocol.js";

export interface RealMemoryOptions {
  durationMs: number;
  sampleEveryMs: number;
  /** Samples before this are left out of the slope (first polls, logins, JIT). */
  warmUpMs: number;
  /** Every source's poll interval (the demo's are 10 s to 1 min: too few polls for minutes). */
  interval: string;
  logLevel: string;
  /** Where the daemon's log goes (kept); a temporary file otherwise (removed). */
  logFile?: string;
}

export interface RealMemorySample {
  /** Since the daemon started, s. */
  atS: number;
  /** RSS as it is (read from /proc before the forced GC), MB. */
  rssMb: number;
  heapAfterGcMb: number;
}

export interface RealMemoryResult {
  durationS: number;
  warmUpS: number;
  interval: string;
  logLevel: string;
  /** Lines the daemon logged, by level. */
  logLines: Record<string, number>;
  polls: Record<string, number>;
  failedPolls: number;
  samples: RealMemorySample[];
  /** Least-squares slopes over the samples after the warm-up, MB per hour. */
  heapSlopeMbPerHour: number;
  rssSlopeMbPerHour: number;
  /**
   * Twice the standard error of each slope, MB per hour: a slope within ± this of 0 is not told
   * apart from flat by this run (minutes of samples cannot show a leak of a few MB a day).
   */
  heapSlopeUncertaintyMbPerHour: number;
  rssSlopeUncertaintyMbPerHour: number;
}

/** The options from the environment: BENCH_MEM_SECONDS, BENCH_MEM_SAMPLE_SECONDS, BENCH_MEM_WARMUP_SECONDS, BENCH_MEM_INTERVAL, BENCH_MEM_LOG_LEVEL, BENCH_MEM_LOG_FILE. */
export function realMemoryOptions(quick: boolean, env: NodeJS.ProcessEnv = process.env): RealMemoryOptions {
  const seconds = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback * 1000;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of seconds, got "${raw}"`);
    return n * 1000;
  };
  const durationMs = seconds("BENCH_MEM_SECONDS", quick ? 6 : 180);
  const interval = env.BENCH_MEM_INTERVAL || "5s";
  parseDuration(interval);
  return {
    durationMs,
    sampleEveryMs: Math.max(500, seconds("BENCH_MEM_SAMPLE_SECONDS", quick ? 1 : 5)),
    warmUpMs: Math.min(seconds("BENCH_MEM_WARMUP_SECONDS", quick ? 0 : 60), durationMs / 2),
    interval,
    logLevel: env.BENCH_MEM_LOG_LEVEL || "debug",
    logFile: env.BENCH_MEM_LOG_FILE || undefined,
  };
}

/**
 * Benchmark 2b: the daemon with the five real bridges polling the project's simulators (the
 * demo's sources, faster), logging into a file through pino, for minutes. Heap after a forced GC
 * and RSS are sampled over time; the slope after the warm-up is what a leak would show.
 */
export async function benchRealMemory(broker: BenchBroker, opts: RealMemoryOptions): Promise<RealMemoryResult> {
  const sims: DemoSource[] = [];
  const dir = mkdtempSync(join(tmpdir(), "c2m-bench-memreal-"));
  const logFile = opts.logFile ?? join(dir, "daemon.log");
  let child: ChildProcess | undefined;
  try {
    for (const start of demoSources) sims.push(await start());
    const sources = sims.map((s) => ({ ...s.source, interval: opts.interval }));
    const script = fileURLToPath(new URL("./memory-real-child.js", import.meta.url));
    const proc = fork(script, [], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child = proc;
    const replies: RealReply[] = [];
    let wake: (() => void) | undefined;
    let exited: string | undefined;
    proc.on("message", (m) => (replies.push(m as RealReply), wake?.()));
    proc.on("exit", (code) => ((exited = `the daemon process exited (${code})`), wake?.()));
    const ask = async <K extends RealReply["op"]>(req: RealRequest, op: K, timeoutMs = 60_000): Promise<Extract<RealReply, { op: K }>> => {
      proc.send(req);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const reply = replies.shift();
        if (reply?.op === "error") throw new Error(`the daemon process: ${reply.error}`);
        if (reply?.op === op) return reply as Extract<RealReply, { op: K }>;
        if (exited) throw new Error(exited);
        if (Date.now() > deadline) throw new Error(`the daemon process did not answer ${req.op} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, 200)));
      }
    };
    await ask({ op: "start", brokerUrl: broker.url, sources, logFile, logLevel: opts.logLevel }, "started");
    const t0 = Date.now();
    const samples: RealMemorySample[] = [];
    for (let next = 0; ; next += opts.sampleEveryMs) {
      const wait = t0 + next - Date.now();
      if (wait > 0) await sleep(wait);
      if (Date.now() - t0 > opts.durationMs + opts.sampleEveryMs / 2) break;
      const rss = rssBytes(proc.pid ?? 0);
      const s = await ask({ op: "sample" }, "sample");
      samples.push({ atS: round((Date.now() - t0) / 1000, 1), rssMb: mb(rss), heapAfterGcMb: mb(s.heapAfterGcBytes) });
    }
    const stopped = await ask({ op: "stop" }, "stopped");
    const logLines: Record<string, number> = {};
    for (const line of readFileSync(logFile, "utf8").split("\n")) {
      const level = /"level":"(\w+)"/.exec(line)?.[1];
      if (level) logLines[level] = (logLines[level] ?? 0) + 1;
    }
    const steady = samples.filter((s) => s.atS * 1000 >= opts.warmUpMs);
    const heap = fit(steady.map((s) => [s.atS, s.heapAfterGcMb]));
    const rssFit = fit(steady.map((s) => [s.atS, s.rssMb]));
    return {
      durationS: round(opts.durationMs / 1000, 0),
      warmUpS: round(opts.warmUpMs / 1000, 0),
      interval: opts.interval,
      logLevel: opts.logLevel,
      logLines,
      polls: stopped.polls,
      failedPolls: stopped.failedPolls,
      samples,
      heapSlopeMbPerHour: round(heap.slope * 3600, 2),
      rssSlopeMbPerHour: round(rssFit.slope * 3600, 2),
      heapSlopeUncertaintyMbPerHour: round(2 * heap.standardError * 3600, 2),
      rssSlopeUncertaintyMbPerHour: round(2 * rssFit.standardError * 3600, 2),
    };
  } finally {
    if (child && child.exitCode === null) {
      const c = child;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => c.kill("SIGKILL"), 5_000);
        c.once("exit", () => (clearTimeout(timer), resolve()));
        c.kill("SIGTERM");
      });
    }
    await Promise.all(sims.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

function mb(bytes: number): number {
  return round(bytes / 1024 / 1024, 2);
}

/** Least-squares slope of y over x and its standard error; 0 and 0 with too few points. */
export function fit(points: Array<[number, number]>): { slope: number; standardError: number } {
  const n = points.length;
  if (n < 2) return { slope: 0, standardError: 0 };
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  if (sxx === 0) return { slope: 0, standardError: 0 };
  const slope = sxy / sxx;
  if (n < 3) return { slope, standardError: 0 };
  let residuals = 0;
  for (const [x, y] of points) residuals += (y - my - slope * (x - mx)) ** 2;
  return { slope, standardError: Math.sqrt(residuals / (n - 2) / sxx) };
}
