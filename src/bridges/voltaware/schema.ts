/**
 * The vendor keys of a Voltaware source as JSON schema. The metadata enums and required fields
 * are the seed's (voltaware-api.txt, "Metadata"); the config loader checks them, so invalid
 * metadata is reported with its YAML path before anything is sent. Rules across keys that a
 * schema cannot say are in `check.ts`.
 */
import type { JsonSchema } from "../types.js";
import { durationSchema } from "../../config/duration.js";

export const PROPERTY_TYPES = ["HOME", "OFFICE", "COMMERCIAL", "INDUSTRIAL", "INDUSTRY"] as const;
export const HOME_TYPES = ["FLAT", "HOUSE"] as const;
export const HOME_USAGE_TYPES = ["PRIMARY", "SECONDARY"] as const;
export const POWER_GENERATOR_SOURCES = ["SOLAR", "HYDROELECTRICITY", "WIND", "BATTERY", "OTHER", "NONE"] as const;
export const AGE_RANGES = ["ZERO_TO_FIVE", "SIX_TO_EIGHTEEN", "ADULT", "PENSIONER"] as const;
/** Fields only a HOME property has. */
export const HOME_FIELDS = ["home_type", "home_usage_type", "home_size", "bedroom_amount", "people_amount", "people_amount_in_day_time", "people"] as const;
export const METADATA_VERSION = "1.0";

export const SEASONS = ["AUTUMN", "SPRING", "SUMMER", "WINTER"] as const;

type FieldKind = readonly string[] | "boolean" | "integers" | "text" | "seasons";

/** Each appliance key with the fields it requires besides `key` and `amount`, and their enums. */
export const APPLIANCES: Readonly<Record<string, Readonly<Record<string, FieldKind>>>> = {
  AC: { type: ["CENTRALISED", "MINI_SPLIT", "WINDOW", "OTHER", "I_DONT_KNOW"], usage_type: ["SUMMER", "WINTER", "BOTH"] },
  DEHUMIDIFIER: {},
  DISHWASHER: {},
  ELECTRIC_BOILER: { usage_type: ["SPACE_HEATING", "WATER_HEATING", "BOTH"], coupled_with_solar_thermal_system: ["YES", "NO", "NOT_SURE"], water_tank: "boolean" },
  ELECTRIC_HEATING: { type: ["HEAT_PUMP", "HEAT_STORAGE", "RADIATOR", "UNDERFLOOR", "OTHER"] },
  ELECTRIC_LAWN_MOWER: {},
  ELECTRIC_OVEN: { type: ["MICROWAVE", "MINI", "REGULAR"] },
  ELECTRIC_SHOWER: {},
  ELECTRIC_STOVE: { type: ["ELECTRIC", "INDUCTION"] },
  ELECTRIC_VEHICLE: { type: ["BIKE", "CAR", "MOTORBIKE", "SCOOTER"], wattages: "integers" },
  FRIDGE: { type: ["FRIDGE", "FREEZER", "FRIDGE_AND_FREEZER", "SMALL_ELECTRIC_WINE_CELLAR", "LARGE_ELECTRIC_WINE_CELLAR"] },
  GAS_HEATING: { any_electric_heater: "boolean" },
  HUMIDIFIER: {},
  JACUZZI: {},
  KETTLE: {},
  POOL_PUMP: {},
  TUMBLE_DRYER: { type: ["CONDENSER", "HEAT_PUMP", "VENTED", "I_DONT_KNOW"], usage_types: "seasons" },
  WASHING_MACHINE: {},
  OTHER: { name: "text" },
};

/** Placeholders every template knows; a meter's value names come on top. */
export const TEMPLATE_FIELDS = ["meter", "timestamp", "timestamp_ms", "timestamp_s", "values"] as const;

/** Named in messages only: a default would send a production meter's events there unnoticed. */
export const TEST_EVENTS_URL = "mqtts://test-partner-broker.voltaware.com:8883";
export const DEFAULT_PAYLOAD = '{"meter_id": {{meter}}, "timestamp": {{timestamp}}, "values": {{values}}}';
export const DEFAULT_QUEUE_SIZE = 50_000;
export const DEFAULT_BASE_URL = "https://smart-meter-reseller-api.voltaware.com";

const duration = (description: string, defaultValue: string): JsonSchema => durationSchema(description, defaultValue);
const text = (description: string): JsonSchema => ({ type: "string", minLength: 1, description });
const oneOf = (values: readonly string[], description: string): JsonSchema => ({ type: "string", enum: [...values], description });

const propertySchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  description: "PUT /sensors/<id>/metadata/property: the home or building the meter is in",
  required: ["property_type", "power_generator_source"],
  properties: {
    property_type: oneOf(PROPERTY_TYPES, "HOME, or OFFICE, COMMERCIAL, INDUSTRIAL (the seed's example also shows INDUSTRY)"),
    power_generator_source: oneOf(POWER_GENERATOR_SOURCES, "Own generation; Voltaware does not support homes that produce energy"),
    home_type: oneOf(HOME_TYPES, "HOME only: FLAT or HOUSE"),
    home_usage_type: oneOf(HOME_USAGE_TYPES, "HOME only: PRIMARY or SECONDARY residence"),
    home_size: { type: "number", exclusiveMinimum: 0, description: "HOME only: floor area in square metres" },
    bedroom_amount: { type: "integer", minimum: 1, description: "HOME only: bedrooms, at least 1" },
    people_amount: { type: "integer", minimum: 1, description: "HOME only: people living there, at least 1" },
    people_amount_in_day_time: { type: "integer", minimum: 0, description: "HOME only: people at home during the day" },
    people: {
      type: "array",
      description: "HOME only: people by age range (may be empty, but must be present)",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["age_range", "amount"],
        properties: {
          age_range: oneOf(AGE_RANGES, "ZERO_TO_FIVE, SIX_TO_EIGHTEEN, ADULT or PENSIONER"),
          amount: { type: "integer", minimum: 1, description: "People in this age range" },
        },
      },
    },
    version: { type: "string", enum: [METADATA_VERSION], default: METADATA_VERSION, description: "Version of the property information (1.0)" },
  },
  allOf: [
    {
      if: { properties: { property_type: { const: "HOME" } }, required: ["property_type"] },
      then: { required: [...HOME_FIELDS] },
    },
  ],
};

function applianceFieldSchema(kind: FieldKind): JsonSchema {
  if (kind === "boolean") return { type: "boolean" };
  if (kind === "seasons") return { type: "array", minItems: 1, uniqueItems: true, items: { type: "string", enum: [...SEASONS] } };
  if (kind === "text") return { type: "string", minLength: 1 };
  if (kind === "integers") return { type: "array", items: { type: "integer", minimum: 1 } };
  return { type: "string", enum: [...kind] };
}

const applianceSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["key", "amount"],
  properties: {
    key: oneOf(Object.keys(APPLIANCES), "The appliance: AC, ELECTRIC_BOILER, FRIDGE, OTHER, …"),
    amount: { type: "integer", minimum: 1, description: "How many" },
    type: text("AC, ELECTRIC_HEATING, ELECTRIC_OVEN, ELECTRIC_STOVE, ELECTRIC_VEHICLE, FRIDGE, TUMBLE_DRYER: the kind"),
    usage_type: text("AC: SUMMER, WINTER, BOTH; ELECTRIC_BOILER: SPACE_HEATING, WATER_HEATING, BOTH"),
    usage_types: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", enum: [...SEASONS] },
      description: "TUMBLE_DRYER: the seasons it is used in",
    },
    coupled_with_solar_thermal_system: text("ELECTRIC_BOILER: YES, NO or NOT_SURE"),
    water_tank: { type: "boolean", description: "ELECTRIC_BOILER: has a water tank" },
    any_electric_heater: { type: "boolean", description: "GAS_HEATING: any additional electric heaters" },
    wattages: { type: "array", items: { type: "integer", minimum: 1 }, description: "ELECTRIC_VEHICLE: charger power in W, one per vehicle (as many as amount)" },
    name: text("OTHER: what it is"),
  },
  allOf: Object.entries(APPLIANCES).map(([key, fields]) => ({
    if: { properties: { key: { const: key } }, required: ["key"] },
    then: {
      required: Object.keys(fields),
      properties: Object.fromEntries(Object.entries(fields).map(([field, kind]) => [field, applianceFieldSchema(kind)])),
    },
  })),
};

const metadataSchema: JsonSchema = {
  type: "array",
  description: "Metadata per sensor or smart meter, written with PUT when it differs from what the API has",
  items: {
    type: "object",
    additionalProperties: false,
    required: ["sensor"],
    properties: {
      sensor: text("The sensor or meter id as GET /sensors lists it; quote it (\"0001\") so leading zeros stay"),
      property: propertySchema,
      appliances: {
        type: "array",
        description: "PUT /sensors/<id>/metadata/appliances: every appliance with all of its fields",
        items: applianceSchema,
      },
      geolocation: {
        type: "object",
        additionalProperties: false,
        required: ["latitude", "longitude"],
        description: "PUT /sensors/<id>/metadata/geolocation: where the meter is (weather data)",
        properties: {
          latitude: { type: "number", minimum: -90, maximum: 90, description: "Degrees north, -90 to 90" },
          longitude: { type: "number", minimum: -180, maximum: 180, description: "Degrees east, -180 to 180" },
        },
      },
    },
  },
};

const valueSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["name"],
  description: "One value of the meter's events: an entity of another source, or a topic on the local broker",
  properties: {
    name: { type: "string", pattern: "^[a-z][a-z0-9_]*$", patternErrorMessage: "must be a lower-case name: a-z, 0-9 and _", description: "Its name in the payload template: {{name}}" },
    source: text("Entity feed: the id of the source that publishes it"),
    device: text("Entity feed: the device key (see `cloud2mqtt discover`)"),
    entity: text("Entity feed: the entity key"),
    field: text("Entity feed: a sub-value of the entity (climate: current_temperature, …)"),
    topic: { type: "string", minLength: 1, description: "Local feed: a topic on the broker cloud2mqtt publishes to (no wildcards)" },
    path: text("Local feed: where the number is in a JSON payload, dotted (ENERGY.Power); absent: the payload is the number"),
    scale: { type: "number", default: 1, description: "Multiplies the value (1000 turns kWh into Wh)" },
  },
  anyOf: [{ required: ["source", "device", "entity"] }, { required: ["topic"] }],
};

const eventsSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["url", "topic", "meters"],
  description: "Smart-meter events published to Voltaware's MQTT broker (MQTT 3.1.1, QoS 2, TLS)",
  properties: {
    enabled: { type: "boolean", default: true, description: "Publish events" },
    url: {
      type: "string",
      pattern: "^(mqtt|mqtts|ws|wss)://[^/?#\\s]+",
      patternErrorMessage: "must be a URL starting with mqtt://, mqtts://, ws:// or wss://",
      description: `Voltaware's broker, the one they gave you for this meter (their test broker is ${TEST_EVENTS_URL}); they require TLS (mqtts://)`,
      requiredMessage: `name Voltaware's events broker: the production one they gave you, or their test broker ${TEST_EVENTS_URL} (there is no default, so a production meter's events never go to the test broker by mistake)`,
    },
    username: text("Broker user given by Voltaware"),
    password: { type: "string", description: "Broker password; use ${ENV_VAR}" },
    client_id: { type: "string", minLength: 1, maxLength: 256, description: "MQTT client id (default cloud2mqtt_<hostname>_<source id>); keep it stable" },
    tls: {
      type: "object",
      additionalProperties: false,
      description: "TLS files (PEM; absolute, or relative to the working directory)",
      properties: {
        ca: text("Certificate authority to trust (default: the system's)"),
        cert: text("Client certificate, instead of or with username and password"),
        key: text("Key of the client certificate"),
        reject_unauthorized: { type: "boolean", default: true, description: "Reject a broker whose certificate does not verify" },
      },
    },
    topic: { type: "string", minLength: 1, description: "Topic template given by Voltaware; {{meter}} is the meter id" },
    payload: {
      type: "string",
      minLength: 1,
      default: DEFAULT_PAYLOAD,
      description: "JSON payload template: {{meter}}, {{timestamp}} (ISO 8601 UTC), {{timestamp_ms}}, {{timestamp_s}}, {{values}} and each value's {{name}}, inserted as JSON",
    },
    qos: { type: "integer", enum: [1, 2], default: 2, description: "Voltaware requires QoS 2" },
    queue_size: { type: "integer", minimum: 1, default: DEFAULT_QUEUE_SIZE, description: "Events kept on disk while the broker is unreachable; when full, new events are refused" },
    meters: {
      type: "array",
      minItems: 1,
      description: "The Voltaware meter ids to publish events for, and where their values come from",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "values"],
        properties: {
          id: text("Meter id at Voltaware; quote it"),
          values: { type: "array", minItems: 1, items: valueSchema, description: "The values of its events; a reading of the first makes an event" },
          min_interval: duration("At most one event per this time (0: one per reading of the first value)", "0s"),
        },
      },
    },
  },
};

export const voltawareProperties: Record<string, JsonSchema> = {
  base_url: { type: "string", format: "uri", description: "API root; /auth/token and /sensors/… are appended", default: DEFAULT_BASE_URL },
  client_id: text("Client id issued by Voltaware"),
  client_secret: text("Client secret issued by Voltaware; use ${ENV_VAR}"),
  rate_limit: { type: "number", exclusiveMinimum: 0, description: "Requests per second at most (the seed gives no limit)", default: 5 },
  reports_interval: duration("How often disaggregation, reports and cycles are read again and metadata compared", "1d"),
  retry_interval: duration("When results are not there yet (404), metadata was refused (403) or failed: try again after this", "1h"),
  metadata: metadataSchema,
  events: eventsSchema,
};
