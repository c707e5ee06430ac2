/** Topic layout of DESIGN.md; the one place that knows it. */

export interface EntityAddress {
  source: string;
  device: string;
  entity: string;
  field?: string;
}

export class Topics {
  constructor(readonly base: string) {}

  get bridgeState(): string {
    return `${this.base}/bridge/state`;
  }
  get bridgeInfo(): string {
    return `${this.base}/bridge/info`;
  }
  /** Non-retained: a starting instance asks whether another one runs on this base topic. */
  get bridgePing(): string {
    return `${this.base}/bridge/ping`;
  }
  /** Non-retained: a running instance answers a ping with its client id. */
  get bridgePong(): string {
    return `${this.base}/bridge/pong`;
  }
  availability(source: string): string {
    return `${this.base}/${source}/availability`;
  }
  state(a: EntityAddress): string {
    return `${this.base}/${a.source}/${a.device}/${a.entity}${a.field ? `/${a.field}` : ""}`;
  }
  command(a: EntityAddress): string {
    return `${this.state(a)}/set`;
  }
  result(a: EntityAddress): string {
    return `${this.command(a)}/result`;
  }
  /** Subscriptions that receive every command (and not our own state messages). */
  get commandSubscriptions(): string[] {
    return [`${this.base}/+/+/+/set`, `${this.base}/+/+/+/+/set`];
  }

  /** `<base>/<source>/<device>/<entity>[/<field>]/set` → its address; anything else → undefined. */
  parseCommand(topic: string): EntityAddress | undefined {
    if (!topic.startsWith(`${this.base}/`) || !topic.endsWith("/set")) return undefined;
    const parts = topic.slice(this.base.length + 1, -"/set".length).split("/");
    if (parts.length < 3 || parts.length > 4 || parts.some((p) => p === "")) return undefined;
    const [source, device, entity, field] = parts as [string, string, string, string | undefined];
    return field === undefined ? { source, device, entity } : { source, device, entity, field };
  }
}

/** Whether a topic matches an MQTT subscription filter (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
