/** The API's resources: device lists and views, data profiles, jobs, writes and time series. */
import { type SimDatapointDef, type SimProfileDef, profileRefOf } from "./data.js";
import { type Reply, badRequest } from "./errors.js";
import { type ServerState } from "./server.js";
import { type SimDevice, type SimJob, type World, readable } from "./world.js";
const MAX_LIMIT = 2000;
const DEFAULT_LIMIT = 20;
const MAX_POINTS = 10_000;

export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw badRequest(`query parameter '${name}' must be an integer, got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw badRequest(`query parameter '${name}' must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function listDevices(state: ServerState, query: URLSearchParams): Reply {
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

export function statsBody(state: ServerState): Record<string, unknown> {
  const s = state.world.stats();
  if (state.settings.statsShape === "flat") {
    return { totalDevices: s.total, offline: s.offline, online: s.online, problem: s.problem, ok: s.ok, incoming: 0, outgoing: 0 };
  }
  return { totalDevices: s.total, connection: { offline: s.offline, online: s.online }, health: { problem: s.problem, ok: s.ok }, transfer: { incoming: 0, outgoing: 0 } };
}

export function profileRefView(world: World, d: SimDevice): Record<string, string> | null {
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
export function deviceView(state: ServerState, d: SimDevice, full: boolean): Record<string, unknown> {
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

export function profileView(p: SimProfileDef): Record<string, unknown> {
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

export function jobView(job: SimJob): Record<string, unknown> {
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
export function write(state: ServerState, d: SimDevice, text: string): SimJob {
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

export function checkValue(def: SimDatapointDef, value: unknown): void {
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

export function parseTime(raw: string | null, name: string): number | undefined {
  if (raw === null) return undefined;
  const t = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(t) || !/^\d+$|^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)) throw badRequest(`query parameter '${name}' must be an ISO-8601 timestamp or epoch milliseconds, got '${raw}'`);
  return t;
}

/** `data/history/timeseries`: buckets of `resolution` from `from` to `to`, each the aggregate of the datapoint over it. */
export function timeseries(state: ServerState, d: SimDevice, query: URLSearchParams): Record<string, unknown> {
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

export function iso(ms: number, millis = false): string {
  const s = new Date(ms).toISOString();
  return millis ? s : s.replace(/\.\d{3}Z$/, "Z");
}
