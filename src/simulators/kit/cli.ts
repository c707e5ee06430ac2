/**
 * Command-line helpers for the simulators' main.ts: the same flags, the same messages for bad
 * values and the same shutdown on Ctrl-C or SIGTERM for every vendor.
 */
import { parseArgs } from "node:util";
import { parseDuration } from "../../duration.js";

type Flag = { type: "string"; default: string } | { type: "boolean"; default: boolean };

/** Parses `--port`, `--host` and the simulator's own flags, whose values come back as given. */
export function simulatorArgs<T extends Record<string, Flag>>(flags: T) {
  return parseArgs({ options: { port: { type: "string", default: "0" }, host: { type: "string", default: "127.0.0.1" }, ...flags } }).values;
}

function usageError(name: string, expected: string, raw: string | undefined): never {
  console.error(`--${name}: expected ${expected}, got "${raw}"`);
  process.exit(2);
}

/** A non-negative number, or exit 2 naming the flag. */
export function numberArg(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) usageError(name, "a number", raw);
  return n;
}

/** A TCP port (0 = any free one), or exit 2 naming the flag. */
export function portArg(name: string, raw: string | undefined): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usageError(name, "a port number", raw);
  return port;
}

/** A positive duration like 15m or 30s, in milliseconds, or exit 2 naming the flag. */
export function durationArg(name: string, raw: string | undefined): number {
  try {
    const ms = parseDuration(raw ?? "");
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  usageError(name, "a duration like 15m or 30s", raw);
}

/** Closes the simulator on the first SIGINT or SIGTERM, then exits 0. */
export function closeOnSignal(sim: { close(): Promise<void> }): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void sim.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
