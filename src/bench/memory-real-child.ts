import pino from "pino";
import { bridgeDefinitions } from "../bridges/registry.js";
import type { BridgeDefinition } from "../bridges/types.js";
import { preferSmallHeap } from "../daemon/small-heap.js";
import { benchConfig, startDaemon, type BenchDaemon } from "./common.js";
import type { RealCounts, RealReply, RealRequest } from "./memory-real-protocol.js";
import { errorMessage } from "../util/errors.js";

/**
 * The daemon with the real bridges, alone in its process (run with --expose-gc), for the memory
 * benchmark: the simulators live in the parent, so their memory is not counted here. Logs go
 * through pino into a file, as `cloud2mqtt run` logs to stdout.
 */
// As `cloud2mqtt run` does.
preferSmallHeap();

const counts: RealCounts = { polls: {}, failedPolls: 0 };
let daemon: BenchDaemon | undefined;
// A poll cut short by the stop is not a failure of the run.
let stopping = false;
let log: ReturnType<typeof pino.destination> | undefined;

/** The registry's bridges, each poll counted. */
function counted(def: BridgeDefinition): BridgeDefinition {
  return {
    ...def,
    create: (ctx) => {
      const bridge = def.create(ctx);
      const poll = bridge.poll.bind(bridge);
      bridge.poll = async () => {
        try {
          const result = await poll();
          counts.polls[def.type] = (counts.polls[def.type] ?? 0) + 1;
          return result;
        } catch (error) {
          if (!stopping) counts.failedPolls++;
          throw error;
        }
      };
      return bridge;
    },
  };
}

function send(reply: RealReply): void {
  process.send?.(reply);
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  gc();
}

async function handle(req: RealRequest): Promise<void> {
  switch (req.op) {
    case "start": {
      log = pino.destination({ dest: req.logFile, sync: true });
      const config = benchConfig(req.brokerUrl, req.sources);
      daemon = await startDaemon(config, bridgeDefinitions.map(counted), { level: req.logLevel, destination: log });
      return send({ op: "started" });
    }
    case "sample": {
      collect();
      return send({ op: "sample", heapAfterGcBytes: process.memoryUsage().heapUsed, ...counts });
    }
    case "stop":
      stopping = true;
      await daemon?.stop();
      log?.flushSync();
      send({ op: "stopped", ...counts });
      process.disconnect();
      return;
  }
}

process.on("message", (raw) => void handle(raw as RealRequest).catch((error: unknown) => send({ op: "error", error: errorMessage(error) })));
// The parent gone leaves no daemon behind.
process.on("disconnect", () => setTimeout(() => process.exit(0), 100).unref());
