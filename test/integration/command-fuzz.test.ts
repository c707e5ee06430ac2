import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS, startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { randomText, rng } from "../helpers/fuzz.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";

const BASE = "cloud2mqtt/home";
const ids = DEMO_IDS;

/** Payloads that no writable entity accepts: wrong types, out of range, off-step, hostile text. */
const HOSTILE = [
  "", " ", "NaN", "Infinity", "-Infinity", "1e309", "-1", "100", "255", "12.5", "0x10", "1_000", "true?", "null",
  "{}", "[]", '{"value":1}', "DROP TABLE", "../../etc/passwd", "%00", "\u0000", "ON\u0000", "😀", "Ω≈ç√", "ｏｎ", "o n", "O N",
  "𝟙𝟚", "-0x1", "1,5", "9".repeat(400), "A".repeat(10_000), "\n", "\t42", "42abc", "--1",
];

describe("hostile commands", () => {
  let sim: MyBeNextSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;

  beforeAll(async () => {
    sim = await startMyBeNextSimulator({ timeScale: 60 });
    broker = await startAedes();
    rec = await Recorder.start(broker.url, ["cloud2mqtt/#"]);
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [{ id: "home", type: "mybenext", base_url: sim.url, username: "demo", password: "demo-password", interval: "30s" }],
    });
    await rec.waitFor(`${BASE}/availability`, (p) => p === "online");
  });
  afterAll(async () => {
    await stopAll(d, rec, broker, sim);
  });

  it("answers thousands of random and hostile commands with errors, sends none, and stays up", { timeout: 120_000 }, async () => {
    const writable = [
      `product_${ids.products.washingMachine}/property_${ids.switchProperty}`,
      `product_${ids.products.dimmer}/property_${ids.dimmerProperty}`,
      `product_${ids.products.blind}/property_${ids.blindProperty}`,
      `product_${ids.products.doorLock}/property_${ids.lockProperty}`,
      `product_${ids.products.siren}/property_${ids.sirenMode}`,
      `product_${ids.products.siren}/property_${ids.sirenDuration}`,
      `product_${ids.products.thermostat}/climate/target_temperature`,
      "account_1/lifestyle",
    ];
    const hostileTopics = ["product_0/property_0", "account_1/../../bridge", "product_ü/ñ", "%2e%2e/x", "product_1/property_2/attributes", `product_${ids.products.p1Meter}/property_${ids.p1Import}`, `product_${ids.products.thermostat}/climate/action`, "a/b/c/d/e", "x".repeat(300) + "/y"];
    const random = rng(20261123);
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)] as T;
    const puts = () => sim.requests.filter((r) => r.method === "PUT").length;
    const before = puts();
    const sent: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const topic = `${BASE}/${random() < 0.7 ? pick(writable) : pick(hostileTopics)}/set`;
      let payload = pick(HOSTILE);
      if (random() < 0.3) payload = randomText(random);
      // A random string can happen to be valid for some entity (e.g. "1" for a switch): skip those.
      if (/^\s*(on|off|true|false|1|0|lock|unlock|open|close|press|trigger|home|away|sleep|party|alarm|error|walk in|alert|wake up|doorbell|-?\d+(\.\d+)?)\s*$/i.test(payload)) continue;
      sent.push(topic);
      await rec.publish(topic, payload);
      if (i % 200 === 0) await sleep(20);
    }
    // Every command gets exactly one result, and every result is an error; a topic that is not a
    // command of ours (too few or too many levels) is ignored.
    const commands = sent.filter((t) => [3, 4].includes(t.slice("cloud2mqtt/".length, -"/set".length).split("/").length));
    expect(commands.length).toBeLessThan(sent.length);
    const deadline = Date.now() + 60_000;
    const results = () => rec.messages.filter((m) => m.topic.endsWith("/set/result"));
    while (results().length < commands.length && Date.now() < deadline) await sleep(100);
    await sleep(300);
    expect(results()).toHaveLength(commands.length);
    expect(results().every((m) => JSON.parse(m.payload).ok === false && typeof JSON.parse(m.payload).error === "string")).toBe(true);
    expect(puts()).toBe(before);

    // Still alive and still obeying a valid command.
    const sw = `${BASE}/product_${ids.products.washingMachine}/property_${ids.switchProperty}`;
    const since = Date.now();
    await rec.publish(`${sw}/set`, "ON");
    expect(JSON.parse((await rec.waitFor(`${sw}/set/result`, () => true, 10_000, since)).payload)).toEqual({ ok: true, value: true });
    expect(puts()).toBe(before + 1);
    expect(d.logs.some((l) => l.includes('"level":"fatal"'))).toBe(false);
  });
});
