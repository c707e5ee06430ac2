import got, { HTTPError, RequestError, type Got, type Options } from "got";
import type { Logger } from "pino";
import { quote } from "../log.js";
import { VERSION } from "../version.js";
import { RateLimiter, type RateLimit } from "./rate-limiter.js";
import { errorMessage } from "../util/errors.js";

/**
 * Authentication of one vendor: `headers()` returns what authenticates a request, refreshing a
 * token before it expires; `invalidate(rejected)` forgets it after a 401 so the next call logs in
 * again, unless `rejected` (the headers the 401 answered) shows it has been replaced meanwhile.
 * It returns false when it dropped nothing (another request's 401 already did, or renewed it).
 */
export interface AuthProvider {
  headers(): Promise<Record<string, string>>;
  invalidate(rejected?: Record<string, string | string[] | undefined>): boolean | void;
}

export interface HttpClientOptions {
  sourceId: string;
  baseUrl: string;
  timeoutMs: number;
  logger: Logger;
  auth?: AuthProvider;
  rateLimit?: RateLimit;
  headers?: Record<string, string>;
  /** Retries of safe (GET) requests on network errors, 408/429/5xx. Default 2. */
  retries?: number;
  /**
   * Called whenever the cloud answers or an attempt fails: the poll watchdog's sign of life.
   * After a Retry-After, with the time until which the cloud asked us to be quiet.
   */
  onActivity?: (quietUntil?: number) => void;
  /** The longest a Retry-After is obeyed (source key `max_retry_after`); default 1 h. */
  maxRetryAfterMs?: number;
}

/** The longest a cloud's Retry-After is obeyed: beyond it a wrong or hostile header would silence a source for days. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 3_600_000;

const RETRIED_STATUS = [408, 429, 500, 502, 503, 504, 521, 522, 524];
const limiterSlot = Symbol("limiterSlot");
const authRetried = Symbol("authRetried");

type Ctx = Record<string | symbol, unknown>;

/** The project's one got factory: every vendor request goes through what this sets up. */
export function createHttpClient(opts: HttpClientOptions): Got {
  const limiter = opts.rateLimit ? new RateLimiter(opts.rateLimit) : undefined;
  const maxRetryAfter = opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  const release = (options: Pick<Options, "context">): void => {
    const ctx = options.context as Ctx;
    const done = ctx[limiterSlot] as (() => void) | undefined;
    ctx[limiterSlot] = undefined;
    done?.();
  };

  return got.extend({
    prefixUrl: opts.baseUrl.replace(/\/+$/, ""),
    timeout: { request: opts.timeoutMs },
    decompress: true,
    headers: { "user-agent": `cloud2mqtt/${VERSION}`, "accept-encoding": "gzip, deflate", accept: "application/json", ...opts.headers },
    retry: {
      limit: opts.retries ?? 2,
      methods: ["GET"],
      statusCodes: RETRIED_STATUS,
      // A Retry-After longer than the request timeout is left to the poller's backoff.
      maxRetryAfter: Math.min(Math.max(opts.timeoutMs, 60_000), maxRetryAfter),
      backoffLimit: 10_000,
    },
    context: {},
    hooks: {
      beforeRequest: [
        async (options) => {
          const ctx = options.context as Ctx;
          if (limiter) ctx[limiterSlot] = await limiter.acquire();
          if (opts.auth) {
            let headers: Record<string, string>;
            try {
              headers = await opts.auth.headers();
            } catch (error) {
              // A failed login can throw another client's HTTPError, whose options are not these:
              // beforeError would release that request's slot, not this one's.
              release(options);
              throw error;
            }
            for (const [name, value] of Object.entries(headers)) options.headers[name.toLowerCase()] = value;
          }
        },
      ],
      afterResponse: [
        async (response, retryWithMergedOptions) => {
          release(response.request.options);
          let quietUntil: number | undefined;
          if (response.statusCode === 429 || response.statusCode === 503) {
            const asked = retryAfterMs(response.headers["retry-after"]);
            const wait = asked === undefined ? undefined : Math.min(asked, maxRetryAfter);
            if (asked !== undefined && asked > maxRetryAfter) {
              opts.logger.warn({ retry_after_s: Math.round(asked / 1000), max_retry_after_s: Math.round(maxRetryAfter / 1000) }, "the cloud asked to wait longer than max_retry_after: waiting max_retry_after");
            }
            if (wait !== undefined) {
              limiter?.pause(wait);
              quietUntil = Date.now() + wait;
            }
          }
          opts.onActivity?.(quietUntil);
          const ctx = response.request.options.context as Ctx;
          if (response.statusCode === 401 && opts.auth && !ctx[authRetried]) {
            // One new login per request: a second 401 means the credentials are wrong.
            ctx[authRetried] = true;
            // Requests sent together meet the same 401: one line per renewal, not per request.
            const dropped = opts.auth.invalidate(response.request.options.headers) !== false;
            opts.logger[dropped ? "info" : "debug"]("access rejected (401): logging in again");
            // preserveHooks: got drops the remaining afterResponse hooks of a retried request by
            // default, and this one gives the retry's rate-limiter slot back.
            return retryWithMergedOptions({ preserveHooks: true });
          }
          return response;
        },
      ],
      beforeRetry: [
        (error, retryCount) => {
          release(error.options);
          opts.onActivity?.();
          opts.logger.debug({ url: redactUrl(error.options.url), retryCount, err: error.message }, "retrying request");
        },
      ],
      beforeError: [
        (error) => {
          release(error.options);
          opts.onActivity?.();
          return error;
        },
      ],
    },
  });
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date). */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A short description of an HTTP failure that names the problem and never a secret. */
export function describeHttpError(error: unknown): string {
  if (error instanceof HTTPError) {
    const url = redactUrl(error.options.url);
    return `HTTP ${error.response.statusCode} from ${error.options.method} ${url}${vendorMessage(error.response.body)}`;
  }
  if (error instanceof RequestError) {
    const url = redactUrl(error.options?.url);
    if (error.code === "ETIMEDOUT") return `timeout after ${String(error.options?.timeout?.request ?? "?")} ms on ${url}`;
    return `${error.code ?? "request failed"} on ${url}: ${error.message.split("\n")[0]}`;
  }
  return errorMessage(error);
}

function vendorMessage(body: unknown): string {
  const text = Buffer.isBuffer(body) ? body.toString("utf8") : typeof body === "string" ? body : body ? JSON.stringify(body) : "";
  if (!text) return "";
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const msg = parsed.error ?? parsed.message;
    if (typeof msg === "string") return `: ${quote(msg, 200)}`;
  } catch {
    // not JSON: quote the start of it
  }
  return `: ${quote(text, 120).replace(/\s+/g, " ")}`;
}

/** Query strings can carry API keys (`?apikey=`): keep the path only. */
export function redactUrl(url: URL | string | undefined): string {
  if (!url) return "?";
  try {
    const u = new URL(String(url));
    return `${u.origin}${u.pathname}${u.search ? "?…" : ""}`;
  } catch {
    return "?";
  }
}

export { HTTPError, RequestError };
