import { HTTPError } from "got";
import { pathSafeItems } from "../../http/path.js";
import type { Logger } from "pino";
import { idKey, type Command, type Device, type Reading } from "../../model/index.js";
import { parseDuration } from "../../config/duration.js";
import { describeHttpError } from "../../http/client.js";
import type { SourceState } from "../../state/store.js";
import type { Bridge, BridgeContext, PollResult } from "../types.js";
import { climkitOptions } from "./options.js";
import { RAW_FIELDS, type MeterInfo, type SensorInfo, type SeriesRow, type SiteInfo } from "./api.js";
import { ClimkitClient } from "./client.js";
import {
  accumulate,
  formatAddress,
  latestValues,
  meterDataEntity,
  meterDataFields,
  meterDevice,
  meterKey,
  rawEntity,
  rawFieldsFor,
  sensorDevice,
  sensorEntityKey,
  sensorKey,
  siteAttributes,
  siteDataEntity,
  siteDataFields,
  siteDataTypes,
  siteDevice,
  siteKey,
  type SeriesState,
} from "./mapping.js";

/** Windows never reach further back than this: after a long stop, older periods are not fetched. */
export const MAX_CATCH_UP_MS = 31 * 86_400_000;

/** Answers that concern one meter, sensor or site only: that item is skipped, the poll goes on. */
const ITEM_STATUSES = new Set([400, 403, 404, 410, 422]);

interface SiteStructure {
  id: string;
  info: SiteInfo;
  meters: Array<{ key: string; meter: MeterInfo }>;
  sensors: Array<{ key: string; sensor: SensorInfo }>;
}

interface RawState {
  /** Timestamp of the newest raw row seen. */
  t: number;
  values: Record<string, number>;
}

interface SensorState {
  t: number;
  value: number;
}

/**
 * Climkit: sites, their meters and sensors. Every request goes through the client's one rate
 * limiter, one after the other; a poll takes as long as its request count needs.
 */
export class ClimkitBridge implements Bridge {
  private readonly client: ClimkitClient;
  private readonly log: Logger;
  private readonly state: SourceState;
  private readonly siteFilter: string[] | undefined;
  private readonly withSensors: boolean;
  private readonly backfillMs: number;
  private readonly metadataMaxAgeMs: number;
  private structure: SiteStructure[] | undefined;
  private structureAt = 0;
  private series: Record<string, SeriesState>;
  private raw: Record<string, RawState>;
  private sensors: Record<string, SensorState>;
  /** Items skipped after a 4xx, so the warning is logged once per item and incident. */
  private readonly skipped = new Set<string>();

  /** `options.spacingMs` shortens the request pacing for tests of the bridge's logic; never set in the daemon. */
  constructor(ctx: BridgeContext, options: { spacingMs?: number } = {}) {
    const s = climkitOptions(ctx.source);
    this.log = ctx.logger;
    this.state = ctx.state;
    this.client = new ClimkitClient(ctx, { username: s.username, password: s.password }, options.spacingMs);
    this.siteFilter = s.sites !== undefined && s.sites.length > 0 ? s.sites : undefined;
    this.withSensors = s.sensors;
    this.backfillMs = parseDuration(s.backfill);
    this.metadataMaxAgeMs = parseDuration(s.metadata_refresh);
    this.series = { ...(this.state.get<Record<string, SeriesState>>("series") ?? {}) };
    this.raw = { ...(this.state.get<Record<string, RawState>>("raw") ?? {}) };
    this.sensors = { ...(this.state.get<Record<string, SensorState>>("sensors") ?? {}) };
  }

  async poll(): Promise<PollResult> {
    const started = Date.now();
    const before = this.client.requests;
    const structure = await this.loadStructure();
    const now = Date.now();
    for (const site of structure) {
      for (const { meter } of site.meters) {
        // Rule meters are computed by Climkit: they have no raw data, so it is never asked for.
        if (!meter.is_rule_meter) await this.item(`raw ${site.id}/${meter.id}`, () => this.pollRaw(site.id, meter, now));
        await this.item(`meter_data ${site.id}/${meter.id}`, () => this.pollMeterData(site.id, meter, now));
      }
      for (const type of siteDataTypes(site.meters.map((m) => m.meter))) {
        await this.item(`site_data ${site.id}/${type}`, () => this.pollSiteData(site.id, type, now));
      }
      for (const { sensor } of site.sensors) await this.item(`sensor ${site.id}/${sensor.id}`, () => this.pollSensor(site.id, sensor, now));
    }
    this.log.debug({ requests: this.client.requests - before, logins: this.client.auth.stats.logins, ms: Date.now() - started }, "poll done");
    return this.model(structure);
  }

  /** Shutdown: a poll under way stops at its next request instead of running to its end. */
  close(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }

  write(command: Command): Promise<Reading[]> {
    return Promise.reject(new Error(`${command.device}/${command.entity}: Climkit data is read-only`));
  }

  // ---------------------------------------------------------------------------- structure

  /** Sites, their parameters, meters and sensors: read at start and every `metadata_refresh`. */
  private async loadStructure(): Promise<SiteStructure[]> {
    if (this.structure && Date.now() - this.structureAt < this.metadataMaxAgeMs) return this.structure;
    const refused = (what: string) => (id: string) => this.log.warn({ [what]: id }, `${what} id cannot be used in a URL path: left out`);
    const ids = pathSafeItems(this.siteFilter ?? (await this.client.sites()), (id) => id, refused("site"));
    const sites: SiteStructure[] = [];
    const usedKeys = new Set<string>();
    const uniqueKey = (key: string, site: string): string => {
      // Meter and sensor ids are ObjectIds, unique across sites; should two sites share one, the later gets its site in the key.
      const k = usedKeys.has(key) ? `${key}_${idKey(site)}` : key;
      usedKeys.add(k);
      return k;
    };
    for (const id of ids) {
      const info = await this.itemOr(`site ${id}`, () => this.client.siteInfo(id), undefined);
      if (info === undefined) continue;
      const listed = await this.client.meters(id);
      const { skipped } = listed;
      const meters = pathSafeItems(listed.meters, (m) => m.id, refused("meter"));
      if (skipped > 0) this.log.warn({ site: id, skipped }, "meters without an id left out");
      let sensors: SensorInfo[] = [];
      if (this.withSensors) {
        const list = await this.itemOr(`sensors ${id}`, () => this.client.sensors(id), { sensors: [], skipped: 0 });
        if (list.skipped > 0) this.log.warn({ site: id, skipped: list.skipped }, "sensors without an id left out");
        sensors = pathSafeItems(list.sensors, (s) => s.id, refused("sensor"));
      }
      sites.push({
        id,
        info,
        meters: meters.map((meter) => ({ key: uniqueKey(meterKey(meter.id), id), meter })),
        sensors: sensors.map((sensor) => ({ key: uniqueKey(sensorKey(sensor.id), id), sensor })),
      });
    }
    if (this.structure === undefined) {
      const meters = sites.reduce((n, s) => n + s.meters.length, 0);
      const sensors = sites.reduce((n, s) => n + s.sensors.length, 0);
      this.log.info({ sites: sites.length, meters, sensors }, "Climkit sites read");
    }
    this.structure = sites;
    this.structureAt = Date.now();
    return sites;
  }

  // ---------------------------------------------------------------------------- data

  /** Raw indexes since the newest row seen (the first time: `backfill`); the newest value of each field is kept. */
  private async pollRaw(site: string, meter: MeterInfo, now: number): Promise<void> {
    const key = `${site}/${meter.id}`;
    const prev = this.raw[key];
    const from = prev ? Math.max(prev.t, now - MAX_CATCH_UP_MS) : now - this.backfillMs;
    const rows = await this.client.meterDataRaw(site, meter.id, from, now);
    // A type the seed does not name keeps whichever index fields it reports.
    const fields = rawFieldsFor(meter.type).length > 0 ? rawFieldsFor(meter.type) : [...RAW_FIELDS];
    const latest = latestValues(rows.filter((r) => prev === undefined || r.ts > prev.t), fields);
    if (latest.t === undefined) return;
    this.raw[key] = { t: latest.t, values: { ...(prev?.values ?? {}), ...latest.values } };
    this.state.set("raw", this.raw);
  }

  private async pollMeterData(site: string, meter: MeterInfo, now: number): Promise<void> {
    await this.pollSeries(`meter/${site}/${meter.id}`, meterDataFields(meter), now, (from, to) => this.client.meterData(site, meter.id, from, to));
  }

  private async pollSiteData(site: string, type: string, now: number): Promise<void> {
    await this.pollSeries(`site/${site}/${type}`, siteDataFields(type), now, (from, to) => this.client.siteData(site, type, from, to));
  }

  /**
   * Validated per-period values since the last period counted. The sums and the last period
   * are saved together, at once: after a restart the window starts at that period, and the
   * period itself, which the API sends again, is not counted twice.
   */
  private async pollSeries(key: string, fields: string[], now: number, fetch: (from: number, to: number) => Promise<SeriesRow[]>): Promise<void> {
    const prev = this.series[key];
    // Whole seconds, as t_s is written: the first window starts exactly where counting starts.
    const start = Math.floor((now - this.backfillMs) / 1000) * 1000;
    const from = Math.max(prev?.last ?? start, now - MAX_CATCH_UP_MS);
    const rows = await fetch(from, now);
    const { next, counted, negatives } = accumulate(prev, start, rows, fields);
    if (negatives > 0) this.log.debug({ series: key, negatives }, "negative validated values not added");
    if (prev !== undefined && counted === 0) return;
    this.series[key] = next;
    this.state.set("series", this.series);
  }

  /** A sensor's newest value since the last one seen (the first time: `backfill`). */
  private async pollSensor(site: string, sensor: SensorInfo, now: number): Promise<void> {
    const key = `${site}/${sensor.id}`;
    const prev = this.sensors[key];
    const from = prev ? Math.max(prev.t, now - MAX_CATCH_UP_MS) : now - this.backfillMs;
    const rows = await this.client.sensorData(site, sensor.id, from, now);
    const latest = latestValues(rows, ["value"]);
    const value = latest.values.value;
    if (latest.t === undefined || value === undefined || (prev && latest.t <= prev.t)) return;
    this.sensors[key] = { t: latest.t, value };
    this.state.set("sensors", this.sensors);
  }

  /** Runs one item's requests; an answer about that item only (404, 403, 400) skips it with one warning. */
  private async item(name: string, run: () => Promise<void>): Promise<void> {
    await this.itemOr(name, run, undefined);
  }

  private async itemOr<T>(name: string, run: () => Promise<T>, fallback: T): Promise<T> {
    try {
      const result = await run();
      this.skipped.delete(name);
      return result;
    } catch (error) {
      if (!(error instanceof HTTPError) || !ITEM_STATUSES.has(error.response.statusCode)) throw error;
      if (!this.skipped.has(name)) this.log.warn({ item: name, err: describeHttpError(error) }, "skipped: the API refused this item");
      this.skipped.add(name);
      return fallback;
    }
  }

  // ---------------------------------------------------------------------------- model

  private model(structure: SiteStructure[]): PollResult {
    const devices: Device[] = [];
    const readings: Reading[] = [];
    for (const site of structure) {
      const device = siteDevice(site.id, site.info);
      const key = siteKey(site.id);
      if (device.entities.some((e) => e.key === "address")) {
        readings.push({ device: key, entity: "address", value: formatAddress(site.info) ?? null });
        readings.push({ device: key, entity: "address", field: "attributes", value: siteAttributes(site.id, site.info) });
      }
      if (site.info.timezone) readings.push({ device: key, entity: "timezone", value: site.info.timezone });
      for (const type of siteDataTypes(site.meters.map((m) => m.meter))) {
        const state = this.series[`site/${site.id}/${type}`];
        for (const field of siteDataFields(type)) {
          const entity = siteDataEntity(type, field);
          device.entities.push(entity);
          if (state) readings.push({ device: key, entity: entity.key, value: state.sums[field] ?? 0 });
        }
      }
      devices.push(device);

      for (const { key: mKey, meter } of site.meters) {
        const m = meterDevice(mKey, meter, site.id);
        if (!meter.is_rule_meter) {
          const raw = this.raw[`${site.id}/${meter.id}`];
          const fields = new Set([...rawFieldsFor(meter.type), ...Object.keys(raw?.values ?? {})]);
          for (const field of fields) {
            const entity = rawEntity(field, meter.type);
            m.entities.push(entity);
            const value = raw?.values[field];
            if (value !== undefined) readings.push({ device: mKey, entity: entity.key, value });
          }
        }
        const state = this.series[`meter/${site.id}/${meter.id}`];
        for (const field of meterDataFields(meter)) {
          const entity = meterDataEntity(meter, field);
          m.entities.push(entity);
          if (state) readings.push({ device: mKey, entity: entity.key, value: state.sums[field] ?? 0 });
        }
        devices.push(m);
      }

      for (const { key: sKey, sensor } of site.sensors) {
        devices.push(sensorDevice(sKey, sensor, site.id));
        const value = this.sensors[`${site.id}/${sensor.id}`];
        if (value) readings.push({ device: sKey, entity: sensorEntityKey(sensor), value: value.value });
      }
    }
    return { devices, readings };
  }
}
