/** The endurance figures in /health are off unless CLOUD2MQTT_DEBUG_HEALTH=1 (src/daemon/debug-health.ts). */
import { describe, expect, it } from "vitest";
import { debugFigures, debugHealthEnabled } from "../../src/daemon/debug-health.js";
import { SecretScrubber } from "../../src/log.js";

describe("debug figures in /health", () => {
  it("are off by default and on only with CLOUD2MQTT_DEBUG_HEALTH=1", () => {
    expect(debugHealthEnabled({})).toBe(false);
    expect(debugHealthEnabled({ CLOUD2MQTT_DEBUG_HEALTH: "true" })).toBe(false);
    expect(debugHealthEnabled({ CLOUD2MQTT_DEBUG_HEALTH: "1" })).toBe(true);
  });

  it("collect garbage and time a scrubbed line only when asked", () => {
    const scrubber = new SecretScrubber();
    scrubber.add("a-secret-value");
    const cheap = debugFigures(scrubber, 7, false);
    expect(cheap.status_changes).toBe(7);
    expect(cheap.rss_bytes).toBeGreaterThan(0);
    expect(cheap.heap_after_gc_bytes).toBeUndefined();
    expect(cheap.scrub_line_us).toBeUndefined();
    const full = debugFigures(scrubber, 7, true);
    expect(full.heap_after_gc_bytes).toBeGreaterThan(0);
    expect(full.scrub_line_us).toBeGreaterThan(0);
  });
});
