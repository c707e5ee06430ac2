/**
 * Paces request starts of one source: at most `perSecond` starts in any second, spaced evenly,
 * and at most `concurrency` requests in flight. Every attempt (retries included) takes a slot,
 * so a vendor's limit holds under all conditions.
 */
export interface RateLimit {
  perSecond: number;
  concurrency?: number;
}

export class RateLimiter {
  private readonly spacingMs: number;
  private readonly concurrency: number;
  private nextStart = 0;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(limit: RateLimit) {
    if (!(limit.perSecond > 0)) throw new Error(`rate limit must be positive, got ${limit.perSecond}`);
    this.spacingMs = 1000 / limit.perSecond;
    this.concurrency = Math.max(1, limit.concurrency ?? Number.POSITIVE_INFINITY);
  }

  /** Resolves when a request may start; call the returned function when it has finished. */
  async acquire(): Promise<() => void> {
    if (this.inFlight >= this.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.inFlight++;
    const now = Date.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + this.spacingMs;
    if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now));
    // A timer that fired late (a busy event loop) must not shorten the gap to the next start.
    this.nextStart = Math.max(this.nextStart, Date.now() + this.spacingMs);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.waiting.shift()?.();
    };
  }

  /** Pushes the next start back, e.g. after a 429 with Retry-After. */
  pause(ms: number): void {
    this.nextStart = Math.max(this.nextStart, Date.now() + ms);
  }
}
