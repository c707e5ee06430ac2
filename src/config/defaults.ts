import { hostname as osHostname } from "node:os";
import { resolve } from "node:path";
import { parseDuration } from "./duration.js";
import type { RawConfig } from "./raw.js";
import { isRecord, rawSources } from "./raw.js";
import { DEFAULT_MAX_RETRY_AFTER_MS, DEFAULT_TIMEOUT_MS } from "./schema.js";
import type { Config, LogLevel, SourceConfig, TlsConfig } from "./types.js";
import { findVendor, vendorDefaults, type Vendors } from "./vendors.js";

const SECTIONS = ["mqtt", "broker", "homeassistant", "health"] as const;

/** `broker:` with every key commented out parses as null; the user meant "all defaults". */
export function dropEmptySections(data: unknown): void {
  if (!isRecord(data)) return;
  for (const key of SECTIONS) if (data[key] === null) delete data[key];
  if (isRecord(data.mqtt) && data.mqtt.tls === null) delete data.mqtt.tls;
}

/** Vendor defaults go in before validation, so a default URL is checked like a written one. */
export function applyVendorDefaults(data: unknown, vendors: Vendors): void {
  for (const { source } of rawSources(data)) {
    const definition = typeof source.type === "string" ? findVendor(vendors, source.type) : undefined;
    if (definition === undefined) continue;
    for (const [key, value] of Object.entries(vendorDefaults(definition))) {
      if (source[key] === undefined) source[key] = structuredClone(value);
    }
  }
}

/** MQTT client ids travel in CONNECT packets; some brokers accept only these characters. */
export function defaultClientId(hostname = osHostname()): string {
  return `cloud2mqtt_${hostname.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export interface DefaultsContext {
  /** Folder relative paths (data_dir, TLS files) are resolved against: the config file's. */
  baseDir: string;
  hostname?: string;
  vendors: Vendors;
}

function tlsConfig(raw: NonNullable<NonNullable<RawConfig["mqtt"]>["tls"]>, baseDir: string): TlsConfig {
  const tls: TlsConfig = { reject_unauthorized: raw.reject_unauthorized ?? true };
  if (raw.ca !== undefined) tls.ca = resolve(baseDir, raw.ca);
  if (raw.cert !== undefined) tls.cert = resolve(baseDir, raw.cert);
  if (raw.key !== undefined) tls.key = resolve(baseDir, raw.key);
  return tls;
}

function sourceConfig(raw: RawConfig["sources"][number], vendors: Vendors): SourceConfig {
  const definition = findVendor(vendors, raw.type);
  const interval = raw.interval === undefined ? (definition?.defaultInterval ?? 60_000) : parseDuration(raw.interval);
  const timeout = raw.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(raw.timeout);
  const maxRetryAfter = raw.max_retry_after === undefined ? DEFAULT_MAX_RETRY_AFTER_MS : parseDuration(raw.max_retry_after);
  return { ...structuredClone(raw), enabled: raw.enabled ?? true, interval, timeout, max_retry_after: maxRetryAfter };
}

/** The loaded config: every default filled in, durations in ms, paths absolute. */
export function applyDefaults(raw: RawConfig, context: DefaultsContext): Config {
  const mqtt = raw.mqtt ?? {};
  const config: Config = {
    mqtt: {
      base_topic: mqtt.base_topic ?? "cloud2mqtt",
      client_id: mqtt.client_id ?? defaultClientId(context.hostname),
      keepalive: mqtt.keepalive ?? 60,
    },
    broker: {
      host: raw.broker?.host ?? "127.0.0.1",
      port: raw.broker?.port ?? 1883,
      allow_anonymous: raw.broker?.allow_anonymous ?? false,
    },
    homeassistant: {
      enabled: raw.homeassistant?.enabled ?? true,
      discovery_prefix: raw.homeassistant?.discovery_prefix ?? "homeassistant",
      status_topic: raw.homeassistant?.status_topic ?? "homeassistant/status",
    },
    health: {
      enabled: raw.health?.enabled ?? true,
      host: raw.health?.host ?? "127.0.0.1",
      port: raw.health?.port ?? 8099,
    },
    data_dir: resolve(context.baseDir, raw.data_dir ?? "./data"),
    log_level: (raw.log_level ?? "info") as LogLevel,
    sources: raw.sources.map((source) => sourceConfig(source, context.vendors)),
  };
  if (mqtt.url !== undefined) config.mqtt.url = mqtt.url;
  if (mqtt.username !== undefined) config.mqtt.username = mqtt.username;
  if (mqtt.password !== undefined) config.mqtt.password = mqtt.password;
  if (mqtt.tls !== undefined) config.mqtt.tls = tlsConfig(mqtt.tls, context.baseDir);
  if (raw.broker?.username !== undefined) config.broker.username = raw.broker.username;
  if (raw.broker?.password !== undefined) config.broker.password = raw.broker.password;
  return config;
}
