/**
 * Issue 11, defect 7: a cloud's Retry-After is obeyed up to max_retry_after (default 1 h), and a
 * command for a source paused by it gets an immediate result saying until when, never a hang.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { Bridge, PollResult } from "../../src/bridges/types.js";
import { CommandRouter, type CommandResult } from "../../src/commands/router.js";
import type { SourceConfig } from "../../src/config/types.js";
import { parseConfig } from "../../src/app-config.js";
import { SourceRunner, type SourceSink } from "../../src/daemon/source-runner.js";
import { createHttpClient } from "../../src/http/client.js";
import type { Device } from "../../src/model/index.js";

const DAY_S = 86_400;
const device: Device = { key: "d", vendorId: "d", name: "D", entities: [{ key: "sw", name: "Switch", kind: "switch", command: { type: "switch" } }] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (check: () => boolean, timeoutMs = 10_000): Promise<boolean> => {
  for (let waited = 0; !check() && waited < timeoutMs; waited += 20) await sleep(20);
  return check();
};

let server: Server | undefined;
let runner: SourceRunner | undefined;
afterEach(async () => {
  await runner?.stop(100);
  runner = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A cloud that answers the first poll, then 429 with a Retry-After of a day (a wrong or hostile header). */
async function setup(maxRetryAfterMs: number | undefined) {
  const requests: Array<{ path: string; at: number }> = [];
  let limited = false;
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", at: Date.now() });
    if (limited) return void res.writeHead(429, { "retry-after": String(DAY_S) }).end('{"error":"slow down"}');
    res.end("{}");
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = { id: "s", type: "climkit", enabled: true, interval: 200, timeout: 2_000, max_retry_after: maxRetryAfterMs } as SourceConfig;
  const owner: { runner?: SourceRunner } = {};
  const log = pino({ level: "silent" });
  // As the daemon builds it: the source's limits, and every answer reported to the runner.
  const http = createHttpClient({ baseUrl, sourceId: "s", timeoutMs: config.timeout, maxRetryAfterMs: config.max_retry_after, logger: log, rateLimit: { perSecond: 10 }, retries: 0, onActivity: (q) => owner.runner?.activity(q) });
  const bridge: Bridge = {
    poll: async (): Promise<PollResult> => {
      await http.get("data");
      return { devices: [device], readings: [] };
    },
    write: async () => {
      await http.post("write", { json: {} });
      return [];
    },
  };
  const sink: SourceSink = { publish: () => undefined, availability: () => undefined, statusChanged: () => undefined };
  runner = new SourceRunner(config, bridge, sink, log);
  owner.runner = runner;
  runner.start();
  await until(() => runner!.status.state === "online");
  limited = true;
  return { requests, runner, polls: () => requests.filter((r) => r.path === "/data").length };
}

describe("Retry-After (issue 11, defect 7)", () => {
  it("is obeyed at most max_retry_after: polling goes on after it, not after the day the cloud asked for", async () => {
    const t = await setup(500);
    const before = t.polls();
    // The first 429, then polls again once max_retry_after (0.5 s) has passed.
    expect(await until(() => t.polls() >= before + 3, 15_000)).toBe(true);
    expect(t.runner.status.last_error).toMatch(/HTTP 429/);
  });

  it("answers a command for a paused source at once, saying until when", async () => {
    const t = await setup(undefined);
    const before = t.polls();
    // The poll met the 429.
    await until(() => t.polls() > before && t.runner.status.last_error !== null);
    const router = new CommandRouter(new Map([["s", t.runner]]), { publishReadings: () => undefined }, pino({ level: "silent" }));
    const startedAt = Date.now();
    const result = await Promise.race([
      router.handle({ source: "s", device: "d", entity: "sw" }, "ON"),
      sleep(8_000).then((): CommandResult => ({ ok: false, error: "no result within 8 s: the command hangs" })),
    ]);
    expect(result.ok).toBe(false);
    const error = (result as { error: string }).error;
    expect(error).toMatch(/^source s is paused until \d{4}-\d\d-\d\dT[\d:.]+Z: its cloud asked to wait \(Retry-After\)/);
    // The pause is the default cap of an hour, not the day asked for.
    const pausedUntil = Date.parse(/until (\S+):/.exec(error)![1]!);
    expect(pausedUntil).toBeGreaterThan(startedAt + 3_000_000);
    expect(pausedUntil).toBeLessThanOrEqual(Date.now() + 3_600_000);
    // Never sent to the cloud.
    expect(t.requests.filter((r) => r.path === "/write")).toEqual([]);
  });

  it("max_retry_after is a source key: a duration, 1 h by default, refused when not positive", () => {
    const load = (extra: string) => parseConfig(`sources:\n  - { id: s, type: mybenext, username: u, password: p${extra} }\n`, {}, "/tmp/c.yaml");
    expect(load("").config?.sources[0]?.max_retry_after).toBe(3_600_000);
    expect(load(", max_retry_after: 10m").config?.sources[0]?.max_retry_after).toBe(600_000);
    const bad = load(", max_retry_after: 0s");
    expect(bad.config).toBeUndefined();
    expect(JSON.stringify(bad.errors)).toContain("max_retry_after");
  });
});
