import type { BridgeDefinition } from "./types.js";
import { mybenext } from "./mybenext/definition.js";
import { belimo } from "./belimo/definition.js";
import { climkit } from "./climkit/definition.js";
import { wiotys } from "./wiotys/definition.js";
import { voltaware } from "./voltaware/definition.js";

/** Every vendor the daemon can bridge. A new vendor adds its folder and one line here. */
export const bridgeDefinitions: readonly BridgeDefinition[] = [mybenext, belimo, climkit, wiotys, voltaware];

export function findBridge(type: string): BridgeDefinition | undefined {
  return bridgeDefinitions.find((b) => b.type === type);
}
