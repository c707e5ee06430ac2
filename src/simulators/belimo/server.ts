/**
 * HTTP front of the Belimo Cloud simulator (node:http, no framework): the client API under
 * `/api/v3/` and BelimoID's token endpoint (`/oauth/token`, on its own port like the real
 * separate host): the request log, faults, authentication, the device-data rate limit and
 * routing. The token endpoint: identity.ts; the resources: resources.ts.
 */
import { DROP, HttpError, type Reply, apiError, notFound, oauthError } from "./errors.js";
import { handleIdentity } from "./identity.js";
import { deviceView, iso, jobView, listDevices, profileView, statsBody, timeseries, write } from "./resources.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { World } from "./world.js";
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
