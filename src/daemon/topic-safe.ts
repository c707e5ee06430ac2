import type { Logger } from "pino";
import type { PollResult } from "../bridges/types.js";

const SAFE = /^[A-Za-z0-9_-]+$/;

/**
 * Keys become topic levels and unique ids. Bridges make them from vendor ids with idKey; this is
 * the last guard, so that a bridge that forgot cannot publish a `/`, `+` or `#` (an extra topic
 * level, or a wildcard no client can publish to) for a hostile id.
 */
export class TopicSafety {
  private readonly warned = new Set<string>();

  constructor(private readonly log: Logger) {}

  apply(result: PollResult): PollResult {
    const devices = result.devices
      .filter((d) => this.safe(d.key, "device"))
      .map((d) => ({ ...d, entities: d.entities.filter((e) => this.safe(e.key, `entity of device ${d.key}`)) }));
    const readings = result.readings.filter((r) => SAFE.test(r.device) && SAFE.test(r.entity) && (r.field === undefined || SAFE.test(r.field)));
    return { devices, readings };
  }

  private safe(key: string, what: string): boolean {
    if (SAFE.test(key)) return true;
    // Once per key: the same device comes back with every poll.
    if (!this.warned.has(`${what}:${key}`)) {
      this.warned.add(`${what}:${key}`);
      this.log.warn({ key: JSON.stringify(key) }, `left out a ${what} whose key is not topic safe (a bridge bug)`);
    }
    return false;
  }
}
