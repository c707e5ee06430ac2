/**
 * Every cloud under every kind of failure, all at once in one daemon: each vendor's simulator
 * down, slow beyond the source's timeout, answering 500, 429 with Retry-After, malformed JSON,
 * truncated JSON, an object where a list belongs, or items without their fields. Each faulty
 * source must go offline after three failed polls and online again once the cloud is back, say so
 * in its log once per incident, and leave the healthy source of each vendor beside it alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { OFFLINE_AFTER_FAILURES } from "../../src/daemon/source-runner.js";
import { startCloud, VENDORS, type Cloud, type Vendor } from "../helpers/cloud-faults.js";
import { startTestDaemon, stopAll, type TestDaemon } from "../helpers/daemon.js";
import { MOSQUITTO, Recorder, startAedes, startMosquitto, type Mosquitto } from "../helpers/mqtt.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TIMEOUT_MS = 1_000;

interface FaultKind {
  apply(cloud: Cloud): void | Promise<void>;
  lift(cloud: Cloud): void | Promise<void>;
}

const setFault = (set: (c: Cloud) => void): FaultKind => ({ apply: set, lift: (c) => c.resetFaults() });

const KINDS = {
  /** The cloud's servers are closed: connection refused, then started again on the same ports. */
  down: { apply: (c) => c.stop(), lift: (c) => c.restart() },
  slow: setFault((c) => (c.faults.slowMs = TIMEOUT_MS * 3)),
  e500: setFault((c) => (c.faults.status500 = true)),
  e429: setFault((c) => (c.faults.rateLimitNext = 1e9)),
  malformed: setFault((c) => (c.faults.body = '{"results": [{"id": 1,}], oops')),
  truncated: setFault((c) => (c.faults.malformed = true)),
  object: setFault((c) => (c.faults.body = '{"unexpected": "an object where a list belongs"}')),
  fields: setFault((c) => (c.faults.body = '[{"unexpected": "items without the fields they need"}]')),
} satisfies Record<string, FaultKind>;
type Kind = keyof typeof KINDS;
const KIND_NAMES = Object.keys(KINDS) as Kind[];

const CASES: Array<[Vendor, Kind]> = VENDORS.flatMap((v) => KIND_NAMES.map((k): [Vendor, Kind] => [v, k]));
const sourceId = (vendor: Vendor, kind: Kind | "ok") => `${vendor}_${kind}`;

interface Incident {
  faultAt: number;
  offlineAt?: number;
  liftAt?: number;
  onlineAt?: number;
}

describe("cloud faults, every vendor × every kind, in one daemon", () => {
  const clouds = new Map<string, Cloud>();
  const incidents = new Map<string, Incident>();
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  let broker: EmbeddedBroker | Mosquitto;
  let rec: Recorder;
  let d: TestDaemon;
  let faultsAt = 0;
  let liftedAt = 0;

  const availability = (id: string) => rec.on(`cloud2mqtt/${id}/availability`);
  /** Log lines of one source as objects, between two times. */
  const logsOf = (id: string, from: number, to = Number.POSITIVE_INFINITY): Json[] =>
    d.logs
      .map((l) => JSON.parse(l) as Json)
      .filter((l) => l.source === id && Date.parse(l.time) >= from && Date.parse(l.time) <= to);

  beforeAll(async () => {
    process.on("unhandledRejection", onRejection);
    await Promise.all(
      VENDORS.flatMap((v) => (["ok", ...KIND_NAMES] as const).map(async (k) => clouds.set(sourceId(v, k), await startCloud(v)))),
    );
    broker = MOSQUITTO ? await startMosquitto() : await startAedes();
    rec = await Recorder.start(broker.url);
    d = await startTestDaemon({
      mqttUrl: broker.url,
      sources: [...clouds.entries()].map(([id, cloud]) => cloud.source(id, { timeout: `${TIMEOUT_MS}ms` })),
    });
    await Promise.all([...clouds.keys()].map((id) => rec.waitFor(`cloud2mqtt/${id}/availability`, (p) => p === "online", 150_000)));
    // Thirty sources in one daemon: on a loaded 2-core machine their first polls took over a minute.
  }, 180_000);

  afterAll(async () => {
    process.off("unhandledRejection", onRejection);
    if (process.env.DUMP_LOGS) console.log(d?.logs.filter((l) => !/"level":"debug"/.test(l) || /poll failed/.test(l)).join(""));
    await stopAll(d, rec, broker);
    await Promise.all([...clouds.values()].map((c) => c.close()));
  });

  /**
   * The faults and their end, run once for the whole file by whichever test comes first: each
   * test awaits it, so any one of them also passes alone (`-t`).
   */
  let incidentsRun: Promise<void> | undefined;
  const runIncidents = (): Promise<void> =>
    (incidentsRun ??= (async () => {
      faultsAt = Date.now();
      await Promise.all(
        CASES.map(async ([vendor, kind]) => {
          const id = sourceId(vendor, kind);
          const incident: Incident = { faultAt: Date.now() };
          incidents.set(id, incident);
          await KINDS[kind].apply(clouds.get(id)!);
          incident.offlineAt = (await rec.waitFor(`cloud2mqtt/${id}/availability`, (p) => p === "offline", 60_000, incident.faultAt)).at;
        }),
      );
      liftedAt = Date.now();
      await Promise.all(
        CASES.map(async ([vendor, kind]) => {
          const id = sourceId(vendor, kind);
          const incident = incidents.get(id)!;
          incident.liftAt = Date.now();
          await KINDS[kind].lift(clouds.get(id)!);
          incident.onlineAt = (await rec.waitFor(`cloud2mqtt/${id}/availability`, (p) => p === "online", 60_000, incident.liftAt)).at;
        }),
      );
    })());

  it("takes each faulty source offline, and online again once its cloud is back", async () => {
    await runIncidents();
    for (const [vendor, kind] of CASES) {
      const incident = incidents.get(sourceId(vendor, kind));
      expect(incident?.offlineAt, `${sourceId(vendor, kind)} went offline`).toBeDefined();
      expect(incident?.onlineAt, `${sourceId(vendor, kind)} came back online`).toBeDefined();
    }
  }, 150_000);

  it.each(CASES)("%s, %s: offline after the third failed poll, online at the next good one, logged once each way", async (vendor, kind) => {
    await runIncidents();
    const id = sourceId(vendor, kind);
    const incident = incidents.get(id)!;
    expect(incident.onlineAt, "the source came back online").toBeDefined();
    // One offline, then one online: no flapping in between.
    const during = availability(id).filter((m) => m.at >= incident.faultAt);
    expect(during.map((m) => m.payload)).toEqual(["offline", "online"]);

    if (kind === "e500" || kind === "e429") {
      // Each failed poll sent its failing request three times: a 500 or a 429 may pass.
      const status = kind === "e500" ? 500 : 429;
      const answered = clouds.get(id)!.requests().filter((r) => r.time >= incident.faultAt && r.time <= incident.offlineAt! && r.status === status);
      expect(answered.length, "answers of the fault before going offline").toBeGreaterThanOrEqual(3 * OFFLINE_AFTER_FAILURES);
    }

    const logs = logsOf(id, incident.faultAt);
    const offline = logs.filter((l) => l.msg === "source offline");
    expect(offline, "one 'source offline' line").toHaveLength(1);
    expect(offline[0]).toMatchObject({ level: "warn", failuresInARow: OFFLINE_AFTER_FAILURES });
    // Once per incident: a warning when it starts, debug while it lasts, info when it ends.
    const loud = logs.filter((l) => l.level !== "debug" && l.level !== "trace");
    const counts = new Map<string, number>();
    for (const l of loud) counts.set(l.msg as string, (counts.get(l.msg as string) ?? 0) + 1);
    expect(Object.fromEntries(counts), "no line above debug repeats within the incident").toEqual(Object.fromEntries([...counts.keys()].map((k) => [k, 1])));
    expect(loud.filter((l) => l.msg === "poll failed").map((l) => l.level)).toEqual(["warn"]);
    expect(loud.filter((l) => l.msg === "source recovered").map((l) => l.level)).toEqual(["info"]);
    expect(logs.filter((l) => l.msg === "poll failed again").length).toBeGreaterThanOrEqual(OFFLINE_AFTER_FAILURES - 1);
    expect(logs.filter((l) => l.msg === "poll failed again").every((l) => l.level === "debug")).toBe(true);
  }, 150_000);

  it("keeps polling the healthy source of every vendor throughout", async () => {
    await runIncidents();
    for (const vendor of VENDORS) {
      const id = sourceId(vendor, "ok");
      expect(availability(id).map((m) => m.payload), id).toEqual(["online"]);
      const polled = clouds.get(id)!.requests().filter((r) => r.time >= faultsAt && r.time <= liftedAt);
      // The faults lasted at least three failed polls with backoff (seconds): a 1 s schedule polls many times.
      expect(polled.length, `${id} requests during the faults`).toBeGreaterThanOrEqual(3);
      const polls = new Set(
        rec
          .on("cloud2mqtt/bridge/info")
          .filter((m) => m.at >= faultsAt && m.at <= liftedAt)
          .map((m) => (JSON.parse(m.payload).sources as Json[]).find((s) => s.id === id)?.last_poll as string | null),
      );
      expect(polls.size, `${id} successful polls during the faults`).toBeGreaterThanOrEqual(3);
      expect(logsOf(id, faultsAt).filter((l) => l.level === "warn" || l.level === "error"), id).toEqual([]);
    }
  }, 150_000);

  it("never crashes: no unhandled rejection, every source still running", async () => {
    await runIncidents();
    expect(rejections).toEqual([]);
    const notOnline = (payload: string) => (JSON.parse(payload).sources as Json[]).filter((s) => s.state !== "online").map((s) => ({ id: s.id, state: s.state, last_error: s.last_error }));
    // bridge/info follows the last availability message: wait for it rather than race it.
    await rec.waitFor("cloud2mqtt/bridge/info", (p) => notOnline(p).length === 0, 10_000, liftedAt).catch(() => undefined);
    expect(notOnline(rec.last("cloud2mqtt/bridge/info") ?? '{"sources": []}')).toEqual([]);
  }, 150_000);
});
