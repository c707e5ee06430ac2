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

/** Every vendor simulator the demo starts; a new vendor adds one entry. */
export const demoSources: Array<() => Promise<DemoSource>> = [
  async () => {
    const sim = await startMyBeNextSimulator({ timeScale: 30 });
    return {
      source: { id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "10s" },
      describe: `myBeNext simulator at ${sim.url}/login/api/v1/ (user demo)`,
      close: () => sim.close(),
    };
  },
  async () => {
    // Few valves: at Belimo's 2 device-data requests per second a poll of 12 takes about 7 s.
    const sim = await startBelimoSimulator({ timeScale: 60, valves: 12, actuators: 1, unregistered: 1 });
    const c = sim.credentials;
    return {
      source: {
        id: "valves",
        type: "belimo",
        base_url: sim.url,
        token_url: sim.tokenUrl,
        client_id: c.clientId,
        client_secret: c.clientSecret,
        username: c.username,
        password: c.password,
        interval: "30s",
        history_interval: "2m",
      },
      describe: `Belimo Cloud simulator at ${sim.url}/api/v3/ (token endpoint ${sim.tokenUrl}, user ${c.username})`,
      close: () => sim.close(),
    };
  },
  async () => {
    // One site, two meters, one sensor: at 1 request/second the first poll takes about 13 s.
    // A "15-minute" period lasts a minute here, so the totals move while you watch.
    const sim = await startClimkitSimulator({ periodMs: 60_000 });
    return {
      source: { id: "metering", type: "climkit", base_url: sim.apiUrl, username: "demo", password: "demo-password", interval: "1m" },
      describe: `Climkit simulator at ${sim.apiUrl} (user demo)`,
      close: () => sim.close(),
    };
  },
  async () => {
    const sim = await startWiotysSimulator({ timeScale: 30 });
    const c = sim.credentials;
    return {
      source: {
        id: "ups",
        type: "wiotys",
        base_url: sim.url,
        keycloak_url: sim.url,
        realm: sim.realm,
        client_id: c.clientId,
        client_secret: c.clientSecret,
        username: c.username,
        password: c.password,
        corporate_account: "SoLink",
        interval: "15s",
      },
      describe: `Socomec Wiotys (SoData) simulator at ${sim.url}/api/v1/, Keycloak ${sim.tokenUrl} (user ${c.username})`,
      close: () => sim.close(),
    };
  },
  async () => {
    // Voltaware's API and a stand-in for its events broker; the events of meter 2001 come from
    // the myBeNext P1 meter of the source "home", so the meter appears at Voltaware once they flow.
    const broker = { username: "demo", password: "demo-broker-password", topic: "smartmeter/{{meter}}/events" };
    const sim = await startVoltawareSimulator({ broker });
    const p1 = `product_${DEMO_IDS.products.p1Meter}`;
    return {
      source: {
        id: "meter",
        type: "voltaware",
        base_url: sim.url,
        client_id: "demo-client",
        client_secret: "demo-secret",
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
          username: broker.username,
          password: broker.password,
          topic: broker.topic,
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
      },
      describe: `Voltaware simulator at ${sim.url} (client demo-client), its events broker at ${sim.broker?.url} (meter 2001 fed from home's P1 meter)`,
      close: () => sim.close(),
    };
  },
];
