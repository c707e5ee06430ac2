/**
 * Simulator of the Climkit API (seed: climkit-api.de.txt) over real HTTP, for the demo and the
 * tests. The API lives under `<url>/api/v1`.
 *
 * Implemented: POST /auth (JWT, `valid_until: {"$date": ms}`), GET /all_installations,
 * /installation_infos/<site>, /meter_info/<site>, /<site>/sensors_list,
 * /<site>/sensor_data/<sensor> (t_s, t_e), POST /site_data/<site>/<type>,
 * /meter_data/<site>/<meter> (t_s, t_e, sampling_frequency 15T|H|D|M|Y) and
 * /meter_data_raw/<site>/<meter> (physical meters only). One request per second per API user:
 * a request that arrives less than a second after the previous one of the same user gets 429.
 * Timestamps: 15T rows carry the end of their period, coarser ones the start, in the site's
 * local time with offset and a space; sensor timestamps are epoch milliseconds.
 *
 * Time scaling: `periodMs` sets the real length of a "15T" period (tests use a second or two).
 */
import { demoSites } from "./data.js";
import { API_PREFIX, createHandler, noFaults, type ClimkitFaults, type RecordedRequest, type ServerState } from "./server.js";
import { World, type SimSite } from "./world.js";
import { clearTimers } from "../kit/faults.js";
import { startServer } from "../kit/server.js";
import type { SimulatorControls } from "../kit/simulator.js";

export { API_PREFIX } from "./server.js";
export type { ClimkitFaults, RecordedRequest } from "./server.js";
export type { SimMeter, SimSensor, SimSite } from "./world.js";
export { demoSites, sampleSites, meter, sensor, site } from "./data.js";
export { formatLocal, parseRequestTime } from "./time.js";

export interface ClimkitSimulatorOptions {
  /** default 0 = ephemeral */
  port?: number;
  /** default "127.0.0.1" */
  host?: string;
  /** default "demo" */
  username?: string;
  /** default "demo-password" */
  password?: string;
  /** The sites the user sees; default: the demo site. */
  sites?: SimSite[];
  /** Token lifetime; default 15 minutes (the seed). */
  tokenLifetimeMs?: number;
  /** Minimum gap between two requests of one user; default 1000 (1 request/second). 0 turns the limit off. */
  rateLimitMs?: number;
  /** Real length of a "15T" period, whole seconds; default 15 minutes. */
  periodMs?: number;
  /** Periods of history before the start; default 672 (a week of 15 minutes). */
  historyPeriods?: number;
  /** Validated data lag behind the raw data; default one period. */
  validationLagMs?: number;
  /** Sensor sampling interval; default a third of a period. */
  sensorPeriodMs?: number;
  /** How far back sensor_data reaches; default 7 days. */
  sensorHistoryMs?: number;
  /** Request log entries kept (oldest dropped first); default 20000. */
  maxLog?: number;
}

export interface ClimkitSimulator extends SimulatorControls<ClimkitFaults, RecordedRequest> {
  /** e.g. "http://127.0.0.1:41234" */
  url: string;
  /** The API root to configure as base_url: `<url>/api/v1`. */
  apiUrl: string;
  world: World;
  /** Tokens issued so far (logins). */
  readonly tokensIssued: number;
  /** The tokens issued so far, for tests that check they never leak. */
  issuedTokens(): string[];
  /** Every token issued so far expires now (their `valid_until` passes). */
  expireTokens(): void;
  /** Every token issued so far is revoked (401 "Token has been revoked"). */
  revokeTokens(): void;
}

export async function startClimkitSimulator(options: ClimkitSimulatorOptions = {}): Promise<ClimkitSimulator> {
  const username = options.username ?? "demo";
  const password = options.password ?? "demo-password";
  // Timestamps are written to the second: shorter periods would share them.
  if (options.periodMs !== undefined && (options.periodMs < 1000 || options.periodMs % 1000 !== 0)) throw new Error(`periodMs must be whole seconds, got ${options.periodMs}`);
  const world = new World(options.sites ?? demoSites(), {
    periodMs: options.periodMs,
    historyPeriods: options.historyPeriods,
    validationLagMs: options.validationLagMs,
    sensorPeriodMs: options.sensorPeriodMs,
  });
  const state: ServerState = {
    world,
    users: new Map([[username, password]]),
    tokens: new Map(),
    issued: 0,
    faults: noFaults(),
    requests: [],
    maxLog: options.maxLog ?? 20_000,
    lastArrival: new Map(),
    rateLimitMs: options.rateLimitMs ?? 1000,
    tokenLifetimeMs: options.tokenLifetimeMs ?? 15 * 60_000,
    sensorHistoryMs: options.sensorHistoryMs ?? 7 * 86_400_000,
    timers: new Set(),
  };
  const http = await startServer(createHandler(state), options);
  const url = http.url;

  return {
    url,
    apiUrl: `${url}${API_PREFIX}`,
    get requests() {
      return state.requests;
    },
    faults: state.faults,
    world,
    get tokensIssued() {
      return state.issued;
    },
    issuedTokens() {
      return [...state.tokens.keys()];
    },
    clearRequests() {
      state.requests.length = 0;
    },
    resetFaults() {
      Object.assign(state.faults, noFaults());
    },
    expireTokens() {
      const now = Date.now();
      for (const t of state.tokens.values()) t.expiresAt = Math.min(t.expiresAt, now);
    },
    revokeTokens() {
      for (const t of state.tokens.values()) t.revoked = true;
    },
    close() {
      clearTimers(state.timers);
      return http.close();
    },
  };
}
