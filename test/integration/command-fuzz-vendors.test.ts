/**
 * command-fuzz.test.ts for every other vendor of test/helpers/vendors.ts: the writable ones
 * (Belimo's datapoints: number, select, switch) must refuse what they cannot take, the read-only
 * ones every command. Seeded, so a failure replays.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { HUGE, randomText, rng } from "../helpers/fuzz.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";
import { VENDOR_TABLE, type RunningVendor } from "../helpers/vendors.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HOSTILE = [
  "", " ", "NaN", "Infinity", "-Infinity", "1e309", "-1", "101", "100.5", "12.345", "0x10", "1_000", "null", "{}", "[]", '{"value":1}', "[1,2]",
  "../../etc/passwd", "%00", "\u0000", "😀", "Ω≈ç√", "ｏｎ", "𝟙𝟚", "1,5", "9".repeat(400), "A".repeat(10_000), "42abc", "--1", "POWER!", "flow ",
];
/** The vendors fuzzed here, each source named after its vendor. */
const FUZZED = VENDOR_TABLE.flatMap((v) => ("covered" in v.fuzz ? [] : [{ type: v.type, ...v.fuzz }]));
const WRITABLE = FUZZED.filter((v) => v.writable).map((v) => v.type);
const READ_ONLY = FUZZED.filter((v) => !v.writable).map((v) => v.type);

describe("hostile commands to every vendor", () => {
  const clouds: RunningVendor[] = [];
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;

  beforeAll(async () => {
    for (const v of FUZZED) clouds.push(await v.start());
    broker = await startAedes();
    rec = await Recorder.start(broker.url, ["#"]);
    d = await startTestDaemon({ mqttUrl: broker.url, sources: clouds.map((c, i) => c.source(c.type, FUZZED[i]!.extra)) });
    for (const source of FUZZED.map((v) => v.type)) await rec.waitFor(`cloud2mqtt/${source}/availability`, (p) => p === "online", 45_000);
    await sleep(1500);
  }, 90_000);

  afterAll(async () => {
    await stopAll(d, rec, broker);
    await Promise.all(clouds.map((c) => c.sim.close()));
  });

  it("answers every command with an error naming the problem, writes nothing, stays up, then obeys a valid one", { timeout: 120_000 }, async () => {
    // Every entity as Home Assistant sees it: writable ones have a command topic.
    const components: Array<{ source: string; state: string; command?: string; c: Json }> = [];
    for (const m of rec.messages) {
      if (!m.topic.startsWith("homeassistant/device/") || m.payload === "") continue;
      for (const c of Object.values(JSON.parse(m.payload).components as Record<string, Json>)) {
        if (typeof c.state_topic !== "string") continue;
        components.push({ source: c.state_topic.split("/")[1], state: c.state_topic, command: c.command_topic, c });
      }
    }
    const writable = components.filter((x) => x.command !== undefined);
    expect(new Set(writable.map((x) => x.source))).toEqual(new Set(WRITABLE));
    expect(new Set(writable.map((x) => x.c.platform))).toEqual(new Set(["number", "select", "switch"]));
    const readOnly = components.filter((x) => x.command === undefined && !WRITABLE.includes(x.source));
    for (const s of READ_ONLY) expect(readOnly.some((x) => x.source === s), s).toBe(true);

    const [w, r0 = w, r1 = r0, r2 = r1] = [...WRITABLE, ...READ_ONLY];
    const hostileTopics = [`${w}/nope/evcloud_110`, `${w}/../../bridge`, `${r0}/%2e%2e/x`, `${r1}/ü/ñ`, "unknown_source/a/b", `${w}/a/b/c/d/e`, `${r2}/x/y`];
    const random = rng(20261203);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const valid = (x: { c: Json }, payload: string): boolean => {
      const t = payload.trim().toLowerCase();
      if (x.c.platform === "select") return (x.c.options as string[]).some((o) => o.toLowerCase() === t);
      if (x.c.platform === "switch") return ["on", "off", "true", "false", "1", "0"].includes(t);
      return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t) && Number(t) >= x.c.min && Number(t) <= x.c.max && Math.abs(Number(t) / (x.c.step ?? 1) - Math.round(Number(t) / (x.c.step ?? 1))) < 1e-6;
    };
    const writes = () => clouds.reduce((n, c) => n + c.writes().length, 0);
    const before = writes();
    const sent: Array<{ topic: string; expectedError?: string }> = [];
    for (let i = 0; i < 1_500; i++) {
      const roll = random();
      let topic: string;
      let target: (typeof components)[number] | undefined;
      if (roll < 0.5) target = pick(writable);
      else if (roll < 0.85) target = pick(readOnly);
      if (target) topic = target.command ?? `${target.state}/set`;
      else topic = `cloud2mqtt/${pick(hostileTopics)}/set`;
      let payload = i % 500 === 7 ? HUGE : pick(HOSTILE);
      if (random() < 0.3) payload = randomText(random);
      if (target?.command && valid(target, payload)) continue;
      sent.push({ topic, expectedError: target ? (target.command ? undefined : "not writable") : undefined });
      await rec.publish(topic, payload);
      if (i % 200 === 0) await sleep(20);
    }

    const levels = (t: string) => t.slice("cloud2mqtt/".length, -"/set".length).split("/").length;
    const commands = sent.filter((s) => [3, 4].includes(levels(s.topic)));
    const results = () => rec.messages.filter((m) => m.topic.endsWith("/set/result"));
    const deadline = Date.now() + 60_000;
    while (results().length < commands.length && Date.now() < deadline) await sleep(100);
    await sleep(300);
    expect(results()).toHaveLength(commands.length);
    for (const m of results()) {
      const r = JSON.parse(m.payload) as Json;
      expect(r.ok, m.topic).toBe(false);
      expect(typeof r.error).toBe("string");
      expect(r.error.length).toBeLessThan(400);
    }
    // A read-only entity says so; an unknown one says it is unknown.
    for (const s of commands.filter((x) => x.expectedError)) {
      expect(rec.on(`${s.topic}/result`).every((m) => (JSON.parse(m.payload) as Json).error.includes(s.expectedError!)), s.topic).toBe(true);
    }
    expect(results().filter((m) => m.topic.includes("/nope/")).every((m) => (JSON.parse(m.payload) as Json).error.includes("unknown"))).toBe(true);
    expect(writes()).toBe(before);
    // Unknown topics are warned about once each, not once per message.
    const unknownWarnings = d.logs.filter((l) => l.includes('"level":"warn"') || l.includes('"level":40')).filter((l) => l.includes("command rejected") && l.includes("unknown"));
    const unknownTopics = new Set(commands.filter((s) => !components.some((x) => s.topic === (x.command ?? `${x.state}/set`))).map((s) => s.topic));
    expect(unknownWarnings.length).toBeGreaterThan(0);
    expect(unknownWarnings.length).toBeLessThanOrEqual(unknownTopics.size);

    // Still polling every source, and still obeying a valid command.
    const since = new Date().toISOString();
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => (JSON.parse(p).sources as Json[]).every((s) => s.state === "online" && s.last_poll > since), 30_000);
    const number = writable.find((x) => x.c.platform === "number" && x.c.min <= 40 && x.c.max >= 40)!;
    const at = Date.now();
    await rec.publish(number.command!, "40");
    expect(JSON.parse((await rec.waitFor(`${number.command!}/result`, () => true, 15_000, at)).payload)).toEqual({ ok: true, value: 40 });
    expect(writes()).toBe(before + 1);
    expect(d.logs.some((l) => l.includes('"level":"fatal"'))).toBe(false);
  });
});
