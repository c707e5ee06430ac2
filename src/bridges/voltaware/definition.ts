import type { BridgeDefinition } from "../types.js";
import { VoltawareBridge } from "./bridge.js";
import { checkVoltawareSource } from "./config.js";
import { voltawareProperties } from "./schema.js";

export const voltaware: BridgeDefinition = {
  type: "voltaware",
  title: "Voltaware (smart-meter disaggregation and events)",
  schema: { properties: voltawareProperties, required: ["client_id", "client_secret"] },
  defaultInterval: 300_000,
  secretKeys: ["client_secret", "events.password"],
  check: checkVoltawareSource,
  create: (ctx) => new VoltawareBridge(ctx),
};
