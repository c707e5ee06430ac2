import { optionsReader } from "../../config/options.js";
import type { JsonSchema } from "../types.js";

/** The vendor keys of a myBeNext source, each with its one default. */
export const mybenextProperties: Record<string, JsonSchema> = {
  base_url: { type: "string", format: "uri", description: "API root; paths /login/api/v1/… are appended", default: "https://api.benext.eu" },
  username: { type: "string", minLength: 1, description: "Basic authentication: the myBeNext user" },
  password: { type: "string", minLength: 1, description: "Basic authentication: the user's password" },
  apikey: { type: "string", minLength: 1, description: "API-key authentication (several accounts)" },
  accounts: {
    type: "array",
    items: { type: "integer", minimum: 1 },
    uniqueItems: true,
    description: "With an API key: the account ids to bridge (default: every account the key sees)",
  },
  full_sync: {
    type: ["string", "number"],
    description: "How often all properties are read instead of only those updated since the last poll",
    default: "1h",
  },
  setpoint_override: {
    enum: ["temporary", "permanent"],
    description: "A thermostat setpoint from MQTT overrides the schedule until its next switch (temporary) or for good",
    default: "temporary",
  },
  page_size: { type: "integer", minimum: 1, maximum: 1000, description: "Resources per Range request", default: 1000 },
};

/** What `mybenextProperties` describes, every default filled in; durations as written. */
export type MyBeNextOptions = {
  base_url: string;
  username?: string;
  password?: string;
  apikey?: string;
  accounts?: number[];
  full_sync: string | number;
  setpoint_override: "temporary" | "permanent";
  page_size: number;
};

export const mybenextOptions = optionsReader<MyBeNextOptions>({ properties: mybenextProperties });
