/**
 * Delay before the next poll: the interval while polls succeed; after n failures in a row the
 * interval doubled n-1 times, capped at 10 × interval and 30 minutes (DESIGN.md), never shorter
 * than a Retry-After the vendor asked for. Jitter spreads sources that share an interval.
 */
export const MAX_BACKOFF_MS = 30 * 60_000;

export function nextDelay(intervalMs: number, failures: number, retryAfterMs = 0, random = Math.random): number {
  let delay = intervalMs;
  if (failures > 0) {
    const cap = Math.max(intervalMs, Math.min(10 * intervalMs, MAX_BACKOFF_MS));
    delay = Math.min(intervalMs * 2 ** Math.min(failures - 1, 30), cap);
  }
  const jitter = delay * 0.1 * (random() * 2 - 1);
  return Math.max(retryAfterMs, Math.round(delay + jitter));
}
