/**
 * Voltaware's events side end to end: values from the local broker (and from another source's
 * entity) become events on a second real broker standing in for Voltaware's, which is stopped and
 * started again, across a daemon restart, over TLS with a client certificate, and on Mosquitto.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_IDS, startMyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { MOSQUITTO, Recorder, freePort, sleep, startAedes } from "../helpers/mqtt.js";
import { OPENSSL, withoutTools } from "../helpers/tools.js";
import { EVENTS_TOPIC, EVENTS_USER, eventsSource, powers, range, waitUntil } from "../helpers/voltaware-events.js";

const BASE = "cloud2mqtt/meter";
const PAYLOAD = '{"meter_id": {{meter}}, "timestamp": {{timestamp}}, "power": {{power}}, "energy": {{energy}}}';

/** A source whose events go to `url`; its API is the simulator's (the events device is published by its polls). */
function meterSource(sim: VoltawareSimulator, url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return eventsSource(sim, { url, payload: PAYLOAD, meters: [{ id: "2001", values: [{ name: "power", topic: "p1/power" }, { name: "energy", topic: "p1/energy", path: "total", scale: 1000 }] }], ...extra });
}


describe("Voltaware smart-meter events (second broker, restarts)", () => {
  let sim: VoltawareSimulator;
  let local: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;
  let dataDir: string;

  /** Energy first (the feeds wait for every value), then one event per power value. */
  const produce = async (from: number, to: number): Promise<void> => {
    await rec.publish("p1/energy", JSON.stringify({ total: 1.5 }));
    for (const i of range(from, to)) await rec.publish("p1/power", String(i));
  };
  const queued = (n: number, since = 0) => rec.waitFor(`${BASE}/events/queued`, (p) => p === String(n), 20_000, since);

  beforeAll(async () => {
    sim = await startVoltawareSimulator({ broker: { ...EVENTS_USER, topic: EVENTS_TOPIC } });
    local = await startAedes();
    rec = await Recorder.start(local.url);
    dataDir = mkdtempSync(join(tmpdir(), "c2m-events-"));
    d = await startTestDaemon({ mqttUrl: local.url, dataDir, sources: [meterSource(sim, sim.broker!.url)] });
    await waitUntil(() => sim.broker!.connections.length > 0, 10_000, "the events connection");
  });
  afterAll(async () => {
    await stopAll(d, rec, local, sim);
  });

  it("sends one event per reading, in order, with QoS 2 on the configured topic, and the meter then exists at Voltaware", async () => {
    await produce(1, 5);
    await waitUntil(() => sim.broker!.events.length >= 5, 10_000, "5 events");
    const events = sim.broker!.events;
    expect(powers(events)).toEqual(range(1, 5));
    expect(events.every((e) => e.topic === "partners/acme/2001/events" && e.qos === 2 && e.meter === "2001")).toBe(true);
    expect(events[0]?.payload).toEqual({ meter_id: "2001", timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), power: 1, energy: 1500 });
    expect(sim.broker!.discarded).toEqual([]);
    expect(sim.sensor("2001")).toMatchObject({ connectionState: null, firstEvent: expect.any(Number) });
    expect((await rec.waitFor(`${BASE}/events/sent`, (p) => p === "5", 10_000)).payload).toBe("5");
    expect(rec.last(`${BASE}/events/connected`)).toBe("ON");
    expect(d.logs.join("")).toContain("Voltaware requires TLS");
  });

  it("keeps events on disk while Voltaware's broker is down and sends them all after it is back, once each and in order", async () => {
    const stopped = Date.now();
    await sim.broker!.stop();
    await rec.waitFor(`${BASE}/events/connected`, (p) => p === "OFF", 10_000, stopped);
    await produce(6, 15);
    await queued(10, stopped);
    expect(sim.broker!.events).toHaveLength(5);
    const back = Date.now();
    await sim.broker!.start();
    await waitUntil(() => sim.broker!.events.length >= 15, 30_000, "15 events");
    await sleep(500);
    expect(powers(sim.broker!.events)).toEqual(range(1, 15));
    await queued(0, back);
    await rec.waitFor(`${BASE}/events/connected`, (p) => p === "ON", 10_000, back);
  });

  it("keeps them across a daemon restart too, and sends those of both runs once each, in order", async () => {
    const stopped = Date.now();
    await sim.broker!.stop();
    await rec.waitFor(`${BASE}/events/connected`, (p) => p === "OFF", 10_000, stopped);
    await produce(16, 20);
    await queued(5, stopped);
    await d.stop();
    const file = join(dataDir, "sources", "meter", "events-queue.jsonl");
    // On disk: every event accepted, and a line for each acknowledged one.
    const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { s?: number; a?: number; p?: string });
    const acked = new Set(lines.map((l) => l.a));
    expect(lines.filter((l) => l.s !== undefined && !acked.has(l.s)).map((l) => JSON.parse(l.p ?? "{}").power)).toEqual(range(16, 20));

    const restarted = Date.now();
    d = await startTestDaemon({ mqttUrl: local.url, dataDir, sources: [meterSource(sim, sim.broker!.url)] });
    expect(d.logs.join("")).toContain("events from the last run are waiting to be sent");
    await queued(5, restarted);
    await produce(21, 25);
    await queued(10, restarted);
    await sim.broker!.start();
    await waitUntil(() => sim.broker!.events.length >= 25, 30_000, "25 events");
    await sleep(500);
    expect(powers(sim.broker!.events)).toEqual(range(1, 25));
  });

  it("never lets the broker password or the client secret reach the logs or MQTT", () => {
    const everything = [...d.logs, ...rec.messages.map((m) => `${m.topic} ${m.payload}`)].join("\n");
    expect(everything).not.toContain(EVENTS_USER.password);
    expect(everything).not.toContain("demo-secret");
  });
});

describe("Voltaware events: full queue, refused login, another source's entity", () => {
  it("refuses new events when the queue is full with one clear warning, keeps the accepted ones, and names a refused login", async () => {
    const sim = await startVoltawareSimulator({ broker: { ...EVENTS_USER, topic: EVENTS_TOPIC } });
    const local = await startAedes();
    const rec = await Recorder.start(local.url);
    const d = await startTestDaemon({ mqttUrl: local.url, sources: [meterSource(sim, sim.broker!.url, { password: "wrong-password", queue_size: 3 })] });
    try {
      await waitUntil(() => d.logs.some((l) => l.includes("refused the login")), 10_000, "the refused login");
      await rec.publish("p1/energy", '{"total": 2}');
      for (const i of range(1, 6)) await rec.publish("p1/power", String(i));
      await rec.waitFor(`${BASE}/events/refused`, (p) => p === "3", 10_000);
      expect(rec.last(`${BASE}/events/queued`)).toBe("3");
      const warnings = d.logs.filter((l) => l.includes("the queue is full"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/"level":"warn".*raise events\.queue_size/);
      expect(d.logs.filter((l) => l.includes("refused the login")).length).toBeGreaterThanOrEqual(1);
      expect(sim.broker!.events).toHaveLength(0);
      expect(d.logs.join("")).not.toContain("wrong-password");
    } finally {
      await d.stop();
      await rec.close();
      await local.close();
      await sim.close();
    }
  });

  it("feeds events from another source's entity: the myBeNext P1 meter's power", async () => {
    const sim = await startVoltawareSimulator({ broker: { ...EVENTS_USER, topic: EVENTS_TOPIC } });
    const benext = await startMyBeNextSimulator({ timeScale: 60 });
    const local = await startAedes();
    const rec = await Recorder.start(local.url);
    const p1 = `product_${DEMO_IDS.products.p1Meter}`;
    const d = await startTestDaemon({
      mqttUrl: local.url,
      sources: [
        { id: "home", type: "mybenext", base_url: benext.url, username: "demo", password: "demo-password", interval: "1s" },
        meterSource(sim, sim.broker!.url, {
          payload: '{"timestamp": {{timestamp_s}}, "meter": {{meter}}, "values": {{values}}}',
          meters: [{ id: "3001", values: [{ name: "power", source: "home", device: p1, entity: `property_${DEMO_IDS.p1Power}` }, { name: "import_wh", source: "home", device: p1, entity: `property_${DEMO_IDS.p1Import}`, scale: 1000 }] }],
        }),
      ],
    });
    try {
      await waitUntil(() => sim.broker!.events.length >= 2, 15_000, "2 events");
      const published = rec.on(`cloud2mqtt/home/${p1}/property_${DEMO_IDS.p1Power}`).map((m) => Number(m.payload));
      const event = sim.broker!.events[0]!;
      expect(event.meter).toBe("3001");
      expect(event.payload).toEqual({ timestamp: expect.any(Number), meter: "3001", values: { power: expect.any(Number), import_wh: expect.any(Number) } });
      expect(published).toContain((event.payload.values as { power: number }).power);
    } finally {
      await d.stop();
      await rec.close();
      await local.close();
      await benext.close();
      await sim.close();
    }
  });
});


describe.skipIf(withoutTools({ openssl: OPENSSL }))("Voltaware events over TLS with a client certificate", () => {
  it("publishes over mqtts with a client certificate and no password", async () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-tls-"));
    const ssl = (...args: string[]) => {
      const r = spawnSync(OPENSSL as string, args, { cwd: dir, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
    };
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA");
    writeFileSync(join(dir, "san.cnf"), "subjectAltName=IP:127.0.0.1\n");
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.cnf");
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=cloud2mqtt");
    ssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2");
    const read = (f: string) => readFileSync(join(dir, f), "utf8");

    const sim = await startVoltawareSimulator({ broker: { topic: EVENTS_TOPIC, tls: { key: read("server.key"), cert: read("server.pem"), ca: read("ca.pem"), requestCert: true } } });
    const local = await startAedes();
    const rec = await Recorder.start(local.url);
    const source = meterSource(sim, sim.broker!.url, { tls: { ca: join(dir, "ca.pem"), cert: join(dir, "client.pem"), key: join(dir, "client.key") } });
    delete (source.events as Record<string, unknown>).username;
    delete (source.events as Record<string, unknown>).password;
    const d = await startTestDaemon({ mqttUrl: local.url, sources: [source] });
    try {
      expect(sim.broker!.url).toMatch(/^mqtts:/);
      await waitUntil(() => sim.broker!.connections.length > 0, 10_000, "the TLS connection");
      await rec.publish("p1/energy", '{"total": 3}');
      for (const i of range(1, 3)) await rec.publish("p1/power", String(i));
      await waitUntil(() => sim.broker!.events.length >= 3, 10_000, "3 events");
      expect(powers(sim.broker!.events)).toEqual([1, 2, 3]);
      expect(d.logs.join("")).not.toContain("requires TLS");
      // Without the client certificate the broker does not let us in.
      const refused = await new Promise<string>((resolve) => {
        const c = mqtt.connect(sim.broker!.url, { ca: read("ca.pem"), reconnectPeriod: 0, connectTimeout: 3_000 });
        c.once("connect", () => (c.end(true), resolve("connected")));
        c.once("error", () => (c.end(true), resolve("refused")));
        c.once("close", () => resolve("refused"));
      });
      expect(refused).toBe("refused");
    } finally {
      await d.stop();
      await rec.close();
      await local.close();
      await sim.close();
    }
  });
});

describe.skipIf(withoutTools({ mosquitto: MOSQUITTO }))("Voltaware events on Mosquitto (an independent broker)", () => {
  let child: ChildProcess | undefined;
  const startMosquittoWithPersistence = async (port: number, dir: string): Promise<void> => {
    const conf = join(dir, "mosquitto.conf");
    writeFileSync(conf, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence true", `persistence_location ${dir}/`, "autosave_interval 1", ""].join("\n"));
    child = spawn(MOSQUITTO as string, ["-c", conf], { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 500 });
        c.once("connect", () => (c.end(true), resolve(true)));
        c.once("error", () => (c.end(true), resolve(false)));
        c.once("close", () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error("mosquitto did not start");
      await sleep(100);
    }
  };
  const stopMosquitto = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  afterAll(async () => {
    await stopMosquitto();
  });

  it("delivers every event once, in order, across a Mosquitto restart", async () => {
    const api = await startVoltawareSimulator();
    const dir = mkdtempSync(join(tmpdir(), "c2m-mosq-"));
    const port = await freePort();
    await startMosquittoWithPersistence(port, dir);
    const url = `mqtt://127.0.0.1:${port}`;
    // Voltaware's side: a persistent QoS 2 subscriber that gets what was queued for it while away.
    const received: number[] = [];
    const voltaware = mqtt.connect(url, { clientId: "voltaware-consumer", clean: false, reconnectPeriod: 200, protocolVersion: 4 });
    voltaware.on("message", (_t, payload) => received.push(Number(JSON.parse(payload.toString()).power)));
    await new Promise<void>((resolve) => voltaware.once("connect", () => voltaware.subscribe("partners/acme/+/events", { qos: 2 }, () => resolve())));

    const local = await startAedes();
    const rec = await Recorder.start(local.url);
    const source = meterSource(api, url);
    delete (source.events as Record<string, unknown>).username;
    delete (source.events as Record<string, unknown>).password;
    const d = await startTestDaemon({ mqttUrl: local.url, sources: [source] });
    try {
      await rec.publish("p1/energy", '{"total": 1}');
      for (const i of range(1, 3)) await rec.publish("p1/power", String(i));
      await waitUntil(() => received.length >= 3, 10_000, "3 events on Mosquitto");
      await sleep(1_200); // autosave: the subscriber's session is on disk
      await stopMosquitto();
      await rec.waitFor(`${BASE}/events/connected`, (p) => p === "OFF", 10_000, Date.now());
      for (const i of range(4, 8)) await rec.publish("p1/power", String(i));
      await rec.waitFor(`${BASE}/events/queued`, (p) => p === "5", 10_000);
      await startMosquittoWithPersistence(port, dir);
      await waitUntil(() => received.length >= 8, 30_000, "8 events on Mosquitto");
      await sleep(500);
      expect(received).toEqual(range(1, 8));
    } finally {
      await d.stop();
      await voltaware.endAsync(true);
      await rec.close();
      await local.close();
      await api.close();
    }
  });
});
