/**
 * The five vendor simulators of the endurance run, the sources that read them (several per
 * vendor, to reach the poll counts at the 1 s interval floor), and what the harness counts on
 * the clouds' side: tokens issued and the dimmer writes that commands applied.
 */
import { startBelimoSimulator, type BelimoSimulator } from "../simulators/belimo/index.js";
import { meter, site, startClimkitSimulator, type ClimkitSimulator } from "../simulators/climkit/index.js";
import { DEMO_IDS, startMyBeNextSimulator, type MyBeNextSimulator } from "../simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../simulators/voltaware/index.js";
import { startWiotysSimulator, WIOTYS_IDS, type WiotysSimulator } from "../simulators/wiotys/index.js";

export const VENDORS = ["belimo", "climkit", "wiotys", "mybenext", "voltaware"] as const;
export type Vendor = (typeof VENDORS)[number];

/** The fault switches every simulator shares (test/helpers/cloud-faults.ts). */
export interface CommonFaults {
  outage: boolean;
  status500: boolean;
  malformed: boolean;
  slowMs: number;
  unauthorizedNext: number;
  rateLimitNext: number;
}

export const EVENTS_SOURCE = "meter_1";
/** The source whose dimmer takes the commands; its simulator gets no faults that could blur "applied". */
export const COMMAND_SOURCE = "cmd";
export const COMMAND_TOPIC = `cloud2mqtt/${COMMAND_SOURCE}/product_${DEMO_IDS.products.dimmer}/property_${DEMO_IDS.dimmerProperty}/set`;
/** A meter fed from a local topic the harness publishes a counter to: each value one event. */
export const LOCAL_METER = "9001";
export const LOCAL_METER_TOPIC = "endurance/meter/9001/power";
/** A meter fed from another source's readings (the P1 meter of myBeNext source home_1), as in the demo. */
export const READINGS_METER = "2001";
export const EVENTS_BROKER = { username: "endurance", password: "endurance-events-password", topic: "smartmeter/{{meter}}/events" };

export interface AppliedWrite {
  value: number;
  at: number;
}

export class Clouds {
  tokens: Record<Vendor, number> = { belimo: 0, climkit: 0, wiotys: 0, mybenext: 0, voltaware: 0 };
  /** 2xx writes of the command dimmer, in order. */
  readonly applied: AppliedWrite[] = [];
  readonly sourcesOf: Record<Vendor, string[]> = { belimo: [], climkit: [], wiotys: [], mybenext: [], voltaware: [] };

  private constructor(
    readonly belimo: BelimoSimulator,
    readonly climkit: ClimkitSimulator,
    readonly wiotys: WiotysSimulator,
    readonly mybenext: MyBeNextSimulator,
    /** Only the command source polls this one, and no fault is injected into it. */
    readonly commandCloud: MyBeNextSimulator,
    readonly voltaware: VoltawareSimulator,
  ) {}

  static async start(tokenLifetimeS: number): Promise<Clouds> {
    const belimo = await startBelimoSimulator({ valves: 2, actuators: 0, unregistered: 0, timeScale: 60, accessTokenLifetimeS: tokenLifetimeS, deviceDataRate: 500, deviceDataBurst: 100, maxInFlight: 50 });
    const climkit = await startClimkitSimulator({
      sites: [site("64e5a0000000000000000001", "Small site", [meter("64e5a00000000000000000a1", "electricity", "Building", { is_rule_meter: true })])],
      periodMs: 1_000,
      tokenLifetimeMs: tokenLifetimeS * 1000,
      // Several sources share the one user here; the bridge paces itself at the API's 1/s.
      rateLimitMs: 0,
      maxLog: 200,
    });
    const wiotys = await startWiotysSimulator({ corporateAccounts: [WIOTYS_IDS.ca.lab], accessTokenLifetime: tokenLifetimeS, refreshTokenLifetime: tokenLifetimeS * 3, timeScale: 60 });
    const mybenext = await startMyBeNextSimulator({ timeScale: 60 });
    const commandCloud = await startMyBeNextSimulator({ timeScale: 60 });
    const voltaware = await startVoltawareSimulator({ tokenLifetimeSecs: tokenLifetimeS, broker: EVENTS_BROKER });
    return new Clouds(belimo, climkit, wiotys, mybenext, commandCloud, voltaware);
  }

  faults(vendor: Vendor): CommonFaults {
    return this[vendor].faults;
  }

  resetFaults(): void {
    for (const v of VENDORS) this[v].resetFaults();
  }

  /** The daemon's sources: `perVendor` of each vendor, plus the command source. */
  sources(perVendor: number, timeout: string): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    const add = (vendor: Vendor, s: Record<string, unknown>): void => {
      this.sourcesOf[vendor].push(String(s.id));
      out.push({ interval: "1s", timeout, ...s });
    };
    const b = this.belimo.credentials;
    const w = this.wiotys.credentials;
    const p1 = `product_${DEMO_IDS.products.p1Meter}`;
    for (let i = 1; i <= perVendor; i++) {
      add("belimo", { id: `valves_${i}`, type: "belimo", base_url: this.belimo.url, token_url: this.belimo.tokenUrl, client_id: b.clientId, client_secret: b.clientSecret, username: b.username, password: b.password, requests_per_second: 50, history_interval: "1m" });
      add("climkit", { id: `metering_${i}`, type: "climkit", base_url: this.climkit.apiUrl, username: "demo", password: "demo-password", backfill: "10s", sensors: false });
      add("wiotys", { id: `ups_${i}`, type: "wiotys", base_url: this.wiotys.url, keycloak_url: this.wiotys.url, realm: this.wiotys.realm, client_id: w.clientId, client_secret: w.clientSecret, username: w.username, password: w.password, requests_per_second: 50 });
      add("mybenext", { id: `home_${i}`, type: "mybenext", base_url: this.mybenext.url, username: "demo", password: "demo-password" });
      const volta: Record<string, unknown> = { id: `meter_${i}`, type: "voltaware", base_url: this.voltaware.url, client_id: "demo-client", client_secret: "demo-secret", rate_limit: 200, retry_interval: "1s" };
      if (volta.id === EVENTS_SOURCE) {
        volta.events = {
          url: this.voltaware.broker?.url,
          username: EVENTS_BROKER.username,
          password: EVENTS_BROKER.password,
          topic: EVENTS_BROKER.topic,
          meters: [
            { id: LOCAL_METER, values: [{ name: "power", topic: LOCAL_METER_TOPIC }] },
            {
              id: READINGS_METER,
              values: [
                { name: "power", source: "home_1", device: p1, entity: `property_${DEMO_IDS.p1Power}` },
                { name: "energy", source: "home_1", device: p1, entity: `property_${DEMO_IDS.p1Import}`, scale: 1000 },
              ],
            },
          ],
        };
      }
      add("voltaware", volta);
    }
    out.push({ id: COMMAND_SOURCE, type: "mybenext", base_url: this.commandCloud.url, username: "demo", password: "demo-password", interval: "1s", timeout });
    return out;
  }

  /** Counts what the request logs hold since the last call and empties them: the logs are instruments, not the daemon's memory. */
  drain(): void {
    const ok = (s: number): boolean => s >= 200 && s < 300;
    for (const r of this.belimo.requests.splice(0)) if (r.path === "/oauth/token" && ok(r.status)) this.tokens.belimo++;
    for (const r of this.wiotys.requests.splice(0)) if (r.path.endsWith("/protocol/openid-connect/token") && ok(r.status)) this.tokens.wiotys++;
    for (const r of this.voltaware.requests.splice(0)) if (r.path.startsWith("/auth/token") && ok(r.status)) this.tokens.voltaware++;
    this.tokens.climkit = this.climkit.tokensIssued;
    this.mybenext.requests.splice(0);
    for (const r of this.commandCloud.requests.splice(0)) {
      if (r.method !== "PUT" || !ok(r.status) || !r.path.includes(String(DEMO_IDS.dimmerProperty))) continue;
      const body = r.body as { value?: unknown } | null;
      this.applied.push({ value: Number(body?.value), at: r.time });
    }
  }

  get tokenTotal(): number {
    return VENDORS.reduce((n, v) => n + this.tokens[v], 0);
  }

  async close(): Promise<void> {
    await Promise.all([this.belimo, this.climkit, this.wiotys, this.mybenext, this.commandCloud, this.voltaware].map((s) => s.close().catch(() => undefined)));
  }
}
