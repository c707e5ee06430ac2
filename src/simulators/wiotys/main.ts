/**
 * Starts the Wiotys (SoData + Keycloak) simulator from the command line:
 *   node dist/simulators/wiotys/main.js [--port 8082] [--host 127.0.0.1] [--time-scale 1] [--extra-devices 0]
 *     [--access-lifetime 300] [--refresh-lifetime 1800]
 */
import { closeOnSignal, numberArg, simulatorArgs } from "../kit/cli.js";
import { startWiotysSimulator } from "./index.js";

const values = simulatorArgs({
  "time-scale": { type: "string", default: "1" },
  "extra-devices": { type: "string", default: "0" },
  "access-lifetime": { type: "string", default: "300" },
  "refresh-lifetime": { type: "string", default: "1800" },
});

const sim = await startWiotysSimulator({
  port: numberArg("port", values.port),
  host: values.host,
  timeScale: numberArg("time-scale", values["time-scale"]) || 1,
  extraDevices: Math.floor(numberArg("extra-devices", values["extra-devices"])),
  accessTokenLifetime: numberArg("access-lifetime", values["access-lifetime"]) || 300,
  refreshTokenLifetime: numberArg("refresh-lifetime", values["refresh-lifetime"]) || 1800,
});
const c = sim.credentials;
console.log(`Wiotys SoData simulator listening on ${sim.url} (API: ${sim.url}/api/v1/)`);
console.log(`  Keycloak token endpoint: ${sim.tokenUrl}`);
console.log(`  client ${c.clientId} / ${c.clientSecret}, user ${c.username} / ${c.password}`);
console.log(
  `  try: TOKEN=$(curl -s ${sim.tokenUrl} -d grant_type=password -d client_id=${c.clientId} -d client_secret=${c.clientSecret} -d username=${c.username} -d password=${c.password} | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')`,
);
console.log(`       curl -H "Authorization: Bearer $TOKEN" '${sim.url}/api/v1/ca?take=50&skip=0'`);

closeOnSignal(sim);
