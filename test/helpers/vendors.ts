/**
 * Every vendor the tests run against, one entry per bridge type of src/bridges/registry.ts: how to
 * start its simulator and how to write the source that reads it. Cross-vendor tests iterate this
 * table, so a new vendor is covered by adding its entry (test/unit/vendors-table.test.ts fails
 * until it has one). What is particular to a vendor stays here, not in the tests.
 */
import { startBelimoSimulator, type BelimoSimulator, type BelimoSimulatorOptions } from "../../src/simulators/belimo/index.js";
import { meter, site, startClimkitSimulator, type ClimkitSimulator, type ClimkitSimulatorOptions } from "../../src/simulators/climkit/index.js";
import { startMyBeNextSimulator, type MyBeNextSimulator, type MyBeNextSimulatorOptions } from "../../src/simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareSimulator, type VoltawareSimulatorOptions } from "../../src/simulators/voltaware/index.js";
import { startWiotysSimulator, WIOTYS_IDS, type WiotysSimulator, type WiotysSimulatorOptions } from "../../src/simulators/wiotys/index.js";

/** The fault switches every simulator has, under the same names and with the same meaning. */
export interface CommonFaults {
  /** Connections are dropped without an answer. */
  outage: boolean;
  status500: boolean;
  /** 200 with a truncated JSON body. */
  malformed: boolean;
  slowMs: number;
  /** 200 with this body instead of the answer. */
  body: string | null;
  unauthorizedNext: number;
  /** The next n requests answer 429 with Retry-After: 1. */
  rateLimitNext: number;
}

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
  fuzz: { options: O; extra: Extra; writable: boolean } | { covered: string };
}

export interface VendorEntry {
  type: string;
  /** Starts the small world of the fault tests, or one with these options. */
  start(options?: unknown): Promise<RunningVendor>;
  /** The source of the config that reads `sim`, which must be this vendor's simulator. */
  source(sim: unknown, id: string, extra?: Extra): Record<string, unknown>;
  fuzz: { start(): Promise<RunningVendor>; extra: Extra; writable: boolean } | { covered: string };
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
  return {
    type: spec.type,
    start: (options) => run((options as O | undefined) ?? spec.small()),
    source: (sim, id, extra) => spec.source(sim as S, id, extra),
    fuzz: "covered" in fuzz ? fuzz : { start: () => run(fuzz.options), extra: fuzz.extra, writable: fuzz.writable },
  };
}

/** A source without the keys a test set to undefined, to leave them at their defaults. */
function defined(source: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined));
}

function port(url: string): number {
  return Number(new URL(url).port);
}

export function belimoSource(sim: BelimoSimulator, id: string, extra: Extra = {}): Record<string, unknown> {
  const c = sim.credentials;
  return {
    id,
    type: "belimo",
    base_url: sim.url,
    token_url: sim.tokenUrl,
    client_id: c.clientId,
    client_secret: c.clientSecret,
    username: c.username,
    password: c.password,
    interval: "1s",
    requests_per_second: 50,
    history_interval: "1m",
    ...extra,
  };
}

export function climkitSource(sim: ClimkitSimulator, id: string, extra: Extra = {}): Record<string, unknown> {
  return { id, type: "climkit", base_url: sim.apiUrl, username: "demo", password: "demo-password", interval: "1s", backfill: "10s", sensors: false, ...extra };
}

export function wiotysSource(sim: WiotysSimulator, id: string, extra: Extra = {}): Record<string, unknown> {
  const c = sim.credentials;
  return { id, type: "wiotys", interval: "1s", base_url: sim.url, keycloak_url: sim.url, realm: sim.realm, client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password, requests_per_second: 50, ...extra };
}

export function myBeNextSource(sim: MyBeNextSimulator, id: string, extra: Extra = {}): Record<string, unknown> {
  return { id, type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "1s", ...extra };
}

export function voltawareSource(sim: VoltawareSimulator, id: string, extra: Extra = {}): Record<string, unknown> {
  return { id, type: "voltaware", base_url: sim.url, client_id: "demo-client", client_secret: "demo-secret", interval: "1s", rate_limit: 50, ...extra };
}

/** A Climkit world of one site with one meter: a poll is a few requests at the API's 1/s. */
export const tinyClimkitSites = () => [site("64e5a0000000000000000001", "Small site", [meter("64e5a00000000000000000a1", "electricity", "Building", { is_rule_meter: true })])];

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
  }),
  vendor<WiotysSimulator, WiotysSimulatorOptions>({
    type: "wiotys",
    start: startWiotysSimulator,
    small: () => ({ corporateAccounts: [WIOTYS_IDS.ca.lab] }),
    samePorts: (sim, options) => ({ ...options, port: port(sim.url) }),
    source: wiotysSource,
    writes: (sim) => sim.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/last-values") && !r.path.includes("openid-connect")),
    fuzz: { options: { timeScale: 60 }, extra: { interval: "2s", corporate_account: "SoLink" }, writable: false },
  }),
  vendor<MyBeNextSimulator, MyBeNextSimulatorOptions>({
    type: "mybenext",
    start: startMyBeNextSimulator,
    small: () => ({}),
    samePorts: (sim, options) => ({ ...options, port: port(sim.url) }),
    source: myBeNextSource,
    writes: (sim) => sim.requests.filter((r) => r.method === "PUT"),
    fuzz: { covered: "command-fuzz.test.ts" },
  }),
  vendor<VoltawareSimulator, VoltawareSimulatorOptions>({
    type: "voltaware",
    start: startVoltawareSimulator,
    small: () => ({}),
    samePorts: (sim, options) => ({ ...options, port: port(sim.url) }),
    source: voltawareSource,
    writes: (sim) => sim.requests.filter((r) => r.method === "PUT"),
    fuzz: { options: {}, extra: { interval: "2s" }, writable: false },
  }),
];

export function vendorEntry(type: string): VendorEntry {
  const entry = VENDOR_TABLE.find((v) => v.type === type);
  if (!entry) throw new Error(`no simulator for the bridge type "${type}" in test/helpers/vendors.ts`);
  return entry;
}
