/** The source of the config that reads each vendor's simulator: the settings the tests share. */
import type { BelimoSimulator } from "../../../src/simulators/belimo/index.js";
import { meter, site, type ClimkitSimulator } from "../../../src/simulators/climkit/index.js";
import type { MyBeNextSimulator } from "../../../src/simulators/mybenext/index.js";
import type { VoltawareSimulator } from "../../../src/simulators/voltaware/index.js";
import type { WiotysSimulator } from "../../../src/simulators/wiotys/index.js";

type Extra = Record<string, unknown>;

export function belimoSource(sim: BelimoSimulator, id: string, extra: Extra = {}): Record<string, unknown> {
  const c = sim.credentials;
  return {
    id,
    type: "belimo",
    base_url: sim.url,
    token_url: sim.tokenUrl,
    client_id: c.clientId,
    client_secret: c.clientSecret,
    username: c.username,
    password: c.password,
    interval: "1s",
    requests_per_second: 50,
    history_interval: "1m",
    ...extra,
  };
}

export function climkitSource(sim: ClimkitSimulator, id: string, extra: Extra = {}): Record<string, unknown> {
  return { id, type: "climkit", base_url: sim.apiUrl, username: "demo", password: "demo-password", interval: "1s", backfill: "10s", sensors: false, ...extra };
}

export function wiotysSource(sim: WiotysSimulator, id: string, extra: Extra = {}): Record<string, unknown> {
  const c = sim.credentials;
  return { id, type: "wiotys", interval: "1s", base_url: sim.url, keycloak_url: sim.url, realm: sim.realm, client_id: c.clientId, client_secret: c.clientSecret, username: c.username, password: c.password, requests_per_second: 50, ...extra };
}

export function myBeNextSource(sim: MyBeNextSimulator, id: string, extra: Extra = {}): Record<string, unknown> {
  return { id, type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "1s", ...extra };
}

export function voltawareSource(sim: VoltawareSimulator, id: string, extra: Extra = {}): Record<string, unknown> {
  return { id, type: "voltaware", base_url: sim.url, client_id: "demo-client", client_secret: "demo-secret", interval: "1s", rate_limit: 50, ...extra };
}

/** A Climkit world of one site with one meter: a poll is a few requests at the API's 1/s. */
export const tinyClimkitSites = () => [site("64e5a0000000000000000001", "Small site", [meter("64e5a00000000000000000a1", "electricity", "Building", { is_rule_meter: true })])];
