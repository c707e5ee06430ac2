/**
 * Starts the myBeNext simulator from the command line:
 *   node dist/simulators/mybenext/main.js [--port 8081] [--host 127.0.0.1] [--time-scale 1] [--extra-products 0]
 */
import { closeOnSignal, numberArg, simulatorArgs } from "../kit/cli.js";
import { API_PREFIX, startMyBeNextSimulator } from "./index.js";

const values = simulatorArgs({
  "time-scale": { type: "string", default: "1" },
  "extra-products": { type: "string", default: "0" },
});

const username = "demo";
const password = "demo-password";
const apikey = "demo-apikey";
const sim = await startMyBeNextSimulator({
  port: numberArg("port", values.port),
  host: values.host,
  username,
  password,
  apikey,
  timeScale: numberArg("time-scale", values["time-scale"]) || 1,
  extraProducts: Math.floor(numberArg("extra-products", values["extra-products"])),
});

console.log(`myBeNext simulator listening on ${sim.url} (API: ${sim.url}${API_PREFIX}/)`);
console.log(`  Basic auth: ${username} / ${password} (account 1)`);
console.log(`  API key:    ${apikey} (accounts 1 and 2; header "Authorization: Apikey ${apikey}" or ?apikey=)`);
console.log(`  try: curl -u ${username}:${password} ${sim.url}${API_PREFIX}/products/`);

closeOnSignal(sim);
