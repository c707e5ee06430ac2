#!/usr/bin/env node
/**
 * `npm run endurance [-- --short]`: a month of the daemon's life in an hour (issue 11). Exits
 * non-zero when a check fails; the full run writes docs/ENDURANCE.md.
 */
import { writeFileSync } from "node:fs";
import { readParams, USAGE } from "./params.js";
import { judge, markdown } from "./report.js";
import { runEndurance } from "./run.js";

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const params = readParams(argv, process.env);
  const say = (line: string): void => void process.stdout.write(`endurance: ${line}\n`);
  say(`${params.short ? "short" : "full"} run: ${params.polls} polls, ${params.tokens} tokens, ${params.brokerRestarts} broker restarts (${params.refusingRestarts} refusing), ${params.diskFull} disk-full, ${params.kills} kill -9, ${params.cloudFaults} cloud faults, seed ${params.seed}`);
  const figures = await runEndurance(params, say);
  const checks = judge(figures);
  const text = markdown(figures, checks);
  if (params.out) {
    writeFileSync(params.out, `${text}\n`);
    say(`figures written to ${params.out}`);
  }
  for (const c of checks) say(`${c.ok ? "pass" : "FAIL"}  ${c.name}: ${c.figure}`);
  const failed = checks.filter((c) => !c.ok);
  say(failed.length === 0 ? "PASS" : `FAIL: ${failed.map((c) => c.name).join("; ")}`);
  if (!params.out) process.stdout.write(`\n${text}\n`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`endurance: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
