import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BenchBroker } from "./common.js";
import { round, sleep } from "./common.js";
import { median } from "./pipeline.js";

export interface MemoryResult {
  devices: number;
  entities: number;
  /** Node flags both processes ran with. */
  flags: string[];
  daemonRssMb: number;
  bareRssMb: number;
  differenceMb: number;
}

/** Resident set size of a process, from /proc (Linux) or ps. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) * 1024;
}

async function sampleRss(pid: number, samples: number): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    values.push(rssBytes(pid));
    await sleep(250);
  }
  return median(values);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => (clearTimeout(timer), resolve()));
    child.kill("SIGTERM");
  });
}

/**
 * Benchmark 2: steady-state RSS of a process running the daemon with the synthetic cloud
 * (1 % of the values changing each poll), after `polls` polls, against an idle `node -e`
 * with the same flags, measured the same way in the same run.
 */
export async function benchMemory(broker: BenchBroker, opts: { devices: number; entities: number; polls: number; intervalMs: number; flags: string[] }): Promise<MemoryResult> {
  const flags = opts.flags;
  const script = fileURLToPath(new URL("./memory-child.js", import.meta.url));
  const child = spawn(process.execPath, [...flags, script, broker.url, String(opts.devices), String(opts.entities), String(opts.intervalMs)], { stdio: ["ignore", "pipe", "inherit"] });
  let daemonRss: number;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the daemon process did not reach its steady state")), 120_000);
      child.once("exit", (code) => reject(new Error(`the daemon process exited (${code})`)));
      child.stdout?.on("data", (chunk: Buffer) => {
        const polls = [...chunk.toString("utf8").matchAll(/polls (\d+)/g)].map((m) => Number(m[1]));
        if (polls.some((p) => p >= opts.polls)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // Over several polls: RSS moves with each poll and with each major GC.
    daemonRss = await sampleRss(child.pid ?? 0, 20);
  } finally {
    await stop(child);
  }
  const bare = spawn(process.execPath, [...flags, "-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  let bareRss: number;
  try {
    await sleep(1_000);
    bareRss = await sampleRss(bare.pid ?? 0, 4);
  } finally {
    await stop(bare);
  }
  const mb = (b: number): number => round(b / 1024 / 1024, 1);
  return { devices: opts.devices, entities: opts.entities, flags, daemonRssMb: mb(daemonRss), bareRssMb: mb(bareRss), differenceMb: mb(daemonRss - bareRss) };
}
