/**
 * The daemon's shutdown in phases (defect 5 of issue 11): a bridge that sends things on (Voltaware
 * events waiting for their acknowledgement) gets most of the 5 s budget, after the polls and
 * before `offline` and the MQTT disconnect; it was cut off after 2 s, its event left unacknowledged.
 */
import { Writable } from "node:stream";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { BridgeDefinition } from "../../src/bridges/types.js";
import { parseConfig } from "../../src/app-config.js";
import { Daemon } from "../../src/daemon/daemon.js";
import { createLogger, SecretScrubber } from "../../src/log.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { Recorder, startAedes } from "../helpers/mqtt.js";

describe("shutdown order", () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startAedes();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it("closes a bridge that needs 3 s to flush after its poll ended, before offline, and calls that a clean stop", async () => {
    const steps: string[] = [];
    let pollRunning: Promise<void> | undefined;
    const definition: BridgeDefinition = {
      type: "mybenext",
      title: "a bridge whose close waits for an acknowledgement",
      schema: { properties: {} },
      defaultInterval: 60_000,
      secretKeys: [],
      create: () => ({
        poll: async () => {
          if (steps.length > 0) {
            // The poll under way when the signal comes: it ends by itself shortly after.
            steps.push("poll started");
            pollRunning = new Promise((r) => setTimeout(r, 200));
            await pollRunning;
            steps.push("poll ended");
          } else {
            steps.push("first poll");
          }
          return { devices: [{ key: "d", vendorId: "d", name: "D", entities: [{ key: "e", name: "E", kind: "sensor" }] }], readings: [{ device: "d", entity: "e", value: 1 }] };
        },
        write: async () => [],
        close: async () => {
          steps.push("close started");
          await new Promise((r) => setTimeout(r, 3_000));
          steps.push("close ended");
        },
      }),
    };
    const yaml = stringify({
      mqtt: { url: broker.url, client_id: "c2m_order", base_topic: "c2m_order" },
      health: { enabled: false },
      data_dir: mkdtempSync(join(tmpdir(), "c2m-order-")),
      sources: [{ id: "s", type: "mybenext", username: "u", password: "p", interval: "1s" }],
    });
    const result = parseConfig(yaml, {});
    if (!result.config) throw new Error(JSON.stringify(result.errors));
    const scrubber = new SecretScrubber();
    const logs: string[] = [];
    const logger = createLogger("debug", scrubber, new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }));
    const daemon = new Daemon({ config: result.config, logger, scrubber, retainedWindowMs: 300, bridges: [definition] });
    const rec = await Recorder.start(broker.url, ["c2m_order/bridge/state"]);
    try {
      await daemon.start();
      await rec.waitFor("c2m_order/bridge/state", (p) => p === "online", 10_000);
      // Stop while the second poll runs.
      const deadline = Date.now() + 10_000;
      while (!steps.includes("poll started") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(steps).toContain("poll started");
      const stopping = daemon.stop();
      const offline = rec.waitFor("c2m_order/bridge/state", (p) => p === "offline", 10_000);
      await offline;
      steps.push("offline received");
      await stopping;
      expect(steps).toEqual(["first poll", "poll started", "poll ended", "close started", "close ended", "offline received"]);
      expect(daemon.forcedAtStop).toEqual([]);
    } finally {
      await daemon.stop();
      await rec.close();
    }
  }, 30_000);
});
