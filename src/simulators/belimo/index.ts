/**
 * Simulator of the Belimo Cloud (seed: belimo-cloud-api.txt; shapes from Belimo's published client
 * API v3 spec) over real HTTP, for the demo and the tests. Two listeners, like the two real hosts:
 * the API (`<url>/api/v3/…`, cloud.belimo.com) and BelimoID's token endpoint (`tokenUrl`,
 * id.belimo.com/oauth/token).
 *
 * Implemented: the OAuth2 password and refresh_token grants (client id + secret, audience, scopes
 * `offline_access read:dataprofile`, access tokens that expire, refresh tokens that can be
 * revoked), `GET /devices` (state, search, sort, `limit` default 20 max 2000, `offset`,
 * `paging.total`), `GET /devices/stats` (nested or flat), `GET /devices/<id>` and
 * `GET|POST /devices/<id>/data`, `GET /devices/<id>/data/history/timeseries` (`datapointIds`,
 * `from`, `to`, `resolution`, `aggregation`), `GET /jobs/<id>`,
 * `GET /definitions/dataprofiles/<id>/<version>`. Device-data requests are limited (default 2
 * per second, at most 5 in flight): beyond that 429 with Retry-After. Other paths 404, other
 * methods 405.
 */
import { clearTimers } from "../kit/faults.js";
import { startServer, type SimulatorServer } from "../kit/server.js";
import { createHandler, noFaults, type BelimoFaults, type Credentials, type RecordedRequest, type ServerState, type Settings } from "./server.js";
import { World, type HealthState, type SimJob } from "./world.js";
import type { SimulatorControls } from "../kit/simulator.js";

export type { BelimoFaults, RecordedRequest, Settings } from "./server.js";
export type { SimJob } from "./world.js";
export { PROFILES } from "./data.js";

export interface BelimoSimulatorOptions {
  /** API port; default 0 = ephemeral. */
  port?: number;
  /** Token endpoint port; default 0 = ephemeral. */
  idPort?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** BelimoID user, default "demo@belimo.local". */
  username?: string;
  password?: string;
  audience?: string;
  /** Registered energy valves (default 24, more than the default page of 20). */
  valves?: number;
  /** Registered MP-Bus actuators with another profile (default 2). */
  actuators?: number;
  /** Devices that never came online (state UNREGISTERED; default 2). */
  unregistered?: number;
  /** How much faster simulated values change than real time (default 1). */
  timeScale?: number;
  /** Access token lifetime, seconds (default 86400, BelimoID's). */
  accessTokenLifetimeS?: number;
  /** Refresh token lifetime, seconds (default: until revoked). */
  refreshTokenLifetimeS?: number;
  rotateRefreshTokens?: boolean;
  /** Device-data requests per second (default 2), burst (default 2) and in flight (default 5). */
  deviceDataRate?: number;
  deviceDataBurst?: number;
  maxInFlight?: number;
  /** How long an online device takes to confirm a write job (default 1500 ms). */
  jobDelayMs?: number;
  statsShape?: Settings["statsShape"];
  /** Seed of the device ids and values (default 1). */
  seed?: number;
  /** Ids of the first devices instead of generated UUIDs (ids unsafe in topics and URLs, say). */
  ids?: string[];
}

export interface SimDeviceInfo {
  id: string;
  displayName: string;
  profile: string | undefined;
  registered: boolean;
  online: boolean;
  health: HealthState;
}

export interface BelimoSimulator extends SimulatorControls<BelimoFaults, RecordedRequest> {
  /** API root, e.g. "http://127.0.0.1:41234" (paths /api/v3/…). */
  url: string;
  /** Token endpoint, e.g. "http://127.0.0.1:41235/oauth/token". */
  tokenUrl: string;
  credentials: Credentials;
  settings: Settings;
  devices(): SimDeviceInfo[];
  /** A datapoint's current value (undefined when the device does not have it). */
  value(deviceId: string, datapointId: string): unknown;
  /** Pins a datapoint to a value (a sensor stays there). */
  setValue(deviceId: string, datapointId: string, value: unknown): void;
  setHealth(deviceId: string, state: HealthState, description?: string | null): void;
  removeDevice(deviceId: string): void;
  /** Points the device at another data profile, known to the cloud or not (then its GET is 404). */
  setProfile(deviceId: string, id: string, version: string): void;
  jobs(): SimJob[];
  /** Jobs created from now on end in FAILURE, this many. */
  failNextJobs(count: number): void;
  /** Successful password logins, refreshes, and refused ones. */
  tokenCounters(): { logins: number; failedLogins: number; refreshes: number; failedRefreshes: number };
  /** Every access and refresh token issued, for leak checks. */
  issuedTokens(): string[];
  /** Every access token issued so far stops working (401 invalid_token). */
  expireAccessTokens(): void;
  /** Every refresh token issued so far is refused (403 invalid_grant). */
  revokeRefreshTokens(): void;
}

export async function startBelimoSimulator(options: BelimoSimulatorOptions = {}): Promise<BelimoSimulator> {
  const creds: Credentials = {
    clientId: options.clientId ?? "demo-client",
    clientSecret: options.clientSecret ?? "demo-client-secret",
    username: options.username ?? "demo@belimo.local",
    password: options.password ?? "demo-password",
    audience: options.audience ?? "https://api.cloud.belimo.com/",
  };
  const world = new World({
    valves: options.valves ?? 24,
    actuators: options.actuators ?? 2,
    unregistered: options.unregistered ?? 2,
    timeScale: options.timeScale ?? 1,
    jobDelayMs: options.jobDelayMs ?? 1500,
    seed: options.seed ?? 1,
    ...(options.ids ? { ids: options.ids } : {}),
  });
  const settings: Settings = {
    statsShape: options.statsShape ?? "nested",
    accessTokenLifetimeS: options.accessTokenLifetimeS ?? 86_400,
    refreshTokenLifetimeS: options.refreshTokenLifetimeS,
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    deviceDataRate: options.deviceDataRate ?? 2,
    deviceDataBurst: options.deviceDataBurst ?? Math.max(2, options.deviceDataRate ?? 2),
    maxInFlight: options.maxInFlight ?? 5,
  };
  const faults = noFaults();
  const requests: RecordedRequest[] = [];
  const state: ServerState = { world, creds, faults, settings, requests, timers: new Set(), bucket: { tokens: settings.deviceDataBurst, at: Date.now() }, inFlight: 0 };
  const api = await startServer(createHandler(state, "api"), options);
  let id: SimulatorServer;
  try {
    id = await startServer(createHandler(state, "id"), { host: options.host, port: options.idPort });
  } catch (error) {
    await api.close();
    throw error;
  }
  const device = (deviceId: string) => {
    const d = world.devices.get(deviceId);
    if (!d) throw new Error(`no simulated device ${deviceId}`);
    return d;
  };

  let closed: Promise<void> | undefined;
  return {
    url: api.url,
    tokenUrl: `${id.url}/oauth/token`,
    credentials: creds,
    requests,
    faults,
    settings,
    clearRequests: () => void (requests.length = 0),
    resetFaults: () => void Object.assign(faults, noFaults()),
    devices: () =>
      world.list().map((d) => ({ id: d.id, displayName: d.displayName, profile: world.profileRef(d), registered: d.registered, online: d.online, health: d.health.state })),
    value: (deviceId, datapointId) => world.value(device(deviceId), datapointId),
    setValue: (deviceId, datapointId, value) => void device(deviceId).pinned.set(datapointId, value),
    setHealth: (deviceId, s, description = null) => void (device(deviceId).health = { state: s, description }),
    removeDevice: (deviceId) => void world.remove(deviceId),
    setProfile: (deviceId, id, version) => {
      device(deviceId).profile = world.findProfile(id, version) ?? { id, version, name: id, description: "unknown to the cloud", datapoints: [] };
    },
    jobs: () => {
      world.tick();
      return [...world.jobs.values()];
    },
    failNextJobs: (count) => void (world.failNextJobs = count),
    tokenCounters: () => ({ ...world.counters }),
    issuedTokens: () => [...world.accessTokens.keys(), ...world.refreshTokens.keys()],
    expireAccessTokens: () => {
      for (const g of world.accessTokens.values()) g.expiresAt = 0;
    },
    revokeRefreshTokens: () => {
      for (const g of world.refreshTokens.values()) g.revoked = true;
    },
    close() {
      clearTimers(state.timers);
      closed ??= Promise.all([api.close(), id.close()]).then(() => undefined);
      return closed;
    },
  };
}
