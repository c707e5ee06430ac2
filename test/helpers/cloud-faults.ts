/**
 * The five vendor clouds behind one interface for fault tests: small worlds that poll fast, the
 * fault switches every simulator shares, a request log that survives restarts, and a way to take
 * a cloud down (connections refused) and bring it back on the same ports.
 */
import { startBelimoSimulator, type BelimoSimulator, type BelimoSimulatorOptions } from "../../src/simulators/belimo/index.js";
import { meter, site, startClimkitSimulator, type ClimkitSimulator, type ClimkitSimulatorOptions } from "../../src/simulators/climkit/index.js";
import { startMyBeNextSimulator, type MyBeNextSimulator, type MyBeNextSimulatorOptions } from "../../src/simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareSimulator, type VoltawareSimulatorOptions } from "../../src/simulators/voltaware/index.js";
import { startWiotysSimulator, WIOTYS_IDS, type WiotysSimulator, type WiotysSimulatorOptions } from "../../src/simulators/wiotys/index.js";

export const VENDORS = ["belimo", "climkit", "wiotys", "mybenext", "voltaware"] as const;
export type Vendor = (typeof VENDORS)[number];

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

export interface Cloud {
  vendor: Vendor;
  /** The source of the config that reads this cloud. */
  source(id: string, extra?: Record<string, unknown>): Record<string, unknown>;
  readonly faults: CommonFaults;
  resetFaults(): void;
  /** Every request so far, restarts included. */
  requests(): LoggedRequest[];
  /** Closes the cloud's servers: connections are refused until `restart()`. */
  stop(): Promise<void>;
  /** Starts a fresh cloud on the same ports: the same world, but tokens issued before are unknown. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export function belimoSource(sim: BelimoSimulator, id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
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

export function climkitSource(sim: ClimkitSimulator, id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: "climkit", base_url: sim.apiUrl, username: "demo", password: "demo-password", interval: "1s", backfill: "10s", sensors: false, ...extra };
}

export function wiotysSource(sim: WiotysSimulator, id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const c = sim.credentials;
  return { id, type: "wiotys", interval: "1s", base_url: sim.url, keycloak_url: sim.url, realm: sim.realm, client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password, requests_per_second: 50, ...extra };
}

export function myBeNextSource(sim: MyBeNextSimulator, id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "1s", ...extra };
}

export function voltawareSource(sim: VoltawareSimulator, id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: "voltaware", base_url: sim.url, client_id: "demo-client", client_secret: "demo-secret", interval: "1s", rate_limit: 50, ...extra };
}

/** A Climkit world of one site with one meter: a poll is a few requests at the API's 1/s. */
export const tinyClimkitSites = () => [site("64e5a0000000000000000001", "Small site", [meter("64e5a00000000000000000a1", "electricity", "Building", { is_rule_meter: true })])];

interface Sim {
  faults: CommonFaults;
  requests: LoggedRequest[];
  resetFaults(): void;
  close(): Promise<void>;
}

/** One vendor's cloud, small and fast; `restart` keeps the ports the first start was given. */
export async function startCloud(vendor: Vendor): Promise<Cloud> {
  switch (vendor) {
    case "belimo": {
      const options: BelimoSimulatorOptions = { valves: 1, actuators: 0, unregistered: 0, deviceDataRate: 50, deviceDataBurst: 10 };
      return wrap(vendor, options, startBelimoSimulator, (sim) => ({ ...options, port: port(sim.url), idPort: port(sim.tokenUrl) }), belimoSource);
    }
    case "climkit": {
      const options: ClimkitSimulatorOptions = { sites: tinyClimkitSites(), periodMs: 1_000 };
      return wrap(vendor, options, startClimkitSimulator, (sim) => ({ ...options, port: port(sim.apiUrl) }), climkitSource);
    }
    case "wiotys": {
      const options: WiotysSimulatorOptions = { corporateAccounts: [WIOTYS_IDS.ca.lab] };
      return wrap(vendor, options, startWiotysSimulator, (sim) => ({ ...options, port: port(sim.url) }), wiotysSource);
    }
    case "mybenext": {
      const options: MyBeNextSimulatorOptions = {};
      return wrap(vendor, options, startMyBeNextSimulator, (sim) => ({ ...options, port: port(sim.url) }), myBeNextSource);
    }
    case "voltaware": {
      const options: VoltawareSimulatorOptions = {};
      return wrap(vendor, options, startVoltawareSimulator, (sim) => ({ ...options, port: port(sim.url) }), voltawareSource);
    }
  }
}

function port(url: string): number {
  return Number(new URL(url).port);
}

async function wrap<S extends Sim, O>(
  vendor: Vendor,
  options: O,
  start: (o: O) => Promise<S>,
  samePorts: (sim: S) => O,
  source: (sim: S, id: string, extra?: Record<string, unknown>) => Record<string, unknown>,
): Promise<Cloud> {
  const first = await start(options);
  let sim: S | undefined = first;
  let last = first;
  const earlier: LoggedRequest[] = [];
  return {
    vendor,
    source: (id, extra) => source(first, id, extra),
    get faults() {
      return last.faults;
    },
    resetFaults: () => last.resetFaults(),
    requests: () => [...earlier, ...(sim?.requests ?? [])],
    stop: async () => {
      if (!sim) return;
      const s = sim;
      sim = undefined;
      earlier.push(...s.requests);
      await s.close();
    },
    restart: async () => {
      if (sim) return;
      sim = last = await start(samePorts(first));
    },
    close: async () => {
      await sim?.close();
      sim = undefined;
    },
  };
}
