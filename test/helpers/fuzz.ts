/** The seeded generator the command fuzz tests share, so a failure can be replayed. */

/** A small deterministic PRNG (a linear congruential one): the same seed, the same run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** 1 to 40 random UTF-16 code units, lone surrogates and control characters included. */
export function randomText(random: () => number): string {
  return String.fromCharCode(...Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 0xffff)));
}

/** A 1 MiB payload. */
export const HUGE = "x".repeat(1024 * 1024);
