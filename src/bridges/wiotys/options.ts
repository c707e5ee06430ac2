import { durationSchema } from "../../config/duration.js";
import { optionsReader } from "../../config/options.js";
import type { JsonSchema } from "../types.js";

const patterns = (description: string): JsonSchema => ({ type: "array", items: { type: "string", minLength: 1 }, description });

/** The vendor keys of a Wiotys source, each with its one default. */
export const wiotysProperties: Record<string, JsonSchema> = {
  base_url: { type: "string", format: "uri", description: "SoData API root; paths /api/v1/… are appended", default: "https://api.iot.socomec.com" },
  token_url: {
    type: "string",
    format: "uri",
    description: "Keycloak token endpoint; default <keycloak_url>/realms/<realm>/protocol/openid-connect/token (https://connect.socomec.com/realms/Socomec/protocol/openid-connect/token)",
  },
  keycloak_url: { type: "string", format: "uri", description: "Keycloak root (some deployments end in /auth); used when token_url is not set", default: "https://connect.socomec.com" },
  realm: { type: "string", minLength: 1, description: "Keycloak realm; used when token_url is not set", default: "Socomec" },
  client_id: { type: "string", minLength: 1, description: "SoData API client id, from Socomec" },
  client_secret: { type: "string", minLength: 1, description: "SoData API client secret, from Socomec" },
  username: { type: "string", minLength: 1, description: "SoLive Pro user (email)" },
  password: { type: "string", minLength: 1, description: "SoLive Pro password" },
  corporate_account: { type: "string", minLength: 1, description: "Corporate account by name or uuid; may be left out when the user sees only one" },
  customers: patterns("Only these customers: names, technical names or uuids (* wildcard, case ignored); default every customer"),
  sites: patterns("Only these sites: names, technical names or uuids (* wildcard); default every site of the selected customers"),
  devices: patterns("Only these devices: names, serial numbers, technical names or uuids (* wildcard); default every device of the selected sites"),
  service_types: patterns("Only variables of these service types, e.g. Measure, Alarm, Counter; default all"),
  service_ids: {
    type: "array",
    items: { type: ["string", "integer"] },
    description: "Only variables with these service ids, e.g. 140100 (* wildcard); default all",
  },
  items: patterns("Only variables of these items: an item (Global, Unit) or an item with its index (Unit|1); default all"),
  variables: {
    type: "array",
    items: { type: "string", pattern: "^[^|]+\\|[^|]+\\|[^|]+$", patternErrorMessage: "must be Item|Index|Service, e.g. Global|0|140100" },
    description: "Only these variables, in SoData's mapping syntax Item|Index|Service (e.g. Global|0|140100; * wildcard); default all",
  },
  page_size: { type: "integer", minimum: 1, maximum: 1000, description: "take of each paged request (the API's default is 50)", default: 50 },
  batch_size: { type: "integer", minimum: 1, maximum: 1000, description: "Devices per bulk last-values request", default: 50 },
  inventory_refresh: durationSchema("How often customers, sites, devices and variables are read again (values are read every interval)", "1h"),
  requests_per_second: { type: "number", exclusiveMinimum: 0, maximum: 100, description: "Requests per second to the SoData API at most", default: 5 },
  last_values_body: {
    enum: ["auto", "device_uuids", "devices", "array"],
    description:
      'Body of PUT …/last-values, which the seed does not show: {"deviceUuids": [...]}, {"devices": [{"deviceUuid": …}]}, a bare array, or auto (try them in that order, remember what works)',
    default: "auto",
  },
};

/** What `wiotysProperties` describes, every default filled in; durations as written. */
export type WiotysOptions = {
  base_url: string;
  token_url?: string;
  keycloak_url: string;
  realm: string;
  client_id: string;
  client_secret: string;
  username: string;
  password: string;
  corporate_account?: string;
  customers?: string[];
  sites?: string[];
  devices?: string[];
  service_types?: string[];
  service_ids?: Array<string | number>;
  items?: string[];
  variables?: string[];
  page_size: number;
  batch_size: number;
  inventory_refresh: string | number;
  requests_per_second: number;
  last_values_body: "auto" | "device_uuids" | "devices" | "array";
};

export const wiotysOptions = optionsReader<WiotysOptions>({ properties: wiotysProperties });
