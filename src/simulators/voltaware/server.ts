/**
 * HTTP front of the Voltaware simulator (node:http): the documented paths, bodies and status
 * codes of voltaware-api.txt, bearer tokens with their lifetimes, faults and the request log.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { appliancesProblem, geolocationProblem, propertyProblem } from "./validate.js";
import { isoDate, type SimSensor, type World } from "./world.js";
import { echoedRequest } from "../kit/echo.js";
import type { RecordedRequest } from "../kit/requests.js";
import { connectionFaults, type CommonFaults, noCommonFaults } from "../kit/faults.js";
import { endWith, headerRecord, withBody } from "../kit/server.js";

export type { RecordedRequest };

/** The common faults (`unauthorizedNext` hits /sensors only, /auth is spared by `body`), and: */
export interface VoltawareFaults extends CommonFaults {
  /** The next n metadata requests answer 403, as for a meter the token's cache does not know yet. */
  forbiddenNext: number;
}

export const noFaults = (): VoltawareFaults => ({ ...noCommonFaults(), forbiddenNext: 0 });

export type SensorListFormat = "strings" | "numbers" | "seed";

export interface ServerState {
  world: World;
  faults: VoltawareFaults;
  requests: RecordedRequest[];
  sensorListFormat: SensorListFormat;
  /** Requests per second before 429; undefined: no limit (the seed names none). */
  rateLimitPerSecond: number | undefined;
  recent: number[];
  timers: Set<NodeJS.Timeout>;
}

class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
    /** The body is text to send as it is. */
    readonly raw = false,
  ) {}
}

const error = (status: number, message: string, headers: Record<string, string> = {}): Reply => new Reply(status, { status, message }, headers);
const DAY = 86_400_000;
const METADATA_SECTIONS = ["property", "appliances", "geolocation"] as const;

export function createHandler(state: ServerState): RequestListener {
  return withBody((req, res, body, time) => handle(state, req, res, body, time), (err) => ({ status: 500, message: `simulator error: ${String(err)}` }));
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse, rawBody: Buffer, time: number): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = (req.method ?? "GET").toUpperCase();
  const headers = headerRecord(req);
  const query = Object.fromEntries(url.searchParams);
  const text = rawBody.toString("utf8");
  let body: unknown = text === "" ? undefined : text;
  try {
    if (text !== "") body = JSON.parse(text);
  } catch {
    // kept as text
  }
  const record: RecordedRequest = { method, path: url.pathname, query, headers, body, status: 0, time };
  state.requests.push(record);

  const { faults } = state;
  if (await connectionFaults(faults, state.timers, req, res)) return;
  let reply: Reply;
  if (faults.rateLimitNext > 0 || overLimit(state)) {
    if (faults.rateLimitNext > 0) faults.rateLimitNext--;
    reply = error(429, "Too Many Requests", { "Retry-After": "1" });
  } else if (faults.unauthorizedNext > 0 && url.pathname.startsWith("/sensors")) {
    faults.unauthorizedNext--;
    reply = error(401, "Unauthorized: the access token has expired");
  } else if (faults.echo) {
    reply = new Reply(500, echoedRequest(req, text), {}, true);
  } else if (faults.status500) {
    reply = error(500, "Internal Server Error");
  } else if (faults.malformed) {
    reply = new Reply(200, '{"connection_state": "connected", "firmware": "1123', {}, true);
  } else if (faults.body !== null && !url.pathname.startsWith("/auth")) {
    reply = new Reply(200, faults.body, {}, true);
  } else {
    reply = route(state, method, url, headers, body, text);
  }
  send(res, record, reply, headers);
}

function overLimit(state: ServerState): boolean {
  if (state.rateLimitPerSecond === undefined) return false;
  const now = Date.now();
  while (state.recent.length > 0 && (state.recent[0] as number) <= now - 1000) state.recent.shift();
  if (state.recent.length >= state.rateLimitPerSecond) return true;
  state.recent.push(now);
  return false;
}

function send(res: ServerResponse, record: RecordedRequest, reply: Reply, reqHeaders: Record<string, string | undefined>): void {
  if (res.destroyed || res.writableEnded) return;
  record.status = reply.status;
  const text = reply.body === undefined ? "" : reply.raw ? String(reply.body) : JSON.stringify(reply.body);
  res.statusCode = reply.status;
  if (text !== "") res.setHeader("Content-Type", "application/json");
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  endWith(res, text, text !== "" && /\bgzip\b/.test(reqHeaders["accept-encoding"] ?? ""));
}

function route(state: ServerState, method: string, url: URL, headers: Record<string, string | undefined>, body: unknown, text: string): Reply {
  const { world } = state;
  const path = url.pathname.replace(/\/+$/, "");
  if (path === "/auth/token" || path === "/auth/token/refresh") {
    if (method !== "POST") return error(405, "Method Not Allowed");
    if (!(headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) return error(415, "Content-Type must be application/json");
    if (typeof body !== "object" || body === null || Array.isArray(body)) return error(400, text === "" ? "a JSON body is required" : "the body is not a JSON object");
    const b = body as Record<string, unknown>;
    if (path === "/auth/token") {
      if (b.grant_type !== "client_credentials") return error(400, "grant_type must be client_credentials");
      if (b.client_id !== world.opts.clientId || b.client_secret !== world.opts.clientSecret) return error(401, "invalid client credentials");
      return new Reply(200, world.issueToken(false));
    }
    if (b.grant_type !== "refresh_token") return error(400, "grant_type must be refresh_token");
    if (b.client_id !== world.opts.clientId || typeof b.refresh_token !== "string" || !world.refreshValid(b.refresh_token)) {
      return error(401, "invalid or expired refresh token");
    }
    return new Reply(200, world.issueToken(true));
  }

  const seg = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
  if (seg[0] !== "sensors") return error(404, `no resource at ${url.pathname}`);
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "");
  const token = bearer ? world.accessToken(bearer[1] as string) : undefined;
  if (!token) return error(401, bearer ? "Unauthorized: the access token is invalid or has expired" : "Unauthorized: generate an access token");

  if (seg.length === 1) {
    if (method !== "GET") return error(405, "Method Not Allowed");
    const ids = [...world.sensors.values()].filter((s) => s.connectionState !== null || s.firstEvent !== null).map((s) => s.id);
    if (state.sensorListFormat === "strings") return new Reply(200, ids);
    if (state.sensorListFormat === "numbers") return new Reply(200, ids.map((id) => (/^\d+$/.test(id) ? Number(id) : id)));
    return new Reply(200, `[\n  ${ids.join(", \n  ")}\n]`, {}, true);
  }
  const id = seg[1] as string;
  const sensor = world.sensors.get(id);
  const rest = seg.slice(2).join("/");

  if (seg[2] === "metadata" && seg.length === 4 && (METADATA_SECTIONS as readonly string[]).includes(seg[3] as string)) {
    const section = seg[3] as (typeof METADATA_SECTIONS)[number];
    const forced = state.faults.forbiddenNext > 0;
    if (forced) state.faults.forbiddenNext--;
    if (forced || !world.knowsForMetadata(id, token)) return error(403, "Forbidden: send an event for this device, then get a new access token, before sending metadata");
    if (method === "GET") {
      const stored = world.metadata.get(id)?.[section];
      return stored ? new Reply(200, stored) : error(404, `no ${section} set for ${id}`);
    }
    if (method !== "PUT") return error(405, "Method Not Allowed");
    const problem = section === "property" ? propertyProblem(body) : section === "appliances" ? appliancesProblem(body) : geolocationProblem(body);
    if (problem) return error(400, problem);
    world.metadata.set(id, { ...world.metadata.get(id), [section]: body as Record<string, unknown> });
    return new Reply(204);
  }

  if (!sensor || (sensor.connectionState === null && sensor.firstEvent === null)) return error(404, `sensor ${id} not found`);
  if (method !== "GET") return error(405, "Method Not Allowed");
  if (seg.length === 2) return new Reply(200, world.sensorView(sensor));
  return results(world, sensor, rest, url.searchParams) ?? error(404, `no resource at ${url.pathname}`);
}

/** The disaggregation, cycles and report endpoints; undefined for an unknown path. */
function results(world: World, s: SimSensor, path: string, q: URLSearchParams): Reply | undefined {
  const monthly = ["sm/disag/month", "sm/disag/month/weeks", "sm/disag/cycles/monthly", "sm/reports/monthly"];
  const weekly = ["sm/disag/week", "sm/disag/cycles/weekly", "sm/reports/weekly"];
  let from: number;
  let to: number;
  let period: string;
  if (monthly.includes(path)) {
    const year = Number(q.get("year"));
    const month = Number(q.get("month"));
    if (!Number.isInteger(year) || year < 2000 || !Number.isInteger(month) || month < 1 || month > 12) return error(400, "year and month are required (month 1-12)");
    from = Date.UTC(year, month - 1, 1);
    to = Date.UTC(year, month, 0);
    period = `${year}-${month}`;
  } else if (weekly.includes(path)) {
    const start = q.get("startDate") ?? "";
    const end = q.get("endDate") ?? "";
    from = Date.parse(`${start}T00:00:00Z`);
    to = Date.parse(`${end}T00:00:00Z`);
    if (!/^\d{4}-\d\d-\d\d$/.test(start) || !/^\d{4}-\d\d-\d\d$/.test(end) || Number.isNaN(from) || Number.isNaN(to)) return error(400, "startDate and endDate are required (YYYY-MM-DD)");
    if (new Date(from).getUTCDay() !== 1 || to - from !== 6 * DAY) return error(400, "startDate and endDate must be a Monday and the Sunday of the same week");
    period = `${start}/${end}`;
  } else {
    return undefined;
  }
  if (!world.available(s, from, to)) return error(404, "Not Found: no results for this period (yet)");
  const days = Math.round((to - from) / DAY) + 1;
  const disag = world.disaggregation(s, period, days);
  switch (path) {
    case "sm/disag/month":
    case "sm/disag/week":
      return new Reply(200, disag);
    case "sm/disag/month/weeks": {
      const weeks: unknown[] = [];
      for (let start = from; start <= to; ) {
        const sunday = start + ((7 - new Date(start).getUTCDay()) % 7) * DAY;
        const end = Math.min(sunday, to);
        const d = world.disaggregation(s, `${isoDate(start)}/${isoDate(end)}`, Math.round((end - start) / DAY) + 1);
        weeks.push({ from: isoDate(start), to: isoDate(end), total_consumption: d.total_consumption, appliances: d.appliances });
        start = end + DAY;
      }
      return new Reply(200, { total_consumption: disag.total_consumption, disconnection_percentage: disag.disconnection_percentage, weeks });
    }
    case "sm/disag/cycles/monthly":
    case "sm/disag/cycles/weekly":
      return new Reply(200, world.cycles(s, from, days));
    default: {
      const week = path === "sm/reports/weekly";
      const daysList = world.dayByDay(s, from, days);
      const total = daysList.reduce((sum, d) => sum + d.total_consumption, 0);
      const sorted = [...daysList].sort((a, b) => a.total_consumption - b.total_consumption);
      const kgco2 = (disag.total_consumption / 1000) * 0.519;
      const name = week ? "week" : "month";
      return new Reply(200, {
        day_by_day_metrics: {
          days_without_consumption: 0,
          total_consumed_on_week_days: round5(daysList.filter((d) => !d.weekend).reduce((sum, d) => sum + d.total_consumption, 0)),
          total_consumed_on_weekend_days: round5(daysList.filter((d) => d.weekend).reduce((sum, d) => sum + d.total_consumption, 0)),
          [`total_${name}_consumption`]: round5(total),
          [`average_${name}_consumption`]: round5(total / days),
          [`max_${name}_consumption`]: sorted.at(-1),
          [`min_${name}_consumption`]: sorted[0],
          days: daysList,
        },
        disaggregation_metrics: disag,
        carbon_footprint: { kgco2: round5(kgco2), trees: round5(kgco2 * 0.5346) },
        version: 1,
      });
    }
  }
}

function round5(n: number): number {
  return Math.round(n * 1e5) / 1e5;
}
