/**
 * The shutdown's time budget. DESIGN.md: the process is gone within 5 s of SIGTERM. The CLI
 * forces an exit (code 1) at `forcedExitMs`; the daemon's own phases end before that, so a
 * shutdown that had to give up on something says what, instead of being cut off blind.
 */
export const SHUTDOWN = {
  /** The CLI's last resort: whatever still hangs then, the process exits non-zero. */
  forcedExitMs: 4_500,
  /** The daemon's phases together. */
  totalMs: 4_300,
  /**
   * Running polls get this long to end by themselves, so the readings they bring still reach
   * MQTT and the bridges that send them on (Voltaware events); then their bridges cut them short.
   */
  pollsMs: 500,
  /** Kept back from the bridges for `offline` on the bridge state and the MQTT disconnect. */
  mqttMs: 400,
  /** Kept back for the health server and the embedded broker. */
  lastMs: 200,
} as const;

/** True when the promise settled (either way) within `ms`; never rejects. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
