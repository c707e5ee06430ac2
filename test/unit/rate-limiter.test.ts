import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../src/http/rate-limiter.js";

describe("rate limiter", () => {
  it("spaces request starts and caps concurrency", async () => {
    const limiter = new RateLimiter({ perSecond: 20, concurrency: 1 });
    const starts: number[] = [];
    await Promise.all(
      [0, 1, 2].map(async () => {
        const release = await limiter.acquire();
        starts.push(Date.now());
        await new Promise((r) => setTimeout(r, 5));
        release();
      }),
    );
    expect(starts).toHaveLength(3);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(45);
  });

  it("counts the spacing from the real start when a timer fires late (busy event loop)", async () => {
    const limiter = new RateLimiter({ perSecond: 10, concurrency: 1 });
    (await limiter.acquire())();
    const second = limiter.acquire();
    const busyUntil = Date.now() + 250; // the planned start (+100 ms) passes while the loop is blocked
    while (Date.now() < busyUntil) {
      // block
    }
    (await second)();
    const late = Date.now();
    (await limiter.acquire())();
    expect(Date.now() - late).toBeGreaterThanOrEqual(95);
  });
});
