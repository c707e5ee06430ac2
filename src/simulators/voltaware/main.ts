/**
 * Starts the Voltaware simulator from the command line:
 *   node dist/simulators/voltaware/main.js [--port 8082] [--host 127.0.0.1] [--broker-port 8883] [--token-lifetime 43200]
 */
import { parseArgs } from "node:util";
import { startVoltawareSimulator } from "./index.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "broker-port": { type: "string", default: "0" },
    "token-lifetime": { type: "string", default: "43200" },
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

const sim = await startVoltawareSimulator({
  port: number("port", values.port),
  host: values.host,
  tokenLifetimeSecs: number("token-lifetime", values["token-lifetime"]) || 43_200,
  broker: { host: values.host, port: number("broker-port", values["broker-port"]), username: "demo", password: "demo-broker-password" },
});

console.log(`Voltaware simulator listening on ${sim.url}`);
console.log("  client credentials: demo-client / demo-secret");
console.log(`  try: curl -s -X POST -H 'Content-Type: application/json' -d '{"grant_type":"client_credentials","client_id":"demo-client","client_secret":"demo-secret"}' ${sim.url}/auth/token`);
console.log(`  events broker: ${sim.broker?.url} (demo / demo-broker-password), topic smartmeter/<meter>/events, QoS 2`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
