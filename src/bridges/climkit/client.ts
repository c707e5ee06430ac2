import { HTTPError, type Got } from "got";
import { pathSegment } from "../../http/path.js";
import type { Logger } from "pino";
import { TokenAuth, type Token } from "../../http/token-auth.js";
import type { BridgeContext } from "../types.js";
import { UnexpectedResponseError, isRecord } from "../errors.js";
import { parseJson } from "../../http/unexpected.js";
import {
  METER_DATA_FIELDS,
  RAW_FIELDS,
  SITE_DATA_FIELDS,
  formatUtc,
  parseMeters,
  parseSensors,
  parseSeries,
  parseSiteIds,
  parseSiteInfo,
  parseValidUntil,
  type MeterInfo,
  type SensorInfo,
  type SeriesRow,
  type SiteInfo,
} from "./api.js";

/**
 * The API allows one request per second. Starts are spaced 1.2 s apart so that neither network
 * jitter nor a late timer ever lets two requests arrive at the server less than a second apart.
 */
export const REQUEST_SPACING_MS = 1_200;
/** The seed: "ein 15 Minuten gültiges Token"; used when `valid_until` is missing or unreadable. */
export const TOKEN_LIFETIME_MS = 15 * 60_000;
/** Renew this long before `valid_until` (TokenAuth caps it at a tenth of the token's life). */
const RENEW_MARGIN_MS = 60_000;

/** Every Climkit POST is a read (or the login): safe to retry on 429 / 5xx like a GET. */
const RETRY_ALL = { methods: ["GET", "POST"] as ("GET" | "POST")[] };

export interface ClimkitCredentials {
  username: string;
  password: string;
}

type Query = Record<string, string>;

/**
 * The Climkit API: one got instance (so one rate limiter) for every request of a source, the
 * login included; the JWT from `POST /auth` is reused until shortly before `valid_until`, and a
 * 401 drops it and logs in once more.
 */
export class ClimkitClient {
  readonly auth: TokenAuth;
  /** Requests sent (every attempt a caller made; got's own retries not included). */
  requests = 0;
  private readonly http: Got;
  private readonly log: Logger;
  private readonly abort = new AbortController();

  /** `spacingMs`: the gap between request starts; only tests of the bridge's logic shorten it. */
  constructor(ctx: BridgeContext, private readonly creds: ClimkitCredentials, spacingMs = REQUEST_SPACING_MS) {
    this.log = ctx.logger;
    this.http = ctx.http({
      baseUrl: String(ctx.source.base_url),
      rateLimit: { perSecond: 1000 / Math.max(1, spacingMs), concurrency: 1 },
      headers: { "content-type": "application/json" },
    });
    ctx.registerSecret(creds.password);
    this.auth = new TokenAuth({ login: () => this.login(), logger: ctx.logger, registerSecret: (v, kind) => ctx.registerSecret(v, kind), marginMs: RENEW_MARGIN_MS });
  }

  /** `GET /all_installations`: the ids of every site the API user may read. */
  async sites(): Promise<string[]> {
    const what = "GET /all_installations";
    return parseSiteIds(what, await this.call(what, "GET", "all_installations"));
  }

  async siteInfo(site: string): Promise<SiteInfo> {
    const what = `GET /installation_infos/${site}`;
    return parseSiteInfo(what, await this.call(what, "GET", `installation_infos/${enc(site)}`));
  }

  async meters(site: string): Promise<{ meters: MeterInfo[]; skipped: number }> {
    const what = `GET /meter_info/${site}`;
    return parseMeters(what, await this.call(what, "GET", `meter_info/${enc(site)}`));
  }

  async sensors(site: string): Promise<{ sensors: SensorInfo[]; skipped: number }> {
    const what = `GET /${site}/sensors_list`;
    return parseSensors(what, await this.call(what, "GET", `${enc(site)}/sensors_list`));
  }

  /** Validated site totals of one meter type, per 15-minute period (timestamp: end of period). */
  async siteData(site: string, meterType: string, from: number, to: number): Promise<SeriesRow[]> {
    const what = `POST /site_data/${site}/${meterType}`;
    const body = await this.call(what, "POST", `site_data/${enc(site)}/${enc(meterType)}`, { json: window(from, to, true) });
    return parseSeries(what, body, SITE_DATA_FIELDS, "a JSON list of {conso_total, prod_total, from_ext, self, to_ext, timestamp}").rows;
  }

  /** Validated data of one meter, per 15-minute period (timestamp: end of period). */
  async meterData(site: string, meter: string, from: number, to: number): Promise<SeriesRow[]> {
    const what = `POST /meter_data/${site}/${meter}`;
    const body = await this.call(what, "POST", `meter_data/${enc(site)}/${enc(meter)}`, { json: window(from, to, true) });
    return parseSeries(what, body, METER_DATA_FIELDS, "a JSON list of {total, self, ext, timestamp}").rows;
  }

  /** Raw meter indexes (physical meters only; never ask for a rule meter's). */
  async meterDataRaw(site: string, meter: string, from: number, to: number): Promise<SeriesRow[]> {
    const what = `POST /meter_data_raw/${site}/${meter}`;
    const body = await this.call(what, "POST", `meter_data_raw/${enc(site)}/${enc(meter)}`, { json: window(from, to, false) });
    return parseSeries(what, body, RAW_FIELDS, "a JSON list of {en_im, en_ex, heat_energy_kwh, vol_m3, timestamp}").rows;
  }

  async sensorData(site: string, sensor: string, from: number, to: number): Promise<SeriesRow[]> {
    const what = `GET /${site}/sensor_data/${sensor}`;
    const body = await this.call(what, "GET", `${enc(site)}/sensor_data/${enc(sensor)}`, { searchParams: { t_s: formatUtc(from), t_e: formatUtc(to) } });
    return parseSeries(what, body, ["value"], "a JSON list of {timestamp, value}").rows;
  }

  /** Stops: the request in flight is aborted, no other starts. */
  close(): void {
    this.abort.abort();
  }

  private stopped(): void {
    if (this.abort.signal.aborted) throw new Error("source stopped");
  }

  /** One API call: the current token, a JSON body back; after a 401 one new login and one retry. */
  private async call(what: string, method: "GET" | "POST", path: string, options: { json?: Record<string, unknown>; searchParams?: Query } = {}): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      this.stopped();
      // Taken before the rate limiter's slot: a login needs a slot of its own.
      const headers = await this.auth.headers();
      this.stopped();
      this.requests++;
      const started = Date.now();
      try {
        const response = await this.http(path, { method, headers, responseType: "text", retry: RETRY_ALL, signal: this.abort.signal, ...options });
        this.log.debug({ request: what, status: response.statusCode, ms: Date.now() - started }, "request done");
        return parseJson(what, response.body);
      } catch (error) {
        if (attempt === 0 && error instanceof HTTPError && error.response.statusCode === 401) {
          const dropped = this.auth.invalidate(headers);
          this.log[dropped ? "info" : "debug"]({ request: what }, "access rejected (401): logging in again");
          continue;
        }
        throw error;
      }
    }
  }

  /** `POST /auth`: a JWT valid 15 minutes, `valid_until` in epoch ms. */
  private async login(): Promise<Token> {
    const what = "POST /auth";
    this.requests++;
    this.stopped();
    const response = await this.http.post("auth", { json: { username: this.creds.username, password: this.creds.password }, responseType: "text", retry: RETRY_ALL, signal: this.abort.signal });
    // Never quote this body: it holds a token that is not yet known as a secret.
    const body = parseJson(what, response.body, false);
    const token = isRecord(body) ? body.access_token : undefined;
    if (typeof token !== "string" || token === "") {
      throw new UnexpectedResponseError(what, '{"access_token": "…", "valid_until": {"$date": <ms>}}', isRecord(body) || Array.isArray(body) ? body : `(${typeof body})`);
    }
    const now = Date.now();
    let expiresAt = parseValidUntil(isRecord(body) ? body.valid_until : undefined);
    if (expiresAt === undefined || expiresAt <= now) {
      // Missing, or in the past by our clock (skew): assume the documented lifetime; a 401 still renews it.
      this.log.debug({ valid_until: expiresAt === undefined ? null : new Date(expiresAt).toISOString() }, "token without a usable valid_until: assuming 15 minutes");
      expiresAt = now + TOKEN_LIFETIME_MS;
    }
    this.log.debug({ valid_until: new Date(expiresAt).toISOString() }, "logged in");
    return { accessToken: token, expiresAt };
  }
}

const enc = pathSegment;

function window(from: number, to: number, sampled: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { t_s: formatUtc(from), t_e: formatUtc(to) };
  if (sampled) body.sampling_frequency = "15T";
  return body;
}
