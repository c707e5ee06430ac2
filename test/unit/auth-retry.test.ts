import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import got from "got";
import { createHttpClient } from "../../src/http/client.js";
import { TokenAuth, type Token } from "../../src/http/token-auth.js";

/**
 * A 401 in the middle of a run: the request is sent once more with a new token. Before the fix the
 * retried request kept its rate-limiter slot (got drops the afterResponse hooks of a retry, and
 * that hook gives the slot back), so a source stalled once `concurrency` requests had been retried;
 * and every request that met the same 401 dropped the token the first one had already renewed.
 */
describe("renewing a token after a 401", () => {
  let server: Server;
  let url = "";
  /** The only access token the server takes. */
  let valid = "";
  /** Nothing listens there: connection refused. */
  let closedPort = 0;
  const logger = pino({ level: "silent" });

  beforeAll(async () => {
    server = createServer((req, res) => {
      // Slow enough that requests sent together are all in flight when the token stops working.
      setTimeout(() => {
        res.statusCode = req.headers.authorization === `Bearer ${valid}` ? 200 : 401;
        res.end("{}");
      }, 30);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const auth = (): TokenAuth => {
    let n = 0;
    const issue = async (): Promise<Token> => {
      valid = `token-${++n}`;
      return { accessToken: valid, expiresAt: Date.now() + 3_600_000, refreshToken: "r" };
    };
    return new TokenAuth({ login: issue, refresh: issue, logger, registerSecret: () => undefined });
  };

  it("gives the retried request's rate-limiter slot back", { timeout: 10_000 }, async () => {
    const tokens = auth();
    const api = createHttpClient({ sourceId: "t", baseUrl: url, timeoutMs: 2_000, logger, auth: tokens, rateLimit: { perSecond: 1000, concurrency: 1 } });
    for (let i = 0; i < 3; i++) {
      valid = "revoked";
      const status = await Promise.race([api.get("data").then((r) => r.statusCode), new Promise((r) => setTimeout(() => r("stuck waiting for a rate-limit slot"), 2_000))]);
      expect(status).toBe(200);
    }
  });

  it("renews once when several requests in flight meet the same 401", async () => {
    const tokens = auth();
    const api = createHttpClient({ sourceId: "t", baseUrl: url, timeoutMs: 2_000, logger, auth: tokens, rateLimit: { perSecond: 1000, concurrency: 4 } });
    await api.get("data");
    const before = { ...tokens.stats };
    valid = "revoked";
    const answers = await Promise.all([1, 2, 3, 4].map(() => api.get("data").then((r) => r.statusCode)));
    expect(answers).toEqual([200, 200, 200, 200]);
    expect(tokens.stats.refreshes + tokens.stats.logins - before.refreshes - before.logins).toBe(1);
  });

  it("sends a refresh that got no answer once more instead of logging in", async () => {
    let refreshes = 0;
    const tokens = new TokenAuth({
      login: async () => ({ accessToken: "first", expiresAt: Date.now() + 3_600_000, refreshToken: "r" }),
      refresh: async () => {
        // The first refresh meets a closed connection, as when a kept-alive socket was just closed.
        if (refreshes++ === 0) await got.post(`http://127.0.0.1:${closedPort}/token`, { retry: { limit: 0 } });
        return { accessToken: "second", expiresAt: Date.now() + 3_600_000 };
      },
      logger,
      registerSecret: () => undefined,
    });
    tokens.invalidate(await tokens.headers());
    expect(await tokens.headers()).toEqual({ authorization: "Bearer second" });
    expect(tokens.stats).toMatchObject({ logins: 1, failedRefreshes: 0 });
  });

  it("drops only the token a 401 answered", async () => {
    const tokens = auth();
    const first = await tokens.headers();
    expect(tokens.invalidate(first)).toBe(true);
    const second = await tokens.headers();
    // A late 401 for the first token: the second, already renewed, stays.
    expect(tokens.invalidate(first)).toBe(false);
    expect(await tokens.headers()).toEqual(second);
    expect(tokens.stats.refreshes + tokens.stats.logins).toBe(2);
  });
});
