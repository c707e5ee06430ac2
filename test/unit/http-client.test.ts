import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient, describeHttpError, type AuthProvider } from "../../src/http/client.js";

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

describe("the HTTP client factory (against a local server)", () => {
  let server: Server;
  let url = "";
  let handler: Handler = (_q, res) => res.end("{}");
  const seen: IncomingMessage[] = [];
  const logger = pino({ level: "silent" });

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      handler(req, res, seen.length);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const client = (extra: Partial<Parameters<typeof createHttpClient>[0]> = {}) => createHttpClient({ sourceId: "t", baseUrl: url, timeoutMs: 2_000, logger, ...extra });

  it("sends the user agent and accepts gzip", async () => {
    seen.length = 0;
    handler = (_q, res) => {
      res.writeHead(200, { "content-encoding": "gzip", "content-type": "application/json" });
      res.end(gzipSync(JSON.stringify({ ok: 1 })));
    };
    const body = await client().get("x").json<{ ok: number }>();
    expect(body.ok).toBe(1);
    expect(seen[0]?.headers["user-agent"]).toMatch(/^cloud2mqtt\/\d+\.\d+\.\d+/);
    expect(seen[0]?.headers["accept-encoding"]).toContain("gzip");
  });

  it("retries a GET after a 503 with Retry-After, and waits as asked", async () => {
    seen.length = 0;
    handler = (_q, res, n) => (n === 1 ? res.writeHead(503, { "retry-after": "1" }).end() : res.end('{"ok":2}'));
    const start = Date.now();
    const body = await client().get("x").json<{ ok: number }>();
    expect(body.ok).toBe(2);
    expect(seen).toHaveLength(2);
    expect(Date.now() - start).toBeGreaterThanOrEqual(900);
  });

  it("reports every answer and every failed attempt as a sign of life, for the poll watchdog", async () => {
    let heard = 0;
    const onActivity = (): void => void heard++;
    handler = (_q, res, n) => (n % 2 === 1 ? res.writeHead(503, { "retry-after": "0" }).end() : res.end("{}"));
    seen.length = 0;
    await client({ onActivity }).get("x").json();
    // The 503 (answer, then retry) and the 200.
    expect(heard).toBeGreaterThanOrEqual(2);
    // A Retry-After: the time until which the cloud asked for quiet.
    const quiet: Array<number | undefined> = [];
    handler = (_q, res) => res.writeHead(429, { "retry-after": "120" }).end();
    const before = Date.now();
    await client({ onActivity: (until) => void quiet.push(until) }).put("x").catch(() => undefined);
    expect(quiet[0]).toBeGreaterThanOrEqual(before + 120_000);
    heard = 0;
    handler = (req) => req.socket.destroy();
    await client({ onActivity, retries: 0 }).get("x").catch(() => undefined);
    expect(heard).toBe(1);
  });

  it("never retries a PUT", async () => {
    seen.length = 0;
    handler = (_q, res) => res.writeHead(500).end('{"error":"boom"}');
    const error = await client().put("x", { json: { a: 1 } }).catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(describeHttpError(error)).toMatch(/HTTP 500 from PUT .*\/x: boom/);
  });

  it("logs in once more after a 401, and gives up on a second", async () => {
    let logins = 0;
    const auth: AuthProvider = { headers: async () => ({ authorization: `Bearer token-${logins}` }), invalidate: () => void logins++ };
    seen.length = 0;
    handler = (req, res) => (req.headers.authorization === "Bearer token-0" ? res.writeHead(401).end() : res.end('{"ok":3}'));
    expect((await client({ auth }).get("x").json<{ ok: number }>()).ok).toBe(3);
    expect(logins).toBe(1);
    expect(seen.map((r) => r.headers.authorization)).toEqual(["Bearer token-0", "Bearer token-1"]);

    seen.length = 0;
    handler = (_q, res) => res.writeHead(401).end('{"error":"bad credentials"}');
    const error = await client({ auth }).get("x").catch((e: unknown) => e);
    expect(describeHttpError(error)).toMatch(/HTTP 401/);
    expect(seen).toHaveLength(2);
  });

  it("frees the rate limiter's slot when the login fails with an HTTP error of the token request", async () => {
    // The token endpoint answers 500 until `loginWorks`; each failed login must not keep a slot.
    let loginWorks = false;
    handler = (req, res) => (req.url === "/token" ? (loginWorks ? res.end('{"t":"ok"}') : res.writeHead(500).end('{"error":"down"}')) : res.end('{"ok":4}'));
    const tokens = client();
    const auth: AuthProvider = { headers: async () => ({ authorization: `Bearer ${(await tokens.post("token").json<{ t: string }>()).t}` }), invalidate: () => undefined };
    const api = client({ auth, rateLimit: { perSecond: 100, concurrency: 1 } });
    for (let i = 0; i < 3; i++) expect(describeHttpError(await api.get("x").catch((e: unknown) => e))).toMatch(/HTTP 500 from POST .*\/token: down/);
    loginWorks = true;
    const answer = await Promise.race([api.get("x").json<{ ok: number }>(), new Promise((resolve) => setTimeout(() => resolve("stuck"), 2_000))]);
    expect(answer).toEqual({ ok: 4 });
  });

  it("names a timeout and keeps query strings (API keys) out of messages", async () => {
    handler = () => undefined; // never answers
    const error = await client({ timeoutMs: 200, retries: 0 }).get("x", { searchParams: { apikey: "s3cret-key" } }).catch((e: unknown) => e);
    const text = describeHttpError(error);
    expect(text).toMatch(/timeout/i);
    expect(text).not.toContain("s3cret-key");
  });
});
