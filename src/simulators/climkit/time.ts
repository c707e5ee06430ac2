/**
 * Time zones for the Climkit simulator: responses carry local time with its offset and a space
 * (`2026-03-22 05:30:00+01:00`); requests carry timezone-naive UTC (`2026-03-22T04:30:00`).
 */

const formats = new Map<string, Intl.DateTimeFormat>();

function format(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formats.set(tz, f);
  }
  return f;
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localParts(ms: number, tz: string): LocalParts {
  const p = Object.fromEntries(format(tz).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second) };
}

/** Offset of the zone at an instant, in ms (local − UTC). */
export function offsetAt(ms: number, tz: string): number {
  const whole = ms - (((ms % 1000) + 1000) % 1000);
  const p = localParts(whole, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

/** The instant of a local wall-clock time in a zone (the earlier one where DST repeats an hour). */
export function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, second: number, tz: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  return wall - offsetAt(wall - offsetAt(wall, tz), tz);
}

const pad = (n: number, w = 2): string => String(Math.abs(n)).padStart(w, "0");

/** `2026-03-22 05:30:00+01:00`: local time in the zone, with its offset and a space. */
export function formatLocal(ms: number, tz: string): string {
  const p = localParts(ms, tz);
  const off = Math.round(offsetAt(ms, tz) / 60_000);
  const sign = off < 0 ? "-" : "+";
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/** Local hour of day as a fraction (5.5 = 05:30). */
export function localHour(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return p.hour + p.minute / 60 + p.second / 3600;
}

export type Frequency = "15T" | "H" | "D" | "M" | "Y";
export const FREQUENCIES: readonly Frequency[] = ["15T", "H", "D", "M", "Y"];

/** Start (instant) of the local hour, day, month or year that contains `ms`. */
export function bucketStart(ms: number, freq: Exclude<Frequency, "15T">, tz: string): number {
  const p = localParts(ms, tz);
  if (freq === "H") return ms - ((p.minute * 60 + p.second) * 1000 + (((ms % 1000) + 1000) % 1000));
  if (freq === "D") return zonedToUtc(p.year, p.month, p.day, 0, 0, 0, tz);
  if (freq === "M") return zonedToUtc(p.year, p.month, 1, 0, 0, 0, tz);
  return zonedToUtc(p.year, 1, 1, 0, 0, 0, tz);
}

/** The longest bucket of a frequency, to bound scans. */
export const BUCKET_SPAN_MS: Record<Exclude<Frequency, "15T">, number> = { H: 3_600_000, D: 25 * 3_600_000, M: 32 * 86_400_000, Y: 367 * 86_400_000 };

const REQUEST_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A t_s / t_e parameter, as Python's `datetime.fromisoformat` reads it: a naive time is UTC (the
 * seed: "zeitzonenunabhängig in UTC"); an offset or Z is honoured. Undefined when unreadable.
 */
export function parseRequestTime(raw: string): number | undefined {
  const m = REQUEST_TIME.exec(raw.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "0", zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const wall = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), Math.floor(Number(`0.${frac}`) * 1000));
  if (new Date(wall).getUTCDate() !== day) return undefined;
  if (zone === undefined || zone === "Z") return wall;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  return wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}
