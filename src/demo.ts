import { resolve } from "node:path";
import { stringify } from "yaml";
import { parseConfig } from "./app-config.js";
import type { Config } from "./config/types.js";
import { isLoopbackHost } from "./mqtt/loopback.js";
import { demoSources, type DemoSource } from "./simulators/demo-sources.js";

export interface DemoOptions {
  host: string;
  port: number;
  healthPort: number;
  dataDir: string;
}

/** Starts every simulator and returns the config of a daemon that polls them through the embedded broker. */
export async function startDemo(opts: DemoOptions): Promise<{ config: Config; sources: DemoSource[]; close(): Promise<void> }> {
  const sources: DemoSource[] = [];
  try {
    for (const start of demoSources) sources.push(await start());
  } catch (error) {
    await Promise.all(sources.map((s) => s.close()));
    throw error;
  }
  const yaml = stringify({
    // Simulated data and no login: off loopback (--host 0.0.0.0, for Home Assistant elsewhere) the
    // demo says explicitly that anonymous clients are wanted, as a real config would have to.
    broker: { host: opts.host, port: opts.port, ...(isLoopbackHost(opts.host) ? {} : { allow_anonymous: true }) },
    health: { enabled: opts.healthPort > 0, port: Math.max(opts.healthPort, 1) },
    data_dir: resolve(opts.dataDir),
    sources: sources.map((s) => s.source),
  });
  const result = parseConfig(yaml, {}, resolve("demo.yaml"));
  if (!result.config) {
    await Promise.all(sources.map((s) => s.close()));
    throw new Error(`demo config invalid: ${result.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`);
  }
  return { config: result.config, sources, close: async () => void (await Promise.all(sources.map((s) => s.close()))) };
}

export function demoBanner(config: Config, sources: DemoSource[], brokerUrl: string): string {
  const url = new URL(brokerUrl);
  const base = config.mqtt.base_topic;
  return [
    "",
    "cloud2mqtt demo: simulated clouds → embedded MQTT broker",
    ...sources.map((s) => `  • ${s.describe}`),
    `  • MQTT broker: ${brokerUrl}`,
    ...(config.broker.allow_anonymous
      ? [`  ! anonymous clients allowed (broker.allow_anonymous): anyone who reaches ${config.broker.host}:${url.port} can read and command; a trusted network only`]
      : []),
    "",
    "Watch it:",
    `  mosquitto_sub -h ${url.hostname} -p ${url.port} -t '${base}/#' -v`,
    `  mosquitto_sub -h ${url.hostname} -p ${url.port} -t 'homeassistant/#' -v`,
    "Try a command:",
    `  mosquitto_pub -h ${url.hostname} -p ${url.port} -t '${base}/home/account_1/lifestyle/set' -m away`,
    "Point Home Assistant at it: Settings → Devices & services → Add integration → MQTT,",
    `  broker ${url.hostname === "127.0.0.1" ? "<this machine's address> (start the demo with --host 0.0.0.0)" : url.hostname}, port ${url.port};`,
    "  the devices appear under the MQTT integration by discovery.",
    "Stop with Ctrl+C.",
    "",
  ].join("\n");
}
