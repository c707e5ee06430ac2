/**
 * Simulator of the myBeNext cloud API (seed: mybenext-api.txt) over real HTTP, for the demo and
 * integration tests. The API lives under `<url>/login/api/v1/`.
 *
 * Implemented: accounts, lifestyles, scenes, producttypes, products, datatypes, properties,
 * climatecontrollers, availability, gateways, nodes, failuretypes, failures (GET with the
 * documented URL patterns, filters, `fields`, Accept-Format, Range, gzip, JSONP), PUT on
 * properties, climatecontrollers, lifestyles, scenes and products, Basic / API-key / session
 * authentication. Other resources answer 404, other methods 405.
 */
import { createHandler, noFaults, type Credentials, type MyBeNextFaults, type RecordedRequest, type ServerState } from "./server.js";
import type { SimClimateController, SimProperty } from "./types.js";
import { World } from "./world.js";
import { propertyView } from "./views.js";
import { clearTimers } from "../kit/faults.js";
import { startServer } from "../kit/server.js";
import type { SimulatorControls } from "../kit/simulator.js";

export { DEMO_IDS } from "./data.js";
export { API_PREFIX } from "./server.js";
export { parseTimestamp } from "./filters.js";
export type { MyBeNextFaults, RecordedRequest } from "./server.js";
export type {
  SimAccount,
  SimAvailability,
  SimClimateController,
  SimDatatype,
  SimDatatypeValue,
  SimFailure,
  SimFailuretype,
  SimGateway,
  SimLifestyle,
  SimNode,
  SimProduct,
  SimProducttype,
  SimProperty,
  SimScene,
} from "./types.js";

export interface MyBeNextSimulatorOptions {
  /** default 0 = ephemeral */
  port?: number;
  /** default "127.0.0.1" */
  host?: string;
  /** Basic auth user, default "demo" */
  username?: string;
  /** default "demo-password" */
  password?: string;
  /** default "demo-apikey"; sees every account */
  apikey?: string;
  /** Multiplies the speed at which simulated values change (tests use large values). default 1 */
  timeScale?: number;
  /** Number of extra filler products (with a few properties each) added to account 1, for paging/load tests. default 0 */
  extraProducts?: number;
}

export interface MyBeNextSimulator extends SimulatorControls<MyBeNextFaults, RecordedRequest> {
  /** e.g. "http://127.0.0.1:41234" (the API is under /login/api/v1/) */
  url: string;
  getProperty(id: number): SimProperty | undefined;
  /** Sets a value directly (no validation), `updated` = now; a simulated sensor stays pinned at it. */
  setPropertyValue(id: number, value: string): void;
  /** Removes product, its properties, node, climatecontroller. */
  removeProduct(id: number): void;
  getClimateController(product: number): SimClimateController | undefined;
  /** Lifestyle resource id of the account's active lifestyle. */
  activeLifestyle(account: number): number | undefined;
  /** Scene ids triggered by PUT, in order. */
  triggeredScenes: number[];
}

export async function startMyBeNextSimulator(options: MyBeNextSimulatorOptions = {}): Promise<MyBeNextSimulator> {
  const creds: Credentials = {
    username: options.username ?? "demo",
    password: options.password ?? "demo-password",
    apikey: options.apikey ?? "demo-apikey",
  };
  const world = new World({ username: creds.username, timeScale: options.timeScale ?? 1, extraProducts: options.extraProducts ?? 0 });
  const faults = noFaults();
  const requests: RecordedRequest[] = [];
  const state: ServerState = { world, creds, faults, requests, sessions: new Map(), timers: new Set() };
  const http = await startServer(createHandler(state), options);

  return {
    url: http.url,
    requests,
    faults,
    triggeredScenes: world.triggeredScenes,
    clearRequests() {
      requests.length = 0;
    },
    resetFaults() {
      Object.assign(faults, noFaults());
    },
    getProperty(id) {
      world.evaluate();
      const rec = world.properties.get(id);
      return rec ? propertyView(rec) : undefined;
    },
    setPropertyValue(id, value) {
      world.evaluate();
      world.pinValue(id, value);
    },
    removeProduct(id) {
      world.removeProduct(id);
    },
    getClimateController(product) {
      world.evaluate();
      const cc = world.climate.get(product);
      return cc ? world.climateView(cc) : undefined;
    },
    activeLifestyle(account) {
      for (const l of world.lifestyles.values()) if (l.account === account && l.active) return l.lifestyle;
      return undefined;
    },
    close() {
      clearTimers(state.timers);
      return http.close();
    },
  };
}
