import { describe, expect, it } from "vitest";
import { nextDelay } from "../../src/poller/backoff.js";

describe("backoff", () => {
  const noJitter = () => 0.5;
  it("doubles after failures up to 10 × interval, at most 30 minutes, and honours Retry-After", () => {
    expect(nextDelay(60_000, 0, 0, noJitter)).toBe(60_000);
    expect(nextDelay(60_000, 1, 0, noJitter)).toBe(60_000);
    expect(nextDelay(60_000, 2, 0, noJitter)).toBe(120_000);
    expect(nextDelay(60_000, 20, 0, noJitter)).toBe(600_000);
    expect(nextDelay(600_000, 20, 0, noJitter)).toBe(1_800_000);
    expect(nextDelay(1_000, 1, 5_000, noJitter)).toBe(5_000);
  });
  it("jitters by at most 10%", () => {
    expect(nextDelay(10_000, 0, 0, () => 0)).toBe(9_000);
    expect(nextDelay(10_000, 0, 0, () => 1)).toBe(11_000);
  });
});
