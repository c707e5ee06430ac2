import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Secrets are removed twice: known key names are redacted by pino, and every registered secret
 * value (config passwords, API keys, tokens obtained at runtime) is scrubbed from each line
 * before it is written, wherever it appears (an error message, a URL, a response body).
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  add(value: string | undefined): void {
    // Very short values would scrub ordinary words; no real credential is this short.
    if (!value || value.length < 4 || this.secrets.has(value)) return;
    this.secrets.add(value);
    // As written in a URL, in a form body (token requests: space is "+", "!" is escaped) and in JSON.
    const variants = [encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), JSON.stringify(value).slice(1, -1)];
    for (const variant of variants) {
      if (variant !== value && variant.length >= 4) this.secrets.add(variant);
    }
    if (this !== processSecrets) processSecrets.add(value);
    const alternatives = [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = new RegExp(alternatives.join("|"), "g");
  }

  scrub(text: string): string {
    return this.pattern ? text.replace(this.pattern, "***") : text;
  }
}

/** Every secret any scrubber of this process was given, for `quote`. */
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
