import { HTTPError } from "got";
import { pathSafeItems } from "../../http/path.js";
import type { Logger } from "pino";
import { formatDuration, parseDuration } from "../../config/duration.js";
import { describeHttpError } from "../../http/client.js";
import { idKey, type Command, type Device, type Entity, type Reading } from "../../model/index.js";
import type { SourceState } from "../../state/store.js";
import { UnexpectedResponseError, isRecord } from "../errors.js";
import type { Bridge, BridgeContext, PollResult } from "../types.js";
import { belimoOptions } from "./options.js";
import type { BelimoDevice, Job, Profile, Stats } from "./api-types.js";
import { BelimoClient, type Sample } from "./client.js";
import { datapointMapping, globMatcher, isMetadata, parseStats, profileRef, stateValue, uniqueKey, type DatapointMapping } from "./mapping.js";

export const ACCOUNT_KEY = "account";
/** Keys of the entities every device has besides its datapoints. */
const DEVICE_KEYS = ["problem", "connectivity", "last_seen"] as const;
/** The cloud counts a device online when it connected within the last 5 minutes (client API spec). */
const ONLINE_WITHIN_MS = 5 * 60_000;
/** A profile the cloud did not know is asked for again after this long. */
const MISSING_PROFILE_RETRY_MS = 3_600_000;
const HISTORY_RESOLUTION = "1h";
const JOB_RUNNING = new Set(["PENDING", "EXECUTING"]);
const REFUSED: unique symbol = Symbol("refused");
type Refused = typeof REFUSED;
const EMPTY_STATS: Stats = { total: null, online: null, offline: null, problem: null, ok: null };

interface DeviceValues {
  values: Map<string, unknown>;
}

interface Target {
  deviceId: string;
  mapping: DatapointMapping;
}

/**
 * Belimo Cloud: registered devices (paged) with their data profile's datapoints as entities,
 * current values from the device state (the newest history value where the state lacks one),
 * account statistics, and writes as jobs that are followed until the device confirms them.
 */
export class BelimoBridge implements Bridge {
  private readonly client: BelimoClient;
  private readonly log: Logger;
  private readonly state: SourceState;
  private readonly pageSize: number;
  private readonly username: string;
  private readonly include: ((id: string) => boolean) | undefined;
  private readonly exclude: ((id: string) => boolean) | undefined;
  private readonly historyIntervalMs: number;
  private readonly historyLookbackMs: number;
  private readonly jobTimeoutMs: number;
  private readonly jobPollMs: number;
  private readonly profiles = new Map<string, Profile>();
  private readonly missingProfiles = new Map<string, number>();
  private readonly mappings = new Map<string, Array<DatapointMapping & { key: string }>>();
  private readonly history = new Map<string, { at: number; values: Map<string, Sample> }>();
  private readonly warned = new Set<string>();
  private targets = new Map<string, Target>();
  private closed = false;

  constructor(ctx: BridgeContext) {
    const s = belimoOptions(ctx.source);
    this.log = ctx.logger;
    this.state = ctx.state;
    this.pageSize = s.page_size;
    this.username = s.username;
    this.include = globMatcher(s.datapoints);
    this.exclude = globMatcher(s.exclude_datapoints);
    this.historyIntervalMs = parseDuration(s.history_interval);
    this.historyLookbackMs = Math.max(60_000, parseDuration(s.history_lookback));
    this.jobTimeoutMs = parseDuration(s.job_timeout);
    this.jobPollMs = Math.max(100, parseDuration(s.job_poll_interval));
    this.client = new BelimoClient(ctx, {
      baseUrl: s.base_url,
      tokenUrl: s.token_url,
      audience: s.audience,
      scope: s.scope,
      clientId: s.client_id,
      clientSecret: s.client_secret,
      username: this.username,
      password: s.password,
      requestsPerSecond: s.requests_per_second,
      maxInFlight: s.max_in_flight,
    });
  }

  /** Token statistics (logins, refreshes), for logs and tests. */
  get tokenStats(): Readonly<{ logins: number; refreshes: number; failedRefreshes: number }> {
    return this.client.auth.stats;
  }

  async poll(): Promise<PollResult> {
    const [statsBody, listedDevices] = await Promise.all([this.client.stats().catch((error: unknown): Refused => this.refused(error, "stats", "devices/stats refused: the account statistics stay unknown")), this.client.devices(this.pageSize)]);
    const devices = pathSafeItems(listedDevices, (d) => d.id, (id) => this.once(`path:${id}`, { device: id }, "device id cannot be used in a URL path: left out", "warn"));
    const stats = statsBody === REFUSED ? EMPTY_STATS : parseStats(statsBody);
    if (!stats) throw new UnexpectedResponseError("GET /api/v3/devices/stats", '{"totalDevices", "connection": {"online", "offline"}, "health": {"problem", "ok"}} or its flat form', statsBody);
    const listed = new Set(devices.map((d) => d.id));
    for (const id of this.history.keys()) if (!listed.has(id)) this.history.delete(id);
    const refs = [...new Set(devices.map((d) => profileRef(d.dataprofile)).filter((r): r is string => r !== undefined))];
    await Promise.all(refs.map((ref) => this.loadProfile(ref)));
    const values = await Promise.all(devices.map((d) => this.readDevice(d)));
    this.log.debug({ devices: devices.length, profiles: refs.length }, "polled");
    return this.model(stats, devices, values);
  }

  async write(command: Command, target: { device: Device; entity: Entity }): Promise<Reading[]> {
    const t = this.targets.get(`${command.device}/${command.entity}`);
    if (!t?.mapping.write) throw new Error(`${target.device.name} / ${target.entity.name} is no longer writable in its data profile; wait for the next poll`);
    const raw = t.mapping.write(command.value);
    const job = await this.client.writeDatapoints(t.deviceId, { [t.mapping.id]: raw });
    this.log.info({ device: t.deviceId, datapoint: t.mapping.id, job: job.id }, "write sent: following its job");
    await this.follow(job, t.mapping.id);
    const value = t.mapping.read(raw);
    return [{ device: command.device, entity: command.entity, value: value === undefined ? command.value : value }];
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Waits for a job to leave PENDING / EXECUTING; throws unless it ends in SUCCESS. */
  private async follow(job: Job, datapoint: string): Promise<void> {
    const deadline = Date.now() + this.jobTimeoutMs;
    let current = job;
    while (JOB_RUNNING.has(current.state)) {
      if (this.closed) throw new Error(`stopping: job ${job.id} for ${datapoint} was left ${current.state}`);
      if (Date.now() >= deadline) {
        throw new Error(`job ${job.id} for ${datapoint} is still ${current.state} after ${formatDuration(this.jobTimeoutMs)}: the device has not confirmed the new value yet`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.jobPollMs, Math.max(0, deadline - Date.now()))));
      current = await this.client.job(job.id);
    }
    if (current.state === "SUCCESS") return;
    const reason = jobReason(current);
    throw new Error(`job ${job.id} for ${datapoint} ended ${current.state}${reason ? `: ${reason}` : ""}`);
  }

  private async loadProfile(ref: string): Promise<void> {
    if (this.profiles.has(ref)) return;
    const missingAt = this.missingProfiles.get(ref);
    if (missingAt !== undefined && Date.now() - missingAt < MISSING_PROFILE_RETRY_MS) return;
    // A profile version never changes: once fetched it is kept in data_dir for good.
    const stored = this.state.get<Profile>(`profile:${ref}`);
    if (isRecord(stored) && Array.isArray(stored.datapoints)) {
      this.profiles.set(ref, stored);
      return;
    }
    const profile = await this.client.profile(ref);
    if (!profile) {
      this.missingProfiles.set(ref, Date.now());
      this.log.warn({ profile: ref }, "data profile unknown to the cloud: its devices show only their health");
      return;
    }
    this.missingProfiles.delete(ref);
    this.state.set(`profile:${ref}`, profile);
    this.profiles.set(ref, profile);
    this.log.info({ profile: ref, datapoints: profile.datapoints.length }, "data profile fetched and cached");
  }

  /** The entities of a profile's datapoints, after the datapoint filters; keys unique per device. */
  private mappingsOf(ref: string | undefined): Array<DatapointMapping & { key: string }> {
    if (ref === undefined) return [];
    const cached = this.mappings.get(ref);
    if (cached) return cached;
    const profile = this.profiles.get(ref);
    if (!profile) return [];
    const taken = new Set<string>(DEVICE_KEYS);
    const list: Array<DatapointMapping & { key: string }> = [];
    for (const dp of profile.datapoints) {
      if (isMetadata(dp.id)) continue;
      if (this.include && !this.include(dp.id)) continue;
      if (this.exclude?.(dp.id)) continue;
      const m = datapointMapping(dp);
      if (!m) continue;
      const key = uniqueKey(m.entity.key, taken);
      list.push({ ...m, key, entity: { ...m.entity, key } });
    }
    this.mappings.set(ref, list);
    return list;
  }

  /** Current values of a device's datapoints; null when the device is gone since the list. */
  private async readDevice(d: BelimoDevice): Promise<DeviceValues | null> {
    const ref = profileRef(d.dataprofile);
    const mappings = this.mappingsOf(ref);
    if (mappings.length === 0) return { values: new Map() };
    const state = await this.client.deviceState(d.id);
    if (state === undefined) {
      this.log.info({ device: d.id }, "device no longer found (404): left out until it is listed again");
      return null;
    }
    const values = new Map<string, unknown>();
    const known = new Set(mappings.map((m) => m.id));
    for (const [id, entry] of Object.entries(state.datapoints ?? {})) {
      values.set(id, stateValue(entry));
      // metadata.* and datapoints the profile does not list are tolerated; noted once.
      if (!known.has(id) && !isMetadata(id) && !this.profiles.get(ref!)?.datapoints.some((p) => p.id === id)) this.once(`unknown:${ref}:${id}`, { datapoint: id, profile: ref }, "datapoint not in the data profile: ignored");
    }
    const missing = mappings.filter((m) => !values.has(m.id)).map((m) => m.id);
    if (missing.length > 0) {
      let cached = this.history.get(d.id);
      if (!cached || Date.now() - cached.at >= this.historyIntervalMs) {
        const now = new Date();
        const samples = await this.client
          .newestFromHistory(d.id, missing, new Date(now.getTime() - this.historyLookbackMs), now, HISTORY_RESOLUTION)
          .catch((error: unknown): Refused => this.refused(error, `history:${d.id}`, "history refused: datapoints missing from the device state stay unknown"));
        cached = { at: Date.now(), values: samples === REFUSED ? new Map() : samples };
        this.history.set(d.id, cached);
      }
      for (const id of missing) {
        const sample = cached.values.get(id);
        if (sample) values.set(id, sample.value);
      }
    }
    return { values };
  }

  private model(stats: Stats, devices: BelimoDevice[], values: Array<DeviceValues | null>): PollResult {
    const out: Device[] = [];
    const readings: Reading[] = [];
    const targets = new Map<string, Target>();

    const account: Device = {
      key: ACCOUNT_KEY,
      vendorId: this.username,
      name: "Belimo Cloud",
      manufacturer: "Belimo",
      model: "Belimo Cloud account",
      entities: [
        { key: "total_devices", name: "Devices", kind: "sensor", stateClass: "measurement", category: "diagnostic", icon: "mdi:valve", precision: 0 },
        { key: "online", name: "Devices online", kind: "sensor", stateClass: "measurement", category: "diagnostic", icon: "mdi:lan-connect", precision: 0 },
        { key: "offline", name: "Devices offline", kind: "sensor", stateClass: "measurement", category: "diagnostic", icon: "mdi:lan-disconnect", precision: 0 },
        { key: "problem", name: "Devices with a problem", kind: "sensor", stateClass: "measurement", category: "diagnostic", icon: "mdi:alert-circle-outline", precision: 0 },
        { key: "ok", name: "Devices OK", kind: "sensor", stateClass: "measurement", category: "diagnostic", icon: "mdi:check-circle-outline", precision: 0 },
      ],
    };
    out.push(account);
    const statValues: Record<string, number | null> = { total_devices: stats.total, online: stats.online, offline: stats.offline, problem: stats.problem, ok: stats.ok };
    for (const [entity, value] of Object.entries(statValues)) readings.push({ device: ACCOUNT_KEY, entity, value });

    const keys = new Set<string>([ACCOUNT_KEY]);
    devices.forEach((d, i) => {
      const v = values[i];
      if (v === null || v === undefined) return;
      const key = uniqueKey(idKey(d.id), keys);
      const ref = profileRef(d.dataprofile);
      const entities: Entity[] = [];
      for (const m of this.mappingsOf(ref)) {
        entities.push(m.entity);
        if (m.write) targets.set(`${key}/${m.key}`, { deviceId: d.id, mapping: m });
        if (!v.values.has(m.id)) continue;
        const value = m.read(v.values.get(m.id));
        if (value === undefined) {
          this.once(`type:${ref}:${m.id}`, { datapoint: m.id, value: v.values.get(m.id) }, "datapoint value of an unexpected type: left out");
          continue;
        }
        readings.push({ device: key, entity: m.key, value });
      }
      this.healthEntities(key, d, entities, readings);
      const device: Device = {
        key,
        vendorId: d.id,
        name: d.displayName?.trim() || d.serialNumber || d.id,
        manufacturer: "Belimo",
        model: profileModel(d, ref, ref ? this.profiles.get(ref) : undefined),
        viaDevice: ACCOUNT_KEY,
        entities,
      };
      if (d.serialNumber) device.serialNumber = d.serialNumber;
      const sw = isRecord(d.software) ? (d.software.displayName ?? d.software.entityId) : undefined;
      if (typeof sw === "string" && sw !== "") device.swVersion = sw;
      out.push(device);
    });
    this.targets = targets;
    return { devices: out, readings };
  }

  /** Problem, connectivity and last contact, from the health block of the device list. */
  private healthEntities(key: string, d: BelimoDevice, entities: Entity[], readings: Reading[]): void {
    const health = isRecord(d.health) ? d.health : undefined;
    const state = typeof health?.state === "string" ? health.state.toUpperCase() : undefined;
    entities.push({ key: "problem", name: "Problem", kind: "binary_sensor", deviceClass: "problem", category: "diagnostic", hasAttributes: true });
    readings.push({ device: key, entity: "problem", value: state === "WARNING" || state === "ERROR" ? true : state === "OK" ? false : null });
    readings.push({
      device: key,
      entity: "problem",
      field: "attributes",
      value: { health: state ?? null, description: health?.description ?? null, online_days: typeof health?.onlineDays === "number" ? health.onlineDays : null },
    });
    const lastSeen = typeof health?.lastSeen === "string" && !Number.isNaN(Date.parse(health.lastSeen)) ? new Date(Date.parse(health.lastSeen)) : undefined;
    entities.push({ key: "connectivity", name: "Connectivity", kind: "binary_sensor", deviceClass: "connectivity", category: "diagnostic" });
    readings.push({ device: key, entity: "connectivity", value: lastSeen ? Date.now() - lastSeen.getTime() <= ONLINE_WITHIN_MS : null });
    entities.push({ key: "last_seen", name: "Last seen", kind: "sensor", deviceClass: "timestamp", category: "diagnostic" });
    readings.push({ device: key, entity: "last_seen", value: lastSeen ? lastSeen.toISOString() : null });
  }

  private once(key: string, details: Record<string, unknown>, message: string, level: "debug" | "warn" = "debug"): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log[level](details, message);
  }

  /**
   * A request the cloud refuses for good (a 4xx other than 401 and 429: a permission, a query it
   * does not take) must not keep the whole source offline: noted once, and left out.
   */
  private refused(error: unknown, key: string, message: string): Refused {
    const status = error instanceof HTTPError ? error.response.statusCode : 0;
    if (status < 400 || status >= 500 || status === 401 || status === 429) throw error;
    this.once(`refused:${key}`, { err: describeHttpError(error) }, message, "warn");
    return REFUSED;
  }
}

/** The model shown for a device: its data profile's name. */
function profileModel(d: BelimoDevice, ref: string | undefined, profile: Profile | undefined): string {
  const display = isRecord(d.dataprofile) && typeof d.dataprofile.displayName === "string" ? d.dataprofile.displayName : undefined;
  return display || profile?.name || ref || d.deviceType || "Belimo device";
}

function jobReason(job: Job): string | undefined {
  for (const v of [job.error, job.message, job.result]) {
    if (typeof v === "string" && v !== "") return v;
    if (isRecord(v) && typeof v.message === "string") return v.message;
  }
  return undefined;
}
