import type { IncomingMessage, ServerResponse } from "node:http";

/** The faults every simulator can play; each vendor's fault set extends these. */
export interface CommonFaults {
  /** Connections are dropped without an answer. */
  outage: boolean;
  status500: boolean;
  /** 200 with a truncated JSON body. */
  malformed: boolean;
  /** Answers wait this long. */
  slowMs: number;
  /** 200 with this body instead of the answer (malformed JSON, or JSON of another shape); token endpoints are spared. */
  body: string | null;
  /** The next n requests answer 401 as if the token had expired or been revoked. */
  unauthorizedNext: number;
  /** The next n requests answer 429 with Retry-After: 1. */
  rateLimitNext: number;
  /** 500 whose body quotes the request back, Authorization header and body included. */
  echo: boolean;
}

export const noCommonFaults = (): CommonFaults => ({ outage: false, status500: false, malformed: false, slowMs: 0, body: null, unauthorizedNext: 0, rateLimitNext: 0, echo: false });

/**
 * Waits out the `slowMs` fault on a timer the simulator's `close()` clears, so a test that closes
 * the simulator mid-delay does not keep the process alive.
 */
export function delay(timers: Set<NodeJS.Timeout>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });
}

export function clearTimers(timers: Set<NodeJS.Timeout>): void {
  for (const t of timers) clearTimeout(t);
  timers.clear();
}

/**
 * The faults that hit the connection rather than the answer: `slowMs` waits, then `outage` drops
 * the connection. True when the request is done with (dropped, or its client gave up waiting).
 */
export async function connectionFaults(faults: Pick<CommonFaults, "slowMs" | "outage">, timers: Set<NodeJS.Timeout>, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (faults.slowMs > 0) {
    await delay(timers, faults.slowMs);
    if (res.destroyed) return true;
  }
  if (faults.outage) {
    req.socket.destroy();
    return true;
  }
  return false;
}
