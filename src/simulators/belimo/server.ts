/**
 * HTTP front of the Belimo Cloud simulator (node:http, no framework): the client API under
 * `/api/v3/` and BelimoID's token endpoint (`/oauth/token`, on its own port like the real
 * separate host), with authentication, paging, the device-data rate limit, faults and the
 * request log.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { PROFILES, profileRefOf, type SimDatapointDef, type SimProfileDef } from "./data.js";
import { readable, type SimDevice, type SimJob, type World } from "./world.js";
import { echoedRequest } from "../kit/echo.js";
import type { RecordedRequest as KitRecordedRequest } from "../kit/requests.js";
import { delay, type CommonFaults, noCommonFaults } from "../kit/faults.js";
import { endWith, headerRecord } from "../kit/server.js";

/** The kit's log entry, plus which of the two servers answered and when. */
export interface RecordedRequest extends KitRecordedRequest {
  /** "api" (cloud.belimo.com) or "id" (id.belimo.com). */
  server: "api" | "id";
  /** Answer, epoch ms. */
  end: number;
}

/** The common faults, played by the API (the token endpoint is spared, `echo` aside), and: */
export interface BelimoFaults extends CommonFaults {
  /** Token endpoint: answers 500. */
  identity500: boolean;
  /** Token endpoint: connections are reset. */
  identityOutage: boolean;
  /** API: requests whose path starts with `path` answer `status` (a permission or query the cloud refuses). */
  refuse: { path: string; status: number } | null;
}

export const noFaults = (): BelimoFaults => ({ ...noCommonFaults(), identity500: false, identityOutage: false, refuse: null });

export interface Credentials {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  audience: string;
}

export interface Settings {
  /** `devices/stats` nested (`connection`, `health`, `transfer`) as in the spec, or flat as in the seed. */
  statsShape: "nested" | "flat";
  accessTokenLifetimeS: number;
  /** undefined: refresh tokens do not expire (until revoked). */
  refreshTokenLifetimeS: number | undefined;
  rotateRefreshTokens: boolean;
  /** Device-data requests per second (token bucket) and burst, and at most this many in flight. */
  deviceDataRate: number;
  deviceDataBurst: number;
  maxInFlight: number;
}

export interface ServerState {
  world: World;
  creds: Credentials;
  faults: BelimoFaults;
  settings: Settings;
  requests: RecordedRequest[];
  timers: Set<NodeJS.Timeout>;
  bucket: { tokens: number; at: number };
  inFlight: number;
}

const KNOWN_SCOPES = new Set(["offline_access", "read:dataprofile", "public.read", "public.write", "openid", "profile", "email"]);
const MAX_LIMIT = 2000;
const DEFAULT_LIMIT = 20;
const MAX_POINTS = 10_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message ?? body.error_description ?? body.error));
  }
}

/** Spring-style error body of the API. */
const apiError = (status: number, error: string, message: string, headers: Record<string, string> = {}): HttpError => new HttpError(status, { status, error, message }, headers);
const badRequest = (message: string): HttpError => apiError(400, "Bad Request", message);
const notFound = (message: string): HttpError => apiError(404, "Not Found", message);
const oauthError = (status: number, error: string, description: string, headers: Record<string, string> = {}): HttpError => new HttpError(status, { error, error_description: description }, headers);

interface Reply {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

// ------------------------------------------------------------------------------------ plumbing

export function createHandler(state: ServerState, server: "api" | "id"): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const headers = headerRecord(req);
      const text = Buffer.concat(chunks).toString("utf8");
      const record: RecordedRequest = {
        server,
        method: (req.method ?? "GET").toUpperCase(),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body: parseBody(text, headers["content-type"]),
        status: 0,
        time: Date.now(),
        end: 0,
      };
      state.requests.push(record);
      if (state.faults.echo) return send(res, record, { status: 500, raw: echoedRequest(req, text) }, headers);
      const run = server === "api" ? handleApi(state, req, url, record, text) : handleIdentity(state, req, record);
      run
        .then((reply) => send(res, record, reply, headers))
        .catch((err: unknown) => {
          if (err === DROP) {
            record.end = Date.now();
            req.socket.destroy();
            return;
          }
          const e = err instanceof HttpError ? err : apiError(500, "Internal Server Error", `simulator error: ${String(err)}`);
          send(res, record, { status: e.status, body: e.body, headers: e.headers }, headers);
        });
    });
  };
}

/** Thrown to reset the connection (outage). */
const DROP = Symbol("drop");

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === "") return undefined;
  if ((contentType ?? "").includes("x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function send(res: ServerResponse, record: RecordedRequest, reply: Reply, reqHeaders: Record<string, string | undefined>): void {
  record.status = reply.status;
  record.end = Date.now();
  if (res.destroyed || res.writableEnded) return;
  const text = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
  res.statusCode = reply.status;
  res.setHeader("Content-Type", "application/json;charset=UTF-8");
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  endWith(res, text, text !== "" && /\bgzip\b/.test(reqHeaders["accept-encoding"] ?? ""));
}


// ------------------------------------------------------------------------------------ identity

async function handleIdentity(state: ServerState, req: IncomingMessage, record: RecordedRequest): Promise<Reply> {
  const { faults, world, creds, settings } = state;
  if (faults.identityOutage) throw DROP;
  if (faults.identity500) throw new HttpError(500, { error: "server_error", error_description: "internal error" });
  if (record.path !== "/oauth/token") throw new HttpError(404, { error: "not_found", error_description: "Not found" });
  if (record.method !== "POST") throw new HttpError(405, { error: "method_not_allowed", error_description: "Method not allowed" });
  const body = record.body;
  if (typeof body !== "object" || body === null) throw oauthError(400, "invalid_request", "Missing required parameter: grant_type");
  const p = body as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof p[k] === "string" ? (p[k] as string) : undefined);
  const grant = str("grant_type");
  if (!grant) throw oauthError(400, "invalid_request", "Missing required parameter: grant_type");
  // Client authentication: in the body or as Basic.
  let clientId = str("client_id");
  let clientSecret = str("client_secret");
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (basic) {
    const [u, s] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
    clientId = decodeURIComponent(u ?? "");
    clientSecret = decodeURIComponent(s ?? "");
  }
  if (clientId !== creds.clientId || clientSecret !== creds.clientSecret) throw oauthError(401, "access_denied", "Unauthorized");
  const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" };

  if (grant === "password") {
    const audience = str("audience");
    if (!audience) throw oauthError(403, "access_denied", "No audience parameter was provided, and no default audience has been configured");
    if (audience !== creds.audience) throw oauthError(403, "access_denied", `Service not found: ${audience}`);
    if (str("username") !== creds.username || str("password") !== creds.password) {
      world.counters.failedLogins++;
      throw oauthError(403, "invalid_grant", "Wrong email or password.");
    }
    const scope = (str("scope") ?? "").split(/\s+/).filter((s) => KNOWN_SCOPES.has(s));
    world.counters.logins++;
    const answer: Record<string, unknown> = {
      access_token: world.issueAccess(scope, settings.accessTokenLifetimeS),
      scope: scope.join(" "),
      expires_in: settings.accessTokenLifetimeS,
      token_type: "Bearer",
    };
    // Like Auth0: a refresh token only with offline_access.
    if (scope.includes("offline_access")) answer.refresh_token = world.issueRefresh(scope, settings.refreshTokenLifetimeS);
    return { status: 200, body: answer, headers: noStore };
  }

  if (grant === "refresh_token") {
    const token = str("refresh_token");
    if (!token) throw oauthError(400, "invalid_request", "Missing required parameter: refresh_token");
    const g = world.refreshTokens.get(token);
    if (!g || g.revoked || g.expiresAt <= Date.now()) {
      world.counters.failedRefreshes++;
      throw oauthError(403, "invalid_grant", "Unknown or invalid refresh token.");
    }
    world.counters.refreshes++;
    const answer: Record<string, unknown> = {
      access_token: world.issueAccess(g.scope, settings.accessTokenLifetimeS),
      scope: g.scope.join(" "),
      expires_in: settings.accessTokenLifetimeS,
      token_type: "Bearer",
    };
    if (settings.rotateRefreshTokens) {
      g.revoked = true;
      answer.refresh_token = world.issueRefresh(g.scope, settings.refreshTokenLifetimeS);
    }
    return { status: 200, body: answer, headers: noStore };
  }

  throw oauthError(403, "unsupported_grant_type", `Unsupported grant type: ${grant}`);
}

// ------------------------------------------------------------------------------------ API

/** Requests on one device's data: the ones Belimo limits to about 2 per second. */
function isDeviceData(seg: string[]): boolean {
  return seg[0] === "api" && seg[1] === "v3" && seg[2] === "devices" && seg[3] !== undefined && seg[3] !== "stats" && seg[3] !== "change-stream";
}

async function handleApi(state: ServerState, req: IncomingMessage, url: URL, record: RecordedRequest, text: string): Promise<Reply> {
  const { faults, settings } = state;
  const seg = url.pathname.split("/").filter((s) => s !== "").map(decodeURIComponent);
  const deviceData = isDeviceData(seg);
  if (deviceData) state.inFlight++;
  try {
    if (deviceData) {
      const tooMany = (why: string): HttpError => apiError(429, "Too Many Requests", why, { "Retry-After": "1" });
      if (state.inFlight > settings.maxInFlight) throw tooMany(`more than ${settings.maxInFlight} device-data requests in flight`);
      const now = Date.now();
      const b = state.bucket;
      b.tokens = Math.min(settings.deviceDataBurst, b.tokens + ((now - b.at) / 1000) * settings.deviceDataRate);
      b.at = now;
      if (b.tokens < 1) throw tooMany(`rate limit of ${settings.deviceDataRate} device-data requests per second exceeded`);
      b.tokens -= 1;
    }
    if (faults.slowMs > 0) await delay(state.timers, faults.slowMs);
    if (faults.outage) throw DROP;
    if (faults.unauthorizedNext > 0) {
      faults.unauthorizedNext--;
      throw oauthError(401, "invalid_token", "Access token expired", { "WWW-Authenticate": 'Bearer error="invalid_token"' });
    }
    if (faults.rateLimitNext > 0) {
      faults.rateLimitNext--;
      throw apiError(429, "Too Many Requests", "rate limit exceeded", { "Retry-After": "1" });
    }
    if (faults.status500) throw apiError(500, "Internal Server Error", "internal server error");
    if (faults.malformed) return { status: 200, raw: '{"data": [{"id": "5a430aa2-1d46-4776-bfe1-a10b6c5672', headers: {} };
    if (faults.body !== null) return { status: 200, raw: faults.body, headers: {} };
    if (faults.refuse && url.pathname.startsWith(faults.refuse.path)) {
      const status = faults.refuse.status;
      throw apiError(status, status === 403 ? "Forbidden" : status === 404 ? "Not Found" : "Bad Request", "refused by the simulator's fault injection");
    }

    const scope = authenticate(state, req.headers.authorization);
    state.world.tick();
    return route(state, record.method, seg, url.searchParams, text, scope);
  } finally {
    if (deviceData) state.inFlight--;
  }
}

function authenticate(state: ServerState, header: string | undefined): string[] {
  const challenge = { "WWW-Authenticate": 'Bearer realm="api", error="invalid_token"' };
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!m) throw oauthError(401, "unauthorized", "Full authentication is required to access this resource", { "WWW-Authenticate": 'Bearer realm="api"' });
  const grant = state.world.accessTokens.get(m[1]!);
  if (!grant || grant.revoked) throw oauthError(401, "invalid_token", "Invalid access token", challenge);
  if (grant.expiresAt <= Date.now()) throw oauthError(401, "invalid_token", "Access token expired", challenge);
  return grant.scope;
}

function route(state: ServerState, method: string, seg: string[], query: URLSearchParams, text: string, scope: string[]): Reply {
  const { world } = state;
  if (seg[0] !== "api" || seg[1] !== "v3") throw notFound(`no resource at /${seg.join("/")}`);
  const [, , a, b, c, d, e] = seg;
  const only = (allowed: string): void => {
    if (method !== allowed) throw apiError(405, "Method Not Allowed", `${method} is not supported here`);
  };
  if (a === "api-info" && seg.length === 3) {
    only("GET");
    return { status: 200, body: { version: "3.5.0" } };
  }
  if (a === "devices" && seg.length === 3) {
    only("GET");
    return listDevices(state, query);
  }
  if (a === "devices" && b === "stats" && seg.length === 4) {
    only("GET");
    return { status: 200, body: statsBody(state) };
  }
  if (a === "devices" && b !== undefined) {
    const device = world.devices.get(b);
    if (!device) throw notFound(`device ${b} not found`);
    if (seg.length === 4) {
      only("GET");
      return { status: 200, body: deviceView(state, device, true) };
    }
    if (c === "data" && seg.length === 5) {
      if (method === "GET") return { status: 200, body: { timestamp: iso(world.lastSeen(device) ?? Date.now()), datapoints: device.registered ? world.stateDatapoints(device) : {} } };
      only("POST");
      return { status: 200, body: jobView(write(state, device, text)) };
    }
    if (c === "data" && d === "history" && e === "timeseries" && seg.length === 7) {
      only("GET");
      return { status: 200, body: timeseries(state, device, query) };
    }
  }
  if (a === "jobs" && b !== undefined && seg.length === 4) {
    only("GET");
    const job = world.jobs.get(b);
    if (!job) throw notFound(`job ${b} not found`);
    return { status: 200, body: jobView(job) };
  }
  if (a === "definitions" && b === "dataprofiles" && c !== undefined && d !== undefined && seg.length === 6) {
    only("GET");
    if (!scope.includes("read:dataprofile")) throw oauthError(403, "insufficient_scope", "Insufficient scope for this resource: read:dataprofile");
    const profile = world.findProfile(c, d);
    if (!profile) throw notFound(`dataprofile ${c}/${d} not found`);
    return { status: 200, body: profileView(profile) };
  }
  throw notFound(`no resource at /${seg.join("/")}`);
}

// ------------------------------------------------------------------------------------ resources

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw badRequest(`query parameter '${name}' must be an integer, got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw badRequest(`query parameter '${name}' must be between ${min} and ${max}, got ${n}`);
  return n;
}

function listDevices(state: ServerState, query: URLSearchParams): Reply {
  const { world } = state;
  const limit = intParam(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
  const offset = intParam(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
  const filterState = (query.get("state") ?? "ALL").toUpperCase();
  if (!["REGISTERED", "UNREGISTERED", "ALL"].includes(filterState)) throw badRequest(`query parameter 'state' must be one of REGISTERED, UNREGISTERED, ALL, got '${query.get("state")}'`);
  const search = query.get("search");
  if (search !== null && search.trim() === "") throw badRequest("query parameter 'search' must not be empty");
  const sortBy = query.get("sortBy") ?? "displayName";
  const sortKey: Record<string, (d: SimDevice) => string> = { displayName: (d) => d.displayName, id: (d) => d.id, serialNumber: (d) => d.serialNumber, name: (d) => d.displayName };
  if (!sortKey[sortBy]) throw badRequest(`query parameter 'sortBy' does not support '${sortBy}'`);
  const direction = (query.get("sortDirection") ?? "ASC").toUpperCase();
  if (direction !== "ASC" && direction !== "DESC") throw badRequest("query parameter 'sortDirection' must be ASC or DESC");
  let all = world.list().filter((d) => filterState === "ALL" || (filterState === "REGISTERED") === d.registered);
  if (search !== null) {
    const s = search.toLowerCase();
    all = all.filter((d) => d.displayName.toLowerCase().includes(s) || d.serialNumber.toLowerCase().includes(s));
  }
  const key = sortKey[sortBy]!;
  all.sort((x, y) => key(x).localeCompare(key(y)) || x.id.localeCompare(y.id));
  if (direction === "DESC") all.reverse();
  const filter: Record<string, string> = {};
  if (query.has("state")) filter.state = filterState;
  if (search !== null) filter.search = search;
  return {
    status: 200,
    body: {
      data: all.slice(offset, offset + limit).map((d) => deviceView(state, d, false)),
      paging: { total: all.length, offset, limit },
      sorting: { field: sortBy, direction },
      filter,
    },
  };
}

function statsBody(state: ServerState): Record<string, unknown> {
  const s = state.world.stats();
  if (state.settings.statsShape === "flat") {
    return { totalDevices: s.total, offline: s.offline, online: s.online, problem: s.problem, ok: s.ok, incoming: 0, outgoing: 0 };
  }
  return { totalDevices: s.total, connection: { offline: s.offline, online: s.online }, health: { problem: s.problem, ok: s.ok }, transfer: { incoming: 0, outgoing: 0 } };
}

function profileRefView(world: World, d: SimDevice): Record<string, string> | null {
  if (!d.profile) return null;
  const ref = profileRefOf(d.profile);
  const displayName = `${d.profile.name}/${d.profile.version}`;
  switch (d.refStyle) {
    case "fullPath":
      return { entityId: `/api/v3/definitions/dataprofiles/${ref}`, ref: `/definitions/dataprofiles/${ref}`, displayName };
    case "refOnly":
      return { ref: `/definitions/dataprofiles/${ref}`, displayName };
    default:
      return { entityId: world.profileRef(d)!, ref: `/definitions/dataprofiles/${ref}`, displayName };
  }
}

/** A device as the API shows it; the list carries only the metadata datapoints in its state. */
function deviceView(state: ServerState, d: SimDevice, full: boolean): Record<string, unknown> {
  const { world } = state;
  const seen = world.lastSeen(d);
  const view: Record<string, unknown> = {
    id: d.id,
    productionId: d.productionId,
    displayName: d.displayName,
    serialNumber: d.serialNumber,
    materialNumber: d.materialNumber,
    deviceType: d.deviceType,
    productionDate: "2021-03-15T08:47:55.999Z",
    purpose: "PRODUCT",
    dataprofile: profileRefView(world, d),
    health: { lastSeen: seen === undefined ? null : iso(seen), onlineDays: d.onlineDays, state: d.health.state, description: d.health.description },
    owner: { entityId: "vHe1qeBV", ref: "/users/vHe1qeBV", displayName: "Demo User", email: state.creds.username },
    projectName: "Demo",
    addressCity: "Hinwil",
    addressCountry: "CH",
    remoteControlEnabled: true,
    claimingProtectionActive: false,
  };
  if (d.registered) {
    view.software = { entityId: "ev3-fw/1.4.2", ref: "/software/versions/ev3-fw/1.4.2", displayName: "1.4.2" };
    view.runningSoftwareModules = { model: "1.4.2-0", bsp: "9.4.0-0" };
    view.state = { timestamp: iso(seen ?? Date.now()), datapoints: full ? world.stateDatapoints(d) : world.metadata(d) };
  }
  return view;
}

const SUBPROFILE_VERSION: Record<string, string> = { default: "0.1" };

function profileView(p: SimProfileDef): Record<string, unknown> {
  const groups = new Map<string, string[]>();
  for (const dp of p.datapoints) {
    const prefix = dp.id.split(".")[0]!;
    groups.set(prefix, [...(groups.get(prefix) ?? []), dp.id]);
  }
  const subRef = (prefix: string): string => `${prefix}/${SUBPROFILE_VERSION[prefix] ?? "1.0"}`;
  return {
    id: p.id,
    version: p.version,
    ref: profileRefOf(p),
    name: p.name,
    state: "PRODUCTIVE",
    properties: { description: p.description },
    aspects: [
      { id: "default", version: "0.3", ref: "default/0.3", name: "default", properties: {}, features: ["unit", "access", "format", "name", "restriction", "basetype", "description", "privacy"].map((name) => ({ name, optional: !["access", "name", "basetype"].includes(name) })) },
      { id: "bMg3Fgui", version: "0.1", ref: "bMg3Fgui/0.1", name: "belimo.common.gui", properties: {}, features: ["min", "visibility", "max", "displayname", "displayunit", "enumeration"].map((name) => ({ name, optional: name !== "displayname" })) },
    ],
    subprofiles: [...groups].map(([prefix, ids]) => ({ id: prefix, version: SUBPROFILE_VERSION[prefix] ?? "1.0", ref: subRef(prefix), name: `belimo.${prefix}`, state: "LOCKED", properties: {}, supportedAspects: ["default/0.3", "bMg3Fgui/0.1"], datapoints: ids })),
    datapoints: p.datapoints.map((dp) => ({ id: dp.id, featureValues: dp.featureValues, definedBy: subRef(dp.id.split(".")[0]!) })),
    subprofileRefs: [...groups.keys()].map(subRef),
    aggregatedSupportedAspects: ["bMg3Fgui/0.1", "default/0.3"],
  };
}

function jobView(job: SimJob): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: job.id,
    mergeable: job.mergeable,
    cancelable: job.cancelable,
    createdAt: iso(job.createdAt, true),
    createdBy: { entityId: "vHe1qeBV", ref: "/users/vHe1qeBV", displayName: "Demo User" },
    state: job.state,
  };
  if (job.confirmedAt !== undefined) view.confirmedAt = iso(job.confirmedAt, true);
  if (job.confirmedBy !== undefined) view.confirmedBy = job.confirmedBy;
  if (job.state === "SUCCESS") view.result = job.result;
  if (job.state === "FAILURE") view.error = job.error;
  return view;
}

/** `POST /devices/<id>/data`: checked against the profile like the cloud does, then a PENDING job. */
function write(state: ServerState, d: SimDevice, text: string): SimJob {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest("request body must be JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("request body must be a JSON object");
  const b = body as Record<string, unknown>;
  const points = b.datapoints;
  if (typeof points !== "object" || points === null || Array.isArray(points) || Object.keys(points).length === 0) throw badRequest("'datapoints' must be a non-empty object of datapoint id → value");
  if (!d.registered || !d.profile) throw badRequest(`device ${d.id} has no data profile`);
  for (const k of ["mergeable", "cancelable"]) if (k in b && typeof b[k] !== "boolean") throw badRequest(`'${k}' must be true or false`);
  const mergeable = b.mergeable === true;
  const cancelable = b.cancelable === true;
  if (mergeable && cancelable) throw badRequest("a parametrization cannot be mergeable and cancelable at the same time");
  for (const [id, value] of Object.entries(points as Record<string, unknown>)) {
    const def = d.profile.datapoints.find((p) => p.id === id);
    if (!def) throw badRequest(`datapoint ${id} is not part of the data profile ${profileRefOf(d.profile)}`);
    if (!(def.featureValues["default.access"] ?? "r").includes("w")) throw badRequest(`datapoint ${id} is read-only`);
    checkValue(def, value);
  }
  return state.world.createJob(d, { ...(points as Record<string, unknown>) }, mergeable, cancelable);
}

function checkValue(def: SimDatapointDef, value: unknown): void {
  const basetype = def.featureValues["default.basetype"] ?? "text";
  const restriction = def.featureValues["default.restriction"] ?? "";
  const where = `datapoint ${def.id}`;
  if (basetype === "real" || basetype === "int") {
    if (typeof value !== "number" || !Number.isFinite(value)) throw badRequest(`${where} expects a number (${basetype}), got ${JSON.stringify(value)}`);
    if (basetype === "int" && !Number.isInteger(value)) throw badRequest(`${where} expects an integer, got ${value}`);
    const m = /^\[(-?[\d.]+),(-?[\d.]+)\]$/.exec(restriction);
    if (m && (value < Number(m[1]) || value > Number(m[2]))) throw badRequest(`${where}: ${value} is outside ${restriction}`);
    return;
  }
  if (basetype === "bool") {
    if (typeof value !== "boolean") throw badRequest(`${where} expects true or false, got ${JSON.stringify(value)}`);
    return;
  }
  if (typeof value !== "string") throw badRequest(`${where} expects text, got ${JSON.stringify(value)}`);
  const re = /^re:(.*)$/.exec(restriction);
  if (re && !new RegExp(`^(?:${re[1]})$`).test(value)) throw badRequest(`${where}: '${value}' does not match ${restriction}`);
}

const RESOLUTION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function parseTime(raw: string | null, name: string): number | undefined {
  if (raw === null) return undefined;
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(t) || !/^\d+$|^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)) throw badRequest(`query parameter '${name}' must be an ISO-8601 timestamp or epoch milliseconds, got '${raw}'`);
  return t;
}

/** `data/history/timeseries`: buckets of `resolution` from `from` to `to`, each the aggregate of the datapoint over it. */
function timeseries(state: ServerState, d: SimDevice, query: URLSearchParams): Record<string, unknown> {
  const { world } = state;
  if (!d.profile) throw badRequest(`device ${d.id} has no known data profile`);
  const ids = (query.get("datapointIds") ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (ids.length === 0) throw badRequest("query parameter 'datapointIds' is required");
  const now = Date.now();
  const to = parseTime(query.get("to"), "to") ?? now;
  const from = parseTime(query.get("from"), "from") ?? world.start - 90 * 86_400_000;
  if (to <= from) throw badRequest("'to' must be after 'from'");
  const rawRes = query.get("resolution") ?? "100";
  let bucketMs: number;
  let resolution: string;
  const m = RESOLUTION.exec(rawRes);
  if (m) {
    bucketMs = Number(m[1]) * UNIT_MS[m[2]!]!;
    resolution = rawRes;
  } else if (/^\d+$/.test(rawRes) && Number(rawRes) > 0) {
    bucketMs = Math.max(1000, Math.ceil((to - from) / Number(rawRes)));
    resolution = `${Math.round(bucketMs / 1000)}s`;
  } else {
    throw badRequest(`query parameter 'resolution' must be a number of points or a duration like 15m, 1h, 1d, got '${rawRes}'`);
  }
  if (bucketMs <= 0 || (to - from) / bucketMs > MAX_POINTS) throw badRequest(`the requested range and resolution give more than ${MAX_POINTS} points`);
  const aggregation = (query.get("aggregation") ?? "last").toLowerCase();
  if (!["last", "first", "min", "max", "mean"].includes(aggregation)) throw badRequest(`aggregation '${aggregation}' is not supported (last, first, min, max, mean)`);
  // No data after the device's last contact, and none in the future.
  const seen = world.lastSeen(d, now) ?? world.start;
  const dataEnd = Math.min(to, now, seen + 1);
  const series = [];
  for (const id of ids) {
    const def = d.profile.datapoints.find((p) => p.id === id);
    const basetype = def?.featureValues["default.basetype"];
    if (!def || !readable(def) || (basetype !== "real" && basetype !== "int")) continue; // unknown ids are ignored
    const values = [];
    for (let start = from; start < dataEnd; start += bucketMs) {
      const end = Math.min(start + bucketMs, dataEnd);
      const samples = [0, 0.25, 0.5, 0.75, 1].map((f) => Number(world.value(d, id, start + f * (end - start - 1))));
      const value =
        aggregation === "first" ? samples[0]! : aggregation === "min" ? Math.min(...samples) : aggregation === "max" ? Math.max(...samples) : aggregation === "mean" ? samples.reduce((x, y) => x + y, 0) / samples.length : samples[4]!;
      values.push({ timestamp: iso(start), value });
    }
    series.push({ datapointId: id, aggregation, values });
  }
  return { from: iso(from), to: iso(to), resolution, series };
}

function iso(ms: number, millis = false): string {
  const s = new Date(ms).toISOString();
  return millis ? s : s.replace(/\.\d{3}Z$/, "Z");
}

export { PROFILES };
