import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { nextDelay } from "../../src/poller/backoff.js";
import { Topics } from "../../src/mqtt/topics.js";
import { topicMatches } from "../../src/mqtt/connection.js";
import { SourceFilter } from "../../src/daemon/filters.js";
import { createLogger, SecretScrubber } from "../../src/log.js";
import { RateLimiter } from "../../src/http/rate-limiter.js";
import { safeKey, type Device } from "../../src/model/index.js";
import { Poller } from "../../src/poller/poller.js";
import { SourceRunner, type SourceSink } from "../../src/daemon/source-runner.js";
import type { SourceConfig } from "../../src/config/types.js";
import type { PollResult } from "../../src/bridges/types.js";
import pino from "pino";

describe("backoff", () => {
  const noJitter = () => 0.5;
  it("doubles after failures up to 10 × interval, at most 30 minutes, and honours Retry-After", () => {
    expect(nextDelay(60_000, 0, 0, noJitter)).toBe(60_000);
    expect(nextDelay(60_000, 1, 0, noJitter)).toBe(60_000);
    expect(nextDelay(60_000, 2, 0, noJitter)).toBe(120_000);
    expect(nextDelay(60_000, 20, 0, noJitter)).toBe(600_000);
    expect(nextDelay(600_000, 20, 0, noJitter)).toBe(1_800_000);
    expect(nextDelay(1_000, 1, 5_000, noJitter)).toBe(5_000);
  });
  it("jitters by at most 10%", () => {
    expect(nextDelay(10_000, 0, 0, () => 0)).toBe(9_000);
    expect(nextDelay(10_000, 0, 0, () => 1)).toBe(11_000);
  });
});

describe("topics", () => {
  const t = new Topics("c2m");
  it("parses command topics and nothing else", () => {
    expect(t.parseCommand("c2m/home/product_1/property_2/set")).toEqual({ source: "home", device: "product_1", entity: "property_2" });
    expect(t.parseCommand("c2m/home/product_1/climate/target_temperature/set")).toEqual({ source: "home", device: "product_1", entity: "climate", field: "target_temperature" });
    expect(t.parseCommand("c2m/home/product_1/set")).toBeUndefined();
    expect(t.parseCommand("c2m/home/product_1/property_2/set/result")).toBeUndefined();
    expect(t.parseCommand("other/home/a/b/set")).toBeUndefined();
    expect(t.parseCommand("c2m/home//b/set")).toBeUndefined();
  });
  it("matches MQTT wildcards", () => {
    expect(topicMatches("a/+/c", "a/b/c")).toBe(true);
    expect(topicMatches("a/#", "a/b/c")).toBe(true);
    expect(topicMatches("a/+", "a/b/c")).toBe(false);
  });
  it("makes topic-safe keys from vendor ids", () => {
    expect(safeKey("a/b+c#d e")).toBe("a_b_c_d_e");
    expect(safeKey("///")).toBe("_");
  });
});

describe("include / exclude filters", () => {
  const devices: Device[] = [
    { key: "product_1", vendorId: "1", name: "Kitchen plug", entities: [{ key: "p1", name: "a", kind: "sensor" }, { key: "p2", name: "b", kind: "sensor" }] },
    { key: "product_2", vendorId: "2", name: "Hall sensor", viaDevice: "product_1", entities: [{ key: "p3", name: "c", kind: "sensor" }] },
  ];
  const readings = [
    { device: "product_1", entity: "p1", value: 1 },
    { device: "product_1", entity: "p2", value: 2 },
    { device: "product_2", entity: "p3", value: 3 },
  ];
  it("includes by device name and excludes entities", () => {
    const out = new SourceFilter(["hall*", "product_1/p2"], []).apply(devices, readings);
    expect(out.devices.map((d) => d.key)).toEqual(["product_1", "product_2"]);
    expect(out.devices[0]?.entities.map((e) => e.key)).toEqual(["p2"]);
    expect(out.readings.map((r) => r.entity)).toEqual(["p2", "p3"]);
  });
  it("drops via_device to an excluded parent", () => {
    const out = new SourceFilter([], ["product_1"]).apply(devices, readings);
    expect(out.devices).toHaveLength(1);
    expect(out.devices[0]?.viaDevice).toBeUndefined();
  });
});

describe("logging", () => {
  it("scrubs registered secrets wherever they appear and redacts secret keys", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const scrubber = new SecretScrubber();
    scrubber.add("hunter2-secret");
    const log = createLogger("debug", scrubber, sink);
    log.info({ password: "p@ss-word-1", headers: { authorization: "Basic xyz" } }, "login with hunter2-secret in a url ?apikey=hunter2-secret");
    log.flush();
    const out = lines.join("");
    expect(out).not.toContain("hunter2-secret");
    expect(out).not.toContain("p@ss-word-1");
    expect(out).not.toContain("Basic xyz");
    expect(out).toContain("***");
  });
});

describe("rate limiter", () => {
  it("spaces request starts and caps concurrency", async () => {
    const limiter = new RateLimiter({ perSecond: 20, concurrency: 1 });
    const starts: number[] = [];
    await Promise.all(
      [0, 1, 2].map(async () => {
        const release = await limiter.acquire();
        starts.push(Date.now());
        await new Promise((r) => setTimeout(r, 5));
        release();
      }),
    );
    expect(starts).toHaveLength(3);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(45);
  });

  it("counts the spacing from the real start when a timer fires late (busy event loop)", async () => {
    const limiter = new RateLimiter({ perSecond: 10, concurrency: 1 });
    (await limiter.acquire())();
    const second = limiter.acquire();
    const busyUntil = Date.now() + 250; // the planned start (+100 ms) passes while the loop is blocked
    while (Date.now() < busyUntil) {
      // block
    }
    (await second)();
    const late = Date.now();
    (await limiter.acquire())();
    expect(Date.now() - late).toBeGreaterThanOrEqual(95);
  });
});

describe("entity filters by name", () => {
  it("excludes every entity with a given name", () => {
    const devices: Device[] = [{ key: "product_1", vendorId: "1", name: "Lock", entities: [{ key: "property_5", name: "Battery", kind: "sensor" }, { key: "property_6", name: "Lock", kind: "lock" }] }];
    const out = new SourceFilter([], ["*/battery"]).apply(devices, []);
    expect(out.devices[0]?.entities.map((e) => e.key)).toEqual(["property_6"]);
  });
});

describe("stopping a source in the middle of a long poll", () => {
  it("closes the bridge beside the running poll, and does not count the poll it cut short as a failure", async () => {
    let abort: (e: Error) => void = () => undefined;
    let closedAt = 0;
    const failures: unknown[] = [];
    const bridge = {
      poll: () => new Promise<never>((_resolve, reject) => (abort = reject)), // a paced poll that would run for minutes
      write: async () => [],
      close: async () => {
        closedAt = Date.now();
        abort(new Error("source stopped"));
      },
    };
    const sink: SourceSink = { publish: () => undefined, availability: () => undefined, statusChanged: () => undefined };
    const config = { id: "s", type: "climkit", enabled: true, interval: 60_000, timeout: 1_000 } as SourceConfig;
    const runner = new SourceRunner(config, bridge, sink, pino({ level: "silent" }));
    runner.start();
    await new Promise((r) => setTimeout(r, 50));
    const start = Date.now();
    await runner.stop();
    expect(closedAt).toBeGreaterThanOrEqual(start);
    expect(Date.now() - start).toBeLessThan(1_000);
    expect(runner.status.last_error).toBeNull();

    const poller = new Poller({ intervalMs: 60_000, run: () => new Promise((_r, reject) => setTimeout(() => reject(new Error("cut short")), 30)), onSuccess: () => undefined, onFailure: (e) => void failures.push(e) });
    poller.start();
    await new Promise((r) => setTimeout(r, 5));
    await poller.stop();
    expect(failures).toEqual([]);
  });
});

describe("a poll that hears nothing from its cloud", () => {
  // The second poll starts on the schedule, 100 ms (jittered) after the first.
  const config = { id: "s", type: "mybenext", enabled: true, interval: 100, timeout: 1_000 } as SourceConfig;
  const setup = (stuckAfterMs: number) => {
    let finish: (r: PollResult) => void = () => undefined;
    let polls = 0;
    const bridge = {
      poll: () => (polls++, new Promise<PollResult>((resolve) => (finish = resolve))),
      write: async () => [],
    };
    const availability: boolean[] = [];
    const sink: SourceSink = { publish: () => undefined, availability: (_s, online) => void availability.push(online), statusChanged: () => undefined };
    const lines: Array<{ level: number; msg: string; err?: string }> = [];
    const log = pino({ level: "debug" }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }) });
    const runner = new SourceRunner(config, bridge, sink, log, { stuckAfterMs });
    return { runner, availability, lines, finish: (r: PollResult) => finish(r), polls: () => polls };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const until = async (check: () => boolean): Promise<void> => {
    for (let waited = 0; !check() && waited < 5_000; waited += 10) await sleep(10);
  };

  it("is reported once as stuck, turns the source offline without starting another poll, and recovers when it ends", async () => {
    const t = setup(150);
    t.runner.start();
    await until(() => t.polls() === 1);
    t.finish({ devices: [], readings: [] });
    await until(() => t.availability.length === 1);
    expect(t.availability).toEqual([true]);
    await until(() => t.availability.length === 2);
    await sleep(400);
    expect(t.availability).toEqual([true, false]);
    expect(t.runner.status.state).toBe("offline");
    expect(t.runner.status.last_error).toMatch(/^poll stuck: nothing heard from the cloud for \d+ s/);
    expect(t.lines.filter((l) => l.msg === "poll stuck")).toHaveLength(1);
    expect(t.polls()).toBe(2);
    t.finish({ devices: [], readings: [] });
    await until(() => t.availability.length === 3);
    expect(t.availability).toEqual([true, false, true]);
    expect(t.runner.status).toMatchObject({ state: "online", last_error: null });
    expect(t.lines.some((l) => l.msg === "source recovered")).toBe(true);
    await t.runner.stop(100);
  });

  it("is not stuck while it waits out a Retry-After the cloud asked for, and is once that time has passed", async () => {
    const t = setup(150);
    t.runner.start();
    await until(() => t.polls() === 1);
    t.runner.activity(Date.now() + 500);
    await sleep(450);
    expect(t.availability).toEqual([]);
    expect(t.runner.status.last_error).toBeNull();
    await until(() => t.availability.length === 1);
    expect(t.availability).toEqual([false]);
    expect(t.runner.status.last_error).toMatch(/^poll stuck/);
    t.finish({ devices: [], readings: [] });
    await until(() => t.availability.length === 2);
    await t.runner.stop(100);
  });

  it("is not stuck while answers keep coming, however long it runs", async () => {
    const t = setup(1_000);
    t.runner.start();
    // Three times the threshold, an answer every 50 ms.
    for (let i = 0; i < 60; i++) {
      await sleep(50);
      t.runner.activity();
    }
    expect(t.availability).toEqual([]);
    expect(t.runner.status.last_error).toBeNull();
    t.finish({ devices: [], readings: [] });
    await until(() => t.availability.length === 1);
    expect(t.availability).toEqual([true]);
    await t.runner.stop(100);
  });
});
