/**
 * HTTP front of the myBeNext simulator (node:http, no framework): routing, authentication,
 * query filters, Accept-Format, Range, gzip, JSONP, faults and the request log.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { ENERGY_DATATYPES } from "./data.js";
import { ApiError, ERROR_CODES, badRequest, notFound } from "./errors.js";
import type { World } from "./world.js";
import { echoedRequest } from "../kit/echo.js";
import type { RecordedRequest } from "../kit/requests.js";
import { delay, type CommonFaults, noCommonFaults } from "../kit/faults.js";
import { endWith, headerRecord, withBody } from "../kit/server.js";

export const API_PREFIX = "/login/api/v1";

export type { RecordedRequest };

export type MyBeNextFaults = CommonFaults;

export const noFaults = (): MyBeNextFaults => noCommonFaults();

export interface Credentials {
  username: string;
  password: string;
  apikey: string;
}

type ResourceName =
  | "accounts"
  | "lifestyles"
  | "scenes"
  | "producttypes"
  | "products"
  | "datatypes"
  | "properties"
  | "climatecontrollers"
  | "availability"
  | "gateways"
  | "nodes"
  | "failuretypes"
  | "failures";

/** Singular names, used in error bodies (`"product not found"`). */
const SINGULAR: Record<ResourceName, string> = {
  accounts: "account",
  lifestyles: "lifestyle",
  scenes: "scene",
  producttypes: "producttype",
  products: "product",
  datatypes: "datatype",
  properties: "property",
  climatecontrollers: "climatecontroller",
  availability: "availability",
  gateways: "gateway",
  nodes: "node",
  failuretypes: "failuretype",
  failures: "failure",
};

/** Key of the wrapped list (`{"products": [...]}`). */
const LIST_KEY: Record<ResourceName, string> = { ...Object.fromEntries(Object.keys(SINGULAR).map((k) => [k, k])), availability: "availabilities" } as Record<
  ResourceName,
  string
>;

/** Resources whose GET takes a `Range: resourceids` header (the seed says so per resource). */
const RANGED = new Set<ResourceName>(["accounts", "lifestyles", "scenes", "producttypes", "products", "datatypes", "properties", "gateways", "nodes", "failures"]);

/** Resources that take a PUT here. */
const WRITABLE = new Set<ResourceName>(["properties", "climatecontrollers", "lifestyles", "scenes", "products"]);

/** Resources with an id in the URL (`/products/36/`); availability only lists. */
const HAS_SINGLE = new Set<ResourceName>(Object.keys(SINGULAR).filter((r) => r !== "availability") as ResourceName[]);

/** Sub-resources documented under `/accounts/<id>/`. */
const UNDER_ACCOUNT = new Set<ResourceName>(["lifestyles", "scenes", "products", "climatecontrollers", "failures"]);

interface Route {
  resource: ResourceName;
  id?: string;
  scope: { account?: number; product?: number; gateway?: number };
}

const isId = (s: string | undefined): s is string => s !== undefined && /^\d+$/.test(s);

/** Resolves the path below /login/api/v1/ (segments without empty parts); null = unknown. */
function parseRoute(seg: string[]): Route | null {
  const [a, b, c, d, e, f] = seg;
  const top = (r: string | undefined): r is ResourceName => r !== undefined && Object.hasOwn(SINGULAR, r);
  if (a === "failuretypes") return seg.length === 1 ? { resource: "failuretypes", scope: {} } : { resource: "failuretypes", id: seg.slice(1).join("/"), scope: {} };
  if (seg.length === 1 && top(a)) return { resource: a, scope: {} };
  if (seg.length === 2 && top(a) && HAS_SINGLE.has(a) && isId(b)) return { resource: a, id: b, scope: {} };
  if (a === "accounts" && isId(b) && c !== undefined) {
    const account = Number(b);
    if (top(c) && UNDER_ACCOUNT.has(c) && seg.length <= 4) {
      if (seg.length === 3) return { resource: c, scope: { account } };
      if (isId(d)) return { resource: c, id: d, scope: { account } };
      return null;
    }
    if (c === "products" && isId(d) && e === "properties" && seg.length <= 6) {
      if (seg.length === 5) return { resource: "properties", scope: { account, product: Number(d) } };
      if (isId(f)) return { resource: "properties", id: f, scope: { account, product: Number(d) } };
    }
    return null;
  }
  // Documented with the singular "account" (3.4.1).
  if (a === "account" && isId(b) && c === "properties" && seg.length <= 4) {
    if (seg.length === 3) return { resource: "properties", scope: { account: Number(b) } };
    if (isId(d)) return { resource: "properties", id: d, scope: { account: Number(b) } };
    return null;
  }
  if (a === "products" && isId(b) && c === "properties" && seg.length <= 4) {
    if (seg.length === 3) return { resource: "properties", scope: { product: Number(b) } };
    if (isId(d)) return { resource: "properties", id: d, scope: { product: Number(b) } };
    return null;
  }
  if (a === "gateways" && isId(b) && c === "nodes" && seg.length <= 4) {
    if (seg.length === 3) return { resource: "nodes", scope: { gateway: Number(b) } };
    if (isId(d)) return { resource: "nodes", id: d, scope: { gateway: Number(b) } };
    return null;
  }
  return null;
}

interface Row {
  id: number | string;
  account: number | null;
  obj: Record<string, unknown>;
  /** Extra attributes that filters look at. */
  meta: Record<string, unknown>;
}

type RowFilter = (row: Row) => boolean;
type FilterFactory = (raw: string, name: string) => RowFilter;

function invalidParam(name: string, raw: string): ApiError {
  return badRequest(null, `invalid value '${raw}' for query parameter ${name}`, ERROR_CODES.invalidParameter);
}

const intList =
  (get: (r: Row) => unknown): FilterFactory =>
  (raw, name) => {
    const parts = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (parts.some((p) => !/^-?\d+$/.test(p))) throw invalidParam(name, raw);
    const set = new Set(parts.map(Number));
    return (r) => set.has(get(r) as number);
  };

const strList =
  (get: (r: Row) => unknown): FilterFactory =>
  (raw) => {
    const set = new Set(raw.split(",").map((s) => s.trim()).filter((s) => s !== ""));
    return (r) => set.has(String(get(r)));
  };

const bool =
  (test: (r: Row, v: boolean) => boolean): FilterFactory =>
  (raw, name) => {
    const v = raw.toLowerCase();
    if (v !== "true" && v !== "false") throw invalidParam(name, raw);
    return (r) => test(r, v === "true");
  };

function likeRegex(pattern: string): RegExp {
  let re = "";
  for (const ch of pattern) re += ch === "%" ? ".*" : ch === "_" ? "." : ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`^${re}$`, "is");
}

const like =
  (...gets: ((r: Row) => unknown)[]): FilterFactory =>
  (raw) => {
    const re = likeRegex(raw);
    return (r) => gets.some((g) => re.test(String(g(r) ?? "")));
  };

const timeFilter =
  (get: (r: Row) => number | null, cmp: (v: number, t: number) => boolean): FilterFactory =>
  (raw, name) => {
    const t = parseTimestamp(raw);
    if (t === undefined) throw badRequest(null, `invalid timestamp '${raw}' for query parameter ${name}`, ERROR_CODES.invalidParameter);
    return (r) => {
      const v = get(r);
      return v !== null && cmp(v, t);
    };
  };

/**
 * ISO-8601 forms of the seed: YYYY-MM-DD, YYYY-MM-DDTHH:mm:ss, YYYY-MM-DDTHH:mm:ss(Z|±hh:mm),
 * also ±hhmm (1.7 shows +0300). No fractions. A timestamp without zone is the server's local
 * time (Europe/Amsterdam: myBeNext is a Dutch service). Returns epoch ms or undefined.
 */
export function parseTimestamp(raw: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:?\d{2})?)?$/.exec(raw);
  if (!m) return undefined;
  const [, ys, mos, ds, hs = "0", mis = "0", ss = "0", zone] = m;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = Number(hs);
  const mi = Number(mis);
  const s = Number(ss);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(wall).getUTCDate() !== d) return undefined;
  if (zone === "Z") return wall;
  if (zone !== undefined) {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (om > 59 || oh * 60 + om > 13 * 60) return undefined;
    return wall - sign * (oh * 60 + om) * 60_000;
  }
  return wall - amsterdamOffset(wall);
}

const amsterdamFormat = (() => {
  try {
    return new Intl.DateTimeFormat("en-US", {
      timeZone: "Europe/Amsterdam",
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  } catch {
    return undefined;
  }
})();

/** Offset (ms) of Europe/Amsterdam for a wall-clock time given as if it were UTC. */
function amsterdamOffset(wall: number): number {
  if (!amsterdamFormat) return 3_600_000;
  const offsetAt = (utc: number): number => {
    const parts = Object.fromEntries(amsterdamFormat.formatToParts(new Date(utc)).map((p) => [p.type, p.value]));
    const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
    return local - utc;
  };
  const first = offsetAt(wall - 3_600_000);
  return offsetAt(wall - first);
}

interface AuthContext {
  accounts: Set<number>;
  via: "basic" | "apikey" | "session";
  csrf?: string;
}

export interface ServerState {
  world: World;
  creds: Credentials;
  faults: MyBeNextFaults;
  requests: RecordedRequest[];
  sessions: Map<string, { account: number; csrf: string }>;
  timers: Set<NodeJS.Timeout>;
}

class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string | string[]> = {},
    /** Send `body` as is (a string), not as JSON. */
    readonly raw = false,
  ) {}
}

const errorReply = (e: ApiError, headers: Record<string, string | string[]> = {}): Reply => new Reply(e.status, e.body(), headers);

const WWW_AUTH = { "WWW-Authenticate": 'Basic realm="myBeNext"' };

export function createHandler(state: ServerState): RequestListener {
  return withBody((req, res, body, time) => handle(state, req, res, body, time), (err) => ({ error: `internal server error: ${String(err)}`, resource: null, code: ERROR_CODES.internal }));
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse, rawBody: Buffer, time: number): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = (req.method ?? "GET").toUpperCase();
  const headers = headerRecord(req);
  const query: Record<string, string> = Object.fromEntries(url.searchParams);

  let bodyText: string | undefined;
  let bodyError: ApiError | undefined;
  if (rawBody.length > 0) {
    let buf = rawBody;
    if ((headers["content-encoding"] ?? "").toLowerCase().includes("gzip")) {
      try {
        buf = gunzipSync(rawBody);
      } catch {
        bodyError = badRequest(null, "request body is not valid gzip", ERROR_CODES.invalidJson);
      }
    }
    bodyText = buf.toString("utf8");
  }
  let recordedBody: unknown = bodyText;
  if (bodyText !== undefined) {
    try {
      recordedBody = JSON.parse(bodyText);
    } catch {
      recordedBody = bodyText;
    }
  }
  const record: RecordedRequest = { method, path: url.pathname, query, headers, body: recordedBody, status: 0, time };
  state.requests.push(record);

  const { faults } = state;
  if (faults.slowMs > 0) {
    await delay(state.timers, faults.slowMs);
    if (res.destroyed) return;
  }
  if (faults.outage) {
    record.status = 0;
    req.socket.destroy();
    return;
  }

  const seg = url.pathname.split("/").filter((s) => s !== "");
  const inApi = url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`);
  const route = inApi ? parseRoute(seg.slice(3)) : null;

  let reply: Reply;
  if (faults.unauthorizedNext > 0) {
    faults.unauthorizedNext--;
    reply = errorReply(new ApiError(401, "authentication required", route ? SINGULAR[route.resource] : null, ERROR_CODES.unauthorized), WWW_AUTH);
  } else if (faults.rateLimitNext > 0) {
    faults.rateLimitNext--;
    reply = errorReply(new ApiError(429, "too many requests", route ? SINGULAR[route.resource] : null, ERROR_CODES.tooManyRequests), { "Retry-After": "1" });
  } else if (faults.echo) {
    reply = new Reply(500, echoedRequest(req, bodyText ?? ""), {}, true);
  } else if (faults.status500) {
    reply = errorReply(new ApiError(500, "internal server error", route ? SINGULAR[route.resource] : null, ERROR_CODES.internal));
  } else if (faults.malformed) {
    const key = route ? LIST_KEY[route.resource] : "products";
    reply = new Reply(200, `{"${key}": [{"account": 1, "name": "Living room dim`, {}, true);
  } else if (faults.body !== null) {
    reply = new Reply(200, faults.body, {}, true);
  } else {
    try {
      reply = dispatch(state, method, url, seg, route, headers, bodyText, bodyError);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      reply = errorReply(err, err.status === 401 ? WWW_AUTH : {});
    }
  }
  send(res, record, reply, headers, query);
}

function send(res: ServerResponse, record: RecordedRequest, reply: Reply, reqHeaders: Record<string, string | undefined>, query: Record<string, string>): void {
  if (res.destroyed || res.writableEnded) return;
  record.status = reply.status;
  let text = reply.body === undefined ? "" : reply.raw ? String(reply.body) : JSON.stringify(reply.body);
  let contentType = "application/json";
  const jsonp = query.jsonp;
  if (jsonp && /^[A-Za-z_$][\w$.]*$/.test(jsonp) && text !== "" && !reply.raw) {
    text = `${jsonp}(${text});`;
    contentType = "application/javascript";
  }
  res.statusCode = reply.status;
  res.setHeader("Content-Type", contentType);
  res.setHeader("Vary", "Accept-Encoding, Accept-Format, Authorization");
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  const acceptEncoding = (reqHeaders["accept-encoding"] ?? "").toLowerCase();
  const wantsGzip = acceptEncoding.split(",").some((t) => {
    const [coding, ...params] = t.trim().split(";");
    return coding?.trim() === "gzip" && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
  endWith(res, text, wantsGzip && text !== "");
}

function authenticate(state: ServerState, headers: Record<string, string | undefined>, query: URLSearchParams, resource: string | null): AuthContext {
  const { creds } = state;
  const unauthorized = (msg: string): ApiError => new ApiError(401, msg, resource, ERROR_CODES.unauthorized);
  const authz = headers.authorization?.trim();
  if (authz) {
    const basic = /^Basic\s+(\S+)$/i.exec(authz);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0 && decoded.slice(0, colon) === creds.username && decoded.slice(colon + 1) === creds.password) return { accounts: new Set([1]), via: "basic" };
      throw unauthorized("invalid username or password");
    }
    const key = /^Apikey\s+(\S+)$/i.exec(authz);
    if (key) {
      if (key[1] === creds.apikey) return { accounts: new Set([1, 2]), via: "apikey" };
      throw unauthorized("invalid api key");
    }
    throw unauthorized("unsupported authorization method");
  }
  const apikey = query.get("apikey");
  if (apikey !== null) {
    if (apikey === creds.apikey) return { accounts: new Set([1, 2]), via: "apikey" };
    throw unauthorized("invalid api key");
  }
  const cookies = parseCookies(headers.cookie);
  const token = cookies["2myhomesession"];
  if (token !== undefined) {
    const session = state.sessions.get(token);
    if (!session) throw unauthorized("session expired");
    return { accounts: new Set([session.account]), via: "session", csrf: session.csrf };
  }
  throw unauthorized("authentication required");
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

function login(state: ServerState, headers: Record<string, string | undefined>, bodyText: string | undefined): Reply {
  const type = (headers["content-type"] ?? "").toLowerCase();
  let username: unknown;
  let password: unknown;
  if (type.includes("x-www-form-urlencoded")) {
    const form = new URLSearchParams(bodyText ?? "");
    username = form.get("username");
    password = form.get("password");
  } else {
    let body: unknown;
    try {
      body = JSON.parse(bodyText ?? "");
    } catch {
      throw badRequest("authenticate", "invalid JSON body", ERROR_CODES.invalidJson);
    }
    if (typeof body === "object" && body !== null) {
      username = (body as Record<string, unknown>).username;
      password = (body as Record<string, unknown>).password;
    }
  }
  if (typeof username !== "string" || typeof password !== "string") throw badRequest("authenticate", "username and password are required");
  if (username !== state.creds.username || password !== state.creds.password) {
    throw new ApiError(401, "invalid username or password", "authenticate", ERROR_CODES.unauthorized);
  }
  const token = randomBytes(16).toString("hex");
  const csrf = randomBytes(16).toString("hex");
  state.sessions.set(token, { account: 1, csrf });
  return new Reply(200, undefined, {
    "Set-Cookie": [`2myhomesession=${token}; Path=/; HttpOnly; SameSite=Lax`, `csrftoken=${csrf}; Path=/; SameSite=Lax`],
  });
}

function dispatch(
  state: ServerState,
  method: string,
  url: URL,
  seg: string[],
  route: Route | null,
  headers: Record<string, string | undefined>,
  bodyText: string | undefined,
  bodyError: ApiError | undefined,
): Reply {
  const { world } = state;
  const inApi = seg[0] === "login" && seg[1] === "api" && seg[2] === "v1";
  if (inApi && seg.length === 4 && seg[3] === "authenticate") {
    if (method !== "POST") throw new ApiError(405, "method not allowed", "authenticate", ERROR_CODES.methodNotAllowed);
    if (bodyError) throw bodyError;
    return login(state, headers, bodyText);
  }
  if (!route) throw new ApiError(404, "unknown resource", seg[3] ?? null, ERROR_CODES.notFound);
  const resource = SINGULAR[route.resource];
  const auth = authenticate(state, headers, url.searchParams, resource);

  const format = headers["accept-format"]?.trim().toLowerCase();
  if (format !== undefined && format !== "" && format !== "list" && format !== "object") {
    throw new ApiError(406, `unknown accept-format '${headers["accept-format"]}'`, resource, ERROR_CODES.notAcceptable);
  }

  world.evaluate();
  const rangeHeaders: Record<string, string> = RANGED.has(route.resource) ? { "Accept-Ranges": "resourceids" } : {};

  if (method === "GET") {
    const rows = selectRows(world, auth, route, url.searchParams);
    if (route.id !== undefined) {
      const row = rows[0]!;
      return new Reply(200, project(singleView(route.resource, row.obj), url.searchParams.get("fields")), rangeHeaders);
    }
    let list = rows;
    let status = 200;
    const range = headers.range;
    if (RANGED.has(route.resource) && range !== undefined && /^\s*resourceids\b/i.test(range)) {
      status = 206;
      list = applyRange(list, range);
    }
    const items = list.map((r) => project(r.obj, url.searchParams.get("fields")));
    return new Reply(status, format === "list" ? items : { [LIST_KEY[route.resource]]: items }, rangeHeaders);
  }

  if (method === "PUT") {
    if (!WRITABLE.has(route.resource)) {
      throw new ApiError(405, "method not allowed", resource, ERROR_CODES.methodNotAllowed);
    }
    if (bodyError) throw bodyError;
    let body: unknown;
    try {
      body = JSON.parse(bodyText ?? "");
    } catch {
      throw badRequest(resource, "invalid JSON body", ERROR_CODES.invalidJson);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest(resource, "the body must be a JSON object", ERROR_CODES.invalidJson);
    if (auth.via === "session") {
      const token = headers["x-csrftoken"];
      const cookie = parseCookies(headers.cookie).csrftoken;
      if (!token || token !== auth.csrf || cookie !== auth.csrf) throw new ApiError(403, "CSRF token missing or incorrect", resource, ERROR_CODES.forbidden);
    }
    const rows = selectRows(world, auth, route, url.searchParams);
    put(world, route.resource, rows, body as Record<string, unknown>);
    return new Reply(200, undefined, rangeHeaders);
  }

  throw new ApiError(405, "method not allowed", resource, ERROR_CODES.methodNotAllowed);
}

/** The seed's single climatecontroller example prints `schedulertype` (its list: `scheduletype`). */
function singleView(resource: ResourceName, obj: Record<string, unknown>): Record<string, unknown> {
  if (resource !== "climatecontrollers") return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k === "scheduletype" ? "schedulertype" : k] = v;
  return out;
}

const FIELD_ALIASES: Record<string, string[]> = { scheduletype: ["scheduletype", "schedulertype"], resourcetype: ["resource_type"] };

/** Keeps the `fields` asked for (all by default); keys in alphabetical order, as the API prints them. */
function project(obj: Record<string, unknown>, fields: string | null): Record<string, unknown> {
  let entries = Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (fields !== null) {
    const wanted = new Set<string>();
    for (const f of fields.split(",").map((s) => s.trim())) for (const k of FIELD_ALIASES[f] ?? [f]) wanted.add(k);
    entries = entries.filter(([k]) => wanted.has(k));
  }
  return Object.fromEntries(entries);
}

function applyRange(rows: Row[], header: string): Row[] {
  const m = /^\s*resourceids\s+(\*|-?\d+)-(-?\d+)?(?:\/(\d+))?\s*$/i.exec(header);
  // "The semantic checking for this header is limited": an invalid one gives an empty list.
  if (!m) return [];
  const start = m[1] === "*" ? -Infinity : Number(m[1]);
  const end = m[2] === undefined ? Infinity : Number(m[2]);
  const count = m[3] === undefined ? Infinity : Number(m[3]);
  return rows.filter((r) => typeof r.id === "number" && r.id >= start && r.id <= end).slice(0, count);
}

// ------------------------------------------------------------------------------- rows & filters

function accountOf(world: World, account: number | null): { username?: string; firstname?: string; lastname?: string; email?: string } {
  return account === null ? {} : (world.accounts.get(account) ?? {});
}

function accountFilters(world: World): Record<string, FilterFactory> {
  return {
    account_id: intList((r) => r.account),
    account_name: like((r) => accountOf(world, r.account).username),
    account_search: like(
      (r) => accountOf(world, r.account).username,
      (r) => accountOf(world, r.account).firstname,
      (r) => accountOf(world, r.account).lastname,
      (r) => accountOf(world, r.account).email,
    ),
  };
}

function productFilters(): Record<string, FilterFactory> {
  return {
    appearance_id: intList((r) => r.meta.appearance),
    node_null: bool((r, v) => (r.meta.hasNode === false) === v),
    product_id: intList((r) => r.meta.product),
    product_name: like((r) => r.meta.productName),
    producttype_id: intList((r) => r.meta.producttype),
  };
}

function productMeta(world: World, productId: number, withNode: Set<number | null>): Record<string, unknown> {
  const p = world.products.get(productId);
  return { product: productId, appearance: p?.appearance, productName: p?.name, producttype: p?.producttype, hasNode: withNode.has(productId) };
}

function buildRows(world: World, resource: ResourceName, auth: AuthContext): { rows: Row[]; filters: Record<string, FilterFactory> } {
  const visible = (account: number | null): boolean => account === null || auth.accounts.has(account);
  const acc = accountFilters(world);
  const withNode = new Set([...world.nodes.values()].map((n) => n.product));
  let rows: Row[] = [];
  let filters: Record<string, FilterFactory> = {};
  switch (resource) {
    case "accounts":
      rows = [...world.accounts.values()].map((a) => ({ id: a.account, account: a.account, obj: { ...a }, meta: {} }));
      filters = acc;
      break;
    case "lifestyles":
      rows = [...world.lifestyles.values()].map((l) => ({ id: l.lifestyle, account: l.account, obj: { ...l }, meta: {} }));
      filters = {
        ...acc,
        lifestyle_id: intList((r) => r.id),
        active: bool((r, v) => r.obj.active === v),
        id: intList((r) => r.obj.id),
      };
      break;
    case "scenes":
      rows = [...world.scenes.values()].map((s) => ({ id: s.scene, account: s.account, obj: { ...s }, meta: {} }));
      filters = { ...acc, scene_id: intList((r) => r.id), scene_name: like((r) => r.obj.name) };
      break;
    case "producttypes":
      rows = [...world.producttypes.values()].map((p) => ({ id: p.producttype, account: null, obj: { ...p, appearance: [...p.appearance] }, meta: {} }));
      filters = { producttype_id: intList((r) => r.id), climatecontroller: bool((r, v) => r.obj.climatecontroller === v) };
      break;
    case "products":
      rows = [...world.products.values()].map((p) => ({
        id: p.product,
        account: p.account,
        obj: { account: p.account, appearance: p.appearance, name: p.name, product: p.product, producttype: p.producttype },
        meta: productMeta(world, p.product, withNode),
      }));
      filters = { ...acc, ...productFilters() };
      break;
    case "datatypes":
      rows = [...world.datatypes.values()].map((d) => ({ id: d.datatype, account: null, obj: structuredClone(d) as unknown as Record<string, unknown>, meta: {} }));
      filters = { datatype_id: intList((r) => r.id) };
      break;
    case "properties":
      rows = world.propertyRecs().map((rec) => ({
        id: rec.res.property,
        account: rec.account,
        obj: world.propertyView(rec) as unknown as Record<string, unknown>,
        meta: { ...productMeta(world, rec.res.product, withNode), updated: rec.res.updated, datatype: rec.res.datatype },
      }));
      filters = {
        ...acc,
        ...productFilters(),
        datatype_id: intList((r) => r.meta.datatype),
        energy_data: bool((r, v) => ENERGY_DATATYPES.has(r.meta.datatype as number) === v),
        property_id: intList((r) => r.id),
        property_name: like((r) => r.obj.name),
        updated_after: timeFilter((r) => r.meta.updated as number | null, (v, t) => v > t),
        updated_before: timeFilter((r) => r.meta.updated as number | null, (v, t) => v < t),
        value_like: like((r) => r.obj.value),
      };
      break;
    case "climatecontrollers":
      rows = world.climateRecs().map((cc) => ({
        id: cc.product,
        account: cc.account,
        obj: world.climateView(cc) as unknown as Record<string, unknown>,
        meta: productMeta(world, cc.product, withNode),
      }));
      filters = { ...acc, ...productFilters() };
      break;
    case "availability":
      rows = world.availabilities().map((a) => ({
        id: a.ms,
        account: world.products.get(a.product)?.account ?? null,
        obj: { product: a.product, status: a.status, timestamp: a.timestamp },
        meta: { ms: a.ms },
      }));
      filters = {
        ...acc,
        begin: timeFilter((r) => r.meta.ms as number, (v, t) => v >= t),
        end: timeFilter((r) => r.meta.ms as number, (v, t) => v <= t),
        product_id: intList((r) => r.obj.product),
      };
      break;
    case "gateways":
      rows = world.gatewayViews().map(({ product: _product, ...g }) => ({ id: g.gateway, account: g.account, obj: { ...g }, meta: {} }));
      filters = {
        ...acc,
        gateway_id: intList((r) => r.id),
        public_ip: strList((r) => r.obj.public_ip),
        serial: strList((r) => r.obj.serial),
      };
      break;
    case "nodes":
      rows = world.nodeRecs().map((n) => ({ id: n.node, account: n.account, obj: world.nodeView(n) as unknown as Record<string, unknown>, meta: {} }));
      filters = {
        ...acc,
        gateway_id: intList((r) => r.obj.gateway),
        node_id: intList((r) => r.id),
        product_id: intList((r) => r.obj.product),
        product_null: bool((r, v) => (r.obj.product === null) === v),
        protocol_id: strList((r) => r.obj.protocol),
        status_id: intList((r) => r.obj.status),
        zwave_id: intList((r) => r.obj.zwave_id),
      };
      break;
    case "failuretypes":
      rows = [...world.failuretypes.values()].map((f) => ({
        id: f.failuretype,
        account: null,
        obj: { failuretype: f.failuretype, resource_type: f.resource_type },
        meta: { impact: f.impact },
      }));
      filters = { failuretype_id: strList((r) => r.id), failuretype_name: like((r) => r.id) };
      break;
    case "failures":
      rows = [...world.failures.values()].map(({ impact, ...f }) => ({ id: f.failure, account: f.account, obj: { ...f }, meta: { impact, ms: Date.parse(f.timestamp) } }));
      filters = {
        ...acc,
        begin: timeFilter((r) => r.meta.ms as number, (v, t) => v >= t),
        end: timeFilter((r) => r.meta.ms as number, (v, t) => v <= t),
        failure_id: intList((r) => r.id),
        failuretype_name: like((r) => r.obj.failuretype),
        impact: strList((r) => r.meta.impact),
        resource_id: intList((r) => r.obj.resource),
        status_str: strList((r) => r.obj.status),
        latest: bool(() => true), // handled on the whole list below
      };
      break;
  }
  rows = rows.filter((r) => visible(r.account));
  rows.sort((a, b) => (typeof a.id === "number" && typeof b.id === "number" ? a.id - b.id : String(a.id).localeCompare(String(b.id))));
  return { rows, filters };
}

/** Rows of a route: visible to the caller, inside the URL's scope, filtered by the query. */
function selectRows(world: World, auth: AuthContext, route: Route, query: URLSearchParams): Row[] {
  const { scope } = route;
  if (scope.account !== undefined && !(auth.accounts.has(scope.account) && world.accounts.has(scope.account))) throw notFound("account");
  if (scope.product !== undefined) {
    const p = world.products.get(scope.product);
    if (!p || !auth.accounts.has(p.account) || (scope.account !== undefined && p.account !== scope.account)) throw notFound("product");
  }
  if (scope.gateway !== undefined) {
    const g = world.gateways.get(scope.gateway);
    if (!g || !auth.accounts.has(g.account)) throw notFound("gateway");
  }
  const { rows: all, filters } = buildRows(world, route.resource, auth);
  let rows = all.filter((r) => {
    if (scope.account !== undefined && r.account !== scope.account) return false;
    if (scope.product !== undefined && r.meta.product !== scope.product) return false;
    if (scope.gateway !== undefined && r.obj.gateway !== scope.gateway) return false;
    return true;
  });
  if (route.id !== undefined) {
    const id = route.resource === "failuretypes" ? route.id : Number(route.id);
    const row = rows.find((r) => r.id === id);
    if (!row) throw notFound(SINGULAR[route.resource]);
    return [row];
  }
  for (const [name, raw] of query) {
    const factory = filters[name];
    if (factory) {
      const test = factory(raw, name);
      rows = rows.filter(test);
    }
  }
  if (route.resource === "failures" && query.get("latest")?.toLowerCase() === "true") {
    const newest = new Map<string, Row>();
    for (const r of rows) {
      const key = `${String(r.obj.resource)}|${String(r.obj.failuretype)}`;
      const prev = newest.get(key);
      if (!prev || (r.meta.ms as number) > (prev.meta.ms as number) || ((r.meta.ms as number) === (prev.meta.ms as number) && (r.id as number) > (prev.id as number))) newest.set(key, r);
    }
    const keep = new Set(newest.values());
    rows = rows.filter((r) => keep.has(r));
  }
  return rows;
}

// ------------------------------------------------------------------------------- writes

function rejectFields(resource: string, body: Record<string, unknown>, readOnly: string[]): void {
  for (const key of readOnly) if (Object.hasOwn(body, key)) throw badRequest(resource, `field '${key}' cannot be updated`, ERROR_CODES.notUpdatable);
}

function put(world: World, resource: ResourceName, rows: Row[], body: Record<string, unknown>): void {
  const now = Date.now();
  switch (resource) {
    case "properties": {
      rejectFields("property", body, ["product", "property", "updated"]);
      if ("name" in body && (typeof body.name !== "string" || body.name.trim() === "")) throw badRequest("property", "name may not be empty", ERROR_CODES.invalidValue);
      if ("datatype" in body && !(typeof body.datatype === "number" && world.datatypes.has(body.datatype))) throw badRequest("property", "unknown datatype", ERROR_CODES.invalidValue);
      for (const k of ["receiving", "sending"]) if (k in body && typeof body[k] !== "boolean") throw badRequest("property", `${k} must be true or false`, ERROR_CODES.invalidValue);
      const values = new Map<number, string>();
      if ("value" in body) {
        for (const row of rows) {
          const rec = world.properties.get(row.id as number)!;
          if (!rec.res.receiving) throw badRequest("property", `property ${rec.res.property} cannot receive values`, ERROR_CODES.invalidValue);
          const datatype = typeof body.datatype === "number" ? body.datatype : rec.res.datatype;
          values.set(rec.res.property, world.validateValue(datatype, body.value));
        }
      }
      for (const row of rows) {
        const rec = world.properties.get(row.id as number)!;
        if (typeof body.name === "string") rec.res.name = body.name;
        if (typeof body.datatype === "number") rec.res.datatype = body.datatype;
        if (typeof body.receiving === "boolean") rec.res.receiving = body.receiving;
        if (typeof body.sending === "boolean") rec.res.sending = body.sending;
        const v = values.get(rec.res.property);
        if (v !== undefined) world.writeValue(rec.res.property, v, now);
      }
      return;
    }
    case "climatecontrollers": {
      rejectFields("climatecontroller", body, ["controllable", "datatype", "formattedtemperature", "heatdemand", "mode", "product", "synchronised", "temperature", "valvestatus"]);
      const ccs = rows.map((r) => world.climate.get(r.id as number)!);
      const setpoints = new Map<number, number>();
      if ("setpoint" in body) for (const cc of ccs) setpoints.set(cc.product, world.validateSetpoint(cc, body.setpoint));
      let scheduletype: number | undefined;
      if ("scheduletype" in body) {
        const s = body.scheduletype;
        if (typeof s !== "number" || ![0, 1, 2].includes(s)) throw badRequest("climatecontroller", "scheduletype must be 0, 1 or 2", ERROR_CODES.invalidValue);
        scheduletype = s;
      }
      if (!("setpoint" in body) && scheduletype === undefined) return;
      for (const cc of ccs) world.requestSetpoint(cc, setpoints.get(cc.product), scheduletype);
      return;
    }
    case "lifestyles": {
      rejectFields("lifestyle", body, ["account", "id", "lifestyle", "name"]);
      if (rows.length !== 1) throw badRequest("lifestyle", "it is not possible to activate multiple lifestyles", ERROR_CODES.invalidValue);
      if (!("active" in body)) return;
      if (body.active !== true) throw badRequest("lifestyle", "the only valid value for active is true: a lifestyle cannot be deactivated", ERROR_CODES.invalidValue);
      world.activateLifestyle(rows[0]!.id as number);
      return;
    }
    case "scenes": {
      rejectFields("scene", body, ["account", "code", "scene"]);
      if ("trigger" in body && typeof body.trigger !== "boolean") throw badRequest("scene", "trigger must be true or false", ERROR_CODES.invalidValue);
      if ("name" in body && (typeof body.name !== "string" || body.name.trim() === "")) throw badRequest("scene", "name may not be empty", ERROR_CODES.invalidValue);
      for (const row of rows) {
        const scene = world.scenes.get(row.id as number)!;
        if (typeof body.name === "string") scene.name = body.name;
        if (body.trigger === true) world.triggerScene(scene.scene, now);
      }
      return;
    }
    case "products": {
      rejectFields("product", body, ["account", "product", "producttype"]);
      if ("name" in body && typeof body.name !== "string") throw badRequest("product", "name must be a string", ERROR_CODES.invalidValue);
      if ("appearance" in body && !(typeof body.appearance === "number" && world.producttypes.has(body.appearance))) throw badRequest("product", "unknown appearance", ERROR_CODES.invalidValue);
      for (const row of rows) {
        const p = world.products.get(row.id as number)!;
        if (typeof body.name === "string") p.name = body.name;
        if (typeof body.appearance === "number") p.appearance = body.appearance;
      }
      return;
    }
    default:
      throw new ApiError(405, "method not allowed", SINGULAR[resource], ERROR_CODES.methodNotAllowed);
  }
}
