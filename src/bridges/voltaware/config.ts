/**
 * The vendor keys of a Voltaware source, typed, with their defaults, and the rules across keys
 * that the JSON schema cannot say (`checkVoltawareSource`, run by the config loader).
 */
import { parseDuration } from "../../config/duration.js";
import type { SourceCheckProblem } from "../types.js";
import { optionsReader } from "../../config/options.js";
import { APPLIANCES, HOME_FIELDS, METADATA_VERSION, TEMPLATE_FIELDS, voltawareProperties } from "./schema.js";
import { payloadTemplateProblems, topicTemplateProblems } from "./template.js";

export type Json = Record<string, unknown>;

export interface Appliance extends Json {
  key: string;
  amount: number;
}

export interface MetadataEntry {
  sensor: string;
  property?: Json;
  appliances?: Appliance[];
  geolocation?: { latitude: number; longitude: number };
}

export interface ValueFeed {
  name: string;
  source?: string;
  device?: string;
  entity?: string;
  field?: string;
  topic?: string;
  path?: string;
  scale: number;
}

export interface MeterConfig {
  id: string;
  values: ValueFeed[];
  minIntervalMs: number;
}

export interface EventsConfig {
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  tls?: { ca?: string; cert?: string; key?: string; reject_unauthorized?: boolean };
  topic: string;
  payload: string;
  qos: 1 | 2;
  queueSize: number;
  meters: MeterConfig[];
}

export interface VoltawareOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  rateLimit: number;
  reportsIntervalMs: number;
  retryIntervalMs: number;
  metadata: MetadataEntry[];
  /** Absent when the source has no `events` or they are disabled. */
  events?: EventsConfig;
}

/** The keys of a source as its schema (`voltawareProperties`) describes them, every default filled in. */
// A type, not an interface: it must pass as a plain record to the checks.
type VoltawareKeys = {
  base_url: string;
  client_id: string;
  client_secret: string;
  rate_limit: number;
  reports_interval: string | number;
  retry_interval: string | number;
  metadata?: MetadataEntry[];
  events?: {
    enabled: boolean;
    url: string;
    username?: string;
    password?: string;
    client_id?: string;
    tls?: EventsConfig["tls"];
    topic: string;
    payload: string;
    qos: 1 | 2;
    queue_size: number;
    meters: Array<{ id: string; values: ValueFeed[]; min_interval: string | number }>;
  };
};

const readKeys = optionsReader<VoltawareKeys>({ properties: voltawareProperties });

/** The typed options of a source whose keys passed the schema. */
export function voltawareOptions(source: Json): VoltawareOptions {
  const keys = readKeys(source);
  const options: VoltawareOptions = {
    baseUrl: keys.base_url,
    clientId: keys.client_id,
    clientSecret: keys.client_secret,
    rateLimit: keys.rate_limit,
    reportsIntervalMs: parseDuration(keys.reports_interval),
    retryIntervalMs: parseDuration(keys.retry_interval),
    metadata: (keys.metadata ?? []).map(normalizeMetadata),
  };
  const events = keys.events;
  if (events?.enabled) {
    options.events = {
      url: events.url,
      topic: events.topic,
      payload: events.payload,
      qos: events.qos,
      queueSize: events.queue_size,
      meters: events.meters.map((m) => ({ id: m.id, values: m.values, minIntervalMs: parseDuration(m.min_interval) })),
    };
    if (events.username !== undefined) options.events.username = events.username;
    if (events.password !== undefined) options.events.password = events.password;
    if (events.client_id !== undefined) options.events.clientId = events.client_id;
    if (events.tls !== undefined) options.events.tls = events.tls;
  }
  return options;
}

/** The bodies as they are sent: `version` filled in. */
function normalizeMetadata(entry: MetadataEntry): MetadataEntry {
  const out: MetadataEntry = { sensor: String(entry.sensor) };
  if (entry.property) out.property = { ...entry.property, version: entry.property.version ?? METADATA_VERSION };
  if (entry.appliances) out.appliances = entry.appliances.map((a) => ({ ...a }));
  if (entry.geolocation) out.geolocation = { latitude: entry.geolocation.latitude, longitude: entry.geolocation.longitude };
  return out;
}

/** Rules across keys; paths are relative to the source. */
export function checkVoltawareSource(raw: Json): SourceCheckProblem[] {
  // With every default of the schema, nested ones too: the payload template checked is the one used.
  const source: Json = readKeys(raw);
  const problems: SourceCheckProblem[] = [];
  const metadata = Array.isArray(source.metadata) ? (source.metadata as MetadataEntry[]) : [];
  const seenSensors = new Map<string, number>();
  metadata.forEach((entry, i) => {
    const at = (...path: Array<string | number>): Array<string | number> => ["metadata", i, ...path];
    const first = seenSensors.get(String(entry.sensor));
    if (first !== undefined) problems.push({ path: at("sensor"), message: `"${entry.sensor}" already has metadata at metadata[${first}]` });
    else seenSensors.set(String(entry.sensor), i);
    if (!entry.property && !entry.appliances && !entry.geolocation) {
      problems.push({ path: at(), message: "has nothing to write: add property, appliances or geolocation" });
    }
    if (entry.property && entry.property.property_type !== "HOME") {
      for (const field of HOME_FIELDS) {
        if (field in entry.property) problems.push({ path: at("property", field), message: `is only for property_type HOME (got ${String(entry.property.property_type)})` });
      }
    }
    const people = entry.property?.people;
    if (Array.isArray(people) && typeof entry.property?.people_amount === "number") {
      const counted = people.reduce((sum: number, p) => sum + (typeof p?.amount === "number" ? p.amount : 0), 0);
      if (people.length > 0 && counted !== entry.property.people_amount) {
        problems.push({ path: at("property", "people"), message: `adds up to ${counted} people, but people_amount is ${entry.property.people_amount}` });
      }
    }
    (entry.appliances ?? []).forEach((appliance, j) => {
      const fields = APPLIANCES[appliance.key] ?? {};
      for (const field of Object.keys(appliance)) {
        if (field !== "key" && field !== "amount" && !(field in fields)) {
          const allowed = Object.keys(fields);
          problems.push({ path: at("appliances", j, field), message: `is not a field of ${appliance.key} (${allowed.length > 0 ? `it has ${allowed.join(", ")}` : "it has only key and amount"})` });
        }
      }
      if (appliance.key === "ELECTRIC_VEHICLE" && Array.isArray(appliance.wattages) && appliance.wattages.length !== appliance.amount) {
        problems.push({ path: at("appliances", j, "wattages"), message: `must have one wattage per vehicle: ${appliance.amount} (amount), got ${appliance.wattages.length}` });
      }
    });
  });

  const events = source.events as Json | undefined;
  if (events && events.enabled !== false) problems.push(...checkEvents(events));
  return problems;
}

function checkEvents(events: Json): SourceCheckProblem[] {
  const problems: SourceCheckProblem[] = [];
  for (const message of topicTemplateProblems(String(events.topic))) problems.push({ path: ["events", "topic"], message });
  const payload = String(events.payload);
  const meters = Array.isArray(events.meters) ? (events.meters as Array<Json & { values: ValueFeed[] }>) : [];
  const ids = new Map<string, number>();
  let payloadProblem = false;
  meters.forEach((meter, i) => {
    const id = String(meter.id);
    const first = ids.get(id);
    if (first !== undefined) problems.push({ path: ["events", "meters", i, "id"], message: `"${id}" is already at events.meters[${first}]` });
    else ids.set(id, i);
    const names = new Map<string, number>();
    meter.values.forEach((value, j) => {
      const at = ["events", "meters", i, "values", j];
      if ((TEMPLATE_FIELDS as readonly string[]).includes(value.name)) problems.push({ path: [...at, "name"], message: `"${value.name}" is reserved (${TEMPLATE_FIELDS.join(", ")})` });
      const before = names.get(value.name);
      if (before !== undefined) problems.push({ path: [...at, "name"], message: `"${value.name}" is already values[${before}]` });
      else names.set(value.name, j);
      if (value.topic !== undefined && (value.source !== undefined || value.device !== undefined || value.entity !== undefined)) {
        problems.push({ path: at, message: "takes either an entity (source, device, entity) or a topic, not both" });
      }
      if (value.topic !== undefined && /[+#]/.test(value.topic)) problems.push({ path: [...at, "topic"], message: "must be one topic, without the wildcards + or #" });
    });
    // One message for the template, not one per meter, when it is broken for all of them.
    if (!payloadProblem) {
      for (const message of payloadTemplateProblems(payload, id, meter.values.map((v) => v.name))) {
        problems.push({ path: ["events", "payload"], message });
        payloadProblem = true;
      }
    }
  });
  return problems;
}
