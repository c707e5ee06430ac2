/**
 * Starts the Belimo Cloud simulator from the command line:
 *   node dist/simulators/belimo/main.js [--port 8082] [--id-port 8083] [--host 127.0.0.1] [--time-scale 1] [--valves 24]
 */
import { closeOnSignal, numberArg, simulatorArgs } from "../kit/cli.js";
import { startBelimoSimulator } from "./index.js";

const values = simulatorArgs({
  "id-port": { type: "string", default: "0" },
  "time-scale": { type: "string", default: "1" },
  valves: { type: "string", default: "24" },
});

const sim = await startBelimoSimulator({
  port: numberArg("port", values.port),
  idPort: numberArg("id-port", values["id-port"]),
  host: values.host,
  timeScale: numberArg("time-scale", values["time-scale"]) || 1,
  valves: Math.floor(numberArg("valves", values.valves)),
});
const c = sim.credentials;
console.log(`Belimo Cloud simulator: API ${sim.url}/api/v3/, token endpoint ${sim.tokenUrl}`);
console.log(`  client ${c.clientId} / ${c.clientSecret}, user ${c.username} / ${c.password}, audience ${c.audience}`);
console.log(`  try: curl -s -d grant_type=password -d client_id=${c.clientId} -d client_secret=${c.clientSecret} -d username=${c.username} -d password=${c.password} -d 'scope=offline_access read:dataprofile' -d audience=${c.audience} ${sim.tokenUrl}`);

closeOnSignal(sim);
