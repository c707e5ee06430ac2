import { Writable } from "node:stream";
import type { BridgeContext, BridgeDefinition } from "../../src/bridges/types.js";
import type { SourceConfig } from "../../src/config/types.js";
import { vendorDefaults } from "../../src/config/vendors.js";
import { createHttpClient } from "../../src/http/client.js";
import { createLogger, SecretScrubber, secretRegistrar } from "../../src/log.js";

export interface TestBridgeContext extends BridgeContext {
  /** Log lines (debug and up), secrets scrubbed as the daemon does. */
  logs: string[];
  /** Values passed to registerSecret. */
  secrets: string[];
  stateData: Map<string, unknown>;
}

/**
 * A bridge's context without the daemon: the real HTTP factory, an in-memory state, a logger
 * into memory. `source` is merged over the definition's defaults like the config loader does.
 */
export function bridgeContext(definition: BridgeDefinition, source: Record<string, unknown>, state = new Map<string, unknown>()): TestBridgeContext {
  const logs: string[] = [];
  const secrets: string[] = [];
  const scrubber = new SecretScrubber();
  const logger = createLogger("debug", scrubber, new Writable({ write: (chunk, _e, cb) => (logs.push(String(chunk)), cb()) }));
  const config = { id: "test", type: definition.type, enabled: true, interval: definition.defaultInterval, timeout: 5_000, ...vendorDefaults(definition), ...source } as SourceConfig;
  for (const key of definition.secretKeys) if (typeof config[key] === "string") scrubber.add(config[key] as string);
  return {
    source: config,
    logger,
    state: { get: <T>(k: string) => state.get(k) as T | undefined, set: (k, v) => void state.set(k, v), delete: (k) => void state.delete(k) },
    http: (o) => createHttpClient({ ...o, sourceId: config.id, timeoutMs: config.timeout, logger }),
    registerSecret: (v, kind) => {
      secrets.push(v);
      secretRegistrar(scrubber, config.id)(v, kind);
    },
    logs,
    secrets,
    stateData: state,
  };
}
