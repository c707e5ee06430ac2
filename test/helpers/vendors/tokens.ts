/**
 * faults-tokens.test.ts, per vendor: clouds whose tokens are struck mid-run (expired, revoked)
 * with the token requests each strike must cost, and clouds whose tokens run out on their own.
 */
import { startBelimoSimulator, type BelimoSimulator } from "../../../src/simulators/belimo/index.js";
import { startClimkitSimulator, type ClimkitSimulator } from "../../../src/simulators/climkit/index.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../../src/simulators/voltaware/index.js";
import { startWiotysSimulator, type WiotysSimulator } from "../../../src/simulators/wiotys/index.js";
import { belimoSource, climkitSource, tinyClimkitSites, voltawareSource, wiotysSource } from "./sources.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The cases of one vendor: struck mid-run, and left to run out on their own (never struck). */
export interface TokenCases {
  struck: TokenCase[];
  natural: TokenCase[];
}

// Answers take a while, so a strike finds several requests in flight (their tokens are checked
// after the wait) and they all meet the 401 together.
const SLOW_MS = 200;
const NONE: TokenCounts = { logins: 0, refreshes: 0, failedRefreshes: 0 };
const nothing = () => undefined;

/** Token requests a cloud saw: full logins with the credentials, and refreshes. */
export interface TokenCounts {
  logins: number;
  refreshes: number;
  failedRefreshes: number;
}

export interface TokenCase {
  /** Source id. */
  id: string;
  source: Record<string, unknown>;
  counts(): TokenCounts;
  /** Requests the API answered 401 so far. */
  rejected(): number;
  /** API requests the cloud has received and not answered yet. */
  inFlight(): number;
  /** What happens to the tokens mid-run. */
  strike(): void;
  /** Token requests the strike must cost, no more, no fewer. */
  expect: TokenCounts;
  /** Several requests are in flight together: the strike must meet more than one of them. */
  concurrent: boolean;
  /** The vendor issues refresh tokens: a token that runs out is refreshed, not logged in again. */
  refreshes: boolean;
  close(): Promise<void>;
}

function belimoCase(id: string, sim: BelimoSimulator, strike: (s: BelimoSimulator) => void, expected: TokenCounts): TokenCase {
  return {
    id,
    // Two requests in flight at most: before the fix, two retried 401s took every slot for good.
    source: belimoSource(sim, id, { max_in_flight: 2 }),
    counts: () => {
      const c = sim.tokenCounters();
      return { logins: c.logins, refreshes: c.refreshes, failedRefreshes: c.failedRefreshes };
    },
    rejected: () => sim.requests.filter((r) => r.server === "api" && r.status === 401).length,
    inFlight: () => sim.requests.filter((r) => r.server === "api" && r.status === 0).length,
    strike: () => strike(sim),
    expect: expected,
    concurrent: true,
    refreshes: true,
    close: () => sim.close(),
  };
}

function wiotysCase(id: string, sim: WiotysSimulator, strike: (s: WiotysSimulator) => void, expected: TokenCounts): TokenCase {
  const tokenRequests = (grant: string) => sim.requests.filter((r) => r.path.endsWith("/token") && (r.body as Json | undefined)?.grant_type === grant);
  return {
    id,
    // One device per last-values request: the SoLink account's devices are read four at a time.
    // Before the fix, four retried 401s took every rate-limiter slot for good.
    source: wiotysSource(sim, id, { corporate_account: "SoLink", batch_size: 1 }),
    counts: () => ({ logins: sim.grants.password, refreshes: sim.grants.refresh_token, failedRefreshes: tokenRequests("refresh_token").filter((r) => r.status !== 200).length }),
    rejected: () => sim.requests.filter((r) => r.path.startsWith("/api/") && r.status === 401).length,
    inFlight: () => sim.requests.filter((r) => r.path.startsWith("/api/") && r.status === 0).length,
    strike: () => strike(sim),
    expect: expected,
    concurrent: true,
    refreshes: true,
    close: () => sim.close(),
  };
}

function voltawareCase(id: string, sim: VoltawareSimulator, strike: (s: VoltawareSimulator) => void, expected: TokenCounts): TokenCase {
  return {
    id,
    source: voltawareSource(sim, id),
    counts: () => ({
      logins: sim.tokenStats.logins,
      refreshes: sim.tokenStats.refreshes,
      failedRefreshes: sim.requests.filter((r) => r.path === "/auth/token/refresh" && r.status !== 200).length,
    }),
    rejected: () => sim.requests.filter((r) => r.path.startsWith("/sensors") && r.status === 401).length,
    inFlight: () => sim.requests.filter((r) => r.path.startsWith("/sensors") && r.status === 0).length,
    strike: () => strike(sim),
    expect: expected,
    // The sensors are read side by side, two requests in flight (all the rate limiter allows).
    concurrent: true,
    refreshes: true,
    close: () => sim.close(),
  };
}

function climkitCase(id: string, sim: ClimkitSimulator, strike: (s: ClimkitSimulator) => void): TokenCase {
  return {
    id,
    source: climkitSource(sim, id),
    // Climkit has no refresh token: a JWT that stops working costs one login.
    counts: () => ({ logins: sim.tokensIssued, refreshes: 0, failedRefreshes: 0 }),
    rejected: () => sim.requests.filter((r) => r.status === 401).length,
    inFlight: () => 0,
    strike: () => strike(sim),
    expect: { logins: 1, refreshes: 0, failedRefreshes: 0 },
    // One request at a time (the API allows one a second).
    concurrent: false,
    refreshes: false,
    close: () => sim.close(),
  };
}

export async function belimoTokenCases(): Promise<TokenCases> {
  const belimo = async () => {
    const sim = await startBelimoSimulator({ valves: 6, actuators: 0, unregistered: 0, deviceDataRate: 50, deviceDataBurst: 20, maxInFlight: 10 });
    sim.faults.slowMs = SLOW_MS;
    return sim;
  };
  return {
    struck: [
      belimoCase("belimo_expired", await belimo(), (s) => s.expireAccessTokens(), { logins: 0, refreshes: 1, failedRefreshes: 0 }),
      belimoCase("belimo_revoked", await belimo(), (s) => (s.revokeRefreshTokens(), s.expireAccessTokens()), { logins: 1, refreshes: 0, failedRefreshes: 1 }),
    ],
    natural: [belimoCase("belimo_lifetime", await startBelimoSimulator({ valves: 2, actuators: 0, unregistered: 0, deviceDataRate: 50, deviceDataBurst: 20, accessTokenLifetimeS: 4 }), nothing, NONE)],
  };
}

export async function wiotysTokenCases(): Promise<TokenCases> {
  const wiotys = async () => {
    const sim = await startWiotysSimulator({});
    Object.assign(sim.faults, { slowMs: SLOW_MS, pathFilter: "/api/" });
    return sim;
  };
  return {
    struck: [
      wiotysCase("wiotys_expired", await wiotys(), (s) => s.expireAccessTokens(), { logins: 0, refreshes: 1, failedRefreshes: 0 }),
      wiotysCase("wiotys_revoked", await wiotys(), (s) => s.revokeSessions(), { logins: 1, refreshes: 0, failedRefreshes: 1 }),
    ],
    natural: [wiotysCase("wiotys_lifetime", await startWiotysSimulator({ accessTokenLifetime: 4 }), nothing, NONE)],
  };
}

export async function voltawareTokenCases(): Promise<TokenCases> {
  const voltaware = async () => {
    const sim = await startVoltawareSimulator();
    sim.faults.slowMs = SLOW_MS;
    return sim;
  };
  return {
    struck: [
      voltawareCase("voltaware_expired", await voltaware(), (s) => s.revokeAccessTokens(), { logins: 0, refreshes: 1, failedRefreshes: 0 }),
      voltawareCase("voltaware_revoked", await voltaware(), (s) => (s.revokeRefreshTokens(), s.revokeAccessTokens()), { logins: 1, refreshes: 0, failedRefreshes: 1 }),
    ],
    natural: [voltawareCase("voltaware_lifetime", await startVoltawareSimulator({ tokenLifetimeSecs: 4 }), nothing, NONE)],
  };
}

export async function climkitTokenCases(): Promise<TokenCases> {
  return {
    struck: [
      climkitCase("climkit_expired", await startClimkitSimulator({ sites: tinyClimkitSites(), periodMs: 1_000 }), (s) => s.expireTokens()),
      climkitCase("climkit_revoked", await startClimkitSimulator({ sites: tinyClimkitSites(), periodMs: 1_000 }), (s) => s.revokeTokens()),
    ],
    natural: [climkitCase("climkit_lifetime", await startClimkitSimulator({ sites: tinyClimkitSites(), periodMs: 1_000, tokenLifetimeMs: 3_000 }), nothing)],
  };
}
