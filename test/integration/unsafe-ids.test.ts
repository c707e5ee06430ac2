/**
 * Vendor ids that are not safe in an MQTT topic level or a URL path (`/`, `+`, `#`, blanks,
 * unicode, `..`, `%`, `?`), served by each simulator that has ids of its own in URL paths:
 * escaped in topics and discovery (no extra level, no wildcard, no two devices sharing a key),
 * percent-encoded in requests (a device `../admin` reaches its own resource, nothing else).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idKey } from "../../src/model/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, startAedes } from "../helpers/mqtt.js";
import { VENDOR_TABLE, type RunningVendor } from "../helpers/vendors.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** "a/b", "a b", "a+b" and "a#b" all sanitise to the safe id "a_b": each must keep a key of its own. */
const HOSTILE = ["../admin", "a/b", "a b", "a+b", "a#b", "a_b", "../../admin", "%2e%2e", "a?x=1", "Zürich 🌡", "100%", "x/+/#"];
/** Ids no URL can carry as a path segment: those devices are left out, the rest carries on. */
const UNUSABLE = ["..", "."];
const LEVEL = /^[A-Za-z0-9_-]+$/;

/** The vendors whose simulators serve ids of their own in URL paths; each source is named after its vendor. */
const VENDORS = VENDOR_TABLE.flatMap((v) => ("covered" in v.unsafeIds ? [] : [{ type: v.type, spec: v.unsafeIds }]));

/** The device id segment (decoded) after `marker` in each request path of a simulator. */
function idsRequested(paths: string[], marker: string): string[] {
  const out: string[] = [];
  for (const path of paths) {
    const seg = path.split("/").filter((s) => s !== "").map((s) => decodeURIComponent(s));
    const i = seg.indexOf(marker);
    if (i >= 0 && seg[i + 1] !== undefined) out.push(seg[i + 1]!);
  }
  return out;
}

describe("vendor ids unsafe in topics and URLs", () => {
  const clouds = new Map<string, RunningVendor>();
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;

  const configs = (): Map<string, Json> => {
    const out = new Map<string, Json>();
    for (const m of rec.messages) if (m.topic.startsWith("homeassistant/device/")) out.set(m.topic, m.payload === "" ? {} : JSON.parse(m.payload));
    return out;
  };
  const cfgTopic = (source: string, key: string) => `homeassistant/device/cloud2mqtt_${source}_${key}/config`;

  beforeAll(async () => {
    for (const v of VENDORS) clouds.set(v.type, await v.spec.start(HOSTILE, UNUSABLE));
    broker = await startAedes();
    rec = await Recorder.start(broker.url, ["#"]);
    d = await startTestDaemon({ mqttUrl: broker.url, sources: VENDORS.map((v) => clouds.get(v.type)!.source(v.type, v.spec.extra)) });
    for (const v of VENDORS) await rec.waitFor(`cloud2mqtt/${v.type}/availability`, (p) => p === "online", 45_000);
    // Every hostile device of every source announced (the last key of each list).
    const last = HOSTILE.at(-1)!;
    for (const v of VENDORS) await rec.waitFor(cfgTopic(v.type, `${v.spec.keyPrefix}${idKey(last)}`), (p) => p.length > 0, 30_000);
  }, 90_000);

  afterAll(async () => {
    await stopAll(d, rec, broker);
    await Promise.all([...clouds.values()].map((c) => c.sim.close()));
  });

  it("gives every device a key of its own made of safe characters, in every source", () => {
    const expected: Record<string, string[]> = Object.fromEntries(VENDORS.map((v) => [v.type, HOSTILE.map((id) => `${v.spec.keyPrefix}${idKey(id)}`)]));
    const all = configs();
    for (const [source, keys] of Object.entries(expected)) {
      expect(new Set(keys).size).toBe(HOSTILE.length);
      for (const key of keys) {
        expect(key).toMatch(LEVEL);
        expect(all.get(cfgTopic(source, key))?.components, `${source} ${key}`).toBeDefined();
      }
    }
    // The safe id keeps its key: existing installs keep their entity ids.
    for (const v of VENDORS) expect(all.has(cfgTopic(v.type, `${v.spec.keyPrefix}a_b`)), v.type).toBe(true);
  });

  it("publishes no topic with an extra level or a wildcard, and no unique id with a character HA refuses", () => {
    for (const m of rec.messages) {
      expect(/[+#]/.test(m.topic) || m.topic.includes("\u0000"), m.topic).toBe(false);
      if (m.topic.startsWith("cloud2mqtt/")) {
        const levels = m.topic.split("/").slice(1);
        // <source>/<device>/<entity>[/<field>][/set/result] or <source>/availability, bridge/state|info
        expect(levels.length, m.topic).toBeLessThanOrEqual(6);
        for (const level of levels) expect(level, m.topic).toMatch(LEVEL);
      } else if (m.topic.startsWith("homeassistant/device/")) {
        expect(m.topic.split("/"), m.topic).toHaveLength(4);
        expect(m.topic.split("/")[2]).toMatch(LEVEL);
      }
    }
    for (const [topic, cfg] of configs()) {
      for (const [key, c] of Object.entries((cfg.components ?? {}) as Record<string, Json>)) {
        expect(key, topic).toMatch(LEVEL);
        if (c.unique_id === undefined) continue;
        expect(c.unique_id, topic).toMatch(LEVEL);
        expect(c.default_entity_id, topic).toMatch(/^[a-z_]+\.[a-z0-9_]+$/);
        for (const [field, value] of Object.entries(c)) {
          if (!field.endsWith("_topic") || typeof value !== "string") continue;
          for (const level of value.split("/")) expect(level, `${topic} ${field}`).toMatch(LEVEL);
        }
      }
      for (const id of cfg.device?.identifiers ?? []) expect(id, topic).toMatch(LEVEL);
    }
  });

  it("puts each id into URLs as one percent-encoded segment: no request reaches another path", () => {
    const valid = new Set(HOSTILE);
    // Besides ours, each simulator keeps a few devices of its own, all with plain ids.
    const own = /^[0-9a-f-]+$/;
    const check = (name: string, paths: string[], marker: string, extra: string[] = []) => {
      for (const path of paths) {
        expect(path.split("/").map((s) => decodeURIComponent(s)), `${name} ${path}`).not.toContain("admin");
      }
      const requested = new Set(idsRequested(paths, marker));
      for (const id of requested) if (!own.test(id)) expect([...valid, ...extra], `${name} requested ${JSON.stringify(id)}`).toContain(id);
      return requested;
    };
    for (const v of VENDORS) {
      const paths = v.spec.apiRequests(clouds.get(v.type)!).map((r) => r.path);
      const requested = check(v.type, paths, v.spec.marker, v.spec.otherSegments);
      if (v.spec.everyIdRequested) for (const id of HOSTILE) expect(requested.has(id), `${v.type} ${id}`).toBe(true);
      const containers = v.spec.containers;
      if (containers) expect([...new Set(containers.markers.flatMap((m) => idsRequested(paths, m)))].sort(), v.type).toEqual([...containers.ids].sort());
    }
  });

  it("leaves out only the devices whose id cannot be a path segment, and says so", () => {
    expect(d.logs.some((l) => l.includes("cannot be used in a URL path"))).toBe(true);
    expect(d.logs.some((l) => l.includes('"level":"fatal"') || l.includes("not topic safe"))).toBe(false);
    const info = JSON.parse(rec.last("cloud2mqtt/bridge/info") ?? "{}") as Json;
    for (const s of info.sources as Json[]) expect(s, s.id).toMatchObject({ state: "online", last_error: null });
  });

  it("writes to a device with a hostile id through its escaped topic, and only to that device", async () => {
    const writers = VENDORS.filter((v) => v.spec.write);
    expect(writers.length).toBeGreaterThan(0);
    for (const v of writers) {
      const write = v.spec.write!;
      const cloud = clouds.get(v.type)!;
      const topic = `cloud2mqtt/${v.type}/${v.spec.keyPrefix}${idKey("../admin")}/${write.entity}`;
      const since = Date.now();
      const before = write.requests(cloud).length;
      await rec.publish(`${topic}/set`, write.payload);
      expect(JSON.parse((await rec.waitFor(`${topic}/set/result`, () => true, 15_000, since)).payload)).toEqual({ ok: true, value: write.value });
      const posts = write.requests(cloud).slice(before);
      expect(posts.map((r) => r.path)).toEqual([write.path("../admin")]);
      expect(idsRequested(posts.map((r) => r.path), v.spec.marker)).toEqual(["../admin"]);
    }
  });
});
