import type { BridgeDefinition } from "../types.js";
import { wiotysProperties } from "./options.js";
import { WiotysBridge } from "./bridge.js";

export const wiotys: BridgeDefinition = {
  type: "wiotys",
  title: "Socomec Wiotys (SoData)",
  schema: {
    properties: wiotysProperties,
    required: ["client_id", "client_secret", "username", "password"],
  },
  defaultInterval: 60_000,
  secretKeys: ["client_secret", "password"],
  create: (ctx) => new WiotysBridge(ctx),
};
