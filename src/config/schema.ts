import { DEFAULT_MAX_RETRY_AFTER_MS } from "../http/client.js";
import type { JsonSchema, VendorConfig, Vendors } from "./vendors.js";
import { durationSchema, formatDuration } from "./duration.js";

export const DEFAULT_TIMEOUT_MS = 15_000;
export { DEFAULT_MAX_RETRY_AFTER_MS };
export const MIN_INTERVAL_MS = 1000;

const TOPIC_PATTERN = "^[^+#/\\u0000]+(/[^+#/\\u0000]+)*$";
const TOPIC_MESSAGE = "must be an MQTT topic without + or #, empty levels, or a leading or trailing /";

/**
 * Editors (VS Code, yaml-language-server) show `patternErrorMessage`; the loader shows it too,
 * so one sentence serves both.
 */
function topic(description: string, defaultValue: string): JsonSchema {
  return { type: "string", pattern: TOPIC_PATTERN, patternErrorMessage: TOPIC_MESSAGE, default: defaultValue, description };
}

function port(description: string, defaultValue: number): JsonSchema {
  return { type: "integer", minimum: 0, maximum: 65535, default: defaultValue, description };
}

const nonEmpty = (description: string): JsonSchema => ({ type: "string", minLength: 1, description });

const duration = durationSchema;

const mqttSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  description: "The MQTT broker to publish to. Without `url` the embedded broker (see `broker`) is started and used.",
  properties: {
    url: {
      type: "string",
      pattern: "^(mqtt|mqtts|ws|wss)://[^/?#\\s]+",
      patternErrorMessage: "must be a URL starting with mqtt://, mqtts://, ws:// or wss://",
      description: "Broker URL, e.g. mqtt://127.0.0.1:1883 (mqtt://, mqtts://, ws://, wss://)",
    },
    username: nonEmpty("Broker user"),
    password: { type: "string", description: "Broker password; use ${ENV_VAR}" },
    base_topic: topic("First level of every topic this bridge publishes", "cloud2mqtt"),
    client_id: { type: "string", minLength: 1, maxLength: 256, description: "MQTT client id (default cloud2mqtt_<hostname>)" },
    keepalive: { type: "integer", minimum: 0, maximum: 65535, default: 60, description: "Keepalive, seconds" },
    tls: {
      type: "object",
      additionalProperties: false,
      description: "TLS for mqtts:// and wss://; file paths are relative to the config file",
      properties: {
        ca: nonEmpty("PEM file of the certificate authority to trust"),
        cert: nonEmpty("PEM client certificate file"),
        key: nonEmpty("PEM client key file"),
        reject_unauthorized: { type: "boolean", default: true, description: "Reject a broker whose certificate does not verify" },
      },
    },
  },
};

const brokerSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  description: "The embedded broker, started when `mqtt.url` is absent",
  properties: {
    host: { type: "string", minLength: 1, default: "127.0.0.1", description: "Address to listen on" },
    port: port("Port to listen on", 1883),
    username: nonEmpty("User clients must log in with (no authentication when absent)"),
    password: { type: "string", description: "Password clients must log in with; use ${ENV_VAR}" },
    allow_anonymous: {
      type: "boolean",
      default: false,
      description: "Let clients in without username and password on a host other than loopback (127.0.0.1, ::1, localhost); refused without it",
    },
  },
};

const homeAssistantSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  description: "Home Assistant MQTT discovery",
  properties: {
    enabled: { type: "boolean", default: true, description: "Publish discovery configs" },
    discovery_prefix: topic("Home Assistant's discovery prefix", "homeassistant"),
    status_topic: topic("Home Assistant's birth topic; `online` there makes the bridge publish discovery again", "homeassistant/status"),
  },
};

const healthSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  description: "A small HTTP endpoint, GET /health, for Docker HEALTHCHECK and supervisors",
  properties: {
    enabled: { type: "boolean", default: true },
    host: { type: "string", minLength: 1, default: "127.0.0.1", description: "Address to listen on (0.0.0.0 to reach it from other hosts)" },
    port: port("Port to listen on", 8099),
  },
};

/** Keys every source has, whatever its vendor. */
const commonSourceProperties: Record<string, JsonSchema> = {
  id: {
    type: "string",
    pattern: "^[a-z0-9_-]+$",
    patternErrorMessage: "must contain only a-z, 0-9, _ and -",
    maxLength: 64,
    description: "Unique id of the source; appears in topics and unique ids",
  },
  type: { type: "string", description: "Which cloud this source polls" },
  enabled: { type: "boolean", default: true, description: "A disabled source is validated but not polled" },
  interval: duration("Poll interval: \"30s\", \"5m\", \"1h\" or seconds; at least 1s; default depends on the vendor"),
  timeout: duration("Timeout of each HTTP request", formatDuration(DEFAULT_TIMEOUT_MS)),
  max_retry_after: duration(
    "The longest wait a cloud's Retry-After (429, 503) is obeyed for; a longer one is cut to this. Commands during the wait are answered at once with when it ends",
    formatDuration(DEFAULT_MAX_RETRY_AFTER_MS),
  ),
  include: {
    type: "array",
    items: { type: "string", minLength: 1 },
    description: "Only these devices or entities: glob patterns (*) on device keys, device/entity keys or device names",
  },
  exclude: {
    type: "array",
    items: { type: "string", minLength: 1 },
    description: "Leave out these devices or entities: glob patterns (*) on device keys, device/entity keys or device names",
  },
};

/** The vendor keys of one type; `then` branch of the source schema, so it closes the key set. */
export function vendorSourceSchema(def: VendorConfig): JsonSchema {
  const properties: Record<string, JsonSchema | boolean> = {};
  // `true`: the common keys are checked once, by the outer source schema, to avoid repeated errors.
  for (const key of Object.keys(commonSourceProperties)) properties[key] = true;
  for (const [key, schema] of Object.entries(def.schema.properties)) properties[key] = schema;
  if (!("interval" in def.schema.properties)) {
    properties.interval = { default: formatDuration(def.defaultInterval) };
  }
  const schema: JsonSchema = { title: def.title, properties, additionalProperties: false };
  if (def.schema.required !== undefined) schema.required = def.schema.required;
  if (def.schema.anyOf !== undefined) schema.anyOf = def.schema.anyOf;
  return schema;
}

export function sourceSchema(definitions: Vendors): JsonSchema {
  return {
    type: "object",
    required: ["id", "type"],
    properties: {
      ...commonSourceProperties,
      type: { type: "string", enum: definitions.map((b) => b.type), description: "Which cloud this source polls" },
    },
    allOf: definitions.map((def) => ({
      if: { properties: { type: { const: def.type } }, required: ["type"] },
      then: vendorSourceSchema(def),
    })),
  };
}

/** The JSON schema (draft-07) of the whole config file; `config.schema.json` is this, for editors. */
export function buildConfigSchema(definitions: Vendors): JsonSchema {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "cloud2mqtt configuration",
    description: "Every string may contain ${ENV_VAR} or ${ENV_VAR:-default}; $${ is a literal ${.",
    type: "object",
    additionalProperties: false,
    required: ["sources"],
    properties: {
      mqtt: mqttSchema,
      broker: brokerSchema,
      homeassistant: homeAssistantSchema,
      health: healthSchema,
      data_dir: { type: "string", minLength: 1, default: "./data", description: "Persistent state; relative to the config file" },
      log_level: {
        type: "string",
        enum: ["fatal", "error", "warn", "info", "debug", "trace", "silent"],
        default: "info",
      },
      sources: { type: "array", minItems: 1, items: sourceSchema(definitions), description: "The clouds to poll" },
    },
  };
}
