import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "../util/net.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import mqtt, { type MqttClient } from "mqtt";
import type { DestinationStream } from "pino";
import { stringify } from "yaml";
import type { BridgeDefinition } from "../bridges/types.js";
import { parseConfig, secretValues } from "../app-config.js";
import type { Config, SourceConfig } from "../config/types.js";
import { Daemon } from "../daemon/daemon.js";
import { createLogger, SecretScrubber } from "../log.js";

export const MOSQUITTO_PATHS = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

export interface BenchBroker {
  kind: "mosquitto" | "aedes";
  url: string;
  close(): Promise<void>;
}

/** Epoch milliseconds with sub-millisecond resolution. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/**
 * Mosquitto on a free port when installed (`noDelay`: with `set_tcp_nodelay true`, which is
 * not its default), otherwise the embedded aedes (the report says which). */
export async function startBroker(preferAedes = false, noDelay = false): Promise<BenchBroker> {
  const bin = preferAedes ? undefined : MOSQUITTO_PATHS.find((p) => existsSync(p));
  if (!bin) {
    // Lazy, so the memory benchmark's daemon process does not load aedes.
    const { startEmbeddedBroker } = await import("../mqtt/broker.js");
    const b = await startEmbeddedBroker({ host: "127.0.0.1", port: 0 });
    return { kind: "aedes", url: b.url, close: () => b.close() };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "c2m-bench-mosq-"));
  const conf = join(dir, "mosquitto.conf");
  // Unlimited queues: a subscriber that falls behind 20,000 QoS 1 messages must still get each one.
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\npersistence false\n${noDelay ? "set_tcp_nodelay true\n" : ""}`);
  const child = spawn(bin, ["-c", conf], { stdio: "ignore" });
  const url = `mqtt://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const c = await connectClient(url, { reconnectPeriod: 0, connectTimeout: 500 });
      await c.endAsync();
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill();
        throw new Error(`mosquitto did not start on port ${port}`);
      }
      await sleep(100);
    }
  }
  return {
    kind: "mosquitto",
    url,
    close: () =>
      new Promise<void>((resolve) => {
        const done = (): void => (rmSync(dir, { recursive: true, force: true }), resolve());
        if (child.exitCode !== null) return done();
        child.once("exit", done);
        child.kill("SIGTERM");
      }),
  };
}

export function connectClient(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, ...options });
    c.once("connect", () => resolve(c));
    c.once("error", (e) => (c.end(true), reject(e)));
    c.once("close", () => reject(new Error("closed")));
  });
}

/** A subscriber that counts what it receives, as Home Assistant would see it. */
export class Counter {
  count = 0;
  last = 0;
  readonly topics = new Map<string, string>();
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  private constructor(
    readonly client: MqttClient,
    private readonly match: (topic: string) => boolean,
    private readonly keep: boolean,
  ) {}

  static async start(url: string, filters: string[], match: (topic: string) => boolean, keep = false): Promise<Counter> {
    const client = await connectClient(url, { clientId: `bench_sub_${Math.random().toString(16).slice(2)}` });
    const c = new Counter(client, match, keep);
    client.on("message", (topic, payload, packet) => {
      // Retained copies handed out at subscribe time are old news, not this run's messages.
      if (packet.retain) return;
      if (!c.match(topic)) return;
      c.count++;
      c.last = now();
      if (c.keep) c.topics.set(topic, payload.toString("utf8"));
      c.waiters = c.waiters.filter((w) => (c.count >= w.n ? (w.resolve(), false) : true));
    });
    await client.subscribeAsync(filters, { qos: 1 });
    return c;
  }

  reset(): void {
    this.count = 0;
  }

  /** Resolves when `n` messages have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs = 120_000): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.count} of ${n} messages within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Resolves once nothing arrived for `quietMs`. */
  async settle(quietMs = 300): Promise<void> {
    let seen = -1;
    while (seen !== this.count) {
      seen = this.count;
      await sleep(quietMs);
    }
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

export interface BenchDaemon {
  daemon: Daemon;
  config: Config;
  stop(): Promise<void>;
}

/** A daemon config for the given sources (vendor keys as in config.yaml), logging warnings only. */
export function benchConfig(mqttUrl: string, sources: Array<Record<string, unknown>>, extra: SourceConfig[] = []): Config {
  const dataDir = mkdtempSync(join(tmpdir(), "c2m-bench-"));
  const yaml = stringify({
    mqtt: { url: mqttUrl, base_topic: "bench", client_id: `c2m_bench_${Math.random().toString(16).slice(2)}` },
    health: { enabled: false },
    log_level: "warn",
    data_dir: dataDir,
    // The schema wants a source; a synthetic-only run replaces this placeholder.
    sources: sources.length > 0 ? sources : [{ id: "placeholder", type: "mybenext", enabled: false, username: "u", password: "p" }],
  });
  const result = parseConfig(yaml, {}, join(dataDir, "bench.yaml"));
  if (!result.config) throw new Error(`bench config invalid: ${JSON.stringify(result.errors)}`);
  if (sources.length === 0) result.config.sources = [];
  result.config.sources.push(...extra);
  return result.config;
}

/** A source of the synthetic bridge: not in the registry, so it bypasses the config schema. */
export function syntheticSourceConfig(id: string, type: string, intervalMs: number): SourceConfig {
  return { id, type, enabled: true, interval: intervalMs, timeout: 10_000 };
}

/**
 * The daemon as `cloud2mqtt run` builds it. Without `log`, errors only, into a sink that drops
 * them; with it, the whole logging path (pino, redaction, the scrubber, a real file write).
 */
export async function startDaemon(config: Config, bridges?: readonly BridgeDefinition[], log?: { level: string; destination: DestinationStream }): Promise<BenchDaemon> {
  const scrubber = new SecretScrubber();
  for (const s of secretValues(config)) scrubber.add(s);
  const sink = new Writable({ write: (_chunk, _e, cb) => cb() });
  const logger = log ? createLogger(log.level, scrubber, log.destination) : createLogger("error", scrubber, sink);
  const daemon = new Daemon({ config, logger, scrubber, retainedWindowMs: 100, bridges });
  await daemon.start();
  return {
    daemon,
    config,
    stop: async () => {
      await daemon.stop();
      rmSync(config.data_dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
