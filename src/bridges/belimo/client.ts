import { HTTPError, type Got } from "got";
import { pathSegment } from "../../http/path.js";
import { parseJson } from "../../http/unexpected.js";
import { quote } from "../../log.js";
import { TokenAuth, type Token } from "../../http/token-auth.js";
import type { BridgeContext } from "../types.js";
import { UnexpectedResponseError, isRecord } from "../errors.js";
import type { BelimoDevice, DeviceState, Job, Profile, ProfileDatapoint } from "./api-types.js";

const API = "api/v3";
const MAX_PAGES = 500;
/** An access token without `expires_in` is assumed to live this long. */
const DEFAULT_TOKEN_LIFE_S = 3600;

export interface BelimoClientOptions {
  baseUrl: string;
  tokenUrl: string;
  audience: string;
  scope: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  requestsPerSecond: number;
  maxInFlight: number;
}

/** The newest value of a datapoint in a timeseries. */
export interface Sample {
  timestamp: string;
  value: unknown;
}

/**
 * Belimo Cloud API v3: OAuth2 password grant at BelimoID with refresh, and the documented GETs
 * and the write. All API requests go through one paced client (Belimo limits device-data requests
 * to about 2 per second); token requests go to the identity host through their own client.
 */
export class BelimoClient {
  readonly auth: TokenAuth;
  private readonly api: Got;
  private readonly id: Got;
  private readonly tokenPath: string;
  private readonly tokenWhere: string;
  private warnedNoRefresh = false;

  constructor(
    private readonly ctx: BridgeContext,
    private readonly opts: BelimoClientOptions,
  ) {
    const token = new URL(opts.tokenUrl);
    this.tokenPath = `${token.pathname.replace(/^\/+/, "")}${token.search}`;
    this.tokenWhere = `POST ${token.origin}${token.pathname}`;
    this.id = ctx.http({ baseUrl: token.origin });
    this.auth = new TokenAuth({
      login: () => this.login(),
      refresh: (rt) => this.refresh(rt),
      logger: ctx.logger,
      registerSecret: (s, kind) => ctx.registerSecret(s, kind),
    });
    this.api = ctx.http({
      baseUrl: opts.baseUrl.replace(/\/+$/, "").replace(/\/api\/v3$/, ""),
      auth: this.auth,
      rateLimit: { perSecond: opts.requestsPerSecond, concurrency: opts.maxInFlight },
    });
    ctx.registerSecret(opts.clientSecret);
    ctx.registerSecret(opts.password);
  }

  // ------------------------------------------------------------------------------ tokens

  private login(): Promise<Token> {
    const { opts } = this;
    return this.token("password", {
      grant_type: "password",
      username: opts.username,
      password: opts.password,
      client_id: opts.clientId,
      client_secret: opts.clientSecret,
      scope: opts.scope,
      audience: opts.audience,
    });
  }

  private refresh(refreshToken: string): Promise<Token> {
    const { opts } = this;
    return this.token("refresh_token", { grant_type: "refresh_token", refresh_token: refreshToken, client_id: opts.clientId, client_secret: opts.clientSecret });
  }

  private async token(grant: string, form: Record<string, string>): Promise<Token> {
    const response = await this.id.post(this.tokenPath, { form, responseType: "text", throwHttpErrors: false, retry: { limit: 0 } });
    const body = tryJson(response.body);
    if (response.statusCode !== 200) {
      const error = isRecord(body) && typeof body.error === "string" ? body.error : undefined;
      const description = isRecord(body) && typeof body.error_description === "string" ? body.error_description : undefined;
      const why = [error, description].filter(Boolean).join(": ") || quote(response.body, 120).replace(/\s+/g, " ");
      const verb = response.statusCode >= 500 ? "failed at" : "refused by";
      throw new Error(`${grant} grant ${verb} ${this.tokenWhere}: HTTP ${response.statusCode}${why ? ` ${why}` : ""}`);
    }
    if (!isRecord(body) || typeof body.access_token !== "string" || body.access_token === "") {
      throw new UnexpectedResponseError(this.tokenWhere, '{"access_token": "…", "expires_in": seconds}', body);
    }
    const life = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_LIFE_S;
    const token: Token = { accessToken: body.access_token, expiresAt: Date.now() + life * 1000 };
    if (typeof body.refresh_token === "string" && body.refresh_token !== "") token.refreshToken = body.refresh_token;
    else if (grant === "password" && !this.warnedNoRefresh) {
      this.warnedNoRefresh = true;
      this.ctx.logger.warn("the token endpoint gave no refresh token (is offline_access in scope?): every expiry needs a new login");
    }
    return token;
  }

  // ------------------------------------------------------------------------------ reads

  async stats(): Promise<unknown> {
    return this.getJson(`${API}/devices/stats`);
  }

  /** Every registered device, page by page (`limit`/`offset`) until `paging.total`. */
  async devices(pageSize: number): Promise<BelimoDevice[]> {
    const what = `GET /${API}/devices`;
    const byId = new Map<string, BelimoDevice>();
    let offset = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = await this.getJson(`${API}/devices`, { state: "REGISTERED", limit: String(pageSize), offset: String(offset) });
      if (!isRecord(body) || !Array.isArray(body.data)) throw new UnexpectedResponseError(what, '{"data": [...], "paging": {"total": n}}', body);
      const paging = isRecord(body.paging) ? body.paging : undefined;
      const total = typeof paging?.total === "number" ? paging.total : undefined;
      for (const d of body.data) {
        if (isDevice(d)) byId.set(d.id, d);
      }
      offset += body.data.length;
      const done = body.data.length === 0 || (total !== undefined ? offset >= total : body.data.length < pageSize);
      if (done) return [...byId.values()];
    }
    throw new Error(`${what}: more than ${MAX_PAGES} pages, giving up`);
  }

  /** A data profile by `id/version`; undefined when the cloud does not know it (404). */
  async profile(ref: string): Promise<Profile | undefined> {
    const path = `${API}/definitions/dataprofiles/${ref.split("/").map(pathSegment).join("/")}`;
    const body = await this.getJsonUnless404(path);
    if (body === NOT_FOUND) return undefined;
    if (!isRecord(body) || !Array.isArray(body.datapoints)) throw new UnexpectedResponseError(`GET /${path}`, '{"datapoints": [{"id", "featureValues"}]}', body);
    const datapoints: ProfileDatapoint[] = [];
    for (const dp of body.datapoints) {
      if (!isRecord(dp) || typeof dp.id !== "string") continue;
      const featureValues: Record<string, string> = {};
      if (isRecord(dp.featureValues)) for (const [k, v] of Object.entries(dp.featureValues)) if (typeof v === "string") featureValues[k] = v;
      datapoints.push({ id: dp.id, featureValues });
    }
    const profile: Profile = { ref, datapoints };
    if (typeof body.name === "string") profile.name = body.name;
    return profile;
  }

  /** A device's current state (`GET /devices/<id>`); undefined when the device is gone (404). */
  async deviceState(deviceId: string): Promise<DeviceState | undefined> {
    const path = `${API}/devices/${pathSegment(deviceId)}`;
    const body = await this.getJsonUnless404(path);
    if (body === NOT_FOUND) return undefined;
    if (!isRecord(body)) throw new UnexpectedResponseError(`GET /${path}`, '{"id", "state": {"datapoints": {...}}}', body);
    // A device that never reported has no state: nothing to show, not an error.
    const state = isRecord(body.state) ? body.state : isRecord(body.datapoints) ? body : undefined;
    if (state === undefined) {
      if (body.state === undefined || body.state === null) return {};
      throw new UnexpectedResponseError(`GET /${path}`, '{"state": {"datapoints": {...}}}', body);
    }
    if (state.datapoints !== undefined && !isRecord(state.datapoints)) throw new UnexpectedResponseError(`GET /${path}`, '"datapoints" as an object of {"value"}', state.datapoints);
    return state as DeviceState;
  }

  /** The newest value of each datapoint in `data/history/timeseries` between from and to. */
  async newestFromHistory(deviceId: string, datapointIds: string[], from: Date, to: Date, resolution: string): Promise<Map<string, Sample>> {
    const path = `${API}/devices/${pathSegment(deviceId)}/data/history/timeseries`;
    const query = { datapointIds: datapointIds.join(","), resolution, from: iso(from), to: iso(to) };
    const body = await this.getJsonUnless404(path, query);
    if (body === NOT_FOUND) return new Map();
    if (!isRecord(body) || !Array.isArray(body.series)) throw new UnexpectedResponseError(`GET /${path}`, '{"series": [{"datapointId", "values": [...]}]}', body);
    const newest = new Map<string, Sample>();
    for (const series of body.series) {
      if (!isRecord(series) || typeof series.datapointId !== "string" || !Array.isArray(series.values)) continue;
      for (const v of series.values) {
        if (!isRecord(v) || typeof v.timestamp !== "string" || v.value === undefined || v.value === null) continue;
        const prev = newest.get(series.datapointId);
        if (!prev || Date.parse(v.timestamp) >= Date.parse(prev.timestamp)) newest.set(series.datapointId, { timestamp: v.timestamp, value: v.value });
      }
    }
    return newest;
  }

  // ------------------------------------------------------------------------------ writes

  /** `POST /devices/<id>/data {"datapoints": {...}}`: answers with a job (PENDING). */
  async writeDatapoints(deviceId: string, datapoints: Record<string, unknown>): Promise<Job> {
    const path = `${API}/devices/${pathSegment(deviceId)}/data`;
    const response = await this.api.post(path, { json: { datapoints }, responseType: "text" });
    return this.jobFrom(`POST /${path}`, parseJson(`POST /${path}`, response.body));
  }

  async job(jobId: string): Promise<Job> {
    const path = `${API}/jobs/${pathSegment(jobId)}`;
    return this.jobFrom(`GET /${path}`, await this.getJson(path));
  }

  private jobFrom(what: string, body: unknown): Job {
    if (!isJob(body)) throw new UnexpectedResponseError(what, '{"id": "…", "state": "PENDING"}', body);
    return body;
  }

  /** The body, or NOT_FOUND when the cloud answers 404 (a device or profile that is gone). */
  private async getJsonUnless404(path: string, searchParams?: Record<string, string>): Promise<unknown> {
    try {
      return await this.getJson(path, searchParams);
    } catch (error) {
      if (error instanceof HTTPError && error.response.statusCode === 404) return NOT_FOUND;
      throw error;
    }
  }

  private async getJson(path: string, searchParams?: Record<string, string>): Promise<unknown> {
    const response = await this.api.get(path, { searchParams, responseType: "text" });
    return parseJson(`GET /${path}`, response.body);
  }
}

const NOT_FOUND = Symbol("404");

/** A body that may be JSON (a token endpoint's error page need not be). */
function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A device is known by its id; its other fields are read one by one where used. */
function isDevice(value: unknown): value is BelimoDevice {
  return isRecord(value) && typeof value.id === "string" && value.id !== "";
}

function isJob(value: unknown): value is Job {
  return isRecord(value) && typeof value.id === "string" && typeof value.state === "string";
}
