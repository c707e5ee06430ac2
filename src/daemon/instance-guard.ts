import type { Logger } from "pino";
import type { MqttConnection } from "../mqtt/connection.js";
import type { Topics } from "../mqtt/topics.js";

export interface OtherInstance {
  client_id: string;
  version: string;
}

/**
 * One running cloud2mqtt per base topic on a broker. A second one would delete the first's
 * discovery configs as stale and grey out its entities with its `offline` on `bridge/state`.
 * The retained `bridge/state` cannot tell: after a kill -9 our own previous run's `online` stays
 * until the broker's keepalive timer fires its last will. So a starting instance asks, and only
 * a live instance answers.
 */
export class InstanceGuard {
  constructor(
    private readonly conn: MqttConnection,
    private readonly topics: Topics,
    private readonly clientId: string,
    private readonly version: string,
    private readonly log: Logger,
  ) {}

  /** Another live instance on this base topic, if one answers within the window. */
  async probe(windowMs: number): Promise<OtherInstance | undefined> {
    let other: OtherInstance | undefined;
    this.conn.subscribe(this.topics.bridgePong, (_topic, payload, retained) => {
      if (retained || other) return;
      try {
        const answer = JSON.parse(payload.toString("utf8")) as Partial<OtherInstance>;
        if (typeof answer.client_id === "string" && answer.client_id !== this.clientId) {
          other = { client_id: answer.client_id, version: typeof answer.version === "string" ? answer.version : "unknown" };
        }
      } catch {
        // not an answer of ours
      }
    });
    // Sent after the subscription on the same connection: the broker handles both in order.
    this.conn.publish(this.topics.bridgePing, this.clientId);
    const start = Date.now();
    while (!other && Date.now() - start < windowMs) await new Promise((resolve) => setTimeout(resolve, 50));
    this.conn.unsubscribe(this.topics.bridgePong);
    return other;
  }

  /**
   * From now on answers other instances' pings, and puts our `online` back when someone else
   * sets `bridge/state` offline while we run: an instance refused at start that was killed before
   * it could disconnect (its last will), or an older version that does not ask.
   */
  hold(stopping: () => boolean): void {
    this.conn.subscribe(this.topics.bridgePing, (_topic, payload) => {
      if (payload.toString("utf8") === this.clientId) return;
      this.conn.publish(this.topics.bridgePong, JSON.stringify({ client_id: this.clientId, version: this.version }));
    });
    // A retained `offline` is what a subscription finds before our own `online` arrived: not news.
    this.conn.subscribe(this.topics.bridgeState, (_topic, payload, retained) => {
      if (retained || stopping() || !this.conn.connected || payload.toString("utf8") !== "offline") return;
      this.log.info({ topic: this.topics.bridgeState }, "another client set our bridge state offline while we run: publishing online again");
      this.conn.publishRetained(this.topics.bridgeState, "online", true);
    });
  }
}

export function otherInstanceError(base: string, other: OtherInstance): Error {
  return new Error(
    `mqtt.base_topic "${base}" is already used on this broker by another running cloud2mqtt (client id "${other.client_id}", version ${other.version}): ` +
      `give each instance its own mqtt.base_topic (README: "Running several instances")`,
  );
}
