/**
 * Starts the Wiotys (SoData + Keycloak) simulator from the command line:
 *   node dist/simulators/wiotys/main.js [--port 8082] [--host 127.0.0.1] [--time-scale 1] [--extra-devices 0]
 *     [--access-lifetime 300] [--refresh-lifetime 1800]
 */
import { parseArgs } from "node:util";
import { startWiotysSimulator } from "./index.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "time-scale": { type: "string", default: "1" },
    "extra-devices": { type: "string", default: "0" },
    "access-lifetime": { type: "string", default: "300" },
    "refresh-lifetime": { type: "string", default: "1800" },
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

const sim = await startWiotysSimulator({
  port: number("port", values.port),
  host: values.host,
  timeScale: number("time-scale", values["time-scale"]) || 1,
  extraDevices: Math.floor(number("extra-devices", values["extra-devices"])),
  accessTokenLifetime: number("access-lifetime", values["access-lifetime"]) || 300,
  refreshTokenLifetime: number("refresh-lifetime", values["refresh-lifetime"]) || 1800,
});
const c = sim.credentials;
console.log(`Wiotys SoData simulator listening on ${sim.url} (API: ${sim.url}/api/v1/)`);
console.log(`  Keycloak token endpoint: ${sim.tokenUrl}`);
console.log(`  client ${c.clientId} / ${c.clientSecret}, user ${c.username} / ${c.password}`);
console.log(
  `  try: TOKEN=$(curl -s ${sim.tokenUrl} -d grant_type=password -d client_id=${c.clientId} -d client_secret=${c.clientSecret} -d username=${c.username} -d password=${c.password} | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')`,
);
console.log(`       curl -H "Authorization: Bearer $TOKEN" '${sim.url}/api/v1/ca?take=50&skip=0'`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
