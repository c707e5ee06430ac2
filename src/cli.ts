#!/usr/bin/env node
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, checkConfigFile, loadConfig, parseDuration, redactConfig, secretValues } from "./app-config.js";
import type { Config } from "./config/types.js";
import { findBridge } from "./bridges/registry.js";
import { preferSmallHeap } from "./daemon/small-heap.js";
import { Daemon } from "./daemon/daemon.js";
import { SHUTDOWN } from "./daemon/shutdown.js";
import { createLogger, SecretScrubber } from "./log.js";
import { createBridgeContext } from "./daemon/bridge-context.js";
import { StateStore } from "./state/store.js";
import { VERSION } from "./version.js";
import { errorMessage } from "./util/errors.js";

const USAGE = `cloud2mqtt ${VERSION}: energy and building clouds → MQTT and Home Assistant

Usage:
  cloud2mqtt run [--config <file>]         run the daemon (CLOUD2MQTT_CONFIG names the file when --config is absent;
                                           with neither and no ./config.yaml, the demo runs)
  cloud2mqtt validate [--config <file>]    check a config file and print every problem (exit 0 or 1)
  cloud2mqtt discover [--config <file>] [--source <id>]
                                           log in and list each source's devices and entities with their keys
  cloud2mqtt demo [--port 1883] [--host 127.0.0.1]
                                           run against the built-in simulators with the embedded broker
  cloud2mqtt --version | --help
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string", short: "c" },
      source: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "health-port": { type: "string" },
      "data-dir": { type: "string" },
      "exit-after": { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  if (values.version) return print(VERSION), 0;
  const command = positionals[0] ?? "run";
  if (values.help || command === "help") return print(USAGE), 0;
  const configPath = values.config ?? process.env.CLOUD2MQTT_CONFIG;
  switch (command) {
    case "validate":
      return validate(requirePath(configPath));
    case "discover":
      return discover(requirePath(configPath), values.source);
    case "demo":
      return demo(values);
    case "run":
      if (!configPath && !existsSync("config.yaml")) {
        process.stderr.write("No config given (--config or CLOUD2MQTT_CONFIG) and no ./config.yaml: starting the demo.\n");
        return demo(values);
      }
      return run(await loadConfig(configPath ?? "config.yaml"), values["exit-after"]);
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

function requirePath(path: string | undefined): string {
  if (path) return path;
  if (existsSync("config.yaml")) return "config.yaml";
  throw new ConfigError([{ path: "", message: "no config file: pass --config <file> or set CLOUD2MQTT_CONFIG" }], "");
}

async function validate(path: string): Promise<number> {
  const result = await checkConfigFile(path);
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!result.config) {
    process.stderr.write(`${path}: ${result.errors.length} problem${result.errors.length === 1 ? "" : "s"}\n`);
    for (const e of result.errors) process.stderr.write(`  ${e.path ? `${e.path}: ` : ""}${e.message}\n`);
    return 1;
  }
  const c = result.config;
  print(`${path}: valid (${c.sources.length} source${c.sources.length === 1 ? "" : "s"}: ${c.sources.map((s) => `${s.id} (${s.type})`).join(", ") || "none"})`);
  return 0;
}

async function discover(path: string, only: string | undefined): Promise<number> {
  const config = await loadConfig(path);
  const scrubber = new SecretScrubber();
  for (const s of secretValues(config)) scrubber.add(s);
  const logger = createLogger(config.log_level === "info" ? "warn" : config.log_level, scrubber, undefined);
  const store = new StateStore(config.data_dir);
  const sources = config.sources.filter((s) => !only || s.id === only);
  if (only && sources.length === 0) throw new ConfigError([{ path: "sources", message: `no source with id "${only}"` }], path);
  let failed = 0;
  for (const source of sources) {
    const definition = findBridge(source.type);
    if (!definition) continue;
    const log = logger.child({ source: source.id });
    // No start(): discover only reads, it opens no queue and writes nothing to the cloud.
    const bridge = definition.create(createBridgeContext({ source, logger: log, store, scrubber }));
    print(`\n# source ${source.id} (${definition.title})`);
    try {
      const { devices } = await bridge.poll();
      for (const d of devices) {
        print(`- device ${d.key}: ${d.name}${d.model ? ` [${d.model}]` : ""}`);
        for (const e of d.entities) {
          const details = [e.kind, e.deviceClass, e.unit, e.stateClass, e.command ? "writable" : undefined].filter(Boolean).join(", ");
          print(`    ${d.key}/${e.key}: ${e.name} (${details})`);
        }
      }
      print(`  use these keys in the source's include / exclude lists, e.g. include: ["${devices[0]?.key ?? "device"}", "${devices[0]?.key ?? "device"}/${devices[0]?.entities[0]?.key ?? "entity"}"]`);
    } catch (error) {
      failed++;
      process.stderr.write(scrubber.scrub(`source ${source.id}: ${errorMessage(error)}\n`));
    } finally {
      await bridge.close?.();
    }
  }
  await store.close();
  if (process.env.CLOUD2MQTT_DEBUG_CONFIG) print(JSON.stringify(redactConfig(config), null, 2));
  return failed > 0 ? 1 : 0;
}

async function demo(values: Record<string, string | boolean | undefined>): Promise<number> {
  const port = Number(values.port ?? 1883);
  const host = String(values.host ?? "127.0.0.1");
  const healthPort = Number(values["health-port"] ?? 8099);
  // The simulators and the embedded broker stay out of a daemon that runs a real config.
  const { demoBanner, startDemo } = await import("./demo.js");
  const demoEnv = await startDemo({ host, port, healthPort, dataDir: String(values["data-dir"] ?? "data/demo") });
  return run(demoEnv.config, values["exit-after"] as string | undefined, {
    started: (daemon) => print(demoBanner(demoEnv.config, demoEnv.sources, daemon.brokerUrl)),
    stopped: () => demoEnv.close(),
  });
}

async function run(config: Config, exitAfter: string | undefined, hooks: { started?: (d: Daemon) => void; stopped?: () => Promise<void> } = {}): Promise<number> {
  preferSmallHeap();
  const scrubber = new SecretScrubber();
  for (const s of secretValues(config)) scrubber.add(s);
  const logger = createLogger(config.log_level, scrubber);
  const daemon = new Daemon({ config, logger, scrubber });
  process.on("unhandledRejection", (reason) => logger.error({ err: errorMessage(reason) }, "unhandled rejection"));
  // A throw in a callback (an MQTT or a timer one) leaves the process in an unknown state: say what it was, and exit non-zero so a supervisor restarts it.
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error.message, stack: error.stack }, "uncaught exception: exiting");
    process.exit(1);
  });
  // Listened for before starting: a signal while the broker is still unreachable (or the retained
  // configs are being read) must stop the daemon cleanly too, not kill the process.
  let requestStop!: (reason: string) => void;
  const stopRequested = new Promise<string>((resolve) => (requestStop = resolve));
  process.once("SIGTERM", () => requestStop("SIGTERM"));
  process.once("SIGINT", () => requestStop("SIGINT"));
  const starting = daemon.start();
  let early: string | undefined;
  try {
    early = await Promise.race([starting.then(() => undefined), stopRequested]);
  } catch (error) {
    await daemon.stop().catch(() => undefined);
    await hooks.stopped?.();
    throw error;
  }
  if (early) {
    // start() gives up once stop() has closed the connection; that failure is expected.
    starting.catch(() => undefined);
  } else {
    hooks.started?.(daemon);
    if (exitAfter) setTimeout(() => requestStop("exit-after"), parseDuration(exitAfter)).unref();
  }
  const signal = await stopRequested;
  logger.info({ signal }, "shutting down");
  // Whatever hangs, the process is gone within 5 seconds (DESIGN.md); a forced exit is a failure.
  setTimeout(() => {
    logger.error({ signal, after_ms: SHUTDOWN.forcedExitMs }, "shutdown forced: still not stopped, exiting");
    process.exit(1);
  }, SHUTDOWN.forcedExitMs).unref();
  try {
    await daemon.stop();
    await hooks.stopped?.();
  } catch (error) {
    logger.error({ err: errorMessage(error) }, "stopping failed");
    return 1;
  }
  if (daemon.forcedAtStop.length > 0) {
    // Something may be left unfinished (an event unacknowledged, offline not sent): a supervisor should know.
    logger.error({ waited_for: daemon.forcedAtStop }, "shutdown forced: gave up waiting");
    return 1;
  }
  return 0;
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

// Explicit exits: idle keep-alive sockets or a timer of a dependency must not keep a finished
// command (or a stopped daemon) alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`cloud2mqtt: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
