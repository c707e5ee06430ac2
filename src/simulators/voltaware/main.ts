/**
 * Starts the Voltaware simulator from the command line:
 *   node dist/simulators/voltaware/main.js [--port 8082] [--host 127.0.0.1] [--broker-port 8883] [--token-lifetime 43200]
 */
import { closeOnSignal, numberArg, simulatorArgs } from "../kit/cli.js";
import { startVoltawareSimulator } from "./index.js";

const values = simulatorArgs({
  "broker-port": { type: "string", default: "0" },
  "token-lifetime": { type: "string", default: "43200" },
});

const sim = await startVoltawareSimulator({
  port: numberArg("port", values.port),
  host: values.host,
  tokenLifetimeSecs: numberArg("token-lifetime", values["token-lifetime"]) || 43_200,
  broker: { host: values.host, port: numberArg("broker-port", values["broker-port"]), username: "demo", password: "demo-broker-password" },
});

console.log(`Voltaware simulator listening on ${sim.url}`);
console.log("  client credentials: demo-client / demo-secret");
console.log(`  try: curl -s -X POST -H 'Content-Type: application/json' -d '{"grant_type":"client_credentials","client_id":"demo-client","client_secret":"demo-secret"}' ${sim.url}/auth/token`);
console.log(`  events broker: ${sim.broker?.url} (demo / demo-broker-password), topic smartmeter/<meter>/events, QoS 2`);

closeOnSignal(sim);
