import type { BridgeDefinition } from "../types.js";
import { belimoProperties } from "./options.js";
import { BelimoBridge } from "./bridge.js";

/**
 * Belimo Cloud (energy valves and other connected Belimo devices). Defaults from the seed and from
 * Belimo's published client API; the seed is silent on the token endpoint, audience and limits,
 * so those are configurable (README, "Assumptions").
 */
export const belimo: BridgeDefinition = {
  type: "belimo",
  title: "Belimo Cloud (energy valves)",
  schema: {
    properties: belimoProperties,
    required: ["client_id", "client_secret", "username", "password"],
  },
  defaultInterval: 300_000,
  secretKeys: ["client_secret", "password"],
  create: (ctx) => new BelimoBridge(ctx),
};
