import type { Bridge, BridgeDefinition, PollResult } from "../bridges/types.js";
import type { Device, Entity, Reading } from "../model/index.js";

export const SYNTHETIC_TYPE = "synthetic";

export interface SyntheticOptions {
  devices: number;
  entities: number;
  /** Share of the values that change from one poll to the next (0.01 = 1 %). */
  changeFraction: number;
  /** When set, every poll after the first waits until `release()` lets it go. */
  gated?: boolean;
}

export interface SyntheticSource {
  definition: BridgeDefinition;
  /** Values changed by the latest poll. */
  readonly lastChanged: number;
  readonly polls: number;
  /** When the first poll was asked for (ms since epoch), the pipeline benchmark's start. */
  readonly firstPollAt: number;
  /** Lets one gated poll run. */
  release(): void;
}

/**
 * A cloud of `devices × entities` sensors, made in memory so the benchmark measures the
 * daemon (runner, change detection, discovery, MQTT), not an HTTP stack. Each poll returns
 * every value like a real bridge does; `changeFraction` of them differ from the last poll.
 */
export function syntheticSource(opts: SyntheticOptions): SyntheticSource {
  const total = opts.devices * opts.entities;
  const values = new Float64Array(total);
  for (let i = 0; i < total; i++) values[i] = 20 + (i % 100) / 10;
  const entities: Entity[] = [];
  for (let e = 0; e < opts.entities; e++) {
    entities.push({ key: `value_${e}`, name: `Value ${e}`, kind: "sensor", deviceClass: "power", unit: "W", stateClass: "measurement", precision: 1 });
  }
  const waiting: Array<() => void> = [];
  let released = 0;
  let cursor = 0;
  const state = { lastChanged: 0, polls: 0, firstPollAt: 0 };

  const poll = async (): Promise<PollResult> => {
    if (state.polls === 0) state.firstPollAt = performance.timeOrigin + performance.now();
    else {
      const changed = Math.round(total * opts.changeFraction);
      // Different values each time, spread over the devices.
      for (let k = 0; k < changed; k++) {
        const i = cursor;
        cursor = (cursor + 97) % total;
        values[i] = (values[i] ?? 0) + 1;
      }
      state.lastChanged = changed;
    }
    if (opts.gated && state.polls > 0) {
      if (released > 0) released--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
    }
    state.polls++;
    const devices: Device[] = [];
    const readings: Reading[] = [];
    for (let d = 0; d < opts.devices; d++) {
      const key = `dev_${d}`;
      // A fresh model each poll, as a bridge parsing a cloud response makes it.
      devices.push({ key, vendorId: String(d), name: `Device ${d}`, manufacturer: "Synthetic", model: "S1", entities: entities.map((e) => ({ ...e })) });
      for (let e = 0; e < opts.entities; e++) readings.push({ device: key, entity: `value_${e}`, value: values[d * opts.entities + e] ?? 0 });
    }
    return { devices, readings };
  };

  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else released++;
  };

  const bridge: Bridge = {
    poll,
    write: async () => [],
    close: async () => {
      opts.gated = false;
      for (const w of waiting.splice(0)) w();
    },
  };
  const definition: BridgeDefinition = {
    type: SYNTHETIC_TYPE,
    title: "Synthetic",
    schema: { properties: {} },
    defaultInterval: 1_000,
    secretKeys: [],
    create: () => bridge,
  };
  return {
    definition,
    release,
    get lastChanged() {
      return state.lastChanged;
    },
    get polls() {
      return state.polls;
    },
    get firstPollAt() {
      return state.firstPollAt;
    },
  };
}
