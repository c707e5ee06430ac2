import { HTTPError, type Got } from "got";
import { pathSegment } from "../../http/path.js";
import { quote } from "../../log.js";
import { TokenAuth, type Token } from "../../http/token-auth.js";
import type { BridgeContext } from "../types.js";
import { UnexpectedResponseError, isRecord } from "../errors.js";
import { parseJson } from "../../http/unexpected.js";
import type { CorporateAccount, Customer, LastValue, Site, Variable, WiotysDevice } from "./api-types.js";

const API = "api/v1";
/** A list longer than this many pages is a server that ignores `skip`: stop rather than loop. */
const MAX_PAGES = 1000;

/**
 * The body of `PUT /api/v1/ca/<ca>/last-values` ("Find last values for multiple devices") is not
 * in the seed. The forms tried, in order, until the API accepts one (400/422 means "not this one"):
 * `{"deviceUuids": [...]}`, `{"devices": [{"deviceUuid": ...}]}`, a bare array of uuids.
 */
export const LAST_VALUES_FORMATS = ["device_uuids", "devices", "array"] as const;
export type LastValuesFormat = (typeof LAST_VALUES_FORMATS)[number];

export function lastValuesBody(format: LastValuesFormat, uuids: string[]): unknown {
  if (format === "devices") return { devices: uuids.map((deviceUuid) => ({ deviceUuid })) };
  if (format === "array") return uuids;
  return { deviceUuids: uuids };
}

export interface WiotysClientOptions {
  baseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  pageSize: number;
  requestsPerSecond: number;
  /** A fixed body form, or undefined to find the one the API takes (starting with `initialFormat`). */
  lastValuesFormat?: LastValuesFormat;
  initialFormat?: LastValuesFormat;
  /** Told when a body form worked, so the bridge can remember it across restarts. */
  onFormat?(format: LastValuesFormat): void;
}

/**
 * SoData over the shared HTTP factory: Keycloak password grant with refresh (TokenAuth), Bearer
 * on every API call, `take`/`skip` paging until `total`, shape checks that name the request.
 */
export class WiotysClient {
  readonly auth: TokenAuth;
  private readonly api: Got;
  private readonly keycloak: Got;
  private readonly tokenPath: string;
  private format: LastValuesFormat;

  constructor(ctx: BridgeContext, private readonly opts: WiotysClientOptions) {
    const token = new URL(opts.tokenUrl);
    this.tokenPath = `${token.pathname.replace(/^\/+/, "")}${token.search}`;
    // Keycloak is another host: its own client, without the Bearer hook (it issues the tokens).
    this.keycloak = ctx.http({ baseUrl: token.origin, retries: 0 });
    this.auth = new TokenAuth({
      login: () => this.token({ grant_type: "password", username: opts.username, password: opts.password }),
      refresh: (refreshToken) => this.token({ grant_type: "refresh_token", refresh_token: refreshToken }),
      logger: ctx.logger,
      registerSecret: (s, kind) => ctx.registerSecret(s, kind),
    });
    this.api = ctx.http({ baseUrl: opts.baseUrl, auth: this.auth, rateLimit: { perSecond: opts.requestsPerSecond, concurrency: 4 } });
    this.format = opts.lastValuesFormat ?? opts.initialFormat ?? "device_uuids";
  }

  /** The token endpoint (`…/realms/<realm>/protocol/openid-connect/token`), form-encoded. */
  private async token(grant: Record<string, string>): Promise<Token> {
    const what = `POST /${this.tokenPath.replace(/\?.*$/, "")} (${grant.grant_type} grant)`;
    let text: string;
    try {
      const response = await this.keycloak.post(this.tokenPath, {
        form: { ...grant, client_id: this.opts.clientId, client_secret: this.opts.clientSecret },
        responseType: "text",
      });
      text = response.body;
    } catch (error) {
      if (error instanceof HTTPError && [400, 401, 403].includes(error.response.statusCode)) {
        const reason = keycloakReason(error.response.body);
        const hint = grant.grant_type === "password" ? ": check client_id, client_secret, username and password" : "";
        throw new Error(`Keycloak refused the ${grant.grant_type} grant (HTTP ${error.response.statusCode}${reason})${hint}`);
      }
      throw error;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // Not quoted like other bodies: a cut-off token answer would put part of a token in the logs.
      throw new Error(`unexpected response from ${what}: expected JSON, got ${text.length} characters that are not JSON (not shown: they may hold a token)`);
    }
    if (!isRecord(body) || typeof body.access_token !== "string" || body.access_token === "" || typeof body.expires_in !== "number") {
      throw new UnexpectedResponseError(what, '{"access_token": "…", "expires_in": <seconds>, "refresh_token": "…"}', body);
    }
    const now = Date.now();
    const token: Token = { accessToken: body.access_token, expiresAt: now + body.expires_in * 1000 };
    if (typeof body.refresh_token === "string" && body.refresh_token !== "") {
      token.refreshToken = body.refresh_token;
      // Keycloak says 0 for a refresh token without an idle expiry (offline tokens).
      if (typeof body.refresh_expires_in === "number" && body.refresh_expires_in > 0) token.refreshExpiresAt = now + body.refresh_expires_in * 1000;
    }
    return token;
  }

  /** Every item of a paged list: `take`/`skip` until `total` (or a short page when there is no total). */
  async list<T>(path: string, query: Record<string, string>, accept: (item: unknown) => T | undefined, expected: string): Promise<T[]> {
    const what = `GET /${API}/${path}`;
    const take = this.opts.pageSize;
    const all: T[] = [];
    let skip = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const text = (await this.api.get(`${API}/${path}`, { searchParams: { ...query, take, skip }, responseType: "text" })).body;
      const body = parseJson(what, text);
      if (!isRecord(body) || !Array.isArray(body.results) || (body.total !== undefined && body.total !== null && typeof body.total !== "number")) {
        throw new UnexpectedResponseError(what, `{"total": <n>, "results": [${expected}, …]}`, body);
      }
      const results = body.results as unknown[];
      for (const item of results) {
        const accepted = accept(item);
        if (accepted === undefined) throw new UnexpectedResponseError(what, `results of ${expected}`, item);
        all.push(accepted);
      }
      skip += results.length;
      const total = typeof body.total === "number" ? body.total : undefined;
      // Without a total, a short page is the last; a page longer than asked means paging is ignored.
      if (results.length === 0 || (total !== undefined ? skip >= total : results.length !== take)) return all;
    }
    throw new Error(`${what}: more than ${MAX_PAGES} pages, giving up`);
  }

  corporateAccounts(): Promise<CorporateAccount[]> {
    return this.list("ca", {}, withUuid<CorporateAccount>, '{"uuid", "name"}');
  }

  customers(ca: string): Promise<Customer[]> {
    return this.list(`ca/${enc(ca)}/customers`, {}, withUuid<Customer>, '{"uuid", "name"}');
  }

  sites(ca: string, customerUuid: string): Promise<Site[]> {
    return this.list(`ca/${enc(ca)}/sites`, { customerUuid }, withUuid<Site>, '{"uuid", "name", "customerUuid"}');
  }

  devices(ca: string, siteUuid: string): Promise<WiotysDevice[]> {
    return this.list(`ca/${enc(ca)}/devices`, { siteUuid }, withUuid<WiotysDevice>, '{"uuid", "name", "siteUuid"}');
  }

  variables(ca: string, device: string): Promise<Variable[]> {
    return this.list(`ca/${enc(ca)}/devices/${enc(device)}/variables`, {}, toVariable, '{"itemType", "itemIndex", "serviceId"}');
  }

  /** Last values of many devices in one request (the bulk PUT), flattened. */
  async lastValues(ca: string, uuids: string[]): Promise<LastValue[]> {
    const path = `${API}/ca/${enc(ca)}/last-values`;
    const what = `PUT /${path}`;
    const formats = this.opts.lastValuesFormat ? [this.opts.lastValuesFormat] : [this.format, ...LAST_VALUES_FORMATS.filter((f) => f !== this.format)];
    let firstError: unknown;
    for (const format of formats) {
      try {
        // A read behind a PUT: sent again like a GET after a reset connection, a 429 or a 5xx.
        const text = (await this.api.put(path, { json: lastValuesBody(format, uuids), responseType: "text", retry: { methods: ["PUT"] } })).body;
        if (format !== this.format) {
          this.format = format;
          this.opts.onFormat?.(format);
        }
        return parseLastValues(what, parseJson(what, text));
      } catch (error) {
        const refused = error instanceof HTTPError && (error.response.statusCode === 400 || error.response.statusCode === 422);
        if (!refused) throw error;
        firstError ??= error;
      }
    }
    throw firstError;
  }
}

/** `{"devices": [{"deviceUuid", "values": [...]}]}` (5.9.3); also a bare list of either. */
export function parseLastValues(what: string, body: unknown): LastValue[] {
  const groups = isRecord(body) && Array.isArray(body.devices) ? body.devices : Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.values) ? [body] : undefined;
  if (groups === undefined) throw new UnexpectedResponseError(what, '{"devices": [{"deviceUuid": "…", "values": [...]}]}', body);
  const out: LastValue[] = [];
  for (const group of groups) {
    if (!isRecord(group)) throw new UnexpectedResponseError(what, "device entries as objects", group);
    const values = Array.isArray(group.values) ? group.values : "serviceId" in group ? [group] : undefined;
    if (values === undefined) throw new UnexpectedResponseError(what, '{"deviceUuid": "…", "values": [...]} per device', group);
    for (const v of values) {
      if (!isRecord(v)) continue;
      const deviceUuid = str(v.deviceUuid) ?? str(group.deviceUuid);
      const itemType = str(v.itemType);
      const itemIndex = str(v.itemIndex) ?? "0";
      const serviceId = str(v.serviceId);
      if (!deviceUuid || !itemType || !serviceId) continue;
      out.push({
        deviceUuid,
        itemType,
        itemIndex,
        serviceId,
        value: v.value,
        date: str(v.date) ?? null,
        title: str(v.title) ?? null,
        unit: str(v.unit) ?? null,
        serviceType: str(v.serviceType) ?? null,
        serviceGroup: str(v.serviceGroup) ?? null,
      });
    }
  }
  return out;
}

/** What identifies a customer, a site or a device is its uuid; the rest of the record is read field by field where used. */
function hasUuid<T extends { uuid: string }>(item: unknown): item is T {
  return isRecord(item) && typeof item.uuid === "string" && item.uuid !== "";
}

function withUuid<T extends { uuid: string }>(item: unknown): T | undefined {
  return hasUuid<T>(item) ? item : undefined;
}

/** Item and index come as strings in the seed; numbers are accepted and made strings. */
export function toVariable(item: unknown): Variable | undefined {
  if (!isRecord(item)) return undefined;
  const itemType = str(item.itemType);
  const serviceId = str(item.serviceId);
  if (!itemType || !serviceId) return undefined;
  const variable: Variable = { ...item, itemType, itemIndex: str(item.itemIndex) ?? "0", serviceId };
  return variable;
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim() === "" ? undefined : v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

const enc = pathSegment;

/** Keycloak's `{"error": "invalid_grant", "error_description": "Invalid user credentials"}`, never a secret. */
function keycloakReason(body: unknown): string {
  try {
    const parsed = JSON.parse(typeof body === "string" ? body : Buffer.isBuffer(body) ? body.toString("utf8") : "") as Record<string, unknown>;
    const error = typeof parsed.error === "string" ? parsed.error : "";
    const description = typeof parsed.error_description === "string" ? quote(parsed.error_description, 120) : "";
    return error || description ? `: ${[error, description].filter(Boolean).join(", ")}` : "";
  } catch {
    return "";
  }
}
