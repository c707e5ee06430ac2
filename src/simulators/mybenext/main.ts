/**
 * Starts the myBeNext simulator from the command line:
 *   node dist/simulators/mybenext/main.js [--port 8081] [--host 127.0.0.1] [--time-scale 1] [--extra-products 0]
 */
import { parseArgs } from "node:util";
import { API_PREFIX, startMyBeNextSimulator } from "./index.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "time-scale": { type: "string", default: "1" },
    "extra-products": { type: "string", default: "0" },
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

const username = "demo";
const password = "demo-password";
const apikey = "demo-apikey";
const sim = await startMyBeNextSimulator({
  port: number("port", values.port),
  host: values.host,
  username,
  password,
  apikey,
  timeScale: number("time-scale", values["time-scale"]) || 1,
  extraProducts: Math.floor(number("extra-products", values["extra-products"])),
});

console.log(`myBeNext simulator listening on ${sim.url} (API: ${sim.url}${API_PREFIX}/)`);
console.log(`  Basic auth: ${username} / ${password} (account 1)`);
console.log(`  API key:    ${apikey} (accounts 1 and 2; header "Authorization: Apikey ${apikey}" or ?apikey=)`);
console.log(`  try: curl -u ${username}:${password} ${sim.url}${API_PREFIX}/products/`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
