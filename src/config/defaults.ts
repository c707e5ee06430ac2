import { hostname as osHostname } from "node:os";
import { resolve } from "node:path";
import { parseDuration } from "./duration.js";
import type { RawConfig, RawSource } from "./raw.js";
import { isRecord } from "./raw.js";
import type { Config, LogLevel, SourceConfig, TlsConfig } from "./types.js";

const SECTIONS = ["mqtt", "broker", "homeassistant", "health"] as const;

/**
 * `broker:` with every key commented out parses as null; the user meant "all defaults". An absent
 * section is an empty one, so the schema's defaults fill it in (ajv fills only mappings that exist).
 */
export function prepareSections(data: unknown): void {
  if (!isRecord(data)) return;
  for (const key of SECTIONS) if (data[key] === null || data[key] === undefined) data[key] = {};
  if (isRecord(data.mqtt) && data.mqtt.tls === null) delete data.mqtt.tls;
}

/** MQTT client ids travel in CONNECT packets; some brokers accept only these characters. */
export function defaultClientId(hostname = osHostname()): string {
  return `cloud2mqtt_${hostname.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export interface DefaultsContext {
  /** Folder relative paths (data_dir, TLS files) are resolved against: the config file's. */
  baseDir: string;
  hostname?: string;
}

function tlsConfig(raw: NonNullable<RawConfig["mqtt"]["tls"]>, baseDir: string): TlsConfig {
  const tls: TlsConfig = { reject_unauthorized: raw.reject_unauthorized };
  if (raw.ca !== undefined) tls.ca = resolve(baseDir, raw.ca);
  if (raw.cert !== undefined) tls.cert = resolve(baseDir, raw.cert);
  if (raw.key !== undefined) tls.key = resolve(baseDir, raw.key);
  return tls;
}

function sourceConfig(raw: RawSource): SourceConfig {
  return {
    ...structuredClone(raw),
    interval: parseDuration(raw.interval),
    timeout: parseDuration(raw.timeout),
    max_retry_after: parseDuration(raw.max_retry_after),
  };
}

/** The loaded config: durations in ms, paths absolute, the client id of this host. */
export function applyDefaults(raw: RawConfig, context: DefaultsContext): Config {
  const { mqtt, broker, homeassistant, health } = raw;
  const config: Config = {
    mqtt: { base_topic: mqtt.base_topic, client_id: mqtt.client_id ?? defaultClientId(context.hostname), keepalive: mqtt.keepalive },
    broker: { host: broker.host, port: broker.port, allow_anonymous: broker.allow_anonymous },
    homeassistant: { enabled: homeassistant.enabled, discovery_prefix: homeassistant.discovery_prefix, status_topic: homeassistant.status_topic },
    health: { enabled: health.enabled, host: health.host, port: health.port },
    data_dir: resolve(context.baseDir, raw.data_dir),
    log_level: raw.log_level as LogLevel,
    sources: raw.sources.map(sourceConfig),
  };
  if (mqtt.url !== undefined) config.mqtt.url = mqtt.url;
  if (mqtt.username !== undefined) config.mqtt.username = mqtt.username;
  if (mqtt.password !== undefined) config.mqtt.password = mqtt.password;
  if (mqtt.tls !== undefined) config.mqtt.tls = tlsConfig(mqtt.tls, context.baseDir);
  if (broker.username !== undefined) config.broker.username = broker.username;
  if (broker.password !== undefined) config.broker.password = broker.password;
  return config;
}
