import { DEMO_IDS, startMyBeNextSimulator } from "../simulators/mybenext/index.js";
import type { BenchBroker } from "./common.js";
import { benchConfig, connectClient, Counter, now, percentile, round, startDaemon } from "./common.js";

export interface LatencyResult {
  commands: number;
  /**
   * MQTT `…/set` published → the simulator receives the PUT (its log's clock: 1 ms steps);
   * round trip: → the `…/set/result` message arrives.
   */
  mqtt: Stats & { roundTrip: Stats };
  /** A direct HTTP PUT of the same body → the simulator receives it; round trip: → the response. */
  direct: Stats & { roundTrip: Stats };
}

interface Stats {
  p50Ms: number;
  p99Ms: number;
}

/** Benchmark 4: command latency to myBeNext, through the daemon against a direct PUT. */
export async function benchLatency(broker: BenchBroker, opts: { commands: number }): Promise<LatencyResult> {
  const sim = await startMyBeNextSimulator({ timeScale: 1 });
  const device = `product_${DEMO_IDS.products.washingMachine}`;
  const entity = `property_${DEMO_IDS.switchProperty}`;
  const topic = `bench/home/${device}/${entity}`;
  const results = await Counter.start(broker.url, [`${topic}/set/result`], () => true);
  const states = await Counter.start(broker.url, [topic], () => true);
  const config = benchConfig(broker.url, [{ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "1h" }]);
  const d = await startDaemon(config);
  const client = await connectClient(broker.url, { clientId: `bench_cmd_${Math.random().toString(16).slice(2)}` });
  const isPut = (r: { method: string; path: string }): boolean => r.method === "PUT" && r.path.includes(`/properties/${DEMO_IDS.switchProperty}`);
  try {
    await states.waitFor(1, 30_000);
    const viaMqtt: number[] = [];
    const viaMqttRound: number[] = [];
    let body: unknown;
    for (let i = 0; i < opts.commands; i++) {
      const seen = sim.requests.length;
      const done = results.count + 1;
      const start = Date.now();
      const precise = now();
      client.publish(`${topic}/set`, i % 2 ? "ON" : "OFF", { qos: 0 });
      await results.waitFor(done, 10_000);
      viaMqttRound.push(results.last - precise);
      const put = sim.requests.slice(seen).find(isPut);
      if (!put) throw new Error(`command ${i} reached no PUT`);
      body = put.body;
      viaMqtt.push(put.time - start);
    }
    const direct: number[] = [];
    const directRound: number[] = [];
    const auth = `Basic ${Buffer.from("demo:demo-password").toString("base64")}`;
    for (let i = 0; i < opts.commands; i++) {
      const seen = sim.requests.length;
      const start = Date.now();
      const precise = now();
      const res = await fetch(`${sim.url}/login/api/v1/properties/${DEMO_IDS.switchProperty}/`, {
        method: "PUT",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      directRound.push(now() - precise);
      if (!res.ok) throw new Error(`direct PUT: HTTP ${res.status}`);
      const put = sim.requests.slice(seen).find(isPut);
      if (!put) throw new Error("the direct PUT is not in the request log");
      direct.push(put.time - start);
    }
    const stats = (v: number[]): Stats => {
      const s = [...v].sort((a, b) => a - b);
      return { p50Ms: round(percentile(s, 50), 2), p99Ms: round(percentile(s, 99), 2) };
    };
    return {
      commands: opts.commands,
      mqtt: { ...stats(viaMqtt), roundTrip: stats(viaMqttRound) },
      direct: { ...stats(direct), roundTrip: stats(directRound) },
    };
  } finally {
    await client.endAsync();
    await results.close();
    await states.close();
    await d.stop();
    await sim.close();
  }
}
