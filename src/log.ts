import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Secrets are removed twice: known key names are redacted by pino, and every registered secret
 * value (config passwords, API keys, tokens obtained at runtime) is scrubbed from each line
 * before it is written, wherever it appears (an error message, a URL, a response body).
 *
 * Config secrets are kept for the life of the process (`add`). Runtime tokens come and go (a
 * Wiotys token every 5 minutes: thousands a week), so each lives in a slot (`rotate`) that holds
 * only the current and the previous value: the previous one may still be in flight in a request
 * or an error being logged, anything older has expired at the cloud and is forgotten. Memory and
 * the cost of a scrubbed line therefore stay flat however long the daemon runs.
 */
export class SecretScrubber {
  private readonly permanent = new Set<string>();
  private readonly slots = new Map<string, { current: string; previous?: string }>();
  /** Built when a line is scrubbed after a change, not on every change: rotations come in bursts. */
  private pattern: RegExp | undefined;
  private stale = false;

  add(value: string | undefined): void {
    if (!worthScrubbing(value) || this.permanent.has(value)) return;
    this.permanent.add(value);
    this.stale = true;
    if (this !== processSecrets) processSecrets.add(value);
  }

  /**
   * A runtime secret that replaces the previous value of its slot (e.g. `wiotys1:access token`):
   * the new one and the one before it are scrubbed, older ones are dropped.
   */
  rotate(slot: string, value: string | undefined): void {
    if (!worthScrubbing(value)) return;
    const held = this.slots.get(slot);
    if (held?.current === value) return;
    this.slots.set(slot, { current: value, previous: held?.current });
    this.stale = true;
    if (this !== processSecrets) processSecrets.rotate(slot, value);
  }

  /** How many distinct values are held (variants not counted): for tests and diagnostics. */
  get size(): number {
    const values = new Set(this.permanent);
    for (const { current, previous } of this.slots.values()) {
      values.add(current);
      if (previous !== undefined) values.add(previous);
    }
    return values.size;
  }

  scrub(text: string): string {
    if (this.stale) this.rebuild();
    return this.pattern ? text.replace(this.pattern, "***") : text;
  }

  private rebuild(): void {
    this.stale = false;
    const strings = new Set<string>();
    const addWithVariants = (value: string): void => {
      for (const variant of variants(value)) strings.add(variant);
    };
    for (const value of this.permanent) addWithVariants(value);
    for (const { current, previous } of this.slots.values()) {
      addWithVariants(current);
      if (previous !== undefined) addWithVariants(previous);
    }
    // Longest first: a secret containing another must be replaced whole.
    const alternatives = [...strings].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join("|"), "g") : undefined;
  }
}

/** Very short values would scrub ordinary words; no real credential is this short. */
function worthScrubbing(value: string | undefined): value is string {
  return value !== undefined && value.length >= 4;
}

/** As written, in a URL, in a form body (token requests: space is "+", "!" is escaped) and in JSON. */
function variants(value: string): string[] {
  const all = [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), JSON.stringify(value).slice(1, -1)];
  return all.filter((v, i) => i === 0 || (v !== value && v.length >= 4));
}

/**
 * What a bridge's `registerSecret` does for one source: a value with a kind ("access token",
 * "refresh token") rotates in that source's slot of the kind; one without is a permanent secret.
 */
export function secretRegistrar(scrubber: SecretScrubber, sourceId: string): (value: string, kind?: string) => void {
  return (value, kind) => (kind === undefined ? scrubber.add(value) : scrubber.rotate(`${sourceId}\u0000${kind}`, value));
}

/** Every secret any scrubber of this process was given (current and previous tokens only), for `quote`. */
const processSecrets = new SecretScrubber();

/**
 * At most `max` characters of text from elsewhere (a cloud's error body), for an error message.
 * Known secrets are removed before the cut: a secret cut in two is no longer recognised by the
 * scrubbing of log lines and MQTT payloads, and its first part would get through.
 */
export function quote(text: string, max: number): string {
  return processSecrets.scrub(text).slice(0, max);
}

const REDACTED_KEYS = [
  "password",
  "apikey",
  "client_secret",
  "token",
  "access_token",
  "refresh_token",
  "authorization",
  "Authorization",
  "cookie",
  "secret",
];

export function createLogger(level: string, scrubber: SecretScrubber, destination?: DestinationStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.headers.${k}`, `*.*.${k}`]);
  // Synchronous: a daemon logging a few lines a minute gains nothing from buffering, and an exit
  // (SIGTERM, a fatal error) must not lose the lines that explain it.
  const dest = destination ?? pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths, censor: "***" },
      hooks: { streamWrite: (line) => scrubber.scrub(line) },
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A URL (a broker's, say) without the credentials it may carry, for logs. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "the configured URL";
  }
}
