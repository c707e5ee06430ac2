import { rmSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { findBridge } from "../bridges/registry.js";
import type { Bridge } from "../bridges/types.js";
import { createHttpClient } from "../http/client.js";
import { createLogger, SecretScrubber, secretRegistrar } from "../log.js";
import { StateStore } from "../state/store.js";
import { simulatedVendors, type ListedVendor, type RunningSimulator, type VendorType } from "../simulators/demo-sources.js";
import { benchConfig } from "./common.js";

export interface RequestsResult {
  vendor: string;
  /** HTTP requests the bridge made in one steady-state poll (after the first poll's discovery). */
  requests: number;
  /** The fewest the documented API allows for the same data. */
  minimum: number;
  /** Method and path of each request, counted. */
  paths: Record<string, number>;
  note: string;
}

interface VendorSetup {
  vendor: string;
  source: Record<string, unknown>;
  sim: RunningSimulator;
  /** The fewest requests for a steady-state poll of what the simulator holds, and why. */
  minimum(): { minimum: number; note: string };
}

/** What the bench adds to a vendor of the demo's list: a bigger world, no pacing, and the API's floor. */
interface BenchPlan<Sim extends RunningSimulator, Options> {
  options(quick: boolean): Options;
  minimum(sim: Sim): { minimum: number; note: string };
}

const VOLTAWARE_METERS = ["1001", "1002", "1003"];

/** Every vendor of the demo's list needs one: a new vendor without a plan does not compile. */
const PLANS: Record<VendorType, (quick: boolean) => Promise<VendorSetup>> = {
  mybenext: plan(simulatedVendors.mybenext, {
    options: (quick) => ({ timeScale: 60, extraProducts: quick ? 120 : 200 }),
    // Without Range the API answers a whole list at once: one request per list the poll needs.
    minimum: () => ({
      minimum: 6,
      note: "products, properties changed since the last poll (updated_after), climate controllers, lifestyles, nodes (availability), latest failures: one request each",
    }),
  }),
  belimo: plan(simulatedVendors.belimo, {
    options: (quick) => ({ timeScale: 60, valves: quick ? 110 : 240, actuators: 1, unregistered: 1, deviceDataRate: 1000, deviceDataBurst: 1000, maxInFlight: 1000 }),
    minimum: (sim) => {
      const registered = sim.devices().filter((d) => d.registered).length;
      return {
        minimum: 1 + Math.ceil(registered / 2000) + registered,
        note: `devices/stats, /devices in pages of the API's largest limit (2000), the state of each of the ${registered} registered devices (no bulk state endpoint)`,
      };
    },
  }),
  climkit: plan(simulatedVendors.climkit, {
    options: () => ({ rateLimitMs: 0, periodMs: 60_000 }),
    minimum: (sim) => {
      let n = 0;
      for (const site of sim.world.sites) {
        n += site.meters.filter((m) => !m.is_rule_meter).length + site.meters.length + new Set(site.meters.map((m) => m.type)).size + site.sensors.length;
      }
      return { minimum: n, note: "per meter meter_data_raw (not for rule meters) and meter_data, per site and energy type site_data, per sensor sensor_data: the API has no bulk call" };
    },
  }),
  wiotys: plan(simulatedVendors.wiotys, {
    options: (quick) => ({ timeScale: 30, extraDevices: quick ? 30 : 250 }),
    minimum: (sim) => {
      const n = sim.deviceUuids().length;
      return { minimum: Math.ceil(n / 50), note: `the bulk PUT …/last-values for ${n} devices, 50 a request (batch_size; the seed names no larger limit); the hierarchy only every inventory_refresh` };
    },
  }),
  voltaware: plan(simulatedVendors.voltaware, {
    options: () => ({ meters: VOLTAWARE_METERS }),
    minimum: (sim) => {
      const n = ["0001", "0002", "0003", ...VOLTAWARE_METERS].filter((id) => sim.sensor(id)).length;
      return { minimum: 1 + n, note: `GET /sensors and GET /sensors/<id> for each of the ${n} sensors (no bulk details); results only every reports_interval` };
    },
  }),
};

/** Starts a vendor's simulator with the bench's options; its source is the demo's connection, polled every minute. */
function plan<Sim extends RunningSimulator, Options>(vendor: ListedVendor<Sim, Options>, bench: BenchPlan<Sim, Options>): (quick: boolean) => Promise<VendorSetup> {
  return async (quick) => {
    const sim = await vendor.start(bench.options(quick));
    return { vendor: vendor.type, source: { type: vendor.type, ...vendor.connection(sim), interval: "1m" }, sim, minimum: () => bench.minimum(sim) };
  };
}

/**
 * Benchmark 3: HTTP requests of one steady-state poll of each bridge, counted in its simulator's
 * request log, against the fewest the vendor's documented API allows (bulk endpoints, largest
 * pages, incremental filters).
 */
export async function benchRequests(opts: { quick: boolean }): Promise<RequestsResult[]> {
  const results: RequestsResult[] = [];
  for (const type of Object.keys(simulatedVendors) as VendorType[]) {
    const s = await PLANS[type](opts.quick);
    const t = Date.now();
    try {
      results.push(await measure(s));
    } finally {
      await s.sim.close();
      if (process.env.BENCH_DEBUG) process.stderr.write(`${s.vendor}: ${Date.now() - t} ms\n`);
    }
  }
  return results;
}

async function measure(s: VendorSetup): Promise<RequestsResult> {
  const config = benchConfig("mqtt://127.0.0.1:1", [{ id: "src", ...s.source }]);
  const source = config.sources[0]!;
  const definition = findBridge(source.type)!;
  const scrubber = new SecretScrubber();
  const logger = createLogger("error", scrubber, new Writable({ write: (_c, _e, cb) => cb() }));
  const bridge: Bridge = definition.create({
    source,
    logger,
    state: new StateStore(config.data_dir).scope("source:src"),
    // Without the vendors' pacing: it decides how long a poll takes, not what it asks for.
    http: (o) => createHttpClient({ ...o, rateLimit: undefined, sourceId: source.id, timeoutMs: source.timeout, logger }),
    registerSecret: secretRegistrar(scrubber, source.id),
  });
  try {
    // Started as in the daemon (metadata writes count), with no other source to read from.
    await bridge.start?.({ readings: { onReading: () => () => undefined }, subscribeLocal: () => undefined, dataDir: join(config.data_dir, "sources", "src") });
    // The first poll discovers (logins, definitions, inventories) and sets the cursors.
    await bridge.poll();
    s.sim.clearRequests();
    await bridge.poll();
    if (process.env.BENCH_DEBUG) for (const r of s.sim.requests) process.stderr.write(`${s.vendor} ${r.method} ${r.path} ${JSON.stringify(r.query ?? {})}\n`);
    const paths: Record<string, number> = {};
    for (const r of s.sim.requests) {
      const key = `${r.method} ${r.path.replace(/\/[0-9a-f-]{8,}|\/\d+/gi, "/:id")}`;
      paths[key] = (paths[key] ?? 0) + 1;
    }
    const { minimum, note } = s.minimum();
    return { vendor: s.vendor, requests: s.sim.requests.length, minimum, paths, note };
  } finally {
    await bridge.close?.();
    rmSync(config.data_dir, { recursive: true, force: true });
  }
}
