import type { BenchBroker } from "./common.js";
import { benchConfig, connectClient, now, round, sleep, startDaemon, syntheticSourceConfig } from "./common.js";
import { matchesRules, type TopicRule } from "./counter-protocol.js";
import { RemoteCounter } from "./remote-counter.js";
import { SYNTHETIC_TYPE, syntheticSource } from "./synthetic.js";

export interface PipelineResult {
  devices: number;
  entities: number;
  /** Messages of the first poll: one discovery config per device and one state per entity. */
  messages: number;
  iterations: number;
  daemonMsgPerSec: number;
  rawMsgPerSec: number;
  /** raw / daemon: how many times faster the bare mqtt.js loop is. */
  ratio: number;
}

export interface ChangesResult {
  devices: number;
  entities: number;
  changeFraction: number;
  cycles: Array<{ expected: number; stateMessages: number; configMessages: number }>;
}

const SOURCE = "syn";

/**
 * Benchmarks 1 and 5. The daemon publishes a synthetic cloud's first poll (discovery and every
 * state) into the broker; a bare mqtt.js loop then publishes the very same messages (topics,
 * payloads, QoS 1, retained). A subscriber counts both to know when each is done; it runs in a
 * child process, so its work does not share the publishers' event loop (which slowed the faster
 * of the two most and pulled the ratio toward 1). Then polls in which 1 % of the values change:
 * only those may reach the state topics.
 */
export async function benchPipeline(
  broker: BenchBroker,
  opts: { devices: number; entities: number; iterations: number; changeCycles: number; changeFraction: number },
): Promise<{ pipeline: PipelineResult; changes: ChangesResult }> {
  const configRule: TopicRule = { prefix: `homeassistant/device/bench_${SOURCE}_`, suffix: "/config" };
  const stateRule: TopicRule = { prefix: `bench/${SOURCE}/`, notSuffix: "/availability" };
  const isConfig = (t: string): boolean => matchesRules([configRule], t);
  const counter = await RemoteCounter.start({ url: broker.url, filters: ["bench/#", "homeassistant/#"], rules: [configRule, stateRule], keep: true });
  const expected = opts.devices + opts.devices * opts.entities;
  const daemonRates: number[] = [];
  const rawRates: number[] = [];
  const changes: ChangesResult = { devices: opts.devices, entities: opts.entities, changeFraction: opts.changeFraction, cycles: [] };
  let captured: Array<[string, string]> = [];
  try {
    for (let it = 0; it < opts.iterations; it++) {
      const source = syntheticSource({ devices: opts.devices, entities: opts.entities, changeFraction: opts.changeFraction, gated: true });
      await counter.reset();
      await counter.clearTopics();
      const config = benchConfig(broker.url, [], [syntheticSourceConfig(SOURCE, SYNTHETIC_TYPE, 50)]);
      const d = await startDaemon(config, [source.definition]);
      try {
        await counter.waitFor(expected, 60_000);
        daemonRates.push(expected / ((counter.last - source.firstPollAt) / 1000));
        await counter.settle();
        if (counter.count !== expected) throw new Error(`first poll: ${counter.count} messages, expected ${expected}`);
        if (it === 0) {
          // The raw loop sends exactly what the daemon sent, in the same order.
          captured = await counter.topics();
          for (let c = 0; c < opts.changeCycles; c++) {
            const before = counter.count;
            await counter.clearTopics();
            source.release();
            const deadline = Date.now() + 10_000;
            while (source.polls < c + 2 && Date.now() < deadline) await sleep(10);
            await counter.settle(300);
            let configs = 0;
            for (const [topic] of await counter.topics()) if (isConfig(topic)) configs++;
            changes.cycles.push({ expected: source.lastChanged, stateMessages: counter.count - before - configs, configMessages: configs });
          }
        }
      } finally {
        await d.stop();
      }
      rawRates.push(await rawLoop(broker.url, counter, captured));
    }
  } finally {
    await counter.close();
  }
  const daemonMsgPerSec = median(daemonRates);
  const rawMsgPerSec = median(rawRates);
  return {
    pipeline: {
      devices: opts.devices,
      entities: opts.entities,
      messages: expected,
      iterations: opts.iterations,
      daemonMsgPerSec: round(daemonMsgPerSec, 0),
      rawMsgPerSec: round(rawMsgPerSec, 0),
      ratio: round(rawMsgPerSec / daemonMsgPerSec, 2),
    },
    changes,
  };
}

/** The same messages through a bare mqtt.js client: QoS 1, retained, as fast as it takes them. */
async function rawLoop(url: string, counter: RemoteCounter, messages: Array<[string, string]>): Promise<number> {
  const client = await connectClient(url, { clientId: `bench_raw_${Math.random().toString(16).slice(2)}`, protocolVersion: 4, clean: true });
  try {
    await counter.reset();
    const start = now();
    for (const [topic, payload] of messages) client.publish(topic, payload, { qos: 1, retain: true });
    await counter.waitFor(messages.length);
    const rate = messages.length / ((counter.last - start) / 1000);
    await counter.settle();
    return rate;
  } finally {
    await client.endAsync();
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}
