import { pathSafeItems } from "../../http/path.js";
import { join } from "node:path";
import { HTTPError } from "got";
import type { Logger } from "pino";
import type { Device, Entity, Reading } from "../../model/index.js";
import { describeHttpError } from "../../http/client.js";
import type { SourceState } from "../../state/store.js";
import { defaultClientId } from "../../config/defaults.js";
import type { Bridge, BridgeContext, BridgeRuntime, PollResult } from "../types.js";
import { MeterNotRegisteredError, VoltawareClient } from "./client.js";
import { voltawareOptions, type MetadataEntry, type VoltawareOptions } from "./config.js";
import { EventQueue } from "./event-queue.js";
import { EventsPublisher } from "./events.js";
import { EventFeeds } from "./feeds.js";
import { safeUrl } from "../../log.js";
import {
  parseCycles,
  parseDisaggregation,
  parseMonthlyReport,
  sensorDevice,
  type MetadataState,
  type MetadataStatus,
  type SensorInfo,
  type SensorResults,
} from "./mapping.js";
import { canonical, sameMetadata, sectionBody, SECTIONS } from "./metadata.js";
import { lastAvailableMonth, lastAvailableWeek, monthKey, weekKey, type Month } from "./periods.js";

type Dataset = keyof SensorResults;

/** The result endpoints read at the slow cadence, each for the newest period that has results. */
const DATASETS: Record<Dataset, { path: string; period(now: Date): { key: string; query: Record<string, string | number> }; parse(what: string, period: string, body: unknown): SensorResults[Dataset] }> = {
  month: { path: "sm/disag/month", period: (now) => monthPeriod(lastAvailableMonth(now)), parse: parseDisaggregation },
  week: {
    path: "sm/disag/week",
    period: (now) => {
      const w = lastAvailableWeek(now);
      return { key: weekKey(w), query: { startDate: w.start, endDate: w.end } };
    },
    parse: parseDisaggregation,
  },
  report: { path: "sm/reports/monthly", period: (now) => monthPeriod(lastAvailableMonth(now)), parse: parseMonthlyReport },
  cycles: { path: "sm/disag/cycles/monthly", period: (now) => monthPeriod(lastAvailableMonth(now)), parse: parseCycles },
};

function monthPeriod(m: Month): { key: string; query: Record<string, number> } {
  return { key: monthKey(m), query: { year: m.year, month: m.month } };
}

/** The last attempt at a dataset: for which period, when, and how it went. */
interface Attempt {
  period: string;
  at: number;
  outcome: "ok" | "not_yet" | "error";
}

interface StoredResults extends SensorResults {
  attempts: Partial<Record<Dataset, Attempt>>;
  /** Appliance keys seen in any disaggregation, so their entities stay when a period lacks one. */
  appliances: string[];
}

interface StoredMetadata extends MetadataStatus {
  /** What was synced: the canonical config entry; a change syncs again at once. */
  config: string;
  at: number;
}

/**
 * Voltaware: sensors and smart meters with their diagnostics (every poll), disaggregation,
 * reports and EV cycles (at `reports_interval`), metadata written from the config, and the
 * smart-meter events side.
 */
export class VoltawareBridge implements Bridge {
  private readonly opts: VoltawareOptions;
  private readonly client: VoltawareClient;
  private readonly log: Logger;
  private readonly state: SourceState;
  private results: Record<string, StoredResults>;
  private metadata: Record<string, StoredMetadata>;
  private listed: Set<string> | undefined;
  private readonly saved = new Map<string, string>();
  private readonly ctx: BridgeContext;
  /** Metadata writes and the events side belong to the daemon (`start`); `discover` only reads. */
  private inDaemon = false;
  private publisher: EventsPublisher | undefined;
  private feeds: EventFeeds | undefined;

  constructor(ctx: BridgeContext) {
    this.opts = voltawareOptions(ctx.source);
    this.log = ctx.logger;
    this.state = ctx.state;
    this.client = new VoltawareClient(ctx, { baseUrl: this.opts.baseUrl, clientId: this.opts.clientId, clientSecret: this.opts.clientSecret, rateLimit: this.opts.rateLimit });
    this.results = ctx.state.get<Record<string, StoredResults>>("results") ?? {};
    this.metadata = ctx.state.get<Record<string, StoredMetadata>>("metadata") ?? {};
    this.ctx = ctx;
  }

  /** The daemon's side only: metadata writes and the events publisher (`discover` only reads). */
  async start(runtime: BridgeRuntime): Promise<void> {
    this.inDaemon = true;
    const events = this.opts.events;
    if (!events) return;
    const ctx = this.ctx;
    if (events.password) ctx.registerSecret(events.password);
    const queue = new EventQueue(join(runtime.dataDir, "events-queue.jsonl"), events.queueSize, ctx.logger);
    const counters = ctx.state.get<{ sent?: number; refused?: number }>("events") ?? {};
    // mqtt.client_id's default plus the source: two sources, or the daemon and its own broker, never share one.
    const clientId = events.clientId ?? `${defaultClientId()}_${ctx.source.id}`;
    this.publisher = new EventsPublisher(events, queue, ctx.logger, clientId, counters);
    try {
      this.publisher.start();
    } catch (error) {
      queue.close();
      throw error;
    }
    this.feeds = new EventFeeds(events.meters, this.publisher, ctx.logger);
    this.feeds.start(runtime);
  }

  async poll(): Promise<PollResult> {
    const listed = pathSafeItems(await this.client.sensors(), (id) => id, (id) => this.log.warn({ sensor: id }, "sensor id cannot be used in a URL path: left out"));
    const infos = (await Promise.all(listed.map((id) => this.client.sensor(id)))).filter((i): i is SensorInfo => i !== undefined);
    const ids = infos.map((i) => i.id);
    const now = new Date();
    const newlyListed = this.listed === undefined ? [] : ids.filter((id) => !this.listed?.has(id));
    this.listed = new Set(ids);
    if (this.inDaemon) await this.syncMetadata(new Set(ids), newlyListed, now.getTime());
    await Promise.all(ids.map((id) => this.readResults(id, now)));
    for (const id of Object.keys(this.results)) if (!this.listed.has(id)) delete this.results[id];
    this.save("results", this.results);
    return this.model(infos);
  }

  async write(_command: unknown, target: { device: Device; entity: Entity }): Promise<Reading[]> {
    throw new Error(`${target.entity.key} is read-only: Voltaware metadata is written from the config`);
  }

  problems(): string[] {
    return this.publisher?.problems() ?? [];
  }

  async close(): Promise<void> {
    this.feeds?.stop();
    await this.publisher?.close();
  }

  // -----------------------------------------------------------------------------------------------
  // Results

  private async readResults(id: string, now: Date): Promise<void> {
    const stored = (this.results[id] ??= { attempts: {}, appliances: [] });
    for (const name of Object.keys(DATASETS) as Dataset[]) {
      const dataset = DATASETS[name];
      const period = dataset.period(now);
      const last = stored.attempts[name];
      const wait = last?.outcome === "ok" ? this.opts.reportsIntervalMs : this.opts.retryIntervalMs;
      if (last && last.period === period.key && now.getTime() - last.at < wait) continue;
      const attempt: Attempt = { period: period.key, at: now.getTime(), outcome: "ok" };
      try {
        const answer = await this.client.result(id, dataset.path, period.query);
        if (answer === undefined) {
          attempt.outcome = "not_yet";
          if (last?.period !== period.key || last.outcome !== "not_yet") {
            this.log.info({ sensor: id, results: dataset.path, period: period.key }, "results not there yet (404); asking again later");
          }
        } else {
          const parsed = dataset.parse(answer.what, period.key, answer.body);
          (stored as SensorResults)[name] = parsed as never;
          if (name === "month" || name === "week") {
            stored.appliances = [...new Set([...stored.appliances, ...Object.keys(stored[name]?.appliances ?? {})])].sort();
          }
        }
      } catch (error) {
        attempt.outcome = "error";
        // Logged once per incident; the sensors keep polling, the results are asked again later.
        if (last?.outcome !== "error") this.log.warn({ sensor: id, results: dataset.path, err: describeHttpError(error) }, "reading results failed; asking again later");
      }
      stored.attempts[name] = attempt;
    }
  }

  // -----------------------------------------------------------------------------------------------
  // Metadata

  private async syncMetadata(listed: Set<string>, newlyListed: string[], now: number): Promise<void> {
    const configured = new Set(this.opts.metadata.map((m) => m.sensor));
    for (const id of Object.keys(this.metadata)) if (!configured.has(id)) delete this.metadata[id];
    for (const entry of this.opts.metadata) {
      const id = entry.sensor;
      const config = canonical(entry);
      const stored = this.metadata[id];
      if (!listed.has(id)) {
        // At 0: it is synced as soon as it is listed.
        this.setMetadata(id, config, "waiting_for_first_event", `${id} is not listed by GET /sensors yet: the meter has sent no event`, 0, stored?.state !== "waiting_for_first_event");
        continue;
      }
      const newly = newlyListed.includes(id);
      const wait = stored?.state === "synced" ? this.opts.reportsIntervalMs : this.opts.retryIntervalMs;
      const due = !stored || stored.config !== config || newly || now - stored.at >= wait;
      if (!due) continue;
      if (newly) {
        // The seed: after a meter's first event, a new token is needed before its metadata is accepted.
        this.log.info({ sensor: id }, "a new meter is listed: getting a new token before writing its metadata");
        this.client.auth.reset();
      }
      await this.syncSensor(entry, config, now);
    }
    this.save("metadata", this.metadata);
  }

  /** Writes a part of the persistent state when it changed (the state file is rewritten whole). */
  private save(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    if (this.saved.get(key) === text) return;
    this.saved.set(key, text);
    this.state.set(key, value);
  }

  private async syncSensor(entry: MetadataEntry, config: string, now: number): Promise<void> {
    const id = entry.sensor;
    const written: string[] = [];
    try {
      for (const section of SECTIONS) {
        const body = sectionBody(entry, section);
        if (!body) continue;
        const actual = await this.client.getMetadata(id, section);
        if (actual !== undefined && sameMetadata(body, actual)) continue;
        await this.client.putMetadata(id, section, body);
        written.push(section);
      }
      if (written.length > 0) this.log.info({ sensor: id, sections: written }, "metadata written");
      else this.log.debug({ sensor: id }, "metadata already up to date");
      this.setMetadata(id, config, "synced", written.length > 0 ? `written: ${written.join(", ")}` : "already up to date", now, false);
    } catch (error) {
      const previous = this.metadata[id]?.state;
      if (error instanceof MeterNotRegisteredError) {
        // A new token may be all it takes (the seed's "reconnect to the API"); asked again after retry_interval.
        this.client.auth.reset();
        this.setMetadata(id, config, "waiting_for_first_event", `${error.message}; retrying in ${Math.round(this.opts.retryIntervalMs / 1000)} s with a new token`, now, previous !== "waiting_for_first_event");
      } else if (error instanceof HTTPError && error.response.statusCode >= 400 && error.response.statusCode < 500) {
        this.setMetadata(id, config, "rejected", describeHttpError(error), now, previous !== "rejected");
      } else {
        this.setMetadata(id, config, "error", describeHttpError(error), now, previous !== "error");
      }
    }
  }

  private setMetadata(id: string, config: string, state: MetadataState, message: string, at: number, log: boolean): void {
    this.metadata[id] = { config, state, message, checkedAt: at > 0 ? new Date(at).toISOString() : null, at };
    if (!log) return;
    if (state === "waiting_for_first_event") this.log.warn({ sensor: id, err: message }, "metadata not written yet");
    else if (state === "rejected" || state === "error") this.log.error({ sensor: id, err: message }, "metadata not written");
  }

  // -----------------------------------------------------------------------------------------------
  // Model

  private model(infos: SensorInfo[]): PollResult {
    const devices: Device[] = [];
    const readings: Reading[] = [];
    const configured = new Set(this.opts.metadata.map((m) => m.sensor));
    for (const info of infos) {
      const stored = this.results[info.id];
      const meta = configured.has(info.id) ? (this.metadata[info.id] ?? { state: "pending" as const, message: null, checkedAt: null }) : undefined;
      const { device, readings: r } = sensorDevice(info, stored ?? {}, meta && { state: meta.state, message: meta.message, checkedAt: meta.checkedAt }, stored?.appliances);
      devices.push(device);
      readings.push(...r);
    }
    if (this.publisher && this.opts.events) {
      const s = this.publisher.snapshot();
      this.save("events", { sent: s.sent, refused: s.refused });
      const key = "events";
      devices.push({
        key,
        vendorId: `events:${safeUrl(this.opts.events.url)}`,
        name: "Voltaware events",
        manufacturer: "Voltaware",
        model: "Smart-meter events (MQTT)",
        entities: [
          { key: "connected", name: "Broker connection", kind: "binary_sensor", deviceClass: "connectivity", category: "diagnostic", hasAttributes: true },
          { key: "queued", name: "Queued events", kind: "sensor", unit: "events", stateClass: "measurement", icon: "mdi:tray-full", category: "diagnostic" },
          { key: "sent", name: "Sent events", kind: "sensor", unit: "events", stateClass: "total_increasing", icon: "mdi:send-check", category: "diagnostic" },
          { key: "refused", name: "Refused events (queue full)", kind: "sensor", unit: "events", stateClass: "total_increasing", icon: "mdi:tray-remove", category: "diagnostic" },
          { key: "last_sent", name: "Last event sent", kind: "sensor", deviceClass: "timestamp", category: "diagnostic" },
        ],
      });
      readings.push(
        { device: key, entity: "connected", value: s.connected },
        { device: key, entity: "connected", field: "attributes", value: { broker: safeUrl(this.opts.events.url), meters: this.opts.events.meters.map((m) => m.id), last_error: s.lastError, queue_problem: this.publisher.problems()[0] ?? null } },
        { device: key, entity: "queued", value: s.queued },
        { device: key, entity: "sent", value: s.sent },
        { device: key, entity: "refused", value: s.refused },
        { device: key, entity: "last_sent", value: s.lastSentAt },
      );
    }
    return { devices, readings };
  }
}
