/**
 * Vendor ids that are not safe in an MQTT topic level or a URL path (`/`, `+`, `#`, blanks,
 * unicode, `..`, `%`, `?`), served by each simulator that has ids of its own in URL paths:
 * escaped in topics and discovery (no extra level, no wildcard, no two devices sharing a key),
 * percent-encoded in requests (a device `../admin` reaches its own resource, nothing else).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idKey } from "../../src/model/index.js";
import { startBelimoSimulator, type BelimoSimulator } from "../../src/simulators/belimo/index.js";
import { meter, site, startClimkitSimulator, type ClimkitSimulator } from "../../src/simulators/climkit/index.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import { startWiotysSimulator, type WiotysSimulator } from "../../src/simulators/wiotys/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, startAedes } from "../helpers/mqtt.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** "a/b", "a b", "a+b" and "a#b" all sanitise to the safe id "a_b": each must keep a key of its own. */
const HOSTILE = ["../admin", "a/b", "a b", "a+b", "a#b", "a_b", "../../admin", "%2e%2e", "a?x=1", "Zürich 🌡", "100%", "x/+/#"];
/** Ids no URL can carry as a path segment: those devices are left out, the rest carries on. */
const UNUSABLE = ["..", "."];
const LEVEL = /^[A-Za-z0-9_-]+$/;

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
  let belimo: BelimoSimulator;
  let climkit: ClimkitSimulator;
  let wiotys: WiotysSimulator;
  let voltaware: VoltawareSimulator;
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
    const ids = [...UNUSABLE, ...HOSTILE];
    belimo = await startBelimoSimulator({ valves: ids.length, actuators: 0, unregistered: 0, ids, timeScale: 60, deviceDataRate: 100, deviceDataBurst: 50, maxInFlight: 20, jobDelayMs: 100 });
    climkit = await startClimkitSimulator({
      rateLimitMs: 0,
      sites: [
        site("../admin", "Traversal", HOSTILE.slice(0, 6).map((id, i) => meter(id, "electricity", `Meter ${i}`))),
        site("a?x=1", "Query", [...HOSTILE.slice(6), ...UNUSABLE].map((id, i) => meter(id, "electricity", `Meter q${i}`))),
        site("..", "Unusable", [meter("64b2a00000000000000000f1", "electricity", "Never read")]),
      ],
    });
    wiotys = await startWiotysSimulator({ timeScale: 60, extraDeviceUuids: ids });
    voltaware = await startVoltawareSimulator({ meters: ids });
    broker = await startAedes();
    rec = await Recorder.start(broker.url, ["#"]);
    const b = belimo.credentials;
    const w = wiotys.credentials;
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [
        { id: "valves", type: "belimo", base_url: belimo.url, token_url: belimo.tokenUrl, client_id: b.clientId, client_secret: b.clientSecret, username: b.username, password: b.password, interval: "2s", requests_per_second: 50, max_in_flight: 20, job_poll_interval: "100ms", job_timeout: "5s" },
        { id: "metering", type: "climkit", base_url: climkit.apiUrl, username: "demo", password: "demo-password", interval: "2s", backfill: "30s", sensors: false },
        { id: "ups", type: "wiotys", base_url: wiotys.url, keycloak_url: wiotys.url, realm: wiotys.realm, client_id: w.clientId, client_secret: w.clientSecret, username: w.username, password: w.password, interval: "2s", requests_per_second: 50, corporate_account: "SoLink" },
        { id: "meter", type: "voltaware", base_url: voltaware.url, client_id: "demo-client", client_secret: "demo-secret", interval: "2s", rate_limit: 100 },
      ],
    });
    for (const source of ["valves", "metering", "ups", "meter"]) await rec.waitFor(`cloud2mqtt/${source}/availability`, (p) => p === "online", 45_000);
    // Every hostile device of every source announced (the last key of each list).
    const last = HOSTILE.at(-1)!;
    for (const t of [cfgTopic("valves", idKey(last)), cfgTopic("metering", `meter_${idKey(last)}`), cfgTopic("ups", idKey(last)), cfgTopic("meter", `sensor_${idKey(last)}`)]) {
      await rec.waitFor(t, (p) => p.length > 0, 30_000);
    }
  }, 90_000);

  afterAll(async () => {
    await d?.stop();
    await rec?.close();
    await broker?.close();
    await Promise.all([belimo?.close(), climkit?.close(), wiotys?.close(), voltaware?.close()]);
  });

  it("gives every device a key of its own made of safe characters, in every source", () => {
    const expected: Record<string, string[]> = {
      valves: HOSTILE.map((id) => idKey(id)),
      metering: HOSTILE.map((id) => `meter_${idKey(id)}`),
      ups: HOSTILE.map((id) => idKey(id)),
      meter: HOSTILE.map((id) => `sensor_${idKey(id)}`),
    };
    const all = configs();
    for (const [source, keys] of Object.entries(expected)) {
      expect(new Set(keys).size).toBe(HOSTILE.length);
      for (const key of keys) {
        expect(key).toMatch(LEVEL);
        expect(all.get(cfgTopic(source, key))?.components, `${source} ${key}`).toBeDefined();
      }
    }
    // The safe id keeps its key: existing installs keep their entity ids.
    expect(all.has(cfgTopic("valves", "a_b"))).toBe(true);
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
    const b = check("belimo", belimo.requests.filter((r) => r.server === "api").map((r) => r.path), "devices", ["stats"]);
    for (const id of HOSTILE) expect(b.has(id), `belimo ${id}`).toBe(true);
    const v = check("voltaware", voltaware.requests.map((r) => r.path), "sensors");
    for (const id of HOSTILE) expect(v.has(id), `voltaware ${id}`).toBe(true);
    const w = check("wiotys", wiotys.requests.map((r) => r.path), "devices");
    for (const id of HOSTILE) expect(w.has(id), `wiotys ${id}`).toBe(true);
    const climkitPaths = climkit.requests.map((r) => r.path);
    check("climkit", climkitPaths, "meter_data_raw", []);
    const sites = new Set([...idsRequested(climkitPaths, "installation_infos"), ...idsRequested(climkitPaths, "meter_info")]);
    expect([...sites].sort()).toEqual(["../admin", "a?x=1"]);
  });

  it("leaves out only the devices whose id cannot be a path segment, and says so", () => {
    expect(d.logs.some((l) => l.includes("cannot be used in a URL path"))).toBe(true);
    expect(d.logs.some((l) => l.includes('"level":"fatal"') || l.includes("not topic safe"))).toBe(false);
    const info = JSON.parse(rec.last("cloud2mqtt/bridge/info") ?? "{}") as Json;
    for (const s of info.sources as Json[]) expect(s, s.id).toMatchObject({ state: "online", last_error: null });
  });

  it("writes to a device with a hostile id through its escaped topic, and only to that device", async () => {
    const topic = `cloud2mqtt/valves/${idKey("../admin")}/evcloud_110`;
    const since = Date.now();
    const before = belimo.requests.length;
    await rec.publish(`${topic}/set`, "35");
    expect(JSON.parse((await rec.waitFor(`${topic}/set/result`, () => true, 15_000, since)).payload)).toEqual({ ok: true, value: 35 });
    const posts = belimo.requests.slice(before).filter((r) => r.method === "POST" && r.server === "api");
    expect(posts.map((r) => r.path)).toEqual([`/api/v3/devices/${encodeURIComponent("../admin")}/data`]);
    expect(idsRequested(posts.map((r) => r.path), "devices")).toEqual(["../admin"]);
  });
});
