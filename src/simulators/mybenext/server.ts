/**
 * HTTP front of the myBeNext simulator (node:http, no framework): faults, the request log,
 * dispatch by method, Accept-Format, gzip and JSONP. Resources and paths: routes.ts; who asks:
 * auth.ts; rows, filters and Range: rows.ts and filters.ts; PUT: writes.ts.
 */
import { authenticate, login, parseCookies } from "./auth.js";
import { Reply, errorReply } from "./reply.js";
import { LIST_KEY, RANGED, type Route, SINGULAR, WRITABLE, parseRoute } from "./routes.js";
import { applyRange, project, selectRows, singleView } from "./rows.js";
import { put } from "./writes.js";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { ApiError, ERROR_CODES, badRequest } from "./errors.js";
import type { World } from "./world.js";
import { echoedRequest } from "../kit/echo.js";
import type { RecordedRequest } from "../kit/requests.js";
import { connectionFaults, type CommonFaults, noCommonFaults } from "../kit/faults.js";
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

export interface ServerState {
  world: World;
  creds: Credentials;
  faults: MyBeNextFaults;
  requests: RecordedRequest[];
  sessions: Map<string, { account: number; csrf: string }>;
  timers: Set<NodeJS.Timeout>;
}


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
  if (await connectionFaults(faults, state.timers, req, res)) return;

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

