/**
 * Simulator of Socomec Wiotys SoData (seed: wiotys-sodata-api.txt) and its Keycloak, over real
 * HTTP on one port, for the demo and the tests.
 *
 * Implemented: `POST /realms/<realm>/protocol/openid-connect/token` (password and refresh_token
 * grants, client credentials in the form or as HTTP Basic); `GET /api/v1/ca`, `…/ca/<ca>`,
 * `…/customers[/<id>]`, `…/sites[/count|/<id>]` (customerUuid), `…/devices[/<id>[/gateway]]`
 * (siteUuid, customerUuid, withContact, withAddress), `…/devices/<id>/variables[/<id>]`,
 * `…/devices/<id>/last-values`; `PUT …/ca/<ca>/last-values` (many devices) and
 * `PUT …/ca/<ca>/datapoints` (raw and aggregated). Lists page with take/skip (default 50, at
 * most `maxTake`). Writes on the administration resources answer 403 (the simulated user has no
 * administration rights); unknown paths 404.
 */
import { WIOTYS_IDS, type DeviceSpec } from "./data.js";
import { Keycloak } from "./keycloak.js";
import { createHandler, noFaults, type LastValuesBodyForm, type RecordedRequest, type ServerOptions, type ServerState, type WiotysFaults } from "./server.js";
import { World } from "./world.js";
import { clearTimers } from "../kit/faults.js";
import { startServer } from "../kit/server.js";
import type { SimulatorControls } from "../kit/simulator.js";

export { WIOTYS_IDS } from "./data.js";
export { API_PREFIX } from "./server.js";
export type { LastValuesBodyForm, RecordedRequest, WiotysFaults } from "./server.js";

export interface WiotysSimulatorOptions {
  /** default 0 = ephemeral */
  port?: number;
  /** default "127.0.0.1" */
  host?: string;
  /** default "Socomec" (seed 7.1) */
  realm?: string;
  /** default "demo-sodata-client" */
  clientId?: string;
  /** default "demo-sodata-secret" */
  clientSecret?: string;
  /** SoLive Pro user, default "demo@example.com" */
  username?: string;
  /** default "demo-password" */
  password?: string;
  /** Access token lifetime, seconds; default 300 (seed 6.4). */
  accessTokenLifetime?: number;
  /** Refresh token lifetime, seconds; default 1800 (seed 6.4). */
  refreshTokenLifetime?: number;
  /** Multiplies the speed at which simulated values change. default 1 */
  timeScale?: number;
  /** Filler meters added to the site (FR) Huttenheim, for paging and batching. default 0 */
  extraDevices?: number;
  /** Uuids of the filler meters instead of generated ones (ids unsafe in topics and URLs, say); their count adds to extraDevices. */
  extraDeviceUuids?: string[];
  /** Corporate accounts the user sees; default both (SoLink and SoLink Lab). */
  corporateAccounts?: string[];
  /** `take` when a request has none; default 50 (seed 4.1). */
  defaultTake?: number;
  /** Larger `take` values are cut to this; default 100. */
  maxTake?: number;
  /** Devices per bulk last-values request at most; default 100. */
  maxLastValuesDevices?: number;
  /** The body form PUT …/last-values takes; default "device_uuids" ({"deviceUuids": [...]}). */
  lastValuesBody?: LastValuesBodyForm;
  /** API requests per second before 429 (Retry-After: 1); default 0 = no limit. */
  rateLimitPerSecond?: number;
  /** Seconds between raw datapoints; default 300 (the seed's example is ~5 min apart). */
  rawStepSeconds?: number;
}

export interface WiotysSimulator extends SimulatorControls<WiotysFaults, RecordedRequest> {
  /** e.g. "http://127.0.0.1:41234"; the API is under /api/v1, Keycloak under /realms/<realm>. */
  url: string;
  realm: string;
  tokenUrl: string;
  credentials: { clientId: string; clientSecret: string; username: string; password: string };
  /** Token lifetimes, seconds; mutable by tests. */
  lifetimes: { access: number; refresh: number };
  /** Successful grants by type. */
  grants: { password: number; refresh_token: number };
  /** Every token issued, for leak checks. */
  issuedTokens(): string[];
  /** Every session logged out: access and refresh tokens stop working. */
  revokeSessions(): void;
  expireAccessTokens(): void;
  expireRefreshTokens(): void;
  /** Uuids of every device of a corporate account (default SoLink). */
  deviceUuids(ca?: string): string[];
  device(uuid: string): DeviceSpec | undefined;
  /** The current raw value of a variable (`Item|Index|Service`), as last-values shows it. */
  value(device: string, ref: string): string | null | undefined;
  /** Pins a variable to a value (dated now) until `unpin`. */
  setValue(device: string, ref: string, value: string | null): void;
  unpin(device: string, ref: string): void;
  removeDevice(uuid: string): void;
}

export async function startWiotysSimulator(options: WiotysSimulatorOptions = {}): Promise<WiotysSimulator> {
  const credentials = {
    clientId: options.clientId ?? "demo-sodata-client",
    clientSecret: options.clientSecret ?? "demo-sodata-secret",
    username: options.username ?? "demo@example.com",
    password: options.password ?? "demo-password",
  };
  const realm = options.realm ?? "Socomec";
  const world = new World({ timeScale: options.timeScale ?? 1, extraDevices: Math.max(options.extraDevices ?? 0, options.extraDeviceUuids?.length ?? 0), extraDeviceUuids: options.extraDeviceUuids });
  let url = "";
  const keycloak = new Keycloak(
    { realm, ...credentials, accessTokenLifetime: options.accessTokenLifetime ?? 300, refreshTokenLifetime: options.refreshTokenLifetime ?? 1800 },
    () => url,
  );
  const serverOptions: ServerOptions = {
    defaultTake: options.defaultTake ?? 50,
    maxTake: options.maxTake ?? 100,
    maxLastValuesDevices: options.maxLastValuesDevices ?? 100,
    lastValuesBody: options.lastValuesBody ?? "device_uuids",
    rateLimitPerSecond: options.rateLimitPerSecond ?? 0,
    rawStepSeconds: options.rawStepSeconds ?? 300,
    maxRawPoints: 10_000,
  };
  const faults = noFaults();
  const requests: RecordedRequest[] = [];
  const state: ServerState = {
    world,
    keycloak,
    faults,
    requests,
    options: serverOptions,
    visibleCas: new Set(options.corporateAccounts ?? world.corporateAccounts.map((c) => c.uuid)),
    timers: new Set(),
    recentApi: [],
  };
  const http = await startServer(createHandler(state), options);
  url = http.url;

  const lifetimes = {
    get access() {
      return keycloak.settings.accessTokenLifetime;
    },
    set access(s: number) {
      keycloak.settings.accessTokenLifetime = s;
    },
    get refresh() {
      return keycloak.settings.refreshTokenLifetime;
    },
    set refresh(s: number) {
      keycloak.settings.refreshTokenLifetime = s;
    },
  };

  return {
    url,
    realm,
    tokenUrl: `${url}/realms/${encodeURIComponent(realm)}/protocol/openid-connect/token`,
    credentials,
    requests,
    faults,
    lifetimes,
    grants: keycloak.grants,
    issuedTokens: () => [...keycloak.issued],
    clearRequests() {
      requests.length = 0;
    },
    resetFaults() {
      Object.assign(faults, noFaults());
    },
    revokeSessions: () => keycloak.revokeSessions(),
    expireAccessTokens: () => keycloak.expireAccessTokens(),
    expireRefreshTokens: () => keycloak.expireRefreshTokens(),
    deviceUuids: (ca = WIOTYS_IDS.ca.solink) => world.devicesOf(ca).map((d) => d.uuid),
    device: (uuid) => world.devices.get(uuid),
    value(uuid, ref) {
      const d = world.devices.get(uuid);
      if (!d) return undefined;
      const view = world.lastValuesView(d, Date.now()).values as Array<{ itemType: string; itemIndex: string; serviceId: string; value: string | null }>;
      return view.find((v) => `${v.itemType}|${v.itemIndex}|${v.serviceId}` === ref)?.value;
    },
    setValue: (uuid, ref, value) => world.pin(uuid, ref, value),
    unpin: (uuid, ref) => world.unpin(uuid, ref),
    removeDevice: (uuid) => world.removeDevice(uuid),
    close() {
      clearTimers(state.timers);
      return http.close();
    },
  };
}
