import { preferSmallHeap } from "../daemon/small-heap.js";
import { benchConfig, startDaemon, syntheticSourceConfig } from "./common.js";
import { SYNTHETIC_TYPE, syntheticSource } from "./synthetic.js";

/**
 * The daemon alone in its process, for the memory benchmark: argv = broker URL, devices,
 * entities, interval ms. Prints the number of polls done every 200 ms.
 */
// As `cloud2mqtt run` does.
preferSmallHeap();
const [url, devices, entities, interval] = process.argv.slice(2);
const source = syntheticSource({ devices: Number(devices), entities: Number(entities), changeFraction: 0.01 });
const config = benchConfig(String(url), [], [syntheticSourceConfig("mem", SYNTHETIC_TYPE, Number(interval))]);
const d = await startDaemon(config, [source.definition]);
setInterval(() => process.stdout.write(`polls ${source.polls}\n`), 200);
process.once("SIGTERM", () => void d.stop().finally(() => process.exit(0)));
