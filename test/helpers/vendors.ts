/**
 * Every vendor the tests run against, one entry per bridge type of src/bridges/registry.ts: how to
 * start its simulator and how to write the source that reads it. Cross-vendor tests iterate this
 * table, so a new vendor is covered by adding its entry (test/unit/vendors-table.test.ts fails
 * until it has one). What is particular to a vendor stays here, not in the tests.
 */
import { startBelimoSimulator, type BelimoFaults, type BelimoSimulator, type BelimoSimulatorOptions } from "../../src/simulators/belimo/index.js";
import { meter, site, startClimkitSimulator, type ClimkitFaults, type ClimkitSimulator, type ClimkitSimulatorOptions } from "../../src/simulators/climkit/index.js";
import { DEMO_IDS, startMyBeNextSimulator, type MyBeNextFaults, type MyBeNextSimulator, type MyBeNextSimulatorOptions } from "../../src/simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareFaults, type VoltawareSimulator, type VoltawareSimulatorOptions } from "../../src/simulators/voltaware/index.js";
import { startWiotysSimulator, WIOTYS_IDS, type WiotysFaults, type WiotysSimulator, type WiotysSimulatorOptions } from "../../src/simulators/wiotys/index.js";
import { belimoSource, climkitSource, myBeNextSource, tinyClimkitSites, voltawareSource, wiotysSource } from "./vendors/sources.js";
import { belimoSecrets, bindSecrets, climkitSecrets, myBeNextSecrets, voltawareSecrets, wiotysSecrets, type SecretsRun, type SecretsSpec } from "./vendors/secrets.js";
import { belimoTokenCases, climkitTokenCases, voltawareTokenCases, wiotysTokenCases, type TokenCases } from "./vendors/tokens.js";

export { belimoSource, climkitSource, myBeNextSource, tinyClimkitSites, voltawareSource, wiotysSource } from "./vendors/sources.js";
export type { SecretsRun } from "./vendors/secrets.js";
export type { TokenCase, TokenCases, TokenCounts } from "./vendors/tokens.js";

/** The fault switches every simulator has, under the same names and with the same meaning (see its server.ts). */
export type CommonFaults = Pick<
  BelimoFaults & ClimkitFaults & MyBeNextFaults & VoltawareFaults & WiotysFaults,
  "outage" | "status500" | "malformed" | "slowMs" | "body" | "unauthorizedNext" | "rateLimitNext" | "echo"
>;

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  time: number;
}

/** What every simulator offers the tests, whatever its vendor. */
export interface Simulator {
  faults: CommonFaults;
  requests: LoggedRequest[];
  resetFaults(): void;
  close(): Promise<void>;
}

type Extra = Record<string, unknown>;

/** A vendor's simulator running, seen through the vendor's entry. */
export interface RunningVendor {
  type: string;
  sim: Simulator;
  /** The source of the config that reads this simulator. */
  source(id: string, extra?: Extra): Record<string, unknown>;
  /** Requests that change something at the cloud: what a command that gets through sends. */
  writes(): LoggedRequest[];
  /** Starts the same world again on the ports this one was given (tokens issued before are unknown). */
  restart(): Promise<RunningVendor>;
}

/** Another test file covers this vendor here, or the test does not apply to it (the reason). */
export interface Skip {
  covered: string;
}

/** unsafe-ids.test.ts: a world whose devices carry ids unsafe in topics and URLs. */
export interface UnsafeIdsSpec<S, O> {
  /** A world with devices called `hostile` and `unusable` (ids no URL path can carry). */
  options(hostile: string[], unusable: string[]): O;
  extra: Extra;
  /** What the bridge puts before a device's key (`meter_`, `sensor_`). */
  keyPrefix: string;
  /** The API requests (token endpoints left out): none may reach another path. */
  apiRequests(sim: S): LoggedRequest[];
  /** The path segment a device id follows. */
  marker: string;
  /** Each hostile device is read by a request of its own (not so where a list holds them). */
  everyIdRequested: boolean;
  /** Plain path segments that follow `marker` besides device ids. */
  otherSegments?: string[];
  /** The containers that hold the devices (Climkit's sites): their ids and the segments they follow. */
  containers?: { markers: string[]; ids: string[] };
  /** A command to the device `../admin`: its entity, a valid payload, and the one request it must cause. */
  write?: { entity: string; payload: string; value: unknown; path(id: string): string; requests(sim: S): LoggedRequest[] };
}

/** soak.test.ts: a world with short-lived tokens, the source's settings, and a command to send over and over. */
export interface SoakSpec<O> {
  options: O;
  extra: Extra;
  /** `<device>/<entity>` of a writable entity, and the payloads to send to it in turn. */
  command?: { entity: string; payloads: string[] };
}

/** One vendor: typed against its own simulator, seen by the tests through `VendorEntry`. */
interface VendorSpec<S extends Simulator, O> {
  type: string;
  start(options: O): Promise<S>;
  /** A small world that polls fast: a poll is a few requests. */
  small: () => O;
  /** `options` with the ports `sim` listens on, for a restart. */
  samePorts(sim: S, options: O): O;
  source(sim: S, id: string, extra?: Extra): Record<string, unknown>;
  writes(sim: S): LoggedRequest[];
  /** command-fuzz-vendors.test.ts: the world and source settings; `covered` names the file that fuzzes this vendor instead. */
  fuzz: { options: O; extra: Extra; writable: boolean } | Skip;
  unsafeIds: UnsafeIdsSpec<S, O> | Skip;
  soak: SoakSpec<O>;
  /** faults-tokens.test.ts: clouds whose tokens are struck mid-run, and clouds whose tokens run out. */
  tokens: (() => Promise<TokenCases>) | Skip;
  /** secrets.test.ts: the cloud with distinctive credentials and the sources that read it. */
  secrets: SecretsSpec<S>;
}

export interface VendorEntry {
  type: string;
  /** Starts the small world of the fault tests, or one with these options. */
  start(options?: unknown): Promise<RunningVendor>;
  /** The source of the config that reads `sim`, which must be this vendor's simulator. */
  source(sim: unknown, id: string, extra?: Extra): Record<string, unknown>;
  fuzz: { start(): Promise<RunningVendor>; extra: Extra; writable: boolean } | Skip;
  unsafeIds: (Omit<UnsafeIdsSpec<Simulator, unknown>, "options" | "apiRequests" | "write"> & UnsafeIdsRun) | Skip;
  soak: Omit<SoakSpec<unknown>, "options"> & { start(): Promise<RunningVendor> };
  tokens: (() => Promise<TokenCases>) | Skip;
  secrets: () => Promise<SecretsRun>;
}

/** The parts of `UnsafeIdsSpec` that need the simulator, bound to it. */
export interface UnsafeIdsRun {
  start(hostile: string[], unusable: string[]): Promise<RunningVendor>;
  apiRequests(cloud: RunningVendor): LoggedRequest[];
  write?: { entity: string; payload: string; value: unknown; path(id: string): string; requests(cloud: RunningVendor): LoggedRequest[] };
}

function vendor<S extends Simulator, O>(spec: VendorSpec<S, O>): VendorEntry {
  const run = async (options: O): Promise<RunningVendor> => {
    const sim = await spec.start(options);
    return {
      type: spec.type,
      sim,
      source: (id, extra) => defined(spec.source(sim, id, extra)),
      writes: () => spec.writes(sim),
      restart: () => run(spec.samePorts(sim, options)),
    };
  };
  const fuzz = spec.fuzz;
  const unsafe = spec.unsafeIds;
  const simOf = (cloud: RunningVendor): S => cloud.sim as S;
  return {
    type: spec.type,
    start: (options) => run((options as O | undefined) ?? spec.small()),
    source: (sim, id, extra) => spec.source(sim as S, id, extra),
    fuzz: "covered" in fuzz ? fuzz : { start: () => run(fuzz.options), extra: fuzz.extra, writable: fuzz.writable },
    soak: { ...spec.soak, start: () => run(spec.soak.options) },
    tokens: spec.tokens,
    secrets: bindSecrets(spec.secrets),
    unsafeIds:
      "covered" in unsafe
        ? unsafe
        : {
            ...unsafe,
            start: (hostile, unusable) => run(unsafe.options(hostile, unusable)),
            apiRequests: (cloud) => unsafe.apiRequests(simOf(cloud)),
            write: unsafe.write && { ...unsafe.write, requests: (cloud) => unsafe.write!.requests(simOf(cloud)) },
          },
  };
}

/** A source without the keys a test set to undefined, to leave them at their defaults. */
function defined(source: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined));
}

function port(url: string): number {
  return Number(new URL(url).port);
}

export const VENDOR_TABLE: readonly VendorEntry[] = [
  vendor<BelimoSimulator, BelimoSimulatorOptions>({
    type: "belimo",
    start: startBelimoSimulator,
    small: () => ({ valves: 1, actuators: 0, unregistered: 0, deviceDataRate: 50, deviceDataBurst: 10 }),
    samePorts: (sim, options) => ({ ...options, port: port(sim.url), idPort: port(sim.tokenUrl) }),
    source: belimoSource,
    writes: (sim) => sim.requests.filter((r) => r.method === "POST" && /\/devices\/[^/]+\/data$/.test(r.path)),
    fuzz: {
      options: { valves: 4, actuators: 1, unregistered: 0, timeScale: 60, deviceDataRate: 100, deviceDataBurst: 50, jobDelayMs: 100 },
      extra: { interval: "2s", requests_per_second: 50, job_poll_interval: "100ms", job_timeout: "5s", history_interval: undefined },
      writable: true,
    },
    unsafeIds: {
      options: (hostile, unusable) => {
        const ids = [...unusable, ...hostile];
        return { valves: ids.length, actuators: 0, unregistered: 0, ids, timeScale: 60, deviceDataRate: 100, deviceDataBurst: 50, maxInFlight: 20, jobDelayMs: 100 };
      },
      extra: { interval: "2s", requests_per_second: 50, max_in_flight: 20, job_poll_interval: "100ms", job_timeout: "5s", history_interval: undefined },
      keyPrefix: "",
      apiRequests: (sim) => sim.requests.filter((r) => r.server === "api"),
      marker: "devices",
      everyIdRequested: true,
      otherSegments: ["stats"],
      write: {
        entity: "evcloud_110",
        payload: "35",
        value: 35,
        path: (id) => `/api/v3/devices/${encodeURIComponent(id)}/data`,
        requests: (sim) => sim.requests.filter((r) => r.method === "POST" && r.server === "api"),
      },
    },
    soak: {
      options: { valves: 3, actuators: 1, unregistered: 0, timeScale: 60, accessTokenLifetimeS: 3, deviceDataRate: 200, deviceDataBurst: 50, maxInFlight: 20 },
      extra: { requests_per_second: 50, max_in_flight: 10, history_interval: undefined },
    },
    tokens: belimoTokenCases,
    secrets: belimoSecrets,
  }),
  vendor<ClimkitSimulator, ClimkitSimulatorOptions>({
    type: "climkit",
    start: startClimkitSimulator,
    small: () => ({ sites: tinyClimkitSites(), periodMs: 1_000 }),
    samePorts: (sim, options) => ({ ...options, port: port(sim.apiUrl) }),
    source: climkitSource,
    writes: (sim) => sim.requests.filter((r) => r.method !== "GET" && !/\/(auth|site_data|meter_data|meter_data_raw)(\/|$)/.test(r.path)),
    fuzz: {
      options: { rateLimitMs: 0, sites: [site("64b2a000000000000000c001", "Site", [meter("64b2a00000000000000000a1", "electricity", "Flat")])] },
      extra: { interval: "2s", backfill: "30s" },
      writable: false,
    },
    unsafeIds: {
      // Sites with unsafe ids too; the meters are read per site, not one request each.
      options: (hostile, unusable) => ({
        rateLimitMs: 0,
        sites: [
          site("../admin", "Traversal", hostile.slice(0, 6).map((id, i) => meter(id, "electricity", `Meter ${i}`))),
          site("a?x=1", "Query", [...hostile.slice(6), ...unusable].map((id, i) => meter(id, "electricity", `Meter q${i}`))),
          site("..", "Unusable", [meter("64b2a00000000000000000f1", "electricity", "Never read")]),
        ],
      }),
      extra: { interval: "2s", backfill: "30s" },
      keyPrefix: "meter_",
      apiRequests: (sim) => sim.requests,
      marker: "meter_data_raw",
      everyIdRequested: false,
      containers: { markers: ["installation_infos", "meter_info"], ids: ["../admin", "a?x=1"] },
    },
    soak: { options: { sites: tinyClimkitSites(), periodMs: 1_000, tokenLifetimeMs: 5_000, maxLog: 100 }, extra: { backfill: "10s" } },
    tokens: climkitTokenCases,
    secrets: climkitSecrets,
  }),
  vendor<WiotysSimulator, WiotysSimulatorOptions>({
    type: "wiotys",
    start: startWiotysSimulator,
    small: () => ({ corporateAccounts: [WIOTYS_IDS.ca.lab] }),
    samePorts: (sim, options) => ({ ...options, port: port(sim.url) }),
    source: wiotysSource,
    writes: (sim) => sim.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/last-values") && !r.path.includes("openid-connect")),
    fuzz: { options: { timeScale: 60 }, extra: { interval: "2s", corporate_account: "SoLink" }, writable: false },
    unsafeIds: {
      options: (hostile, unusable) => ({ timeScale: 60, extraDeviceUuids: [...unusable, ...hostile] }),
      extra: { interval: "2s", corporate_account: "SoLink" },
      keyPrefix: "",
      apiRequests: (sim) => sim.requests,
      marker: "devices",
      everyIdRequested: true,
    },
    soak: { options: { accessTokenLifetime: 3, refreshTokenLifetime: 8, timeScale: 60 }, extra: { corporate_account: "SoLink", requests_per_second: 100 } },
    tokens: wiotysTokenCases,
    secrets: wiotysSecrets,
  }),
  vendor<MyBeNextSimulator, MyBeNextSimulatorOptions>({
    type: "mybenext",
    start: startMyBeNextSimulator,
    small: () => ({}),
    samePorts: (sim, options) => ({ ...options, port: port(sim.url) }),
    source: myBeNextSource,
    writes: (sim) => sim.requests.filter((r) => r.method === "PUT"),
    fuzz: { covered: "command-fuzz.test.ts" },
    unsafeIds: { covered: "not applicable: the simulator's ids are its own numbers, none of them unsafe" },
    soak: {
      options: { timeScale: 60 },
      extra: {},
      // A switch: each command asks for a poll at once, the path where node-schedule leaked jobs.
      command: { entity: `product_${DEMO_IDS.products.washingMachine}/property_${DEMO_IDS.switchProperty}`, payloads: ["OFF", "ON"] },
    },
    tokens: { covered: "faults-tokens.test.ts, a test of its own: Basic or API-key credentials, no token" },
    secrets: myBeNextSecrets,
  }),
  vendor<VoltawareSimulator, VoltawareSimulatorOptions>({
    type: "voltaware",
    start: startVoltawareSimulator,
    small: () => ({}),
    samePorts: (sim, options) => ({ ...options, port: port(sim.url) }),
    source: voltawareSource,
    writes: (sim) => sim.requests.filter((r) => r.method === "PUT"),
    fuzz: { options: {}, extra: { interval: "2s" }, writable: false },
    unsafeIds: {
      options: (hostile, unusable) => ({ meters: [...unusable, ...hostile] }),
      extra: { interval: "2s", rate_limit: 100 },
      keyPrefix: "sensor_",
      apiRequests: (sim) => sim.requests,
      marker: "sensors",
      everyIdRequested: true,
    },
    soak: { options: { tokenLifetimeSecs: 3 }, extra: { rate_limit: 200, retry_interval: "1s" } },
    tokens: voltawareTokenCases,
    secrets: voltawareSecrets,
  }),
];

export function vendorEntry(type: string): VendorEntry {
  const entry = VENDOR_TABLE.find((v) => v.type === type);
  if (!entry) throw new Error(`no simulator for the bridge type "${type}" in test/helpers/vendors.ts`);
  return entry;
}
