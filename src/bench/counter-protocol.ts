/** Which topics the counting subscriber counts: a topic matches a rule by its start and end. */
export interface TopicRule {
  prefix: string;
  suffix?: string;
  /** The topic must not end with this. */
  notSuffix?: string;
}

export interface CounterSetup {
  url: string;
  filters: string[];
  rules: TopicRule[];
  /** Keep the last payload of each topic (the pipeline replays them through raw mqtt.js). */
  keep: boolean;
}

export type CounterRequest =
  | { id: number; op: "reset" | "clear" | "topics" | "close" }
  | { id: number; op: "waitFor"; n: number; timeoutMs: number }
  | { id: number; op: "settle"; quietMs: number };

export interface CounterReply {
  id: number;
  count: number;
  /** When the latest counted message arrived, epoch ms (the subscriber's clock: `now()`). */
  last: number;
  topics?: Array<[string, string]>;
  error?: string;
}

export type CounterHello = { ready: true } | { fatal: string };

export function matchesRules(rules: readonly TopicRule[], topic: string): boolean {
  return rules.some((r) => topic.startsWith(r.prefix) && (r.suffix === undefined || topic.endsWith(r.suffix)) && (r.notSuffix === undefined || !topic.endsWith(r.notSuffix)));
}
