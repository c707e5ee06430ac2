/**
 * Simulator of Voltaware's smart-meter reseller API (seed: voltaware-api.txt) over real HTTP, and
 * of its smart-meter events broker, for the demo and the tests.
 *
 * HTTP: POST /auth/token and /auth/token/refresh (client credentials, lifetimes configurable),
 * GET /sensors, /sensors/<id>, GET/PUT /sensors/<id>/metadata/{property,appliances,geolocation}
 * (the seed's rules, 400 naming the field, 403 for a meter without events or unknown to the
 * token), GET /sensors/<id>/sm/disag/{month,month/weeks,week,cycles/monthly,cycles/weekly} and
 * /sm/reports/{monthly,weekly} (404 before the 3rd of the next month, 400 for a week that is not
 * Monday–Sunday). Faults: outage, 500, truncated or any other body, slow answers, 401, 429, revoked tokens,
 * pending results; optional requests-per-second limit; a request log.
 *
 * Events broker (optional): see broker.ts. An accepted event makes the meter exist at the API.
 */
import { startEventsBroker, type EventsBroker, type EventsBrokerOptions } from "./broker.js";
import { createHandler, noFaults, type RecordedRequest, type SensorListFormat, type ServerState, type VoltawareFaults } from "./server.js";
import { World, type SimMetadata, type SimSensor } from "./world.js";
import { clearTimers } from "../kit/faults.js";
import { startServer } from "../kit/server.js";
import type { SimulatorControls } from "../kit/simulator.js";

export type { RecordedRequest, SensorListFormat, VoltawareFaults } from "./server.js";
export type { EventsBroker, EventsBrokerOptions, ReceivedEvent, DiscardedMessage } from "./broker.js";
export type { SimMetadata, SimSensor } from "./world.js";

export interface VoltawareSimulatorOptions {
  /** default 0 = ephemeral */
  port?: number;
  /** default "127.0.0.1" */
  host?: string;
  /** default "demo-client" */
  clientId?: string;
  /** default "demo-secret" */
  clientSecret?: string;
  /** Access token lifetime; the seed's is 12 h (43200). */
  tokenLifetimeSecs?: number;
  /** Refresh token lifetime (the seed does not say); default 30 days. */
  refreshLifetimeSecs?: number;
  /** How GET /sensors writes ids: JSON strings (default), JSON numbers, or as the seed shows them ([0001, 0002]). */
  sensorListFormat?: SensorListFormat;
  /** Day of the next month from which a month's results exist; default 3. */
  resultsDay?: number;
  /** Requests per second before 429 (default: no limit, the seed names none). */
  rateLimitPerSecond?: number;
  /** Smart meters that sent events before the start; default ["1001"]. */
  meters?: string[];
  /** The events broker; absent: none. */
  broker?: EventsBrokerOptions;
  /** The simulator's clock (default Date.now): decides which periods have results and token expiry. */
  now?: () => number;
}

export interface VoltawareSimulator extends SimulatorControls<VoltawareFaults, RecordedRequest> {
  /** e.g. "http://127.0.0.1:41234" */
  url: string;
  /** The events broker, when one was asked for. */
  broker: EventsBroker | undefined;
  /** Every access token stops working (as if expired); refresh tokens still do. */
  revokeAccessTokens(): void;
  /** Every refresh token stops working: the next renewal must log in. */
  revokeRefreshTokens(): void;
  /** While true, every result endpoint answers 404 ("not there yet"). */
  setResultsPending(pending: boolean): void;
  /** A meter's first (or next) consumption event, as if it had reached the broker. */
  recordEvent(meter: string, at?: number): void;
  sensor(id: string): SimSensor | undefined;
  setConnectionState(id: string, state: SimSensor["connectionState"]): void;
  /** The sensor leaves the account: no longer listed, 404 from then on. */
  removeSensor(id: string): void;
  metadata(id: string): SimMetadata | undefined;
  /** Tokens issued so far: full logins and refreshes. */
  tokenStats: { logins: number; refreshes: number };
  /** Every access and refresh token issued, for leak checks. */
  issuedTokens(): string[];
}

export async function startVoltawareSimulator(options: VoltawareSimulatorOptions = {}): Promise<VoltawareSimulator> {
  const world = new World({
    clientId: options.clientId ?? "demo-client",
    clientSecret: options.clientSecret ?? "demo-secret",
    tokenLifetimeSecs: options.tokenLifetimeSecs ?? 43_200,
    refreshLifetimeSecs: options.refreshLifetimeSecs ?? 30 * 86_400,
    resultsDay: options.resultsDay ?? 3,
    meters: options.meters ?? ["1001"],
    now: options.now ?? Date.now,
  });
  const faults = noFaults();
  const requests: RecordedRequest[] = [];
  const state: ServerState = {
    world,
    faults,
    requests,
    sensorListFormat: options.sensorListFormat ?? "strings",
    rateLimitPerSecond: options.rateLimitPerSecond,
    recent: [],
    timers: new Set(),
  };
  const http = await startServer(createHandler(state), options);
  const broker = options.broker ? await startEventsBroker(options.broker, (e) => world.recordEvent(e.meter, Date.parse(String(e.payload.timestamp)) || Date.now())) : undefined;

  let closed: Promise<void> | undefined;
  return {
    url: http.url,
    requests,
    faults,
    broker,
    tokenStats: world.tokenStats,
    clearRequests: () => void (requests.length = 0),
    resetFaults: () => void Object.assign(faults, noFaults()),
    revokeAccessTokens: () => world.accessTokens.clear(),
    issuedTokens: () => [...world.issued],
    revokeRefreshTokens: () => world.refreshTokens.clear(),
    setResultsPending: (pending) => void (world.resultsPending = pending),
    recordEvent: (meter, at) => world.recordEvent(meter, at ?? world.now()),
    sensor: (id) => world.sensors.get(id),
    setConnectionState: (id, s) => {
      const sensor = world.sensors.get(id);
      if (sensor) sensor.connectionState = s;
    },
    removeSensor: (id) => void world.sensors.delete(id),
    metadata: (id) => world.metadata.get(id),
    close() {
      closed ??= (async () => {
        clearTimers(state.timers);
        await broker?.close();
        await http.close();
      })();
      return closed;
    },
  };
}
