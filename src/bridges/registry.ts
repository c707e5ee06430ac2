import type { BridgeDefinition } from "./types.js";
import { mybenext } from "./mybenext/definition.js";
import { voltaware } from "./voltaware/definition.js";

/** Every vendor the daemon can bridge. A new vendor adds its folder and one line here. */
export const bridgeDefinitions: readonly BridgeDefinition[] = [mybenext, voltaware];

export function findBridge(type: string): BridgeDefinition | undefined {
  return bridgeDefinitions.find((b) => b.type === type);
}
