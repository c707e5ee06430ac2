import { startMyBeNextSimulator } from "./mybenext/index.js";
import { startClimkitSimulator } from "./climkit/index.js";

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
    // One site, two meters, one sensor: at 1 request/second the first poll takes about 13 s.
    // A "15-minute" period lasts a minute here, so the totals move while you watch.
    const sim = await startClimkitSimulator({ periodMs: 60_000 });
    return {
      source: { id: "metering", type: "climkit", base_url: sim.apiUrl, username: "demo", password: "demo-password", interval: "1m" },
      describe: `Climkit simulator at ${sim.apiUrl} (user demo)`,
      close: () => sim.close(),
    };
  },
];
