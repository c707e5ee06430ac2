/** Query filters of the list endpoints (`?id=1,2`, `?name=Living*`, `?from=…`) and the API's time reading. */
import { ApiError, ERROR_CODES, badRequest } from "./errors.js";
export interface Row {
  id: number | string;
  account: number | null;
  obj: Record<string, unknown>;
  /** Extra attributes that filters look at. */
  meta: Record<string, unknown>;
}

export type RowFilter = (row: Row) => boolean;
export type FilterFactory = (raw: string, name: string) => RowFilter;

export function invalidParam(name: string, raw: string): ApiError {
  return badRequest(null, `invalid value '${raw}' for query parameter ${name}`, ERROR_CODES.invalidParameter);
}

export const intList =
  (get: (r: Row) => unknown): FilterFactory =>
  (raw, name) => {
    const parts = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (parts.some((p) => !/^-?\d+$/.test(p))) throw invalidParam(name, raw);
    const set = new Set(parts.map(Number));
    return (r) => set.has(get(r) as number);
  };

export const strList =
  (get: (r: Row) => unknown): FilterFactory =>
  (raw) => {
    const set = new Set(raw.split(",").map((s) => s.trim()).filter((s) => s !== ""));
    return (r) => set.has(String(get(r)));
  };

export const bool =
  (test: (r: Row, v: boolean) => boolean): FilterFactory =>
  (raw, name) => {
    const v = raw.toLowerCase();
    if (v !== "true" && v !== "false") throw invalidParam(name, raw);
    return (r) => test(r, v === "true");
  };

export function likeRegex(pattern: string): RegExp {
  let re = "";
  for (const ch of pattern) re += ch === "%" ? ".*" : ch === "_" ? "." : ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`^${re}$`, "is");
}

export const like =
  (...gets: ((r: Row) => unknown)[]): FilterFactory =>
  (raw) => {
    const re = likeRegex(raw);
    return (r) => gets.some((g) => re.test(String(g(r) ?? "")));
  };

export const timeFilter =
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
export function amsterdamOffset(wall: number): number {
  if (!amsterdamFormat) return 3_600_000;
  const offsetAt = (utc: number): number => {
    const parts = Object.fromEntries(amsterdamFormat.formatToParts(new Date(utc)).map((p) => [p.type, p.value]));
    const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
    return local - utc;
  };
  const first = offsetAt(wall - 3_600_000);
  return offsetAt(wall - first);
}

