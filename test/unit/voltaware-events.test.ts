import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { EventQueue } from "../../src/bridges/voltaware/event-queue.js";
import { EventFeeds } from "../../src/bridges/voltaware/feeds.js";
import type { MeterConfig } from "../../src/bridges/voltaware/config.js";
import type { Reading } from "../../src/model/index.js";

const quiet = pino({ level: "silent" });
const file = (): string => join(mkdtempSync(join(tmpdir(), "c2m-queue-")), "q", "events.jsonl");

describe("Voltaware event queue on disk", () => {
  it("keeps events in order, removes only the acknowledged one, and survives a restart", () => {
    const path = file();
    let q = new EventQueue(path, 10, quiet);
    for (let i = 1; i <= 4; i++) q.push("t", `{"n":${i}}`, i);
    expect(q.peek()?.payload).toBe('{"n":1}');
    q.ack(q.peek()!.seq);
    expect(() => q.ack(99)).toThrow(/not the oldest/);
    q.close();
    q = new EventQueue(path, 10, quiet);
    expect(q.size).toBe(3);
    const sent: string[] = [];
    while (q.peek()) {
      sent.push(q.peek()!.payload);
      q.ack(q.peek()!.seq);
    }
    expect(sent).toEqual(['{"n":2}', '{"n":3}', '{"n":4}']);
    q.push("t", '{"n":5}', 5);
    q.close();
    q = new EventQueue(path, 10, quiet);
    expect(q.peek()?.payload).toBe('{"n":5}');
    q.close();
  });

  it("refuses new events when full and keeps the accepted ones", () => {
    const q = new EventQueue(file(), 3, quiet);
    expect([1, 2, 3, 4].map((i) => q.push("t", String(i), i) !== undefined)).toEqual([true, true, true, false]);
    expect(q.full).toBe(true);
    q.ack(q.peek()!.seq);
    expect(q.push("t", "5", 5)).toBeDefined();
    expect(q.size).toBe(3);
    q.close();
  });

  it("skips a torn last line from a crash and warns", () => {
    const path = file();
    const q = new EventQueue(path, 10, quiet);
    q.push("t", "a", 1);
    q.push("t", "b", 2);
    q.close();
    appendFileSync(path, '{"s":3,"t":"t","p":"c');
    const warnings: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(line) });
    const again = new EventQueue(path, 10, logger);
    expect(again.size).toBe(2);
    expect(warnings.join("")).toContain("skipped unreadable lines");
    // The next event gets a sequence number of its own.
    expect(again.push("t", "d", 4)?.seq).toBe(3);
    again.close();
  });

  it("rewrites the file without the acknowledged events from time to time", () => {
    const path = file();
    const q = new EventQueue(path, 10_000, quiet);
    for (let i = 0; i < 5_010; i++) q.push("t", String(i), i);
    for (let i = 0; i < 5_000; i++) q.ack(q.peek()!.seq);
    const lines = readFileSync(path, "utf8").trim().split("\n");
    expect(lines).toHaveLength(10);
    expect(JSON.parse(lines[0]!)).toMatchObject({ p: "5000" });
    q.close();
  });

  it("starts empty from a file that is not there, and from one of nonsense", () => {
    const path = file();
    const q = new EventQueue(path, 5, quiet);
    expect(q.size).toBe(0);
    q.close();
    writeFileSync(path, "nonsense\n[1,2]\n");
    const again = new EventQueue(path, 5, quiet);
    expect(again.size).toBe(0);
    again.close();
  });
});

describe("Voltaware event feeds", () => {
  const meter: MeterConfig = {
    id: "1001",
    minIntervalMs: 0,
    values: [
      { name: "power", source: "home", device: "p1", entity: "power", scale: 1 },
      { name: "energy", topic: "p1/energy", path: "total", scale: 1000 },
    ],
  };

  function setup(m: MeterConfig = meter) {
    const events: Array<{ meter: string; values: Record<string, number | null>; at: number }> = [];
    const feeds = new EventFeeds([m], { accept: (id, values, at) => (events.push({ meter: id, values: { ...values }, at }), true) }, quiet);
    let listener: ((source: string, r: Reading) => void) | undefined;
    const handlers = new Map<string, (topic: string, payload: Buffer, retained: boolean) => void>();
    feeds.start({
      readings: { onReading: (l) => ((listener = l), () => (listener = undefined)) },
      subscribeLocal: (filter, handler) => void handlers.set(filter, handler),
    });
    return {
      events,
      feeds,
      reading: (source: string, device: string, entity: string, value: Reading["value"]) => listener?.(source, { device, entity, value }),
      local: (topic: string, payload: string, retained = false) => handlers.get(topic)?.(topic, Buffer.from(payload), retained),
    };
  }

  it("makes an event at each reading of the first value once every value is known", () => {
    const { events, reading, local } = setup();
    reading("home", "p1", "power", 500);
    expect(events).toHaveLength(0);
    local("p1/energy", '{"total": 1.5}');
    expect(events).toHaveLength(0);
    reading("home", "p1", "power", 510);
    reading("other", "p1", "power", 999);
    reading("home", "p1", "energy", 999);
    local("p1/energy", '{"total": 1.6}');
    reading("home", "p1", "power", "520");
    expect(events.map((e) => e.values)).toEqual([
      { power: 510, energy: 1500 },
      { power: 520, energy: 1600 },
    ]);
  });

  it("ignores retained messages, values that are not numbers and an unknown trigger value", () => {
    const { events, reading, local } = setup();
    local("p1/energy", '{"total": 9}', true);
    reading("home", "p1", "power", 1);
    expect(events).toHaveLength(0);
    local("p1/energy", "not json");
    local("p1/energy", '{"total": 2}');
    reading("home", "p1", "power", null);
    reading("home", "p1", "power", "ON");
    expect(events).toHaveLength(0);
    reading("home", "p1", "power", 3);
    expect(events.map((e) => e.values)).toEqual([{ power: 3, energy: 2000 }]);
  });

  it("keeps min_interval between events and stops listening when stopped", () => {
    const { events, reading, feeds } = setup({ id: "2", minIntervalMs: 60_000, values: [{ name: "power", source: "home", device: "p1", entity: "power", scale: 1 }] });
    reading("home", "p1", "power", 1);
    reading("home", "p1", "power", 2);
    expect(events).toHaveLength(1);
    feeds.stop();
    reading("home", "p1", "power", 3);
    expect(events).toHaveLength(1);
  });
});
