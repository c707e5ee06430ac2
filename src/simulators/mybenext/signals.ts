/**
 * The simulated myBeNext home's clockwork: deterministic noise, daylight, number printing and
 * each value model's sampling period.
 */
import type { Model } from "./data.js";

export const SECOND = 1000;
export const HOUR = 3600 * SECOND;
export const DAY = 24 * HOUR;
export const TAU = 45 * 60 * SECOND; // room temperature time constant
export const FLAP_PERIOD = HOUR;

/** Timestamps: properties print whole seconds (as in the seed), failures/availability ms. */
export const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
export const isoMillis = (ms: number): string => new Date(ms).toISOString();

/** Deterministic hash of two integers to [0, 1). */
export function hash01(a: number, b: number): number {
  let h = Math.imul(a | 0, 0x9e3779b1) ^ Math.imul((b | 0) ^ Math.floor(b / 4294967296), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}

const NOISE_PERIODS = [173, 911, 3607, 14411];
const NOISE_WEIGHTS = [0.4, 0.3, 0.2, 0.1];
/** Smooth deterministic noise in [-1, 1]; `scale` stretches its periods. */
export function smooth(seed: number, t: number, scale = 1): number {
  let sum = 0;
  for (let i = 0; i < NOISE_PERIODS.length; i++) {
    const period = NOISE_PERIODS[i]! * scale * SECOND;
    sum += NOISE_WEIGHTS[i]! * Math.sin((2 * Math.PI * t) / period + 2 * Math.PI * hash01(seed, i));
  }
  return sum;
}
export const unit = (x: number): number => 0.5 + 0.5 * x;

/** Sunlight in the Netherlands (52° N, CET): 0 at night, up to 1 at a summer noon. */
export function daylight(t: number): number {
  const year = new Date(t).getUTCFullYear();
  const dayOfYear = (t - Date.UTC(year, 0, 1)) / DAY;
  const dayLength = 12.2 + 4.3 * Math.sin((2 * Math.PI * (dayOfYear - 80)) / 365.25); // hours
  const hour = (((t / HOUR + 1) % 24) + 24) % 24;
  const sunrise = 12.6 - dayLength / 2;
  if (hour <= sunrise || hour >= sunrise + dayLength) return 0;
  const strength = 0.45 + (0.55 * (dayLength - 7.9)) / (16.5 - 7.9);
  return strength * Math.sin((Math.PI * (hour - sunrise)) / dayLength);
}

export function format(n: number, decimals: number): string {
  const s = n.toFixed(decimals);
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

export function periodOf(model: Model): number {
  switch (model.kind) {
    case "battery":
      return 3600;
    case "fixed":
    case "setpoint":
      return 60;
    default:
      return model.period;
  }
}
