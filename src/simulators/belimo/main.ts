/**
 * Starts the Belimo Cloud simulator from the command line:
 *   node dist/simulators/belimo/main.js [--port 8082] [--id-port 8083] [--host 127.0.0.1] [--time-scale 1] [--valves 24]
 */
import { parseArgs } from "node:util";
import { startBelimoSimulator } from "./index.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "id-port": { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "time-scale": { type: "string", default: "1" },
    valves: { type: "string", default: "24" },
  },
});

const number = (name: string, raw: string | undefined): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name}: expected a number, got "${raw}"`);
    process.exit(2);
  }
  return n;
};

const sim = await startBelimoSimulator({
  port: number("port", values.port),
  idPort: number("id-port", values["id-port"]),
  host: values.host,
  timeScale: number("time-scale", values["time-scale"]) || 1,
  valves: Math.floor(number("valves", values.valves)),
});
const c = sim.credentials;
console.log(`Belimo Cloud simulator: API ${sim.url}/api/v3/, token endpoint ${sim.tokenUrl}`);
console.log(`  client ${c.clientId} / ${c.clientSecret}, user ${c.username} / ${c.password}, audience ${c.audience}`);
console.log(`  try: curl -s -d grant_type=password -d client_id=${c.clientId} -d client_secret=${c.clientSecret} -d username=${c.username} -d password=${c.password} -d 'scope=offline_access read:dataprofile' -d audience=${c.audience} ${sim.tokenUrl}`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
