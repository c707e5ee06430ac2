/**
 * Figures for the endurance harness (docs/ENDURANCE.md), added to `/health` only when the
 * process runs with CLOUD2MQTT_DEBUG_HEALTH=1: off by default, so no deployment exposes them.
 * `/health?gc=1` also collects garbage first (when node runs with --expose-gc) and times the
 * scrubbing of a typical log line, the per-line cost that grew with every token (issue 11).
 */
import type { SecretScrubber } from "../log.js";

export const DEBUG_HEALTH_ENV = "CLOUD2MQTT_DEBUG_HEALTH";

export interface DebugFigures {
  /** Finished polls (each reports a status change), plus the one at start. */
  status_changes: number;
  rss_bytes: number;
  heap_used_bytes: number;
  /** With ?gc=1 only. */
  heap_after_gc_bytes?: number;
  gc_exposed?: boolean;
  scrub_line_us?: number;
}

const SAMPLE_LINE = JSON.stringify({
  level: "warn",
  time: "2026-01-01T00:00:00.000Z",
  source: "ups",
  err: "GET https://cloud.example.com/api/v1/devices/5f0c3b9e-8a7d-4d2b-9c1e-3f2a1b0c9d8e/last-values?take=50: 503 Service Unavailable (Retry-After: 30)",
  msg: "poll failed",
});

export function debugHealthEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[DEBUG_HEALTH_ENV] === "1";
}

export function debugFigures(scrubber: SecretScrubber, statusChanges: number, collect: boolean): DebugFigures {
  const figures: DebugFigures = { status_changes: statusChanges, rss_bytes: 0, heap_used_bytes: 0 };
  if (collect) {
    const gc = (globalThis as { gc?: () => void }).gc;
    figures.gc_exposed = typeof gc === "function";
    gc?.();
    figures.heap_after_gc_bytes = process.memoryUsage().heapUsed;
    // The fastest of several batches: a collection or a compilation in one batch is not the line's cost.
    let best = Infinity;
    for (let batch = 0; batch < 10; batch++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 20; i++) scrubber.scrub(SAMPLE_LINE);
      best = Math.min(best, Number(process.hrtime.bigint() - started) / 1000 / 20);
    }
    figures.scrub_line_us = best;
  }
  const mem = process.memoryUsage();
  figures.rss_bytes = mem.rss;
  figures.heap_used_bytes = mem.heapUsed;
  return figures;
}
