/**
 * The simulated Voltaware account: sensors and smart meters, tokens, metadata and the results
 * (disaggregation, reports, cycles), which are made up deterministically per sensor and period so
 * the same question always gets the same answer. Its own reading of the seed's rules: it shares
 * no code with the bridge, so it checks the bridge rather than mirroring it.
 */
import { createHash, randomBytes } from "node:crypto";

export interface SimSensor {
  id: string;
  /** Voltaware sensors have these; smart meters have null. */
  connectionState: "connected" | "disconnected" | "never_connected" | null;
  firmware: string | null;
  /** Epoch ms; null: no data point yet. */
  firstEvent: number | null;
  lastEvent: number | null;
  /** Counted from here a connected sensor's last_event keeps moving. */
  live: boolean;
  /** When the platform learnt of it: tokens issued before this do not know it (the seed's cache). */
  registeredAt: number;
  locale: { isoCountryCode: string; isoLocaleCode: string; timeZoneId: string; userDefinedLanguage: string };
  /** Has an electric vehicle: EV disaggregation and charging cycles. */
  ev: boolean;
}

export interface SimMetadata {
  property?: Record<string, unknown>;
  appliances?: Record<string, unknown>;
  geolocation?: Record<string, unknown>;
}

interface AccessToken {
  expiresAt: number;
  issuedAt: number;
}

const DAY = 86_400_000;
const BERLIN = { isoCountryCode: "DE", isoLocaleCode: "de-DE", timeZoneId: "Europe/Berlin", userDefinedLanguage: "pt-BR" };
const LONDON = { isoCountryCode: "GB", isoLocaleCode: "en-GB", timeZoneId: "Europe/London", userDefinedLanguage: "en-GB" };

/** Appliance keys the seed's disaggregation tables list. */
const DISAG_KEYS = ["boiler", "cooking", "cooling", "fridge", "heating", "lights", "others", "standby", "washing"] as const;

export interface WorldOptions {
  clientId: string;
  clientSecret: string;
  tokenLifetimeSecs: number;
  refreshLifetimeSecs: number;
  /** Day of the next month from which a month's results exist (the seed: 3). */
  resultsDay: number;
  /** Smart meters that sent events before the simulator started. */
  meters: string[];
  now: () => number;
}

export class World {
  readonly sensors = new Map<string, SimSensor>();
  readonly metadata = new Map<string, SimMetadata>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, { expiresAt: number }>();
  /** Every access and refresh token issued, revoked ones too, for leak checks. */
  readonly issued: string[] = [];
  /** Counted for tests: tokens issued by login and by refresh. */
  readonly tokenStats = { logins: 0, refreshes: 0 };
  /** Results asked for while this is true answer 404, like a meter integrated in the last 36 hours. */
  resultsPending = false;

  constructor(readonly opts: WorldOptions) {
    const start = opts.now();
    this.sensors.set("0001", {
      id: "0001",
      connectionState: "connected",
      firmware: "112356",
      firstEvent: Date.parse("2018-06-08T10:20:51.287Z"),
      lastEvent: start,
      live: true,
      registeredAt: 0,
      locale: BERLIN,
      ev: true,
    });
    this.sensors.set("0002", {
      id: "0002",
      connectionState: "disconnected",
      firmware: "112300",
      firstEvent: Date.parse("2019-03-01T08:00:00Z"),
      lastEvent: start - 3 * DAY,
      live: false,
      registeredAt: 0,
      locale: LONDON,
      ev: false,
    });
    this.sensors.set("0003", { id: "0003", connectionState: "never_connected", firmware: null, firstEvent: null, lastEvent: null, live: false, registeredAt: 0, locale: LONDON, ev: false });
    for (const id of opts.meters) {
      this.sensors.set(id, { id, connectionState: null, firmware: null, firstEvent: start - 120 * DAY, lastEvent: start, live: true, registeredAt: 0, locale: BERLIN, ev: false });
    }
    // What the seed's GET examples show, for the first sensor.
    this.metadata.set("0001", {
      property: {
        property_type: "HOME",
        home_type: "FLAT",
        home_size: 49.8,
        bedroom_amount: 2,
        power_generator_source: "SOLAR",
        people_amount: 2,
        people_amount_in_day_time: 0,
        people: [{ age_range: "ADULT", amount: 2 }],
        version: "1.0",
      },
      geolocation: { latitude: 51.509865, longitude: -0.118092 },
    });
  }

  now(): number {
    return this.opts.now();
  }

  // -----------------------------------------------------------------------------------------------
  // Tokens

  issueToken(refresh: boolean): { access_token: string; token_type: string; expires_in_secs: number; refresh_token?: string } {
    const now = this.now();
    const access = randomBytes(16).toString("base64url");
    this.issued.push(access);
    this.accessTokens.set(access, { issuedAt: now, expiresAt: now + this.opts.tokenLifetimeSecs * 1000 });
    if (refresh) {
      this.tokenStats.refreshes++;
      return { access_token: access, token_type: "Bearer", expires_in_secs: this.opts.tokenLifetimeSecs };
    }
    this.tokenStats.logins++;
    const refreshToken = randomBytes(16).toString("base64url");
    this.issued.push(refreshToken);
    this.refreshTokens.set(refreshToken, { expiresAt: now + this.opts.refreshLifetimeSecs * 1000 });
    return { access_token: access, token_type: "Bearer", expires_in_secs: this.opts.tokenLifetimeSecs, refresh_token: refreshToken };
  }

  /** The access token's record if it is valid now. */
  accessToken(token: string): AccessToken | undefined {
    const t = this.accessTokens.get(token);
    return t && t.expiresAt > this.now() ? t : undefined;
  }

  refreshValid(token: string): boolean {
    const t = this.refreshTokens.get(token);
    return t !== undefined && t.expiresAt > this.now();
  }

  // -----------------------------------------------------------------------------------------------
  // Sensors and events

  sensorView(s: SimSensor): Record<string, unknown> {
    const now = this.now();
    // A connected sensor sends a data point every few seconds.
    const last = s.live && s.lastEvent !== null ? Math.max(s.lastEvent, now - (now % 5_000)) : s.lastEvent;
    return {
      connection_state: s.connectionState,
      firmware: s.firmware,
      last_event: last === null ? null : new Date(last).toISOString().replace(".000Z", "Z"),
      first_event: s.firstEvent === null ? null : new Date(s.firstEvent).toISOString(),
      locale: s.locale,
    };
  }

  /** A consumption event reached the broker: the meter exists from now on. */
  recordEvent(meter: string, at: number): void {
    const known = this.sensors.get(meter);
    if (known) {
      known.firstEvent ??= at;
      known.lastEvent = Math.max(known.lastEvent ?? at, at);
      return;
    }
    this.sensors.set(meter, { id: meter, connectionState: null, firmware: null, firstEvent: at, lastEvent: at, live: false, registeredAt: this.now(), locale: BERLIN, ev: false });
  }

  /** Metadata calls need a meter that has sent data and that the token's cache knows (seed, 403). */
  knowsForMetadata(id: string, token: AccessToken): boolean {
    const s = this.sensors.get(id);
    if (!s) return false;
    if (s.connectionState === null && s.firstEvent === null) return false;
    return s.registeredAt <= token.issuedAt;
  }

  // -----------------------------------------------------------------------------------------------
  // Results

  /** Whether results exist for days [from, to] (UTC ms): every day in a month whose results are out, and data. */
  available(s: SimSensor, from: number, to: number): boolean {
    if (this.resultsPending || s.firstEvent === null || s.firstEvent > to) return false;
    const end = new Date(to);
    const ready = Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, this.opts.resultsDay);
    return this.now() >= ready && from <= to;
  }

  /** A made-up disaggregation, the same for the same sensor and period. */
  disaggregation(s: SimSensor, period: string, days: number): { total_consumption: number; disconnection_percentage: number; appliances: Array<{ appliance_key: string; consumption: number }> } {
    const r = random(`${s.id}/${period}`);
    const keys = DISAG_KEYS.filter((k) => k === "fridge" || k === "lights" || k === "standby" || k === "others" || r() > 0.4);
    const appliances = keys.map((key): { appliance_key: string; consumption: number } => ({ appliance_key: key, consumption: round3(days * (400 + r() * 3000)) }));
    if (s.ev) appliances.push({ appliance_key: "electric_vehicle", consumption: round3(days * (2000 + r() * 6000)) });
    appliances.sort((a, b) => a.appliance_key.localeCompare(b.appliance_key));
    const total = appliances.reduce((sum, a) => sum + a.consumption, 0);
    return { total_consumption: round3(total), disconnection_percentage: Math.round(r() * 200) / 10, appliances };
  }

  dayByDay(s: SimSensor, from: number, days: number): Array<{ day: string; total_consumption: number; weekend: boolean }> {
    return Array.from({ length: days }, (_, i) => {
      const t = from + i * DAY;
      const r = random(`${s.id}/day/${t}`);
      const weekday = new Date(t).getUTCDay();
      // Like the seed's example: day figures in kWh-sized numbers.
      return { day: isoDate(t), total_consumption: Math.round((8 + r() * 8) * 1e5) / 1e5, weekend: weekday === 0 || weekday === 6 };
    });
  }

  cycles(s: SimSensor, from: number, days: number): Array<{ appliance_key: string; total_consumption: number; cycles: Array<{ from: string; to: string; consumption: number }> }> {
    if (!s.ev) return [];
    const r = random(`${s.id}/cycles/${from}/${days}`);
    const count = Math.max(1, Math.round((days / 7) * (1 + r() * 2)));
    const cycles = Array.from({ length: count }, (_, i) => {
      const start = from + Math.floor(((i + r() * 0.5) / count) * days * DAY);
      const end = start + Math.floor((1 + r() * 4) * 3_600_000);
      return { from: localTime(start), to: localTime(end), consumption: (end - start) / 3_600_000 * 7_200 * (0.8 + r() * 0.2) };
    });
    return [{ appliance_key: "electric_vehicle", total_consumption: cycles.reduce((sum, c) => sum + c.consumption, 0), cycles }];
  }
}

/** A small deterministic generator seeded by text. */
function random(seed: string): () => number {
  let state = createHash("sha256").update(seed).digest().readUInt32LE(0) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) % 1_000_000) / 1_000_000;
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The seed's cycles carry local times without a zone: "2024-07-12T00:32:53". */
function localTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
