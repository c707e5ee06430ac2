/**
 * Judges a run's figures against issue 11's conditions and writes them as Markdown
 * (docs/ENDURANCE.md for the full run).
 */
import type { RunFigures, FaultKind, MemorySample } from "./figures.js";
import { VENDORS } from "./clouds.js";
import { robustSlope, slope, slopeStandardError } from "./stats.js";

export interface Check {
  name: string;
  ok: boolean;
  figure: string;
}

const MIN_WARMUP_MS = 60_000;
/** A simulated day's allowance for growth, after warm-up (issue 11). */
const MAX_SLOPE_MB_PER_DAY = 0.5;
/** Late in a daemon process, a line may cost at most this many times its cost on the process's first day. */
const MAX_SCRUB_RATIO = 2;
/** At-least-once across a kill -9: the one event in flight may arrive again after the restart. */
const DUPLICATE_WINDOW_MS = 120_000;

/** The samples of the daemon process that ran the most days. */
function longestRun(f: RunFigures): MemorySample[] {
  const byRun = new Map<number, MemorySample[]>();
  for (const s of f.memory) byRun.set(s.incarnation, [...(byRun.get(s.incarnation) ?? []), s]);
  return [...byRun.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

/**
 * The longest process's samples without its warm-up: the first days, and at least the first
 * minute of the process (V8 grows its young generation and code space as the load arrives, so
 * RSS climbs for a while after a start; a short run's days last seconds).
 */
export function memoryWindow(f: RunFigures): MemorySample[] {
  const run = longestRun(f);
  const from = (run[0]?.day ?? 0) + f.params.warmupDays;
  const startedAt = f.daemonStarts[(run[0]?.incarnation ?? 1) - 1] ?? 0;
  return run.filter((s) => s.day >= from && s.at - startedAt >= MIN_WARMUP_MS);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function judge(f: RunFigures): Check[] {
  const p = f.params;
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, figure: string): void => void checks.push({ name, ok, figure });
  const count = (kind: FaultKind): number => f.faults.filter((x) => x.kind === kind && !x.skipped).length;

  add("polls", f.polls >= p.polls, `${f.polls} (target ${p.polls})`);
  add("token renewals", f.tokenTotal >= p.tokens, `${f.tokenTotal} (target ${p.tokens}): ${VENDORS.map((v) => `${v} ${f.tokens[v]}`).join(", ")}`);
  const restarts = count("broker-restart") + count("broker-refusing");
  add("broker restarts", restarts >= p.brokerRestarts && count("broker-refusing") >= p.refusingRestarts, `${restarts}, of which ${count("broker-refusing")} refused logins for a while (target ${p.brokerRestarts} / ${p.refusingRestarts})`);
  const diskSkipped = f.faults.some((x) => x.kind === "disk-full" && x.skipped);
  add("disk-full episodes", (diskSkipped && !p.requireTmpfs) || count("disk-full") >= p.diskFull, diskSkipped ? `NOT RUN: no tmpfs could be mounted (target ${p.diskFull})${p.requireTmpfs ? "; required in CI" : ""}` : `${count("disk-full")} (target ${p.diskFull})`);
  add("events broker restarts", count("events-broker-restart") >= p.eventsBrokerRestarts, `${count("events-broker-restart")} (target ${p.eventsBrokerRestarts})`);
  add("kill -9 and restart", count("kill-9") >= p.kills, `${count("kill-9")} (target ${p.kills})`);
  add("cloud faults", count("cloud") >= p.cloudFaults, `${count("cloud")} (target ${p.cloudFaults})`);

  // Events.
  const e = f.events;
  add("events: accepted = delivered (0 lost)", e.lost.length === 0 && e.accepted > 0, `${e.accepted} accepted, ${e.delivered} distinct delivered, ${e.lost.length} lost${e.lost.length ? ` (first: ${e.lost[0]})` : ""}`);
  // The one event in flight may come again after a restart of the daemon (kill -9, an exit) or of
  // the events broker (the simulator keeps its sessions in memory): at most one per restart.
  const restartsAt = [...f.daemonStarts.slice(1), ...f.eventsBrokerStarts];
  const unexplained = e.duplicates.filter((d) => !restartsAt.some((t) => d.receivedAt >= t && d.receivedAt - t <= DUPLICATE_WINDOW_MS));
  const maxDuplicates = restartsAt.length;
  add(
    "events: duplicates only across a restart (at-least-once)",
    unexplained.length === 0 && e.duplicates.length <= maxDuplicates,
    `${e.duplicates.length} duplicates; ${f.daemonStarts.length - 1} daemon restarts and ${f.eventsBrokerStarts.length} events broker restarts allow at most one each; ${unexplained.length} not after a restart`,
  );
  add("events: no torn line in the middle of the queue file", e.tornInTheMiddle.length === 0, e.tornInTheMiddle.length === 0 ? "none" : `${e.tornInTheMiddle.length}, first: ${e.tornInTheMiddle[0]}`);

  // Commands.
  const settled = f.commands.filter((c) => !c.interrupted);
  const unanswered = settled.filter((c) => c.result === undefined);
  add("commands: every one got a result", f.commands.length > 0 && unanswered.length === 0, `${f.commands.length} sent, ${settled.length - unanswered.length} of ${settled.length} not cut off by a fault answered (${f.commands.filter((c) => c.result?.ok).length} ok, ${f.commands.filter((c) => c.result && !c.result.ok).length} refused); ${f.commands.length - settled.length} cut off by a kill, broker restart or exit (not required to answer), ${f.commands.filter((c) => c.interrupted && c.result).length} of them answered`);
  for (const c of unanswered.slice(0, 5)) {
    checks.push({ name: "  unanswered command", ok: false, figure: `value ${c.value} sent ${new Date(c.sentAt).toISOString()}, ${c.afterReconnectMs ?? "?"} ms after the daemon's connection last came up` });
  }
  const appliedTimes = new Map<number, number>();
  let stray = 0;
  for (const w of f.applied) {
    let owner = -1;
    for (let i = f.commands.length - 1; i >= 0; i--) {
      const c = f.commands[i];
      if (c && c.value === w.value && c.sentAt <= w.at + 5) {
        owner = i;
        break;
      }
    }
    if (owner < 0) stray++;
    else appliedTimes.set(owner, (appliedTimes.get(owner) ?? 0) + 1);
  }
  const twice = [...appliedTimes.values()].filter((n) => n > 1).length;
  const okNotApplied = f.commands.filter((c, i) => c.result?.ok === true && !appliedTimes.has(i)).length;
  add("commands: none applied twice (simulator's side)", twice === 0 && stray === 0, `${f.applied.length} writes applied by the cloud; ${twice} commands applied more than once; ${stray} writes matching no command`);
  add("commands: every ok result was applied", okNotApplied === 0, `${okNotApplied} ok results the cloud never saw`);

  // Memory.
  const win = memoryWindow(f);
  const heap = win.map((s) => ({ x: s.day, y: s.heapAfterGcMB }));
  const rss = win.map((s) => ({ x: s.day, y: s.rssMB }));
  const heapSlope = robustSlope(heap);
  const rssSlope = robustSlope(rss);
  const enough = win.length >= 8;
  add(
    "memory: heap after GC slope < 0.5 MB/day",
    enough && heapSlope < MAX_SLOPE_MB_PER_DAY,
    `${heapSlope.toFixed(3)} MB/day (Theil–Sen; least squares ${slope(heap).toFixed(3)}) over ${win.length} samples, 4 a day (daemon run #${win[0]?.incarnation ?? "?"}, after ${p.warmupDays} days and at least ${MIN_WARMUP_MS / 1000} s of warm-up)${enough ? "" : ": too few samples"}`,
  );
  // RSS moves by megabytes from one sample to the next (allocator arenas, code space): it fails
  // when its slope is above the limit beyond doubt (two standard errors), not by chance.
  const rssSe = slopeStandardError(rss);
  add(
    "memory: RSS slope < 0.5 MB/day",
    enough && rssSlope - 2 * rssSe < MAX_SLOPE_MB_PER_DAY,
    `${rssSlope.toFixed(3)} MB/day (Theil–Sen; least squares ${slope(rss).toFixed(3)} ± ${rssSe.toFixed(3)} standard error) over the same samples`,
  );
  // Flat: late in the longest daemon process, a line costs what it cost in that process's first
  // day (twice that at most, +1 µs of timer noise), however many tokens came in between. Medians
  // of four samples each: one sample can catch a collection or a compilation.
  const whole = longestRun(f);
  const fresh = whole[0];
  const freshCost = median(whole.filter((s) => fresh && s.day < fresh.day + 1).map((s) => s.scrubLineUs));
  const lateCost = median(whole.slice(-4).map((s) => s.scrubLineUs));
  const lastSample = whole.at(-1);
  add(
    "log line cost flat (scrub of one line)",
    whole.length >= 8 && lateCost <= MAX_SCRUB_RATIO * freshCost + 1,
    fresh && lastSample ? `${freshCost.toFixed(1)} µs in the first day of daemon run #${fresh.incarnation} (from day ${fresh.day}, ${fresh.tokens} tokens issued so far) → ${lateCost.toFixed(1)} µs in its last day (to day ${lastSample.day}, ${lastSample.tokens} tokens)` : "no samples",
  );

  // Recovery.
  const judged = f.faults.filter((x) => !x.skipped);
  const late = judged.filter((x) => x.recoveredAt === undefined || x.recoveredAt - x.endedAt > x.boundMs);
  const noneAsked = p.brokerRestarts + p.diskFull + p.kills + p.cloudFaults === 0;
  add("recovery within one backoff step of each fault's end", late.length === 0 && (judged.length > 0 || noneAsked), `${judged.length - late.length} of ${judged.length} in time; ${late.length} late or never${late.length ? ` (${[...new Set(late.map((x) => x.kind))].join(", ")})` : ""}; ${f.repairs.length} harness restarts to go on`);

  // Log and exits.
  add("no unhandled rejection or exception in the log", f.log.fatal.length === 0, f.log.fatal.length === 0 ? `none in ${f.log.lines} lines` : `${f.log.fatal.length}, first: ${f.log.fatal[0]}`);
  add("the daemon never exited on its own", f.unexpectedExits.length === 0, f.unexpectedExits.length === 0 ? "never" : `${f.unexpectedExits.length} times: ${f.unexpectedExits.map((x) => `code ${x.code}/${x.signal}`).join(", ")}`);
  add("targets reached within the time limit", f.targetsReached, f.targetsReached ? "yes" : `no (limit ${p.maxMinutes} min)`);
  return checks;
}

export function markdown(f: RunFigures, checks: Check[]): string {
  const p = f.params;
  const minutes = (f.endedAt.getTime() - f.startedAt.getTime()) / 60_000;
  const pass = checks.every((c) => c.ok);
  const lines: string[] = [];
  const w = (s = ""): void => void lines.push(s);
  w(`# Endurance: ${p.short ? "short run (CI)" : "a month in an hour"}`);
  w();
  w(`Generated by \`npm run endurance${p.short ? " -- --short" : ""}\` on ${f.endedAt.toISOString()} (Node ${f.node}, ${minutes.toFixed(1)} min). Result: **${pass ? "PASS" : "FAIL"}**.`);
  w();
  w("The built daemon (`node --expose-gc dist/cli.js run`, `CLOUD2MQTT_DEBUG_HEALTH=1`) ran as a child process against the five vendor simulators and a real Mosquitto, time compressed: tokens living " + `${p.tokenLifetimeS} s, every source polling each second, ${p.perVendor} sources per vendor plus one command source (${f.sources} in all). ` + `A simulated day is ${Math.round(p.polls / p.days)} polls (${p.days} days in the run). Faults came one at a time at points of the poll count; events and commands flowed throughout.`);
  w();
  w("## Parameters");
  w();
  w("| parameter | value |");
  w("| --- | --- |");
  for (const [k, v] of Object.entries(p)) if (k !== "out") w(`| ${k} | ${String(v)} |`);
  w();
  w("## Checks");
  w();
  w("| check | result | figure |");
  w("| --- | --- | --- |");
  for (const c of checks) w(`| ${c.name} | ${c.ok ? "pass" : "**FAIL**"} | ${c.figure.replace(/\|/g, "\\|")} |`);
  w();
  w("## Faults and recovery");
  w();
  w("Recovery is measured from the end of a fault (broker accepting again, disk freed, daemon started again, cloud answering again) to the connection being up (`/health` ok), every affected source having polled successfully, or, for the disk, the first event made after it reaching the events broker. The bound is one backoff step: MQTT 1 s doubling to 30 s (so at most the time the broker was away plus 1 s, ×1.25, +3 s), sources per src/poller/backoff.ts plus the time one poll takes.");
  w();
  w("| fault | count | recovered in time | median back after | closest to its bound: back after / bound |");
  w("| --- | --- | --- | --- | --- |");
  for (const kind of ["broker-restart", "broker-refusing", "events-broker-restart", "disk-full", "kill-9", "cloud"] as FaultKind[]) {
    const list = f.faults.filter((x) => x.kind === kind && !x.skipped);
    if (list.length === 0) {
      w(`| ${kind} | 0 | | | |`);
      continue;
    }
    const back = list.map((x) => (x.recoveredAt === undefined ? Infinity : x.recoveredAt - x.endedAt)).sort((a, b) => a - b);
    const inTime = list.filter((x) => x.recoveredAt !== undefined && x.recoveredAt - x.endedAt <= x.boundMs).length;
    const worst = list.reduce((a, b) => ((b.recoveredAt ?? Infinity) - b.endedAt - b.boundMs > (a.recoveredAt ?? Infinity) - a.endedAt - a.boundMs ? b : a));
    const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "never");
    w(`| ${kind} | ${list.length} | ${inTime} | ${s(back[Math.floor(back.length / 2)] ?? 0)} | ${s(worst.recoveredAt === undefined ? Infinity : worst.recoveredAt - worst.endedAt)} / ${s(worst.boundMs)} (${worst.detail}) |`);
  }
  const late = f.faults.filter((x) => x.recoveredAt === undefined || x.recoveredAt - x.endedAt > x.boundMs);
  if (late.length > 0) {
    w();
    w("Late or never:");
    w();
    for (const x of late.slice(0, 30)) w(`- ${new Date(x.endedAt).toISOString()} ${x.kind} (${x.detail}): ${x.recoveredAt === undefined ? "not back" : `back after ${((x.recoveredAt - x.endedAt) / 1000).toFixed(1)} s`}, bound ${(x.boundMs / 1000).toFixed(1)} s`);
  }
  if (f.repairs.length > 0) {
    w();
    w(`The harness restarted the daemon ${f.repairs.length} times to go on after a fault it did not recover from: ${[...new Set(f.repairs.map((r) => r.why))].slice(0, 5).join("; ")}.`);
  }
  w();
  w("## Memory, once a simulated day");
  w();
  w("`/health?gc=1` (env-gated, src/daemon/debug-health.ts) collects garbage, then reports the heap, the RSS and the time to scrub one typical log line of secrets (the per-line cost that grew with every token). The slope is fitted over the longest daemon process (kills come early, leaving one long last process), after the warm-up days.");
  w();
  const win = new Set(memoryWindow(f));
  w("| day | polls | daemon run | heap after GC (MB) | RSS (MB) | scrub of one line (µs) | tokens so far | in slope |");
  w("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const s of f.memory.filter((m) => Number.isInteger(m.day))) w(`| ${s.day} | ${s.polls} | #${s.incarnation} | ${s.heapAfterGcMB.toFixed(2)} | ${s.rssMB.toFixed(1)} | ${s.scrubLineUs.toFixed(1)} | ${s.tokens} | ${win.has(s) ? "yes" : ""} |`);
  w();
  w("## Events and commands");
  w();
  const e = f.events;
  w(`- Voltaware events: ${e.published} local meter values published by the harness (meter 9001) plus meter 2001 from myBeNext readings; ${e.accepted} accepted into the on-disk queue (read from the queue file as the run went), ${e.delivered} distinct events received by the events broker, ${e.lost.length} lost, ${e.duplicates.length} duplicates. The README's guarantee: exactly once while the daemon process lives and the broker keeps its session; at least once across a restart of the daemon (kill -9) or of a broker that forgets sessions (the simulator's keeps them in memory), and then at most the one event in flight: so the check allows one duplicate per such restart, arriving within ${DUPLICATE_WINDOW_MS / 1000} s of it.`);
  const ok = f.commands.filter((c) => c.result?.ok).length;
  const answered = f.commands.filter((c) => c.resultAt !== undefined);
  const lat = answered.map((c) => (c.resultAt as number) - c.sentAt).sort((a, b) => a - b);
  w(`- Commands: ${f.commands.length} sent to a myBeNext dimmer, one at a time with a new value each; ${answered.length} answered (${ok} ok), median answer ${lat.length ? `${lat[Math.floor(lat.length / 2)]} ms` : "n/a"}; the cloud applied ${f.applied.length} writes.`);
  w();
  w("## Log");
  w();
  w(`${f.log.lines} lines over ${f.daemonStarts.length} daemon processes; by level: ${Object.entries(f.log.byLevel).map(([k, v]) => `${k} ${v}`).join(", ")}. Final SIGTERM: ${f.finalSigtermExit}.`);
  w();
  if (f.log.top.length > 0) {
    w("Most frequent warnings and errors:");
    w();
    for (const [msg, n] of f.log.top.slice(0, 15)) w(`- ${n} × ${msg.replace(/\|/g, "\\|")}`);
    w();
  }
  for (const x of f.unexpectedExits.slice(0, 3)) {
    w(`Daemon #${x.incarnation} exited on its own at ${new Date(x.at).toISOString()} (code ${x.code}, signal ${x.signal}); its last lines:`);
    w();
    w("```");
    for (const l of x.lastLines.slice(-8)) w(l.slice(0, 300));
    w("```");
    w();
  }
  if (f.notes.length > 0) {
    w("## Notes");
    w();
    for (const n of [...new Set(f.notes)]) w(`- ${n}`);
    w();
  }
  w("## What this run does not check");
  w();
  w("- Real time: tokens live seconds and polls come every second, so anything tied to wall-clock days (certificate expiry, daylight-saving changes, a month's results at Voltaware) is not exercised.");
  w("- One machine, loopback only: no packet loss or latency beyond what the simulators inject.");
  w("- The memory slope is fitted within one daemon process; across kill -9 each process starts afresh.");
  w("- A power cut: kill -9 keeps the page cache, so what the daemon wrote but did not sync survives here.");
  w("- A full disk only under the Voltaware event queue (a tmpfs at its folder); the state store's folder never fills.");
  w("- Refused logins only at Mosquitto: the events broker (the Voltaware simulator's, aedes) is restarted, never made to refuse.");
  w("- Commands go to one vendor (a myBeNext dimmer, values unique in turn so each write is matched to its command); the other vendors' writes are not exercised here.");
  w("- The cost of a log line is measured as the time to scrub one typical line of secrets (the part that grew with every token), not as pino's whole write.");
  w(`- Run directory (config, daemon logs): ${f.runDir}`);
  w();
  return lines.join("\n");
}
