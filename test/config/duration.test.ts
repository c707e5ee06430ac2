import { describe, expect, it } from "vitest";
import { DurationError, formatDuration, parseDuration } from "../../src/app-config.js";
import { DURATION_PATTERN } from "../../src/config/duration.js";

const VALID: Array<[string | number, number]> = [
  ["500ms", 500],
  ["30s", 30_000],
  ["5m", 300_000],
  ["1h", 3_600_000],
  ["1d", 86_400_000],
  ["1h30m", 5_400_000],
  ["1h 30m", 5_400_000],
  ["1d2h3m4s5ms", 93_784_005],
  ["1.5h", 5_400_000],
  ["2m30s", 150_000],
  [" 15s ", 15_000],
  ["60", 60_000],
  ["0.25", 250],
  [60, 60_000],
  [0.5, 500],
  [0, 0],
];

const INVALID = ["", "abc", "5 minutes", "5x", "m5", "-5s", "30m1h", "5m5m", "1h30", "ms", "1.h", "5s500"];

describe("parseDuration", () => {
  it.each(VALID)("%j → %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(INVALID)("rejects %j with a message saying what is expected", (input) => {
    expect(() => parseDuration(input)).toThrow(DurationError);
    expect(() => parseDuration(input)).toThrow(/"30s"|largest to smallest/);
  });

  it("rejects negative and non-finite numbers", () => {
    expect(() => parseDuration(-1)).toThrow(DurationError);
    expect(() => parseDuration(Number.POSITIVE_INFINITY)).toThrow(DurationError);
  });

  it("agrees with the schema pattern editors use", () => {
    const pattern = new RegExp(DURATION_PATTERN);
    for (const [input] of VALID) if (typeof input === "string") expect(pattern.test(input), input).toBe(true);
    for (const input of INVALID) expect(pattern.test(input), input).toBe(false);
  });
});

describe("formatDuration", () => {
  it("writes the shortest combination, inverse of parseDuration", () => {
    expect(formatDuration(60_000)).toBe("1m");
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(15_000)).toBe("15s");
    expect(formatDuration(1_500)).toBe("1s500ms");
    expect(formatDuration(0)).toBe("0s");
    for (const ms of [1, 999, 61_001, 90_061_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
