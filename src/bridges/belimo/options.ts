import { durationSchema } from "../../config/duration.js";
import { optionsReader } from "../../config/options.js";
import type { JsonSchema } from "../types.js";

const globs = (description: string): JsonSchema => ({ type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, description });

/** The vendor keys of a Belimo source, each with its one default. */
export const belimoProperties: Record<string, JsonSchema> = {
  base_url: { type: "string", format: "uri", description: "API root; paths /api/v3/… are appended (a trailing /api/v3 is accepted too)", default: "https://cloud.belimo.com" },
  token_url: { type: "string", format: "uri", description: "OAuth2 token endpoint of BelimoID (password and refresh_token grants)", default: "https://id.belimo.com/oauth/token" },
  audience: { type: "string", minLength: 1, description: "OAuth2 audience sent with the password grant", default: "https://api.cloud.belimo.com/" },
  scope: { type: "string", minLength: 1, description: "OAuth2 scopes, space separated; offline_access gives the refresh token, read:dataprofile the profiles", default: "offline_access read:dataprofile" },
  client_id: { type: "string", minLength: 1, description: "OAuth2 client id of your Developer Space application" },
  client_secret: { type: "string", minLength: 1, description: "OAuth2 client secret; use ${ENV_VAR}" },
  username: { type: "string", minLength: 1, description: "BelimoID user (e-mail)" },
  password: { type: "string", minLength: 1, description: "BelimoID password; use ${ENV_VAR}" },
  // The API's largest page: a steady poll lists up to 2,000 devices in one request.
  page_size: { type: "integer", minimum: 1, maximum: 2000, description: "Devices per /devices page (limit); pages are read until paging.total", default: 2000 },
  requests_per_second: { type: "number", exclusiveMinimum: 0, maximum: 50, description: "Pace of API requests (Belimo allows about 2 device-data requests per second)", default: 2 },
  max_in_flight: { type: "integer", minimum: 1, maximum: 20, description: "API requests in flight at most", default: 5 },
  datapoints: globs("Only these datapoint ids (glob patterns with *, e.g. evcloud.*); default: every datapoint of the profile"),
  exclude_datapoints: globs("Leave out these datapoint ids (glob patterns with *)"),
  history_interval: durationSchema("How often datapoints missing from the device state are read from data/history/timeseries", "15m"),
  history_lookback: durationSchema("How far back data/history/timeseries is searched for their newest value", "1d"),
  job_timeout: durationSchema("How long a write's job is followed before the command is reported as not confirmed", "2m"),
  job_poll_interval: durationSchema("How often a write's job is asked for its state", "2s"),
};

/** What `belimoProperties` describes, every default filled in; durations as written. */
export type BelimoOptions = {
  base_url: string;
  token_url: string;
  audience: string;
  scope: string;
  client_id: string;
  client_secret: string;
  username: string;
  password: string;
  page_size: number;
  requests_per_second: number;
  max_in_flight: number;
  datapoints?: string[];
  exclude_datapoints?: string[];
  history_interval: string | number;
  history_lookback: string | number;
  job_timeout: string | number;
  job_poll_interval: string | number;
};

export const belimoOptions = optionsReader<BelimoOptions>({ properties: belimoProperties });
