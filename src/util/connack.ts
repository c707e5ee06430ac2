/**
 * CONNACK refusals (MQTT 3.1.1 return codes and MQTT 5 reason codes), described for logs and
 * for the decision a connection has to make: mqtt.js stops reconnecting after one of them unless
 * told otherwise, while a broker that refuses a login now (Home Assistant's Mosquitto add-on
 * while Home Assistant restarts, a broker "server unavailable" for a moment) accepts it later.
 */

export interface ConnackRefusal {
  /** The return code (MQTT 3.1.1) or reason code (MQTT 5). */
  code: number;
  /** Lower-case words for logs: "not authorized", "bad username or password", … */
  reason: string;
  /** The credentials, client certificate or authorization were refused, not the moment. */
  credentials: boolean;
}

const REASONS: Readonly<Record<number, string>> = {
  1: "unacceptable protocol version",
  2: "client identifier rejected",
  3: "server unavailable",
  4: "bad username or password",
  5: "not authorized",
  128: "unspecified error",
  129: "malformed packet",
  130: "protocol error",
  131: "implementation specific error",
  132: "unsupported protocol version",
  133: "client identifier not valid",
  134: "bad username or password",
  135: "not authorized",
  136: "server unavailable",
  137: "server busy",
  138: "banned",
  140: "bad authentication method",
  149: "packet too large",
  151: "quota exceeded",
  153: "payload format invalid",
  154: "retain not supported",
  155: "QoS not supported",
  156: "use another server",
  157: "server moved",
  159: "connection rate exceeded",
};

const CREDENTIAL_CODES = new Set([4, 5, 134, 135, 138, 140]);

/** mqtt.js reports a refused CONNACK as an error with the code and this message prefix. */
const REFUSED_PREFIX = "Connection refused";

/** The refusal an mqtt.js `error` event reports, or undefined for any other error. */
export function connackRefusal(err: unknown): ConnackRefusal | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code !== "number" || code <= 0 || !err.message.startsWith(REFUSED_PREFIX)) return undefined;
  return describeConnackCode(code);
}

export function describeConnackCode(code: number): ConnackRefusal {
  return { code, reason: REASONS[code] ?? `reason code ${code}`, credentials: CREDENTIAL_CODES.has(code) };
}

/** What a backoff needs of an mqtt.js client: the period it waits before its next attempt. */
interface Reconnecting {
  options: { reconnectPeriod?: number };
}

/**
 * mqtt.js retries at a fixed period; this widens it from 1 s, doubling to 30 s, and starts over
 * once a connection is made. A refusal plans the next attempt at once, because mqtt.js schedules
 * it right after the `error` event, before the `close` that follows (which then must not plan again).
 */
export class ReconnectBackoff {
  static readonly MIN_MS = 1_000;
  static readonly MAX_MS = 30_000;
  private delay = ReconnectBackoff.MIN_MS;
  private planned = false;

  /** The broker refused the connection: returns the wait before the next attempt. */
  refused(client: Reconnecting): number {
    const delay = this.plan(client);
    this.planned = true;
    return delay;
  }

  /** The connection closed (or an attempt failed): the wait before the next attempt, or undefined when a refusal planned it. */
  closed(client: Reconnecting): number | undefined {
    if (this.planned) {
      this.planned = false;
      return undefined;
    }
    return this.plan(client);
  }

  connected(client: Reconnecting): void {
    this.delay = ReconnectBackoff.MIN_MS;
    this.planned = false;
    client.options.reconnectPeriod = ReconnectBackoff.MIN_MS;
  }

  private plan(client: Reconnecting): number {
    const delay = this.delay;
    client.options.reconnectPeriod = delay;
    this.delay = Math.min(delay * 2, ReconnectBackoff.MAX_MS);
    return delay;
  }
}
