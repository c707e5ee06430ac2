/** What one endurance run aims at: the full run's targets, or the short CI run's smaller ones. */
export interface Params {
  short: boolean;
  seed: number;
  polls: number;
  tokens: number;
  brokerRestarts: number;
  /** Restarts of the Voltaware events broker (the simulator's), for the events connection's recovery. */
  eventsBrokerRestarts: number;
  refusingRestarts: number;
  diskFull: number;
  kills: number;
  cloudFaults: number;
  /** Simulated days the polls stand for: memory is sampled once a day. */
  days: number;
  /** Days at the start of the last daemon run not used for the memory slope. */
  warmupDays: number;
  perVendor: number;
  tokenLifetimeS: number;
  /** Give up (and fail) after this long. */
  maxMinutes: number;
  /** Kills happen before this fraction of the polls, so a long last run is left for the memory slope. */
  killsUntil: number;
  out: string;
  /** In CI (CI set) a refused tmpfs mount fails the run instead of skipping the disk-full episodes. */
  requireTmpfs: boolean;
}

const FULL = { polls: 100_000, tokens: 10_000, brokerRestarts: 100, eventsBrokerRestarts: 10, refusingRestarts: 20, diskFull: 20, kills: 20, cloudFaults: 100, days: 30, warmupDays: 2, perVendor: 8, tokenLifetimeS: 3, maxMinutes: 120, killsUntil: 0.45 };
const SHORT = { polls: 3_000, tokens: 300, brokerRestarts: 6, eventsBrokerRestarts: 1, refusingRestarts: 2, diskFull: 2, kills: 2, cloudFaults: 5, days: 15, warmupDays: 3, perVendor: 4, tokenLifetimeS: 3, maxMinutes: 6, killsUntil: 0.2 };

const ENV: Record<keyof typeof FULL, string> = {
  polls: "ENDURANCE_POLLS",
  tokens: "ENDURANCE_TOKENS",
  brokerRestarts: "ENDURANCE_BROKER_RESTARTS",
  eventsBrokerRestarts: "ENDURANCE_EVENTS_BROKER_RESTARTS",
  refusingRestarts: "ENDURANCE_REFUSING_RESTARTS",
  diskFull: "ENDURANCE_DISK_FULL",
  kills: "ENDURANCE_KILLS",
  cloudFaults: "ENDURANCE_CLOUD_FAULTS",
  days: "ENDURANCE_DAYS",
  warmupDays: "ENDURANCE_WARMUP_DAYS",
  perVendor: "ENDURANCE_SOURCES_PER_VENDOR",
  tokenLifetimeS: "ENDURANCE_TOKEN_LIFETIME_S",
  maxMinutes: "ENDURANCE_MAX_MINUTES",
  killsUntil: "ENDURANCE_KILLS_UNTIL",
};

export const USAGE = `npm run endurance [-- --short] [-- --out <file>] [-- --seed <n>]
  --short (or ENDURANCE_SHORT=1): the CI run, a few minutes, same checks, smaller counts.
  Counts (defaults: the full run): ${Object.entries(ENV)
    .map(([k, v]) => `${v} (${FULL[k as keyof typeof FULL]}, short ${SHORT[k as keyof typeof SHORT]})`)
    .join(", ")}, ENDURANCE_SEED.
  The full run writes docs/ENDURANCE.md; the short one prints its report and writes it to --out if given.
  Disk-full episodes need a tmpfs (root); without one they are skipped and said so, unless CI or ENDURANCE_REQUIRE_TMPFS=1.`;

export function readParams(argv: string[], env: NodeJS.ProcessEnv): Params {
  const short = argv.includes("--short") || env.ENDURANCE_SHORT === "1";
  const base = short ? SHORT : FULL;
  const values = { ...base };
  for (const key of Object.keys(ENV) as Array<keyof typeof FULL>) {
    const raw = env[ENV[key]];
    if (raw === undefined || raw === "") continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${ENV[key]} must be a number ≥ 0 (got ${JSON.stringify(raw)})`);
    values[key] = n;
  }
  if (values.refusingRestarts > values.brokerRestarts) throw new Error(`ENDURANCE_REFUSING_RESTARTS (${values.refusingRestarts}) is part of ENDURANCE_BROKER_RESTARTS (${values.brokerRestarts}) and cannot exceed it`);
  if (values.perVendor < 1) throw new Error("ENDURANCE_SOURCES_PER_VENDOR must be at least 1");
  if (values.days < values.warmupDays + 3) throw new Error(`ENDURANCE_DAYS must leave at least 3 days after the ${values.warmupDays} days of warm-up`);
  const at = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seed = Number(at("--seed") ?? env.ENDURANCE_SEED ?? 11);
  const requireTmpfs = (env.CI !== undefined && env.CI !== "" && env.CI !== "0" && env.CI !== "false") || env.ENDURANCE_REQUIRE_TMPFS === "1";
  return { short, seed, ...values, out: at("--out") ?? (short ? "" : "docs/ENDURANCE.md"), requireTmpfs };
}
