/**
 * Starts the Climkit simulator from the command line:
 *   node dist/simulators/climkit/main.js [--port 8082] [--host 127.0.0.1] [--period 15m] [--sample] [--no-rate-limit]
 */
import { parseArgs } from "node:util";
import { parseDuration } from "../../duration.js";
import { sampleSites, startClimkitSimulator } from "./index.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    period: { type: "string", default: "15m" },
    "token-lifetime": { type: "string", default: "15m" },
    sample: { type: "boolean", default: false },
    "no-rate-limit": { type: "boolean", default: false },
  },
});

const duration = (name: string, raw: string | undefined): number => {
  try {
    const ms = parseDuration(raw ?? "");
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  console.error(`--${name}: expected a duration like 15m or 30s, got "${raw}"`);
  process.exit(2);
};

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: expected a port number, got "${values.port}"`);
  process.exit(2);
}
const sim = await startClimkitSimulator({
  port,
  host: values.host,
  periodMs: duration("period", values.period),
  tokenLifetimeMs: duration("token-lifetime", values["token-lifetime"]),
  rateLimitMs: values["no-rate-limit"] ? 0 : 1000,
  sites: values.sample ? sampleSites() : undefined,
});

console.log(`Climkit simulator listening on ${sim.url} (API: ${sim.apiUrl})`);
console.log("  user demo / demo-password; one request per second per user (429 beyond)");
console.log(`  try: curl -s -X POST -H 'Content-Type: application/json' -d '{"username":"demo","password":"demo-password"}' ${sim.apiUrl}/auth`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
