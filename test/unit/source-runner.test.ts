import { describe, expect, it } from "vitest";
import pino from "pino";
import { Poller } from "../../src/poller/poller.js";
import { SourceRunner, type SourceSink } from "../../src/daemon/source-runner.js";
import type { SourceConfig } from "../../src/config/types.js";
import type { PollResult } from "../../src/bridges/types.js";

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
