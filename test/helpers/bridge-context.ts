import { Writable } from "node:stream";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { BridgeContext } from "../../src/bridges/types.js";
import { parseConfig } from "../../src/app-config.js";
import type { SourceConfig } from "../../src/config/types.js";
import { createHttpClient } from "../../src/http/client.js";
import { createLogger, SecretScrubber, secretRegistrar } from "../../src/log.js";
import type { SourceState } from "../../src/state/store.js";

/** In-memory persistent state of one source. */
export function memoryState(): SourceState & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: <T>(k: string) => structuredClone(data.get(k)) as T | undefined,
    set: (k, v) => void data.set(k, structuredClone(v)),
    delete: (k) => void data.delete(k),
  };
}

/**
 * A bridge context as the daemon builds it, for one source given as it would be written in the
 * config (validated, defaults applied), logging at debug into `logs` through the secret scrubber.
 */
export function bridgeContext(source: Record<string, unknown>, state: SourceState = memoryState()): { ctx: BridgeContext; config: SourceConfig; logs: string[]; scrubber: SecretScrubber } {
  const result = parseConfig(stringify({ sources: [source] }), {}, join(tmpdir(), "bridge-test.yaml"));
  if (!result.config) throw new Error(`source config invalid: ${JSON.stringify(result.errors)}`);
  const config = result.config.sources[0]!;
  const logs: string[] = [];
  const scrubber = new SecretScrubber();
  const logger = createLogger("debug", scrubber, new Writable({ write: (chunk, _e, cb) => (logs.push(String(chunk)), cb()) })).child({ source: config.id });
  const ctx: BridgeContext = {
    source: config,
    logger,
    state,
    http: (o) => createHttpClient({ ...o, sourceId: config.id, timeoutMs: config.timeout, logger }),
    registerSecret: secretRegistrar(scrubber, config.id),
  };
  return { ctx, config, logs, scrubber };
}
