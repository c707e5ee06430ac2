import { startMyBeNextSimulator } from "./mybenext/index.js";
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
