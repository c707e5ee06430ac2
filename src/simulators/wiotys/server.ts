/**
 * HTTP front of the Wiotys simulator (node:http, no framework): the SoData API under /api/v1 and
 * the Keycloak token endpoint under /realms/<realm>/…, on one port. Routing, Bearer checks,
 * take/skip paging, the bulk last-values, datapoints, rate limit, faults and the request log.
 *
 * Error bodies: Keycloak's own (`{"error", "error_description"}`) for the token endpoint; for the
 * API, whose errors the seed does not show, the shape of its framework's defaults
 * (`{"statusCode": 401, "message": "Unauthorized"}`) — the simulator's assumption.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { AGGREGATIONS, GRANULARITIES, series, type Aggregation, type Granularity } from "./datapoints.js";
import type { Keycloak } from "./keycloak.js";
import { refOf, stableUuid, type World } from "./world.js";
import { echoedRequest } from "../kit/echo.js";
import type { RecordedRequest } from "../kit/requests.js";
import { connectionFaults, type CommonFaults, noCommonFaults } from "../kit/faults.js";
import { endWith, headerRecord, withBody } from "../kit/server.js";

export const API_PREFIX = "/api/v1";

export type { RecordedRequest };

/** The common faults (API only for `body`, `unauthorizedNext`, `rateLimitNext`; Keycloak is spared), and: */
export interface WiotysFaults extends CommonFaults {
  /** The token endpoint answers 503. */
  keycloakDown: boolean;
  /** API requests answer 404 (with pathFilter: e.g. a device's variables that cannot be read). */
  notFound: boolean;
  /** When set, outage, status500, malformed, body and slowMs hit only paths containing it. */
  pathFilter: string | null;
}

export const noFaults = (): WiotysFaults => ({ ...noCommonFaults(), keycloakDown: false, notFound: false, pathFilter: null });

export type LastValuesBodyForm = "device_uuids" | "devices" | "array";

export interface ServerOptions {
  /** `take` when the request has none (seed 4.1: 50). */
  defaultTake: number;
  /** Larger `take` values are cut to this. */
  maxTake: number;
  /** Devices per bulk last-values request at most (400 beyond). */
  maxLastValuesDevices: number;
  /** The one body form of PUT …/last-values this API takes. */
  lastValuesBody: LastValuesBodyForm;
  /** API requests per second before 429; 0 = no limit (the seed states none). */
  rateLimitPerSecond: number;
  /** Seconds between raw samples of datapoints. */
  rawStepSeconds: number;
  /** Raw samples per series at most (400 beyond). */
  maxRawPoints: number;
}

export interface ServerState {
  world: World;
  keycloak: Keycloak;
  faults: WiotysFaults;
  requests: RecordedRequest[];
  options: ServerOptions;
  /** Corporate accounts the simulated user sees. */
  visibleCas: Set<string>;
  timers: Set<NodeJS.Timeout>;
  recentApi: number[];
}

type Json = Record<string, unknown>;

class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
    readonly raw = false,
  ) {}
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error" };

/** The API's error body (framework default shape). */
function apiError(status: number, message: string | string[], headers: Record<string, string> = {}): Reply {
  const body: Json = status === 401 ? { statusCode: status, message } : { statusCode: status, message, error: STATUS_TEXT[status] ?? "Error" };
  return new Reply(status, body, headers);
}

const badRequest = (...messages: string[]): Reply => apiError(400, messages);
const notFound = (message: string): Reply => apiError(404, message);
const BEARER_CHALLENGE = (realm: string, error?: string): Record<string, string> => ({ "WWW-Authenticate": `Bearer realm="${realm}"${error ? `, error="${error}"` : ""}` });

export function createHandler(state: ServerState): RequestListener {
  return withBody((req, res, body, time) => handle(state, req, res, body.toString("utf8"), time), (err) => ({ statusCode: 500, message: `Internal server error: ${String(err)}` }));
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse, text: string, time: number): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = (req.method ?? "GET").toUpperCase();
  const headers = headerRecord(req);
  const query: Record<string, string> = Object.fromEntries(url.searchParams);
  const contentType = (headers["content-type"] ?? "").toLowerCase();
  const form = contentType.includes("application/x-www-form-urlencoded") ? new URLSearchParams(text) : undefined;
  let body: unknown = text === "" ? undefined : text;
  if (form) body = Object.fromEntries(form);
  else if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const record: RecordedRequest = { method, path: url.pathname, query, headers, body, status: 0, time };
  state.requests.push(record);

  const { faults } = state;
  const hit = faults.pathFilter === null || url.pathname.includes(faults.pathFilter);
  if (hit && (await connectionFaults(faults, state.timers, req, res))) return;

  const realm = state.keycloak.settings.realm;
  const tokenPath = /^\/realms\/([^/]+)\/protocol\/openid-connect\/token\/?$/.exec(url.pathname);
  let reply: Reply;
  if (faults.echo) {
    reply = new Reply(500, echoedRequest(req, text), {}, true);
  } else if (tokenPath) {
    if (faults.keycloakDown) reply = new Reply(503, { error: "temporarily_unavailable", error_description: "Service Unavailable" });
    else if (hit && faults.status500) reply = new Reply(500, { error: "unknown_error" });
    else if (decodeURIComponent(tokenPath[1]!) !== realm) reply = new Reply(404, { error: "Realm does not exist" });
    else if (method !== "POST") reply = new Reply(405, { error: "HTTP 405 Method Not Allowed" }, { Allow: "POST, OPTIONS" });
    else if (hit && faults.malformed) reply = new Reply(200, '{"access_token":"eyJhbGciOiJSUzI1NiIsInR5c', {}, true);
    else {
      const answer = state.keycloak.token(form ?? new URLSearchParams(), basicCredentials(headers.authorization));
      reply = new Reply(answer.status, answer.body, answer.status === 200 ? { "Cache-Control": "no-store", Pragma: "no-cache" } : {});
    }
  } else if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
    reply = api(state, method, url, form === undefined ? body : undefined, headers, hit);
  } else {
    reply = notFound(`Cannot ${method} ${url.pathname}`);
  }
  send(res, record, reply, headers);
}

function api(state: ServerState, method: string, url: URL, body: unknown, headers: Record<string, string | undefined>, hit: boolean): Reply {
  const { faults, options } = state;
  const realm = state.keycloak.settings.realm;
  if (options.rateLimitPerSecond > 0) {
    const now = Date.now();
    while (state.recentApi.length > 0 && state.recentApi[0]! <= now - 1000) state.recentApi.shift();
    if (state.recentApi.length >= options.rateLimitPerSecond) return apiError(429, "ThrottlerException: Too Many Requests", { "Retry-After": "1" });
    state.recentApi.push(now);
  }
  if (faults.unauthorizedNext > 0) {
    faults.unauthorizedNext--;
    return apiError(401, "Unauthorized", BEARER_CHALLENGE(realm, "invalid_token"));
  }
  if (faults.rateLimitNext > 0) {
    faults.rateLimitNext--;
    return apiError(429, "ThrottlerException: Too Many Requests", { "Retry-After": "1" });
  }
  if (hit && faults.status500) return apiError(500, "Internal server error");

  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization?.trim() ?? "")?.[1];
  if (!bearer) return apiError(401, "Unauthorized", BEARER_CHALLENGE(realm));
  if (!state.keycloak.verify(bearer)) return apiError(401, "Unauthorized", BEARER_CHALLENGE(realm, "invalid_token"));
  if (hit && faults.notFound) return notFound(`Cannot ${method} ${url.pathname}`);
  if (hit && faults.malformed) return new Reply(200, '{"total": 3, "results": [{"uuid": "3fd80117-0674-4f30-bbff-9ef7f467a450", "name": "(FR) Benf', {}, true);
  if (hit && faults.body !== null) return new Reply(200, faults.body, {}, true);
  try {
    return route(state, method, url, body);
  } catch (e) {
    if (e instanceof Reply) return e;
    throw e;
  }
}

function route(state: ServerState, method: string, url: URL, body: unknown): Reply {
  const { world } = state;
  const seg = url.pathname.slice(API_PREFIX.length).split("/").filter((s) => s !== "").map(decodeURIComponent);
  const q = url.searchParams;
  const [a, ca, kind, id, sub, subId, ...rest] = seg;
  if (a !== "ca" || rest.length > 0) return notFound(`Cannot ${method} ${url.pathname}`);

  if (ca === undefined) {
    if (method !== "GET") return notFound(`Cannot ${method} ${url.pathname}`);
    const visible = world.corporateAccounts.filter((c) => state.visibleCas.has(c.uuid));
    const p = page(state, q);
    return new Reply(200, { total: visible.length, results: visible.slice(p.skip, p.skip + p.take).map((c) => world.caView(c)), isMaster: false });
  }
  const account = world.corporateAccounts.find((c) => c.uuid === ca);
  if (!account) return notFound(`Corporate account ${ca} not found`);
  if (!state.visibleCas.has(ca)) return apiError(403, "Forbidden resource");
  if (kind === undefined) return method === "GET" ? new Reply(200, world.caView(account)) : notFound(`Cannot ${method} ${url.pathname}`);

  const readOnly = (): Reply => apiError(403, "Forbidden resource");
  switch (kind) {
    case "customers": {
      if (method !== "GET") return readOnly();
      const all = world.customersOf(ca);
      if (id !== undefined) {
        const c = all.find((x) => x.uuid === id);
        return sub !== undefined ? notFound(`Cannot GET ${url.pathname}`) : c ? new Reply(200, world.customerView(c)) : notFound(`Customer ${id} not found`);
      }
      const p = page(state, q);
      return new Reply(200, { total: all.length, results: all.slice(p.skip, p.skip + p.take).map((c) => world.customerView(c)), take: p.take });
    }
    case "sites": {
      if (method !== "GET") return readOnly();
      let all = world.sitesOf(ca);
      const customerUuid = q.get("customerUuid");
      if (customerUuid) all = all.filter((s) => s.customerUuid === customerUuid);
      if (id === "count") return new Reply(200, { count: all.length });
      if (id !== undefined) {
        const s = all.find((x) => x.uuid === id);
        return sub !== undefined ? notFound(`Cannot GET ${url.pathname}`) : s ? new Reply(200, world.siteView(s)) : notFound(`Site ${id} not found`);
      }
      const p = page(state, q);
      return new Reply(200, { total: all.length, results: all.slice(p.skip, p.skip + p.take).map((s) => world.siteView(s)), take: p.take });
    }
    case "devices":
      return devices(state, method, url, ca, id, sub, subId);
    case "last-values": {
      if (method !== "PUT" || id !== undefined) return notFound(`Cannot ${method} ${url.pathname}`);
      const uuids = lastValuesRequest(state.options, body);
      const own = new Map(world.devicesOf(ca).map((d) => [d.uuid, d]));
      const now = Date.now();
      return new Reply(200, { devices: uuids.filter((u) => own.has(u)).map((u) => world.lastValuesView(own.get(u)!, now)) });
    }
    case "datapoints":
      if (method !== "PUT" || id !== undefined) return notFound(`Cannot ${method} ${url.pathname}`);
      return datapoints(state, ca, body);
    case "batch-devices":
    case "variables":
      return readOnly();
    default:
      return notFound(`Cannot ${method} ${url.pathname}`);
  }
}

function devices(state: ServerState, method: string, url: URL, ca: string, id: string | undefined, sub: string | undefined, subId: string | undefined): Reply {
  const { world } = state;
  const q = url.searchParams;
  if (method !== "GET") return apiError(403, "Forbidden resource");
  let all = world.devicesOf(ca);
  if (id === undefined) {
    const siteUuid = q.get("siteUuid");
    const customerUuid = q.get("customerUuid");
    if (siteUuid) all = all.filter((d) => d.siteUuid === siteUuid);
    if (customerUuid) {
      const sites = new Set(world.sitesOf(ca).filter((s) => s.customerUuid === customerUuid).map((s) => s.uuid));
      all = all.filter((d) => sites.has(d.siteUuid));
    }
    const p = page(state, q);
    const opts = { withContact: q.get("withContact") === "true", withAddress: q.get("withAddress") === "true" };
    return new Reply(200, { total: all.length, results: all.slice(p.skip, p.skip + p.take).map((d) => world.deviceView(d, opts)), take: p.take });
  }
  const device = all.find((d) => d.uuid === id);
  if (!device) return notFound(`Device ${id} not found`);
  if (sub === undefined) return new Reply(200, world.deviceView(device, { withContact: true, withAddress: true }));
  if (sub === "gateway" && subId === undefined) {
    const gateway = device.gatewayUuid ? world.devices.get(device.gatewayUuid) : undefined;
    return gateway ? new Reply(200, world.deviceView(gateway)) : notFound(`Device ${id} has no gateway`);
  }
  if (sub === "variables") {
    const templates = world.templates(device);
    if (subId !== undefined) {
      const i = templates.findIndex((t) => stableUuid(`variable|${device.uuid}|${refOf(t)}`) === subId);
      return i >= 0 ? new Reply(200, world.variableView(device, templates[i]!, i)) : notFound(`Variable ${subId} not found`);
    }
    const p = page(state, q);
    const results = templates.slice(p.skip, p.skip + p.take).map((t) => world.variableView(device, t, templates.indexOf(t)));
    return new Reply(200, { results, total: templates.length });
  }
  if (sub === "last-values" && subId === undefined) return new Reply(200, { devices: [world.lastValuesView(device, Date.now())] });
  return notFound(`Cannot GET ${url.pathname}`);
}

/** take/skip (seed 4.1): take defaults to 50; larger than the API's maximum is cut down. */
function page(state: ServerState, q: URLSearchParams): { take: number; skip: number } {
  const num = (name: string, fallback: number, min: number): number => {
    const raw = q.get(name);
    if (raw === null || raw === "") return fallback;
    if (!/^\d+$/.test(raw)) throw badRequest(`${name} must be a number conforming to the specified constraints`);
    const n = Number(raw);
    if (n < min) throw badRequest(`${name} must not be less than ${min}`);
    return n;
  };
  const take = Math.min(num("take", state.options.defaultTake, 1), state.options.maxTake);
  return { take, skip: num("skip", 0, 0) };
}

/** The device uuids of a bulk last-values body, in the one form this API takes. */
function lastValuesRequest(options: ServerOptions, body: unknown): string[] {
  const form = options.lastValuesBody;
  const field = form === "device_uuids" ? "deviceUuids" : form === "devices" ? "devices" : "body";
  let uuids: unknown[] | undefined;
  if (form === "array") uuids = Array.isArray(body) ? body : undefined;
  else if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const list = (body as Json)[field];
    if (Array.isArray(list)) uuids = form === "devices" ? list.map((d) => (typeof d === "object" && d !== null ? (d as Json).deviceUuid : undefined)) : list;
  }
  if (uuids === undefined) throw badRequest(`${field} must be an array`);
  if (uuids.length === 0) throw badRequest(`${field} should not be empty`);
  if (uuids.length > options.maxLastValuesDevices) throw badRequest(`${field} must contain no more than ${options.maxLastValuesDevices} elements`);
  if (!uuids.every((u) => typeof u === "string" && /^[0-9a-f-]{36}$/i.test(u))) throw badRequest(`each value in ${field} must be a UUID`);
  return uuids as string[];
}

function datapoints(state: ServerState, ca: string, body: unknown): Reply {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return badRequest("request body must be a JSON object");
  const b = body as Json;
  const errors: string[] = [];
  const from = typeof b.from === "string" ? Date.parse(b.from) : Number.NaN;
  const to = typeof b.to === "string" ? Date.parse(b.to) : Number.NaN;
  if (!Number.isFinite(from)) errors.push("from must be a valid ISO 8601 date string");
  if (!Number.isFinite(to)) errors.push("to must be a valid ISO 8601 date string");
  if (Number.isFinite(from) && Number.isFinite(to) && from >= to) errors.push("from must be before to");
  const granularity = b.granularity as Granularity;
  if (!GRANULARITIES.includes(granularity)) errors.push(`granularity must be one of the following values: ${GRANULARITIES.join(", ")}`);
  if (!Array.isArray(b.series) || b.series.length === 0) errors.push("series should not be empty");
  if (errors.length > 0) return badRequest(...errors);

  const { world, options } = state;
  const own = new Map(world.devicesOf(ca).map((d) => [d.uuid, d]));
  const stepMs = options.rawStepSeconds * 1000;
  const out: Json[] = [];
  for (const [i, raw] of (b.series as unknown[]).entries()) {
    const s = (typeof raw === "object" && raw !== null ? raw : {}) as Json;
    // The seed's Python example writes "deviceId" once, "deviceUuid" elsewhere: both are taken.
    const deviceUuid = typeof s.deviceUuid === "string" ? s.deviceUuid : typeof s.deviceId === "string" ? s.deviceId : undefined;
    const aggregation = s.aggregation as Aggregation | undefined;
    if (!deviceUuid) return badRequest(`series.${i}.deviceUuid must be a UUID`);
    if (typeof s.itemType !== "string" || typeof s.itemIndex !== "string" || typeof s.serviceId !== "string") return badRequest(`series.${i}: itemType, itemIndex and serviceId must be strings`);
    if (granularity === "raw" && aggregation !== undefined) return badRequest(`series.${i}.aggregation must not be set for raw granularity`);
    if (granularity !== "raw" && !AGGREGATIONS.includes(aggregation as Aggregation)) return badRequest(`series.${i}.aggregation must be one of the following values: ${AGGREGATIONS.join(", ")}`);
    const device = own.get(deviceUuid);
    if (!device) return notFound(`Device ${deviceUuid} not found`);
    const t = world.templates(device).find((x) => x.itemType === s.itemType && x.itemIndex === s.itemIndex && x.serviceId === s.serviceId);
    if (!t) return notFound(`Variable ${s.itemType}|${s.itemIndex}|${s.serviceId} not found on device ${deviceUuid}`);
    if ((to - from) / stepMs > options.maxRawPoints) return badRequest(`the period holds more than ${options.maxRawPoints} raw points per series: shorten it`);
    const site = world.sites.find((x) => x.uuid === device.siteUuid);
    const entry: Json = {
      itemType: t.itemType,
      itemIndex: t.itemIndex,
      serviceId: t.serviceId,
      deviceUuid,
      dataType: t.signal.kind === "constant" && typeof t.signal.value === "string" ? "string" : "number",
      deviceTimeZone: site?.timeZone ?? "UTC",
      data: series(world, device, t, from, to, stepMs, granularity, aggregation),
    };
    if (aggregation !== undefined) entry.aggregation = aggregation;
    out.push(entry);
  }
  return new Reply(200, { from: b.from, to: b.to, timezone: b.timezone ?? "UTC", useDeviceLocalTimezone: b.useDeviceLocalTimezone ?? false, granularity, series: out });
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header?.trim() ?? "");
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

function send(res: ServerResponse, record: RecordedRequest, reply: Reply, reqHeaders: Record<string, string | undefined>): void {
  if (res.destroyed || res.writableEnded) return;
  record.status = reply.status;
  const text = reply.body === undefined ? "" : reply.raw ? String(reply.body) : JSON.stringify(reply.body);
  res.statusCode = reply.status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  const wantsGzip = (reqHeaders["accept-encoding"] ?? "").split(",").some((t) => t.trim().split(";")[0] === "gzip");
  endWith(res, text, wantsGzip && Buffer.byteLength(text, "utf8") > 1024);
}
