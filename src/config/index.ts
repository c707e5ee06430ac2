export type { Config, SourceConfig, MqttConfig, TlsConfig, BrokerConfig, HomeAssistantConfig, HealthConfig, LogLevel } from "./types.js";
export { ConfigError, formatProblem, type ConfigProblem } from "./problems.js";
export { parseConfig, loadConfig, checkConfigFile, type ConfigResult, type LoadOptions } from "./load.js";
export { parseDuration, formatDuration, DurationError } from "./duration.js";
export { expandEnvString, substituteEnv } from "./env.js";
export { buildConfigSchema, PLANNED_SOURCE_TYPES, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_RETRY_AFTER_MS, MIN_INTERVAL_MS } from "./schema.js";
export { renderConfigSchema, CONFIG_SCHEMA_FILE } from "./schema-file.js";
export { secretValues, secretEntries, redactConfig, REDACTED, type SecretEntry } from "./secrets.js";
export { defaultClientId } from "./defaults.js";
