import { durationSchema } from "../../config/duration.js";
import { optionsReader } from "../../config/options.js";
import type { JsonSchema } from "../types.js";

/** The vendor keys of a Climkit source, each with its one default. */
export const climkitProperties: Record<string, JsonSchema> = {
  base_url: { type: "string", format: "uri", description: "API root; /auth, /all_installations, /meter_data/… are appended", default: "https://api.climkit.io/api/v1" },
  username: { type: "string", minLength: 1, description: "The API user (API credentials differ from the Climkit portal login)" },
  password: { type: "string", minLength: 1, description: "The API user's password" },
  sites: {
    type: "array",
    items: { type: "string", minLength: 1 },
    uniqueItems: true,
    description: "Site ids to bridge (default: every site /all_installations lists)",
  },
  sensors: { type: "boolean", description: "Read the sites' sensors (sensors_list, sensor_data); false saves their requests", default: true },
  backfill: durationSchema("How far back the first poll reads: validated totals start counting there", "1h"),
  metadata_refresh: durationSchema("How often sites, meters and sensors are listed again", "1h"),
};

/** What `climkitProperties` describes, every default filled in; durations as written. */
export type ClimkitOptions = {
  base_url: string;
  username: string;
  password: string;
  sites?: string[];
  sensors: boolean;
  backfill: string | number;
  metadata_refresh: string | number;
};

export const climkitOptions = optionsReader<ClimkitOptions>({ properties: climkitProperties });
