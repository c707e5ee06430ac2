import { durationSchema } from "../../config/duration.js";
import type { BridgeDefinition, JsonSchema } from "../types.js";
import { ClimkitBridge } from "./bridge.js";

const duration = (description: string): JsonSchema => durationSchema(description);

export const climkit: BridgeDefinition = {
  type: "climkit",
  title: "Climkit (energy metering)",
  schema: {
    properties: {
      base_url: { type: "string", format: "uri", description: "API root; /auth, /all_installations, /meter_data/… are appended" },
      username: { type: "string", minLength: 1, description: "The API user (API credentials differ from the Climkit portal login)" },
      password: { type: "string", minLength: 1, description: "The API user's password" },
      sites: {
        type: "array",
        items: { type: "string", minLength: 1 },
        uniqueItems: true,
        description: "Site ids to bridge (default: every site /all_installations lists)",
      },
      sensors: { type: "boolean", description: "Read the sites' sensors (sensors_list, sensor_data); false saves their requests" },
      backfill: duration("How far back the first poll reads: validated totals start counting there"),
      metadata_refresh: duration("How often sites, meters and sensors are listed again"),
    },
    required: ["username", "password"],
  },
  defaults: { base_url: "https://api.climkit.io/api/v1", sensors: true, backfill: "1h", metadata_refresh: "1h" },
  defaultInterval: 15 * 60_000,
  secretKeys: ["password"],
  create: (ctx) => new ClimkitBridge(ctx),
};
