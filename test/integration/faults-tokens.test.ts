/**
 * Tokens that expire or are revoked while the daemon runs, for every vendor, counted at the
 * simulators: an access token that runs out is refreshed (no login), a refused refresh token
 * costs exactly one login, and a burst of requests that all meet the same 401 still costs one
 * renewal. Each case has its own cloud and source, all in one daemon, so the counts are exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { startBelimoSimulator, type BelimoSimulator } from "../../src/simulators/belimo/index.js";
import { startClimkitSimulator, type ClimkitSimulator } from "../../src/simulators/climkit/index.js";
import { startMyBeNextSimulator, type MyBeNextSimulator } from "../../src/simulators/mybenext/index.js";
import { startVoltawareSimulator, type VoltawareSimulator } from "../../src/simulators/voltaware/index.js";
import { startWiotysSimulator, type WiotysSimulator } from "../../src/simulators/wiotys/index.js";
import { belimoSource, climkitSource, myBeNextSource, tinyClimkitSites, voltawareSource, wiotysSource } from "../helpers/vendors.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";
import { Recorder, sleep, startAedes } from "../helpers/mqtt.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Token requests a cloud saw: full logins with the credentials, and refreshes. */
interface TokenCounts {
  logins: number;
  refreshes: number;
  failedRefreshes: number;
}

interface Case {
  /** Source id. */
  id: string;
  source: Record<string, unknown>;
  counts(): TokenCounts;
  /** Requests the API answered 401 so far. */
  rejected(): number;
  /** API requests the cloud has received and not answered yet. */
  inFlight(): number;
  /** What happens to the tokens mid-run. */
  strike(): void;
  /** Token requests the strike must cost, no more, no fewer. */
  expect: TokenCounts;
  /** Several requests are in flight together: the strike must meet more than one of them. */
  concurrent: boolean;
  close(): Promise<void>;
}

function belimoCase(id: string, sim: BelimoSimulator, strike: (s: BelimoSimulator) => void, expected: TokenCounts): Case {
  return {
    id,
    // Two requests in flight at most: before the fix, two retried 401s took every slot for good.
    source: belimoSource(sim, id, { max_in_flight: 2 }),
    counts: () => {
      const c = sim.tokenCounters();
      return { logins: c.logins, refreshes: c.refreshes, failedRefreshes: c.failedRefreshes };
    },
    rejected: () => sim.requests.filter((r) => r.server === "api" && r.status === 401).length,
    inFlight: () => sim.requests.filter((r) => r.server === "api" && r.status === 0).length,
    strike: () => strike(sim),
    expect: expected,
    concurrent: true,
    close: () => sim.close(),
  };
}

function wiotysCase(id: string, sim: WiotysSimulator, strike: (s: WiotysSimulator) => void, expected: TokenCounts): Case {
  const tokenRequests = (grant: string) => sim.requests.filter((r) => r.path.endsWith("/token") && (r.body as Json | undefined)?.grant_type === grant);
  return {
    id,
    // One device per last-values request: the SoLink account's devices are read four at a time.
    // Before the fix, four retried 401s took every rate-limiter slot for good.
    source: wiotysSource(sim, id, { corporate_account: "SoLink", batch_size: 1 }),
    counts: () => ({ logins: sim.grants.password, refreshes: sim.grants.refresh_token, failedRefreshes: tokenRequests("refresh_token").filter((r) => r.status !== 200).length }),
    rejected: () => sim.requests.filter((r) => r.path.startsWith("/api/") && r.status === 401).length,
    inFlight: () => sim.requests.filter((r) => r.path.startsWith("/api/") && r.status === 0).length,
    strike: () => strike(sim),
    expect: expected,
    concurrent: true,
    close: () => sim.close(),
  };
}

function voltawareCase(id: string, sim: VoltawareSimulator, strike: (s: VoltawareSimulator) => void, expected: TokenCounts): Case {
  return {
    id,
    source: voltawareSource(sim, id),
    counts: () => ({
      logins: sim.tokenStats.logins,
      refreshes: sim.tokenStats.refreshes,
      failedRefreshes: sim.requests.filter((r) => r.path === "/auth/token/refresh" && r.status !== 200).length,
    }),
    rejected: () => sim.requests.filter((r) => r.path.startsWith("/sensors") && r.status === 401).length,
    inFlight: () => sim.requests.filter((r) => r.path.startsWith("/sensors") && r.status === 0).length,
    strike: () => strike(sim),
    expect: expected,
    // The sensors are read side by side, two requests in flight (all the rate limiter allows).
    concurrent: true,
    close: () => sim.close(),
  };
}

function climkitCase(id: string, sim: ClimkitSimulator, strike: (s: ClimkitSimulator) => void): Case {
  return {
    id,
    source: climkitSource(sim, id),
    // Climkit has no refresh token: a JWT that stops working costs one login.
    counts: () => ({ logins: sim.tokensIssued, refreshes: 0, failedRefreshes: 0 }),
    rejected: () => sim.requests.filter((r) => r.status === 401).length,
    inFlight: () => 0,
    strike: () => strike(sim),
    expect: { logins: 1, refreshes: 0, failedRefreshes: 0 },
    // One request at a time (the API allows one a second).
    concurrent: false,
    close: () => sim.close(),
  };
}

describe("tokens expiring or revoked mid-run, every vendor", () => {
  const cases: Case[] = [];
  /** Clouds whose tokens live a few seconds: renewed ahead of time, never struck. */
  const natural: Case[] = [];
  let benext: MyBeNextSimulator;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let d: TestDaemon;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  const before = new Map<string, TokenCounts>();
  let struckAt = 0;
  const struck = new Map<string, number>();

  const lastPolls = (id: string, since: number): Set<string> =>
    new Set(
      rec
        .on("cloud2mqtt/bridge/info")
        .filter((m) => m.at >= since)
        .map((m) => (JSON.parse(m.payload).sources as Json[]).find((s) => s.id === id)?.last_poll as string | null)
        .filter((p): p is string => typeof p === "string" && Date.parse(p) > since),
    );
  /** Resolves once the source has finished `n` successful polls that ended after `since`. */
  const polls = (id: string, since: number, n: number, timeoutMs = 30_000) =>
    rec.waitFor("cloud2mqtt/bridge/info", () => lastPolls(id, since).size >= n, timeoutMs, since);

  beforeAll(async () => {
    process.on("unhandledRejection", onRejection);
    // Answers take a while, so a strike finds several requests in flight (their tokens are checked
    // after the wait) and they all meet the 401 together.
    const SLOW_MS = 200;
    const belimo = async () => {
      const sim = await startBelimoSimulator({ valves: 6, actuators: 0, unregistered: 0, deviceDataRate: 50, deviceDataBurst: 20, maxInFlight: 10 });
      sim.faults.slowMs = SLOW_MS;
      return sim;
    };
    const wiotys = async () => {
      const sim = await startWiotysSimulator({});
      Object.assign(sim.faults, { slowMs: SLOW_MS, pathFilter: "/api/" });
      return sim;
    };
    const voltaware = async () => {
      const sim = await startVoltawareSimulator();
      sim.faults.slowMs = SLOW_MS;
      return sim;
    };
    cases.push(
      belimoCase("belimo_expired", await belimo(), (s) => s.expireAccessTokens(), { logins: 0, refreshes: 1, failedRefreshes: 0 }),
      belimoCase("belimo_revoked", await belimo(), (s) => (s.revokeRefreshTokens(), s.expireAccessTokens()), { logins: 1, refreshes: 0, failedRefreshes: 1 }),
      wiotysCase("wiotys_expired", await wiotys(), (s) => s.expireAccessTokens(), { logins: 0, refreshes: 1, failedRefreshes: 0 }),
      wiotysCase("wiotys_revoked", await wiotys(), (s) => s.revokeSessions(), { logins: 1, refreshes: 0, failedRefreshes: 1 }),
      voltawareCase("voltaware_expired", await voltaware(), (s) => s.revokeAccessTokens(), { logins: 0, refreshes: 1, failedRefreshes: 0 }),
      voltawareCase("voltaware_revoked", await voltaware(), (s) => (s.revokeRefreshTokens(), s.revokeAccessTokens()), { logins: 1, refreshes: 0, failedRefreshes: 1 }),
      climkitCase("climkit_expired", await startClimkitSimulator({ sites: tinyClimkitSites(), periodMs: 1_000 }), (s) => s.expireTokens()),
      climkitCase("climkit_revoked", await startClimkitSimulator({ sites: tinyClimkitSites(), periodMs: 1_000 }), (s) => s.revokeTokens()),
    );
    const none = { logins: 0, refreshes: 0, failedRefreshes: 0 };
    const nothing = () => undefined;
    natural.push(
      belimoCase("belimo_lifetime", await startBelimoSimulator({ valves: 2, actuators: 0, unregistered: 0, deviceDataRate: 50, deviceDataBurst: 20, accessTokenLifetimeS: 4 }), nothing, none),
      wiotysCase("wiotys_lifetime", await startWiotysSimulator({ accessTokenLifetime: 4 }), nothing, none),
      voltawareCase("voltaware_lifetime", await startVoltawareSimulator({ tokenLifetimeSecs: 4 }), nothing, none),
      climkitCase("climkit_lifetime", await startClimkitSimulator({ sites: tinyClimkitSites(), periodMs: 1_000, tokenLifetimeMs: 3_000 }), nothing),
    );
    benext = await startMyBeNextSimulator();
    broker = await startAedes();
    rec = await Recorder.start(broker.url);
    d = await startTestDaemon({ mqttUrl: broker.url, sources: [...cases, ...natural].map((c) => c.source).concat(myBeNextSource(benext, "mybenext")) });
    await Promise.all([...cases, ...natural].map((c) => c.id).concat("mybenext").map((id) => rec.waitFor(`cloud2mqtt/${id}/availability`, (p) => p === "online", 60_000)));
  }, 90_000);

  afterAll(async () => {
    process.off("unhandledRejection", onRejection);
    if (process.env.DUMP_LOGS) console.log(d?.logs.filter((l) => !l.includes('"level":"debug"') || /401|token|login|refresh/i.test(l)).join(""));
    await d?.stop();
    await rec?.close();
    await broker?.close();
    await Promise.all([...cases, ...natural].map((c) => c.close()));
    await benext?.close();
  });

  it("renews each token with the fewest token requests, and keeps polling", async () => {
    // Two polls in: the first login is behind every source.
    const now = Date.now();
    await Promise.all(cases.map((c) => polls(c.id, now, 2)));
    for (const c of cases) before.set(c.id, c.counts());
    const rejectedBefore = new Map(cases.map((c) => [c.id, c.rejected()]));
    struckAt = Date.now();
    await Promise.all(
      cases.map(async (c) => {
        // Struck while several requests are in flight, where the vendor sends several at once.
        while (c.concurrent && c.inFlight() < 2) await sleep(2);
        c.strike();
        struck.set(c.id, Date.now());
        // Enough polls after the strike for an extra renewal to show, or a stalled source.
        const from = Date.now();
        await polls(c.id, from, 3, 45_000).catch(() => {
          throw new Error(`${c.id} stopped polling after the strike: ${lastPolls(c.id, from).size} polls since`);
        });
      }),
    );
    for (const c of cases) {
      const b = before.get(c.id)!;
      const a = c.counts();
      expect({ logins: a.logins - b.logins, refreshes: a.refreshes - b.refreshes, failedRefreshes: a.failedRefreshes - b.failedRefreshes }, c.id).toEqual(c.expect);
      expect(c.rejected() - rejectedBefore.get(c.id)!, `${c.id}: requests that met the strike`).toBeGreaterThanOrEqual(c.concurrent ? 2 : 1);
    }
  }, 90_000);

  it("never shows the renewal to Home Assistant: every source stayed online", () => {
    for (const c of cases) expect(rec.on(`cloud2mqtt/${c.id}/availability`).map((m) => m.payload), c.id).toEqual(["online"]);
    expect(rejections).toEqual([]);
  });

  it("logs each renewal once, not once per rejected request", () => {
    for (const c of cases) {
      const lines = d.logs.map((l) => JSON.parse(l) as Json).filter((l) => l.source === c.id && Date.parse(l.time) >= struckAt && l.level !== "debug");
      const rejectedLines = lines.filter((l) => /access rejected \(401\)/.test(l.msg as string));
      expect(rejectedLines, c.id).toHaveLength(1);
      expect(lines.filter((l) => l.level === "warn" || l.level === "error"), c.id).toEqual([]);
    }
  });

  it("renews tokens that run out on their own ahead of time: with the refresh token, or a login where there is none", async () => {
    // They have been running through the test above, several token lifetimes.
    const since = Date.now();
    await Promise.all(natural.map((c) => polls(c.id, since, 1)));
    for (const c of natural) {
      const n = c.counts();
      if (c.id.startsWith("climkit")) expect(n.logins, c.id).toBeGreaterThanOrEqual(3);
      else {
        // A login only ever follows a refresh that failed (on a loaded machine a reused keep-alive
        // connection can be reset under the refresh request): the first login, and those.
        const failedRefreshes = d.logs.filter((l) => l.includes(`"source":"${c.id}"`) && l.includes("token refresh failed")).length;
        expect(n.logins, c.id).toBe(1 + failedRefreshes);
        expect(n.refreshes, c.id).toBeGreaterThanOrEqual(2);
      }
      expect(rec.on(`cloud2mqtt/${c.id}/availability`).map((m) => m.payload), c.id).toEqual(["online"]);
    }
  });

  it("myBeNext: Basic or API-key credentials on every request, nothing to expire; a 401 is asked once more with the same", async () => {
    const since = Date.now();
    benext.faults.unauthorizedNext = 1;
    await polls("mybenext", since, 2);
    const after = benext.requests.filter((r) => r.time >= since);
    expect(after.filter((r) => r.status === 401)).toHaveLength(1);
    // Every request carried the same credentials, the one after the 401 included.
    expect(new Set(after.map((r) => r.headers.authorization))).toEqual(new Set([`Basic ${Buffer.from("demo:demo-password").toString("base64")}`]));
    expect(rec.on("cloud2mqtt/mybenext/availability").map((m) => m.payload)).toEqual(["online"]);
  });
});
