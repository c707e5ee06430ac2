import { DEMO_IDS, startMyBeNextSimulator } from "./mybenext/index.js";
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
