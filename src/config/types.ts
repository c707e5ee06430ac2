/** The configuration after loading, env substitution, validation and defaults. Durations are ms. */

export interface TlsConfig {
  ca?: string;
  cert?: string;
  key?: string;
  reject_unauthorized: boolean;
}

export interface MqttConfig {
  /** Absent: the embedded broker is started and used. */
  url?: string;
  username?: string;
  password?: string;
  base_topic: string;
  client_id: string;
  keepalive: number; // seconds
  tls?: TlsConfig;
}

export interface BrokerConfig {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** Clients without username and password, on a host other than loopback: only when set explicitly. */
  allow_anonymous: boolean;
}

export interface HomeAssistantConfig {
  enabled: boolean;
  discovery_prefix: string;
  status_topic: string;
}

export interface HealthConfig {
  enabled: boolean;
  host: string;
  port: number;
}

export interface SourceConfig {
  id: string;
  type: string;
  enabled: boolean;
  /** Poll interval, ms. */
  interval: number;
  /** HTTP timeout per request, ms. */
  timeout: number;
  /** The longest a cloud's Retry-After is obeyed, ms; always set by the defaults (absent: 1 h). */
  max_retry_after?: number;
  /** Glob patterns (`*`) on device keys, `device/entity` keys or device names. */
  include?: string[];
  exclude?: string[];
  base_url?: string;
  /** Vendor keys, checked by the vendor's schema. */
  [key: string]: unknown;
}

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  mqtt: MqttConfig;
  broker: BrokerConfig;
  homeassistant: HomeAssistantConfig;
  health: HealthConfig;
  data_dir: string;
  log_level: LogLevel;
  sources: SourceConfig[];
}
