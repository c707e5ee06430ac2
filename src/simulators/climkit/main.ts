/**
 * Starts the Climkit simulator from the command line:
 *   node dist/simulators/climkit/main.js [--port 8082] [--host 127.0.0.1] [--period 15m] [--sample] [--no-rate-limit]
 */
import { closeOnSignal, durationArg, portArg, simulatorArgs } from "../kit/cli.js";
import { sampleSites, startClimkitSimulator } from "./index.js";

const values = simulatorArgs({
  period: { type: "string", default: "15m" },
  "token-lifetime": { type: "string", default: "15m" },
  sample: { type: "boolean", default: false },
  "no-rate-limit": { type: "boolean", default: false },
});

const sim = await startClimkitSimulator({
  port: portArg("port", values.port),
  host: values.host,
  periodMs: durationArg("period", values.period),
  tokenLifetimeMs: durationArg("token-lifetime", values["token-lifetime"]),
  rateLimitMs: values["no-rate-limit"] ? 0 : 1000,
  sites: values.sample ? sampleSites() : undefined,
});

console.log(`Climkit simulator listening on ${sim.url} (API: ${sim.apiUrl})`);
console.log("  user demo / demo-password; one request per second per user (429 beyond)");
console.log(`  try: curl -s -X POST -H 'Content-Type: application/json' -d '{"username":"demo","password":"demo-password"}' ${sim.apiUrl}/auth`);

closeOnSignal(sim);
