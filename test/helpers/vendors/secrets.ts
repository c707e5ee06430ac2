/**
 * secrets.test.ts, per vendor: a cloud with distinctive credentials, the sources that read it,
 * and how to tell its tokens were renewed. Spaces, "!", "&", "#", "+", "/", quotes: their URL-,
 * form- and JSON-encoded forms all differ.
 */
import { startBelimoSimulator, type BelimoSimulator } from "../../../src/simulators/belimo/index.js";
import { meter, site, startClimkitSimulator, type ClimkitSimulator } from "../../../src/simulators/climkit/index.js";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../../src/simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../../src/simulators/voltaware/index.js";
import { startWiotysSimulator, type WiotysSimulator } from "../../../src/simulators/wiotys/index.js";

/** A cloud whose faults include quoting each request back in a 500 (credentials included). */
export interface EchoingSimulator {
  faults: { echo: boolean; unauthorizedNext: number };
}

export interface SecretsSpec<S> {
  /** Every secret of the vendor's sources, by name: none may leave the daemon, in any form. */
  secrets: Record<string, string>;
  /** Credentials that travel as `Basic base64(user:password)`: that form must not leave either. */
  basic: Array<{ name: string; user: string; password: string }>;
  start(): Promise<S>;
  /** The sources that read the cloud (ids of their own). */
  sources(sim: S): Array<Record<string, unknown>>;
  /** Sources with a writable entity: a command sent to one while the cloud echoes must fail. */
  writable: string[];
  /** The short-lived tokens were renewed at least once. */
  renewed(sim: S): boolean;
  /** 401s to send: the daemon must ask again (one per source reading the cloud). */
  unauthorized: number;
  /** Logins and refreshes so far, where a 401 must cost one more. */
  renewals?(sim: S): number;
  issuedTokens(sim: S): string[];
  /** Before every cloud echoes, this cloud alone: its API calls quoted back, a Bearer token in them. */
  echoFirst?: { apply(sim: S): void; undo(sim: S): void; logged: RegExp; what: string };
  /** Once online: a message to publish, and the check the vendor's side received it. */
  online?: { topic: string; payload: string; received(sim: S): boolean; what: string };
}

const USERS = { belimo: "belimo-user@example.com", climkit: "climkit-user", benext: "benext-user", wiotys: "wiotys-user@example.com" };
const CLIENTS = { belimo: "belimo-client", wiotys: "wiotys-client", voltaware: "voltaware-client" };

const BELIMO = { belimoClientSecret: "belimo-CS!x 41#r", belimoPassword: "belimo pw&9#Z!w" };
export const belimoSecrets: SecretsSpec<BelimoSimulator> = {
  secrets: BELIMO,
  basic: [{ name: "Belimo client in base64", user: CLIENTS.belimo, password: BELIMO.belimoClientSecret }],
  start: () =>
    startBelimoSimulator({
      valves: 3,
      actuators: 1,
      unregistered: 0,
      clientId: CLIENTS.belimo,
      clientSecret: BELIMO.belimoClientSecret,
      username: USERS.belimo,
      password: BELIMO.belimoPassword,
      accessTokenLifetimeS: 3,
      deviceDataRate: 100,
      deviceDataBurst: 50,
      jobDelayMs: 200,
    }),
  sources: (sim) => [
    {
      id: "valves",
      type: "belimo",
      base_url: sim.url,
      token_url: sim.tokenUrl,
      client_id: CLIENTS.belimo,
      client_secret: BELIMO.belimoClientSecret,
      username: USERS.belimo,
      password: BELIMO.belimoPassword,
      interval: "1s",
      requests_per_second: 50,
      job_poll_interval: "200ms",
      job_timeout: "3s",
    },
  ],
  writable: ["valves"],
  renewed: (sim) => sim.tokenCounters().refreshes > 0,
  unauthorized: 1,
  renewals: (sim) => sim.tokenCounters().logins + sim.tokenCounters().refreshes,
  issuedTokens: (sim) => sim.issuedTokens(),
};

const CLIMKIT = { climkitPassword: 'climkit-pw"q\\9 zT' };
export const climkitSecrets: SecretsSpec<ClimkitSimulator> = {
  secrets: CLIMKIT,
  basic: [],
  start: () =>
    startClimkitSimulator({
      username: USERS.climkit,
      password: CLIMKIT.climkitPassword,
      sites: [site("64c3a0000000000000000001", "Les Vergers", [meter("64c3a00000000000000000a1", "electricity", "Flat A")])],
      periodMs: 1_000,
      tokenLifetimeMs: 6_000,
      rateLimitMs: 0,
    }),
  sources: (sim) => [{ id: "metering", type: "climkit", base_url: sim.apiUrl, username: USERS.climkit, password: CLIMKIT.climkitPassword, interval: "1s", backfill: "30s", sensors: false }],
  writable: [],
  // No refresh token: a new login.
  renewed: (sim) => sim.tokensIssued > 1,
  unauthorized: 1,
  renewals: (sim) => sim.tokensIssued,
  issuedTokens: (sim) => sim.issuedTokens(),
  // Its API calls first, its logins not yet: a Bearer token quoted back, whenever the token runs
  // out (once every cloud echoes, a loaded machine can see only token requests fail).
  echoFirst: {
    apply: (sim) => {
      sim.faults.only = "meter_data";
      sim.faults.echo = true;
    },
    undo: (sim) => void (sim.faults.only = null),
    logged: /authorization: Bearer \*\*\*/,
    what: "Climkit's echoed API call in the log",
  },
};

const BENEXT = { benextPassword: "benext pw!2+/Lm", benextApikey: "benext-APIKEY-77f3c0de" };
export const myBeNextSecrets: SecretsSpec<MyBeNextSimulator> = {
  secrets: BENEXT,
  basic: [{ name: "Basic user:password", user: USERS.benext, password: BENEXT.benextPassword }],
  start: () => startMyBeNextSimulator({ username: USERS.benext, password: BENEXT.benextPassword, apikey: BENEXT.benextApikey, timeScale: 60 }),
  sources: (sim) => [
    { id: "home", type: "mybenext", base_url: sim.url, username: USERS.benext, password: BENEXT.benextPassword, interval: "1s" },
    { id: "office", type: "mybenext", base_url: sim.url, apikey: BENEXT.benextApikey, interval: "1s" },
  ],
  writable: ["home", "office"],
  // Credentials on every request: nothing to renew.
  renewed: () => true,
  unauthorized: 2,
  issuedTokens: () => [],
};

const WIOTYS = { wiotysClientSecret: "wiotys-CS 8!kRr", wiotysPassword: "wiotys pw~5&qXx" };
export const wiotysSecrets: SecretsSpec<WiotysSimulator> = {
  secrets: WIOTYS,
  basic: [{ name: "Wiotys client in base64", user: CLIENTS.wiotys, password: WIOTYS.wiotysClientSecret }],
  start: () => startWiotysSimulator({ clientId: CLIENTS.wiotys, clientSecret: WIOTYS.wiotysClientSecret, username: USERS.wiotys, password: WIOTYS.wiotysPassword, accessTokenLifetime: 3 }),
  sources: (sim) => [
    {
      id: "solink",
      type: "wiotys",
      base_url: sim.url,
      keycloak_url: sim.url,
      realm: sim.realm,
      corporate_account: "SoLink",
      client_id: CLIENTS.wiotys,
      client_secret: WIOTYS.wiotysClientSecret,
      username: USERS.wiotys,
      password: WIOTYS.wiotysPassword,
      interval: "1s",
      requests_per_second: 50,
    },
  ],
  writable: [],
  renewed: (sim) => sim.issuedTokens().length > 2,
  unauthorized: 1,
  issuedTokens: (sim) => sim.issuedTokens(),
};

const VOLTAWARE = { voltawareClientSecret: "voltaware-CS!3 p&Hh", eventsPassword: "events-broker pw!4Gg" };
export const voltawareSecrets: SecretsSpec<VoltawareSimulator> = {
  secrets: VOLTAWARE,
  basic: [],
  start: () =>
    startVoltawareSimulator({
      clientId: CLIENTS.voltaware,
      clientSecret: VOLTAWARE.voltawareClientSecret,
      tokenLifetimeSecs: 3,
      broker: { username: "events-user", password: VOLTAWARE.eventsPassword, topic: "smartmeter/{{meter}}/events" },
    }),
  sources: (sim) => [
    {
      id: "meter",
      type: "voltaware",
      base_url: sim.url,
      client_id: CLIENTS.voltaware,
      client_secret: VOLTAWARE.voltawareClientSecret,
      interval: "1s",
      rate_limit: 50,
      events: {
        url: sim.broker!.url,
        username: "events-user",
        password: VOLTAWARE.eventsPassword,
        topic: "smartmeter/{{meter}}/events",
        meters: [{ id: "2001", values: [{ name: "power", topic: "p1/power" }] }],
      },
    },
  ],
  writable: [],
  renewed: (sim) => sim.tokenStats.refreshes > 0,
  unauthorized: 1,
  issuedTokens: (sim) => sim.issuedTokens(),
  online: { topic: "p1/power", payload: "1234", received: (sim) => (sim.broker?.events.length ?? 0) > 0, what: "an event at Voltaware's broker" },
};

/** `SecretsSpec` bound to its running cloud. */
export interface SecretsRun extends Omit<SecretsSpec<EchoingSimulator>, "start" | "sources" | "renewed" | "renewals" | "issuedTokens" | "echoFirst" | "online"> {
  sim: EchoingSimulator & { close(): Promise<void> };
  sources(): Array<Record<string, unknown>>;
  renewed(): boolean;
  renewals?(): number;
  issuedTokens(): string[];
  echoFirst?: { apply(): void; undo(): void; logged: RegExp; what: string };
  online?: { topic: string; payload: string; received(): boolean; what: string };
}

export function bindSecrets<S extends EchoingSimulator & { close(): Promise<void> }>(spec: SecretsSpec<S>): () => Promise<SecretsRun> {
  return async () => {
    const sim = await spec.start();
    const { echoFirst, online, renewals } = spec;
    return {
      secrets: spec.secrets,
      basic: spec.basic,
      writable: spec.writable,
      unauthorized: spec.unauthorized,
      sim,
      sources: () => spec.sources(sim),
      renewed: () => spec.renewed(sim),
      ...(renewals ? { renewals: () => renewals(sim) } : {}),
      issuedTokens: () => spec.issuedTokens(sim),
      ...(echoFirst ? { echoFirst: { ...echoFirst, apply: () => echoFirst.apply(sim), undo: () => echoFirst.undo(sim) } } : {}),
      ...(online ? { online: { ...online, received: () => online.received(sim) } } : {}),
    };
  };
}
