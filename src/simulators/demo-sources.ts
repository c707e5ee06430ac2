import { startMyBeNextSimulator } from "./mybenext/index.js";
import { startBelimoSimulator } from "./belimo/index.js";
import { startClimkitSimulator } from "./climkit/index.js";
import { startWiotysSimulator } from "./wiotys/index.js";

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
];
