import { HTTPError, type Got } from "got";
import { pathSegment } from "../../http/path.js";
import { TokenAuth, type Token } from "../../http/token-auth.js";
import type { BridgeContext } from "../types.js";
import { UnexpectedResponseError, isRecord } from "../errors.js";
import { parseJson } from "../../http/unexpected.js";
import { parseSensor, parseSensorList, type SensorInfo } from "./mapping.js";

/** The seed: "The access token will expire after 12 hours". Used when a token answer leaves it out. */
export const TOKEN_LIFETIME_S = 43_200;

export type MetadataSection = "property" | "appliances" | "geolocation";

/** 403 on metadata: the meter has sent no event yet, or the token predates its first event. */
export class MeterNotRegisteredError extends Error {
  constructor(readonly sensor: string) {
    super(`Voltaware answered 403 for meter ${sensor}: it has sent no event yet, or it sent its first after this token was issued`);
  }
}

export interface ClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Requests per second. */
  rateLimit: number;
}

/**
 * The Voltaware smart-meter API: a client-credentials token (POST /auth/token) reused until it
 * expires, renewed with /auth/token/refresh, a full login after a failed refresh or a 401
 * (TokenAuth); sensors, metadata, disaggregation, reports, cycles. Token requests use a client of
 * their own (an authenticated client would ask for a token to fetch a token); both are paced.
 */
export class VoltawareClient {
  readonly auth: TokenAuth;
  private readonly api: Got;
  private readonly tokens: Got;

  constructor(ctx: BridgeContext, opts: ClientOptions) {
    ctx.registerSecret(opts.clientSecret);
    const rateLimit = { perSecond: opts.rateLimit, concurrency: 2 };
    this.tokens = ctx.http({ baseUrl: opts.baseUrl, rateLimit });
    this.auth = new TokenAuth({
      login: () => this.token("auth/token", { grant_type: "client_credentials", client_id: opts.clientId, client_secret: opts.clientSecret }),
      refresh: (refreshToken) => this.token("auth/token/refresh", { grant_type: "refresh_token", client_id: opts.clientId, refresh_token: refreshToken }),
      logger: ctx.logger,
      registerSecret: (v, kind) => ctx.registerSecret(v, kind),
    });
    this.api = ctx.http({ baseUrl: opts.baseUrl, auth: this.auth, rateLimit });
  }

  async sensors(): Promise<string[]> {
    const response = await this.api.get("sensors", { responseType: "text" });
    return parseSensorList("GET /sensors", response.body);
  }

  /** A sensor's details; undefined when it is gone (404) between the list and this request. */
  async sensor(id: string): Promise<SensorInfo | undefined> {
    const what = `GET /sensors/${id}`;
    try {
      return parseSensor(id, what, await this.getJson(`sensors/${pathSegment(id)}`, what));
    } catch (error) {
      if (error instanceof HTTPError && error.response.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** A result (disaggregation, report, cycles); undefined on 404, which the seed says means "not there (yet)". */
  async result(id: string, path: string, query: Record<string, string | number>): Promise<{ what: string; body: unknown } | undefined> {
    const what = `GET /sensors/${id}/${path}?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
    try {
      return { what, body: await this.getJson(`sensors/${pathSegment(id)}/${path}`, what, query) };
    } catch (error) {
      if (error instanceof HTTPError && error.response.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** The metadata section as the API has it; undefined when none is set (404). */
  async getMetadata(id: string, section: MetadataSection): Promise<unknown> {
    const what = `GET /sensors/${id}/metadata/${section}`;
    try {
      return await this.getJson(`sensors/${pathSegment(id)}/metadata/${section}`, what);
    } catch (error) {
      if (error instanceof HTTPError && error.response.statusCode === 404) return undefined;
      if (error instanceof HTTPError && error.response.statusCode === 403) throw new MeterNotRegisteredError(id);
      throw error;
    }
  }

  async putMetadata(id: string, section: MetadataSection, body: Record<string, unknown>): Promise<void> {
    try {
      await this.api.put(`sensors/${pathSegment(id)}/metadata/${section}`, { json: body, responseType: "text" });
    } catch (error) {
      if (error instanceof HTTPError && error.response.statusCode === 403) throw new MeterNotRegisteredError(id);
      throw error;
    }
  }

  private async getJson(path: string, what: string, query?: Record<string, string | number>): Promise<unknown> {
    const response = await this.api.get(path, { responseType: "text", ...(query ? { searchParams: query } : {}) });
    return parseJson(what, response.body);
  }

  private async token(path: string, body: Record<string, string>): Promise<Token> {
    const what = `POST /${path}`;
    const response = await this.tokens.post(path, { json: body, responseType: "text" });
    const answer = parseJson(what, response.body);
    if (!isRecord(answer) || typeof answer.access_token !== "string" || answer.access_token === "") {
      throw new UnexpectedResponseError(what, 'a JSON object with "access_token"', answer);
    }
    const lifetime = typeof answer.expires_in_secs === "number" && answer.expires_in_secs > 0 ? answer.expires_in_secs : TOKEN_LIFETIME_S;
    const token: Token = { accessToken: answer.access_token, expiresAt: Date.now() + lifetime * 1000 };
    if (typeof answer.refresh_token === "string" && answer.refresh_token !== "") token.refreshToken = answer.refresh_token;
    return token;
  }
}
