import type { BridgeDefinition } from "../types.js";
import { MyBeNextBridge } from "./bridge.js";

export const mybenext: BridgeDefinition = {
  type: "mybenext",
  title: "myBeNext (Z-Wave smart home)",
  schema: {
    properties: {
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
    },
    anyOf: [{ required: ["username", "password"] }, { required: ["apikey"] }],
  },
  defaultInterval: 60_000,
  secretKeys: ["password", "apikey"],
  create: (ctx) => new MyBeNextBridge(ctx),
};
