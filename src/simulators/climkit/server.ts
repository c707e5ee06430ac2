/**
 * HTTP front of the Climkit simulator (node:http): routing, JWT login and checks, the one
 * request per second limit, parameters, faults and the request log.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { echoedRequest } from "../kit/echo.js";
import { FREQUENCIES, parseRequestTime, type Frequency } from "./time.js";
import type { SimSite, World } from "./world.js";
import { connectionFaults, type CommonFaults, noCommonFaults } from "../kit/faults.js";
import { withBody } from "../kit/server.js";

export const API_PREFIX = "/api/v1";

export interface RecordedRequest {
  /** Arrival (epoch ms), taken when the request line and headers were read. */
  time: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** The JSON body (a password in it replaced by "***"). */
  body: unknown;
  status: number;
  /** The API user the request belongs to (by its token, or the username of /auth), if known. */
  user: string | null;
  /** Serial number of the token it carried (1 = the first token issued), if any. */
  token: number | null;
  /** What a data endpoint answered (parsed), for tests that check what was counted. */
  response?: unknown;
}

/** The common faults (POST /auth is spared by `body` and `unauthorizedNext`), and: */
export interface ClimkitFaults extends CommonFaults {
  /** When set, the faults apply only to paths containing this text. */
  only: string | null;
}

export const noFaults = (): ClimkitFaults => ({ ...noCommonFaults(), only: null });

export interface TokenRecord {
  serial: number;
  user: string;
  expiresAt: number;
  revoked: boolean;
}

export interface ServerState {
  world: World;
  users: Map<string, string>;
  tokens: Map<string, TokenRecord>;
  issued: number;
  faults: ClimkitFaults;
  requests: RecordedRequest[];
  maxLog: number;
  /** Last arrival per API user, for the rate limit. */
  lastArrival: Map<string, number>;
  /** Minimum gap between two requests of one user (1000: "Anfragelimite: 1/Sekunde"); 0 = off. */
  rateLimitMs: number;
  tokenLifetimeMs: number;
  /** How far back sensor_data's t_s may reach ("t_s ist … begrenzt"). */
  sensorHistoryMs: number;
  timers: Set<NodeJS.Timeout>;
}

class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly raw = false,
    readonly headers: Record<string, string> = {},
  ) {}
}

const msg = (status: number, text: string, headers: Record<string, string> = {}): Reply => new Reply(status, { msg: text }, false, headers);

export function createHandler(state: ServerState): RequestListener {
  return withBody((req, res, body, time) => handle(state, req, res, body.toString("utf8"), time), (err) => ({ msg: `internal server error: ${String(err)}` }));
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1] : undefined;
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse, text: string, time: number): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = (req.method ?? "GET").toUpperCase();
  const query: Record<string, string> = Object.fromEntries(url.searchParams);
  let body: unknown = undefined;
  let bodyError = false;
  if (text.trim() !== "") {
    const type = String(req.headers["content-type"] ?? "");
    try {
      body = type.includes("application/x-www-form-urlencoded") ? Object.fromEntries(new URLSearchParams(text)) : JSON.parse(text);
    } catch {
      bodyError = true;
      body = text;
    }
  }
  const token = bearer(req.headers.authorization);
  const tokenRec = token ? state.tokens.get(token) : undefined;
  const authUser = url.pathname === `${API_PREFIX}/auth` && isObject(body) && typeof body.username === "string" && state.users.has(body.username) ? body.username : undefined;
  const user = tokenRec?.user ?? authUser ?? null;
  const record: RecordedRequest = { time, method, path: url.pathname, query, body: redact(body), status: 0, user, token: tokenRec?.serial ?? null };
  state.requests.push(record);
  if (state.requests.length > state.maxLog) state.requests.splice(0, state.requests.length - state.maxLog);

  const { faults } = state;
  const faulty = faults.only === null || url.pathname.includes(faults.only);
  if (faulty && (await connectionFaults(faults, state.timers, req, res))) return;

  let reply: Reply;
  // The limit: a request of a user that arrives less than a second after that user's previous one is refused.
  const key = user ?? `anonymous:${req.socket.remoteAddress ?? "?"}`;
  const previous = state.lastArrival.get(key);
  state.lastArrival.set(key, time);
  if (state.rateLimitMs > 0 && previous !== undefined && time - previous < state.rateLimitMs) {
    reply = msg(429, "Too Many Requests: 1 per 1 second");
  } else if (faulty && faults.rateLimitNext > 0) {
    faults.rateLimitNext--;
    reply = msg(429, "Too Many Requests: 1 per 1 second", { "Retry-After": "1" });
  } else if (faulty && faults.unauthorizedNext > 0 && url.pathname !== `${API_PREFIX}/auth`) {
    faults.unauthorizedNext--;
    reply = msg(401, "Token has been revoked");
  } else if (faulty && faults.echo) {
    reply = new Reply(500, echoedRequest(req, text), true);
  } else if (faulty && faults.status500) {
    reply = new Reply(500, "<!doctype html><title>500 Internal Server Error</title><h1>Internal Server Error</h1>", true);
  } else if (faulty && faults.malformed) {
    reply = new Reply(200, '[{"timestamp": "2026-03-22 05:30:00+01:00", "total": 0.0', true);
  } else if (faulty && faults.body !== null && url.pathname !== `${API_PREFIX}/auth`) {
    reply = new Reply(200, faults.body, true);
  } else if (bodyError) {
    reply = msg(400, "The browser (or proxy) sent a request that this server could not understand.");
  } else {
    reply = route(state, method, url, body, token, tokenRec, time);
  }
  if (reply.status === 200 && !reply.raw && /\/(meter_data|meter_data_raw|site_data|sensor_data)\//.test(url.pathname)) record.response = reply.body;
  send(req, res, record, reply);
}

function send(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  record.status = reply.status;
  const text = reply.raw ? String(reply.body) : JSON.stringify(reply.body);
  const headers: Record<string, string> = { "content-type": reply.raw && reply.status !== 200 ? "text/html; charset=utf-8" : "application/json", ...reply.headers };
  let payload = Buffer.from(text, "utf8");
  if (payload.length > 1024 && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
    payload = gzipSync(payload);
    headers["content-encoding"] = "gzip";
  }
  headers["content-length"] = String(payload.length);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function redact(body: unknown): unknown {
  return isObject(body) && "password" in body ? { ...body, password: "***" } : body;
}

// ------------------------------------------------------------------------------- routes

function route(state: ServerState, method: string, url: URL, body: unknown, token: string | undefined, tokenRec: TokenRecord | undefined, now: number): Reply {
  if (!url.pathname.startsWith(`${API_PREFIX}/`)) return msg(404, "Not Found");
  const seg = url.pathname.slice(API_PREFIX.length + 1).split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
  const expect = (m: string): Reply | undefined => (method === m ? undefined : msg(405, "The method is not allowed for the requested URL."));

  if (seg.length === 1 && seg[0] === "auth") return expect("POST") ?? login(state, body, now);

  type Handler = () => Reply;
  let handler: Handler | undefined;
  let wanted = "GET";
  const [a, b, c] = seg;
  const world = state.world;
  if (seg.length === 1 && a === "all_installations") handler = () => new Reply(200, world.sites.map((s) => s.id));
  else if (seg.length === 2 && a === "installation_infos") handler = () => withSite(world, b!, (s) => new Reply(200, siteInfo(s)));
  else if (seg.length === 2 && a === "meter_info") {
    handler = () => withSite(world, b!, (s) => new Reply(200, s.meters.map((m) => ({ id: m.id, type: m.type, name: m.name, mode: m.mode, prim_ad: m.prim_ad, is_rule_meter: m.is_rule_meter }))));
  } else if (seg.length === 3 && a === "site_data") {
    wanted = "POST";
    handler = () =>
      withSite(world, b!, (s) => {
        if (!["electricity", "heating", "cooling", "cold_water", "hot_water", "charge_point"].includes(c!)) return msg(400, `Invalid meter type '${c}'`);
        const w = window(body, now, true);
        return "reply" in w ? w.reply : new Reply(200, world.siteRows(s, c!, w.from, w.to, w.freq, now));
      });
  } else if (seg.length === 3 && (a === "meter_data" || a === "meter_data_raw")) {
    wanted = "POST";
    handler = () =>
      withSite(world, b!, (s) => {
        const meter = s.meters.find((m) => m.id === c);
        if (!meter) return msg(404, "Meter not found");
        if (a === "meter_data_raw" && meter.is_rule_meter) return msg(400, "Raw data is only available for physical meters, not for rule meters");
        const w = window(body, now, a === "meter_data");
        if ("reply" in w) return w.reply;
        return new Reply(200, a === "meter_data" ? world.meterRows(s, meter, w.from, w.to, w.freq, now) : world.rawRows(s, meter, w.from, w.to, now));
      });
  } else if (seg.length === 2 && b === "sensors_list") {
    handler = () => withSite(world, a!, (s) => new Reply(200, s.sensors.map((x) => ({ id: x.id, name: x.name, type: x.type, unit: x.unit, model: x.model }))));
  } else if (seg.length === 3 && b === "sensor_data") {
    handler = () =>
      withSite(world, a!, (s) => {
        const sensor = s.sensors.find((x) => x.id === c);
        if (!sensor) return msg(404, "Sensor not found");
        const t = (name: "t_s" | "t_e"): number | null | undefined => (url.searchParams.has(name) ? (parseRequestTime(url.searchParams.get(name)!) ?? null) : undefined);
        const from = t("t_s");
        const to = t("t_e");
        if (from === null) return msg(400, "t_s: invalid isoformat string");
        if (to === null) return msg(400, "t_e: invalid isoformat string");
        if (from === undefined && to === undefined) return new Reply(200, world.sensorRows(sensor, now - world.opts.sensorPeriodMs, now, now).slice(-1));
        const end = to ?? now;
        const start = Math.max(from ?? end - 86_400_000, now - state.sensorHistoryMs);
        if (start > end) return msg(400, "t_s must be before t_e");
        return new Reply(200, world.sensorRows(sensor, start, end, now));
      });
  }
  if (!handler) return msg(404, "Not Found");
  const denied = expect(wanted) ?? authorize(state, token, tokenRec, now);
  return denied ?? handler();
}

function login(state: ServerState, body: unknown, now: number): Reply {
  const username = isObject(body) ? body.username : undefined;
  const password = isObject(body) ? body.password : undefined;
  if (typeof username !== "string" || typeof password !== "string") return msg(400, "Missing username or password");
  if (state.users.get(username) !== password) return msg(401, "Bad username or password");
  const serial = ++state.issued;
  const expiresAt = now + state.tokenLifetimeMs;
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  const token = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: username, iat: Math.floor(now / 1000), exp: Math.floor(expiresAt / 1000), jti: serial })}.${randomBytes(32).toString("base64url")}`;
  state.tokens.set(token, { serial, user: username, expiresAt, revoked: false });
  return new Reply(200, { access_token: token, valid_until: { $date: expiresAt } });
}

/** flask-jwt-extended's answers: 401 without a token, with an expired or revoked one; 422 for a malformed header. */
function authorize(state: ServerState, token: string | undefined, rec: TokenRecord | undefined, now: number): Reply | undefined {
  if (token === undefined) return msg(401, "Missing Authorization Header");
  if (!rec) return msg(401, "Invalid token");
  if (rec.revoked) return msg(401, "Token has been revoked");
  if (now >= rec.expiresAt) return msg(401, "Token has expired");
  if (!state.users.has(rec.user)) return msg(401, "Invalid token");
  return undefined;
}

function withSite(world: World, id: string, then: (site: SimSite) => Reply): Reply {
  const site = world.site(id);
  return site ? then(site) : msg(404, "Site not found");
}

function siteInfo(s: SimSite): Record<string, unknown> {
  return { site_ref: s.site_ref, name: s.name, address: s.address, creation_date: s.creation_date, latitude: s.latitude, longitude: s.longitude, timezone: s.timezone };
}

/** t_s, t_e (naive UTC; default: the last day) and sampling_frequency (default 15T) of a POST body. */
function window(body: unknown, now: number, sampled: boolean): { from: number; to: number; freq: Frequency } | { reply: Reply } {
  if (body !== undefined && !isObject(body)) return { reply: msg(400, "The body must be a JSON object") };
  const b = body ?? {};
  const time = (name: string): number | null | undefined => {
    const v = b[name];
    if (v === undefined || v === null) return undefined;
    return typeof v === "string" ? (parseRequestTime(v) ?? null) : null;
  };
  const from = time("t_s");
  const to = time("t_e");
  if (from === null) return { reply: msg(400, "t_s: invalid isoformat string") };
  if (to === null) return { reply: msg(400, "t_e: invalid isoformat string") };
  let freq: Frequency = "15T";
  if (sampled && b.sampling_frequency !== undefined && b.sampling_frequency !== null) {
    if (!FREQUENCIES.includes(b.sampling_frequency as Frequency)) return { reply: msg(400, `sampling_frequency must be one of ${FREQUENCIES.join(", ")}`) };
    freq = b.sampling_frequency as Frequency;
  }
  const end = to ?? now;
  const start = from ?? end - 86_400_000;
  if (start > end) return { reply: msg(400, "t_s must be before t_e") };
  return { from: start, to: end, freq };
}
