import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient, HTTPError, type AuthProvider } from "../../src/http/client.js";

/**
 * A login that fails inside the request hook (TokenAuth's token request) must give the rate
 * limiter's slot back. The failure is often another got client's HTTPError, whose `options` are
 * the token request's: before the fix the slot of the API request leaked, and once `concurrency`
 * slots had leaked every later request of the source waited forever.
 */
describe("the HTTP client when authentication fails", () => {
  let server: Server;
  let url = "";
  const logger = pino({ level: "silent" });

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url?.startsWith("/token") ? 500 : 200;
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("releases the rate-limit slot when the auth provider throws another request's HTTPError", { timeout: 10_000 }, async () => {
    const keycloak = createHttpClient({ sourceId: "t", baseUrl: url, timeoutMs: 2_000, logger, retries: 0 });
    let loginWorks = false;
    const auth: AuthProvider = {
      headers: async () => {
        if (!loginWorks) await keycloak.post("token"); // throws HTTPError 500 of the token request
        return { authorization: "Bearer ok" };
      },
      invalidate: () => undefined,
    };
    const api = createHttpClient({ sourceId: "t", baseUrl: url, timeoutMs: 2_000, logger, auth, rateLimit: { perSecond: 100, concurrency: 2 } });
    for (let i = 0; i < 3; i++) {
      const failures = await Promise.allSettled([api.put("data", { json: {} }), api.put("data", { json: {} })]);
      for (const f of failures) {
        expect(f.status).toBe("rejected");
        expect((f as PromiseRejectedResult).reason).toBeInstanceOf(HTTPError);
      }
    }
    loginWorks = true;
    const answer = await Promise.race([api.get("data").then((r) => r.statusCode), new Promise((r) => setTimeout(() => r("stuck waiting for a rate-limit slot"), 2_000))]);
    expect(answer).toBe(200);
  });
});
