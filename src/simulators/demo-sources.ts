import { DEMO_IDS, startMyBeNextSimulator } from "./mybenext/index.js";
import { startBelimoSimulator } from "./belimo/index.js";
import { startClimkitSimulator } from "./climkit/index.js";
import { startWiotysSimulator } from "./wiotys/index.js";
import { startVoltawareSimulator } from "./voltaware/index.js";

/** A running vendor simulator and the config of the source that polls it. */
export interface DemoSource {
  source: Record<string, unknown>;
  describe: string;
  close(): Promise<void>;
}

/** What every simulator offers the demo and the bench: its request log and a way to stop. */
export interface RunningSimulator {
  requests: ReadonlyArray<{ method: string; path: string; query?: Record<string, string> }>;
  clearRequests(): void;
  close(): Promise<void>;
}

/**
 * One vendor's simulator and the source that polls it. The demo starts it with `demo.options`;
 * the bench with options of its own (bigger worlds, no pacing) and the same `connection`.
 */
export interface SimulatedVendor<Sim extends RunningSimulator, Options> {
  /** The source type. */
  type: string;
  start(options?: Options): Promise<Sim>;
  /** The source keys that reach this simulator: URLs, credentials, the account to read. */
  connection(sim: Sim): Record<string, unknown>;
  demo: {
    id: string;
    options?: Options;
    /** The rest of the demo's source: interval and the vendor's settings worth showing. */
    settings(sim: Sim): Record<string, unknown>;
    describe(sim: Sim): string;
  };
}

/** A vendor of the list, able to start its demo source without its types leaking into the list's. */
export type ListedVendor<Sim extends RunningSimulator, Options> = SimulatedVendor<Sim, Options> & { startDemo(): Promise<DemoSource> };

function vendor<Sim extends RunningSimulator, Options>(v: SimulatedVendor<Sim, Options>): ListedVendor<Sim, Options> {
  return {
    ...v,
    async startDemo() {
      const sim = await v.start(v.demo.options);
      return { source: { id: v.demo.id, type: v.type, ...v.connection(sim), ...v.demo.settings(sim) }, describe: v.demo.describe(sim), close: () => sim.close() };
    },
  };
}

const VOLTAWARE_BROKER = { username: "demo", password: "demo-broker-password", topic: "smartmeter/{{meter}}/events" };

/** Every vendor simulator, in the demo's order; a new vendor adds one entry. */
export const simulatedVendors = {
  mybenext: vendor({
    type: "mybenext",
    start: startMyBeNextSimulator,
    connection: (sim) => ({ base_url: sim.url, username: "demo", password: "demo-password" }),
    demo: {
      id: "home",
      options: { timeScale: 30 },
      settings: () => ({ interval: "10s" }),
      describe: (sim) => `myBeNext simulator at ${sim.url}/login/api/v1/ (user demo)`,
    },
  }),
  belimo: vendor({
    type: "belimo",
    start: startBelimoSimulator,
    connection: (sim) => {
      const c = sim.credentials;
      return { base_url: sim.url, token_url: sim.tokenUrl, client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password };
    },
    demo: {
      id: "valves",
      // Few valves: at Belimo's 2 device-data requests per second a poll of 12 takes about 7 s.
      options: { timeScale: 60, valves: 12, actuators: 1, unregistered: 1 },
      settings: () => ({ interval: "30s", history_interval: "2m" }),
      describe: (sim) => `Belimo Cloud simulator at ${sim.url}/api/v3/ (token endpoint ${sim.tokenUrl}, user ${sim.credentials.username})`,
    },
  }),
  climkit: vendor({
    type: "climkit",
    start: startClimkitSimulator,
    connection: (sim) => ({ base_url: sim.apiUrl, username: "demo", password: "demo-password" }),
    demo: {
      id: "metering",
      // One site, two meters, one sensor: at 1 request/second the first poll takes about 13 s.
      // A "15-minute" period lasts a minute here, so the totals move while you watch.
      options: { periodMs: 60_000 },
      settings: () => ({ interval: "1m" }),
      describe: (sim) => `Climkit simulator at ${sim.apiUrl} (user demo)`,
    },
  }),
  wiotys: vendor({
    type: "wiotys",
    start: startWiotysSimulator,
    connection: (sim) => {
      const c = sim.credentials;
      return { base_url: sim.url, keycloak_url: sim.url, realm: sim.realm, client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password, corporate_account: "SoLink" };
    },
    demo: {
      id: "ups",
      options: { timeScale: 30 },
      settings: () => ({ interval: "15s" }),
      describe: (sim) => `Socomec Wiotys (SoData) simulator at ${sim.url}/api/v1/, Keycloak ${sim.tokenUrl} (user ${sim.credentials.username})`,
    },
  }),
  voltaware: vendor({
    type: "voltaware",
    start: startVoltawareSimulator,
    connection: (sim) => ({ base_url: sim.url, client_id: "demo-client", client_secret: "demo-secret" }),
    demo: {
      id: "meter",
      // Voltaware's API and a stand-in for its events broker; the events of meter 2001 come from
      // the myBeNext P1 meter of the source "home", so the meter appears at Voltaware once they flow.
      options: { broker: VOLTAWARE_BROKER },
      settings: (sim) => {
        const p1 = `product_${DEMO_IDS.products.p1Meter}`;
        return {
          interval: "30s",
          rate_limit: 20,
          retry_interval: "20s",
          metadata: [
            {
              sensor: "0001",
              property: { property_type: "HOME", home_type: "HOUSE", home_usage_type: "PRIMARY", home_size: 120, bedroom_amount: 3, power_generator_source: "NONE", people_amount: 3, people_amount_in_day_time: 1, people: [{ age_range: "ADULT", amount: 2 }, { age_range: "SIX_TO_EIGHTEEN", amount: 1 }] },
              appliances: [{ key: "ELECTRIC_VEHICLE", amount: 1, type: "CAR", wattages: [7200] }, { key: "FRIDGE", amount: 1, type: "FRIDGE_AND_FREEZER" }, { key: "DISHWASHER", amount: 1 }],
              geolocation: { latitude: 52.52, longitude: 13.405 },
            },
            { sensor: "2001", property: { property_type: "OFFICE", power_generator_source: "NONE" } },
          ],
          events: {
            url: sim.broker?.url,
            username: VOLTAWARE_BROKER.username,
            password: VOLTAWARE_BROKER.password,
            topic: VOLTAWARE_BROKER.topic,
            meters: [
              {
                id: "2001",
                values: [
                  { name: "power", source: "home", device: p1, entity: `property_${DEMO_IDS.p1Power}` },
                  { name: "energy", source: "home", device: p1, entity: `property_${DEMO_IDS.p1Import}`, scale: 1000 },
                ],
              },
            ],
          },
        };
      },
      describe: (sim) => `Voltaware simulator at ${sim.url} (client demo-client), its events broker at ${sim.broker?.url} (meter 2001 fed from home's P1 meter)`,
    },
  }),
};

export type VendorType = keyof typeof simulatedVendors;

/** Every vendor simulator the demo starts, in order. */
export const demoSources: Array<() => Promise<DemoSource>> = Object.values(simulatedVendors).map((v) => () => v.startDemo());
