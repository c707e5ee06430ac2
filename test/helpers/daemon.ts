import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { stringify } from "yaml";
import { parseConfig } from "../../src/app-config.js";
import type { Config } from "../../src/config/types.js";
import { Daemon } from "../../src/daemon/daemon.js";
import { createLogger, SecretScrubber } from "../../src/log.js";
import { secretValues } from "../../src/app-config.js";

export interface TestDaemon {
  daemon: Daemon;
  config: Config;
  logs: string[];
  stop(): Promise<void>;
}

/** The daemon in-process against a real broker, logging at debug into memory. */
export async function startTestDaemon(opts: {
  mqttUrl: string;
  sources: Array<Record<string, unknown>>;
  dataDir?: string;
  baseTopic?: string;
  /** Top-level config keys to set as well (e.g. `health`). */
  extra?: Record<string, unknown>;
  healthPort?: number;
}): Promise<TestDaemon> {
  const yaml = stringify({
    mqtt: { url: opts.mqttUrl, base_topic: opts.baseTopic ?? "cloud2mqtt", client_id: `c2m_test_${Math.random().toString(16).slice(2)}` },
    health: opts.healthPort === undefined ? { enabled: false } : { enabled: true, host: "127.0.0.1", port: opts.healthPort },
    log_level: "debug",
    data_dir: opts.dataDir ?? mkdtempSync(join(tmpdir(), "c2m-")),
    sources: opts.sources,
    ...opts.extra,
  });
  const result = parseConfig(yaml, {}, join(tmpdir(), "test.yaml"));
  if (!result.config) throw new Error(`test config invalid: ${JSON.stringify(result.errors)}`);
  const config = result.config;
  const logs: string[] = [];
  const scrubber = new SecretScrubber();
  for (const s of secretValues(config)) scrubber.add(s);
  const sink = new Writable({ write: (chunk, _e, cb) => (logs.push(String(chunk)), cb()) });
  const logger = createLogger("debug", scrubber, sink);
  const daemon = new Daemon({ config, logger, scrubber, retainedWindowMs: 600 });
  try {
    await daemon.start();
  } catch (error) {
    // As the CLI does: a failed start closes what it opened.
    await daemon.stop().catch(() => undefined);
    throw error;
  }
  return { daemon, config, logs, stop: () => daemon.stop() };
}

/** Stops the daemon, then closes what it used, in the order given; skips what never started. */
export async function stopAll(daemon: TestDaemon | undefined, ...used: Array<{ close(): Promise<unknown> } | undefined>): Promise<void> {
  await daemon?.stop();
  for (const thing of used) await thing?.close();
}
