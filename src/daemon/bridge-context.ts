import type { Logger } from "pino";
import type { BridgeContext } from "../bridges/types.js";
import type { SourceConfig } from "../config/types.js";
import { createHttpClient } from "../http/client.js";
import { secretRegistrar, type SecretScrubber } from "../log.js";
import type { StateStore } from "../state/store.js";

export interface BridgeContextOptions {
  source: SourceConfig;
  /** The source's logger (a child with `source`). */
  logger: Logger;
  store: StateStore;
  scrubber: SecretScrubber;
  /** Where the source's HTTP clients report that the cloud answered (the daemon's `SourceRunner.activity`). */
  onActivity?: (quietUntil?: number) => void;
}

/** The one way to build a bridge's context: the daemon and `discover` give every bridge the same. */
export function createBridgeContext({ source, logger, store, scrubber, onActivity }: BridgeContextOptions): BridgeContext {
  return {
    source,
    logger,
    state: store.scope(`source:${source.id}`),
    http: (o) =>
      createHttpClient({ ...o, sourceId: source.id, timeoutMs: source.timeout, maxRetryAfterMs: source.max_retry_after, logger, ...(onActivity ? { onActivity } : {}) }),
    registerSecret: secretRegistrar(scrubber, source.id),
  };
}
