import type { BridgeDefinition } from "../types.js";
import { mybenextProperties } from "./options.js";
import { MyBeNextBridge } from "./bridge.js";

export const mybenext: BridgeDefinition = {
  type: "mybenext",
  title: "myBeNext (Z-Wave smart home)",
  schema: {
    properties: mybenextProperties,
    anyOf: [{ required: ["username", "password"] }, { required: ["apikey"] }],
  },
  defaultInterval: 60_000,
  secretKeys: ["password", "apikey"],
  create: (ctx) => new MyBeNextBridge(ctx),
};
