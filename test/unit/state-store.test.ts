import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { PollResult } from "../../src/bridges/types.js";
import type { SourceConfig } from "../../src/config/types.js";
import { SourceRunner, type SourceSink } from "../../src/daemon/source-runner.js";
import { StateStore } from "../../src/state/store.js";

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "c2m-state-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (check: () => boolean): Promise<void> => {
  for (let waited = 0; !check() && waited < 10_000; waited += 10) await sleep(10);
};
const onDisk = (store: StateStore): Record<string, Record<string, unknown>> => {
  try {
    return JSON.parse(readFileSync(store.path, "utf8")) as Record<string, Record<string, unknown>>;
  } catch {
    return {};
  }
};

describe("state store (issue 11, defect 9)", () => {
  it("writes once per poll however many keys the poll sets, after the poll and before its results are published", async () => {
    const dir = tempDir();
    const store = new StateStore(dir, { debounceMs: 10 });
    const state = store.scope("source:meters");
    const seenDuringPoll: number[] = [];
    let polls = 0;
    const bridge = {
      poll: async (): Promise<PollResult> => {
        polls++;
        for (let meter = 0; meter < 200; meter++) {
          state.set(`cursor:${meter}`, { poll: polls, at: meter });
          // Climkit's pacing: the poll goes on long after the first changes.
          if (meter % 50 === 0) await sleep(20);
        }
        seenDuringPoll.push(Object.keys(onDisk(store)["source:meters"] ?? {}).length);
        return { devices: [], readings: [] };
      },
      write: async () => [],
    };
    const published: number[] = [];
    const sink: SourceSink = {
      publish: () => void published.push(store.writes),
      availability: () => undefined,
      statusChanged: () => undefined,
    };
    const config = { id: "meters", type: "climkit", enabled: true, interval: 100, timeout: 1_000 } as SourceConfig;
    const runner = new SourceRunner(config, bridge, sink, pino({ level: "silent" }), { holdState: () => store.hold() });
    runner.start();
    await until(() => published.length >= 2);
    await runner.stop();
    await store.close();

    // Nothing reached the disk during the first poll; one write after each poll, before publishing.
    expect(seenDuringPoll[0]).toBe(0);
    expect(published.slice(0, 2)).toEqual([1, 2]);
    expect(store.writes).toBe(polls);
    expect(Object.keys(onDisk(store)["source:meters"]!)).toHaveLength(200);
  });

  it("coalesces changes outside a poll into one write, and close writes what is pending", async () => {
    const dir = tempDir();
    const store = new StateStore(dir, { debounceMs: 50 });
    const state = store.scope("source:a.b");
    for (let i = 0; i < 100; i++) state.set(`k.${i}`, i);
    await until(() => store.writes > 0);
    await sleep(100);
    expect(store.writes).toBe(1);
    state.set("last", "before stop");
    state.delete("k.0");
    await store.close();
    expect(store.writes).toBe(2);

    // A restart finds everything, keys with dots included.
    const again = new StateStore(dir).scope("source:a.b");
    expect(again.get("last")).toBe("before stop");
    expect(again.get("k.99")).toBe(99);
    expect(again.get("k.0")).toBeUndefined();
  });

  it("keeps the previous file intact when a write fails midway, and writes again at the next try", async () => {
    const dir = tempDir();
    const store = new StateStore(dir, { debounceMs: 60_000 });
    const state = store.scope("source:s");
    state.set("cursor", 1);
    await store.flush();
    const before = readFileSync(store.path, "utf8");
    const inode = statSync(store.path).ino;
    // The temp file cannot be written (as when the process dies or the disk fails mid-write).
    mkdirSync(`${store.path}.tmp`);
    state.set("cursor", 2);
    await expect(store.flush()).rejects.toThrow();
    expect(readFileSync(store.path, "utf8")).toBe(before);
    expect(statSync(store.path).ino).toBe(inode);
    rmSync(`${store.path}.tmp`, { recursive: true });
    await store.flush();
    expect(new StateStore(dir).scope("source:s").get("cursor")).toBe(2);
  });

  it("a torn temp file left by a crash does not hide the last complete state", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "state.json"), JSON.stringify({ "source:s": { cursor: 7 } }));
    writeFileSync(join(dir, "state.json.tmp"), '{"source:s": {"cur');
    expect(new StateStore(dir).scope("source:s").get("cursor")).toBe(7);
  });

  it("starts over from an empty state when the file is corrupt", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "state.json"), "{ not json");
    expect(new StateStore(dir).scope("source:s").get("cursor")).toBeUndefined();
  });
});
