import { durationSchema } from "../../config/duration.js";
import type { BridgeDefinition } from "../types.js";
import { ClimkitBridge } from "./bridge.js";

export const climkit: BridgeDefinition = {
  type: "climkit",
  title: "Climkit (energy metering)",
  schema: {
    properties: {
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
    },
    required: ["username", "password"],
  },
  defaultInterval: 15 * 60_000,
  secretKeys: ["password"],
  create: (ctx) => new ClimkitBridge(ctx),
};
