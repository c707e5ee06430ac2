/**
 * Which periods Voltaware has results for (seed, "Disaggregation"): a calendar month is computed
 * at the start of the next month and its results are there from the 3rd; the current month never
 * is. A week (Monday to Sunday) is taken to follow the same rule: it is there once every day of it
 * lies in a month whose results are out. Dates are UTC.
 */

export interface Month {
  year: number;
  /** 1–12 */
  month: number;
}

export interface Week {
  /** Monday, YYYY-MM-DD */
  start: string;
  /** Sunday, YYYY-MM-DD */
  end: string;
}

/** Day of the month from which the previous month's results exist. */
export const RESULTS_DAY = 3;
const DAY_MS = 86_400_000;

export function addMonths(m: Month, n: number): Month {
  const index = m.year * 12 + (m.month - 1) + n;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** The newest month with results: the previous one from the 3rd on, the one before until then. */
export function lastAvailableMonth(now: Date, resultsDay = RESULTS_DAY): Month {
  const current = { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1 };
  return addMonths(current, now.getUTCDate() >= resultsDay ? -1 : -2);
}

/** The newest Monday–Sunday week that ends within the newest month with results. */
export function lastAvailableWeek(now: Date, resultsDay = RESULTS_DAY): Week {
  const month = lastAvailableMonth(now, resultsDay);
  const lastDay = Date.UTC(month.year, month.month, 0);
  const sunday = lastDay - new Date(lastDay).getUTCDay() * DAY_MS;
  return { start: isoDate(sunday - 6 * DAY_MS), end: isoDate(sunday) };
}

export function monthKey(m: Month): string {
  return `${m.year}-${String(m.month).padStart(2, "0")}`;
}

export function weekKey(w: Week): string {
  return `${w.start}/${w.end}`;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
