import type { BridgeDefinition } from "../types.js";
import { climkitProperties } from "./options.js";
import { ClimkitBridge } from "./bridge.js";

export const climkit: BridgeDefinition = {
  type: "climkit",
  title: "Climkit (energy metering)",
  schema: {
    properties: climkitProperties,
    required: ["username", "password"],
  },
  defaultInterval: 15 * 60_000,
  secretKeys: ["password"],
  create: (ctx) => new ClimkitBridge(ctx),
};
