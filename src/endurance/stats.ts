/** Least-squares slope of y over x; 0 for fewer than two points. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The standard error of the least-squares slope: how far chance alone moves it. */
export function slopeStandardError(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 3) return Infinity;
  const b = slope(points);
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const a = my - b * mx;
  const residual = points.reduce((s, p) => s + (p.y - a - b * p.x) ** 2, 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? Infinity : Math.sqrt(residual / (n - 2) / sxx);
}

/**
 * Theil–Sen slope: the median of the slopes between every two points. One odd sample (the RSS
 * right after a large allocation, a late collection) does not tilt it as it tilts least squares.
 */
export function robustSlope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i] as { x: number; y: number };
      const b = points[j] as { x: number; y: number };
      if (b.x !== a.x) slopes.push((b.y - a.y) / (b.x - a.x));
    }
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const mid = Math.floor(slopes.length / 2);
  return slopes.length % 2 === 1 ? (slopes[mid] as number) : ((slopes[mid - 1] as number) + (slopes[mid] as number)) / 2;
}

/** The simulators' seeded PRNG: a failing run can be repeated with the same faults. */
export { prng } from "../simulators/kit/random.js";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
