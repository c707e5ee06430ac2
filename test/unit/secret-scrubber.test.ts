import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { TokenAuth, type Token } from "../../src/http/token-auth.js";
import { createLogger, quote, SecretScrubber, secretRegistrar } from "../../src/log.js";

describe("SecretScrubber", () => {
  it("scrubs a secret as written, URL-encoded, form-encoded and JSON-escaped", () => {
    const scrubber = new SecretScrubber();
    scrubber.add('pw! "x"&y z');
    const text = ['pw! "x"&y z', "pw!%20%22x%22%26y%20z", "pw%21+%22x%22%26y+z", 'pw! \\"x\\"&y z'].join(" | ");
    expect(scrubber.scrub(text)).toBe("*** | *** | *** | ***");
  });

  it("quote removes a secret before cutting the text, so no first part of it gets through", () => {
    new SecretScrubber().add("quoted-secret-123");
    const body = "error: bad request (password=quoted-secret-123)";
    expect(body.slice(0, 40)).toContain("quoted-se");
    expect(quote(body, 40)).toBe("error: bad request (password=***)");
  });
});

describe("SecretScrubber with rotating tokens (issue 11, defect 2)", () => {
  /** A JWT-sized token, unique per call. */
  const jwt = (): string => `eyJ${randomBytes(600).toString("base64url")}`;

  function collectGarbage(): void {
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
  }

  it("rotates 10,000 tokens through TokenAuth: scrub time and heap stay flat, current and previous scrubbed, older forgotten", { timeout: 120_000 }, async () => {
    const scrubber = new SecretScrubber();
    scrubber.add("config-password-1234");
    const lines: string[] = [];
    const logger = createLogger("debug", scrubber, new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }));
    let renewals = 0;
    const issued: Array<{ access: string; refresh: string }> = [];
    const issue = (): Token => {
      const token = { access: jwt(), refresh: jwt() };
      renewals++;
      issued.push(token);
      // The test keeps the last three only: its own memory must not be counted as the scrubber's.
      if (issued.length > 3) issued.shift();
      // Already expired: every request renews, as months of 5-minute tokens would.
      return { accessToken: token.access, refreshToken: token.refresh, expiresAt: Date.now() - 1 };
    };
    const auth = new TokenAuth({
      login: () => Promise.resolve(issue()),
      refresh: () => Promise.resolve(issue()),
      logger: logger.child({ source: "wiotys1" }),
      // The daemon's registrar: what BridgeContext.registerSecret is for the source wiotys1.
      registerSecret: secretRegistrar(scrubber, "wiotys1"),
    });
    const line = (): string => `request failed: ${issued.at(-1)!.access} and ${issued.at(-2)?.refresh ?? ""} and config-password-1234, ${"x".repeat(200)}`;
    const scrubCost = (): number => {
      // Lowest of several rounds: the least disturbed by other work on the machine.
      let best = Number.POSITIVE_INFINITY;
      for (let round = 0; round < 5; round++) {
        const text = line();
        const started = process.hrtime.bigint();
        for (let i = 0; i < 200; i++) scrubber.scrub(text);
        best = Math.min(best, Number(process.hrtime.bigint() - started));
      }
      return best;
    };
    const heap = (): number => {
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };

    for (let i = 0; i < 100; i++) await auth.headers();
    logger.info({ err: line() }, "warm-up");
    const early = { cost: scrubCost(), heap: heap() };
    for (let i = 100; i < 10_000; i++) {
      await auth.headers();
      // Every line scrubbed with the secrets of the moment, as the daemon's log would be.
      if (i % 500 === 0) logger.warn({ err: line() }, "renewed");
    }
    const late = { cost: scrubCost(), heap: heap() };

    expect(renewals).toBeGreaterThanOrEqual(10_000);
    expect(late.cost / early.cost).toBeLessThan(2);
    // 10,000 tokens of 800 characters with their variants held would be tens of MB.
    expect(late.heap - early.heap).toBeLessThan(8 * 1024 * 1024);
    // The config secret plus current and previous access and refresh token.
    expect(scrubber.size).toBe(5);

    const [older, previous, current] = [issued.at(-3)!, issued.at(-2)!, issued.at(-1)!];
    for (const secret of [current.access, current.refresh, previous.access, previous.refresh, "config-password-1234"]) {
      expect(scrubber.scrub(`a ${secret} b`)).toBe("a *** b");
      expect(quote(`a ${secret} b`, 10_000)).toBe("a *** b");
    }
    expect(scrubber.scrub(`a ${older.access} b`)).toBe(`a ${older.access} b`);
    expect(quote(`a ${older.refresh} b`, 10_000)).toBe(`a ${older.refresh} b`);
    for (const written of lines) {
      expect(written).not.toContain("config-password-1234");
    }
    expect(lines.join("\n")).toContain("***");
  });

  it("keeps each source's and each kind's slot apart, and a config secret forever", () => {
    const scrubber = new SecretScrubber();
    const a = secretRegistrar(scrubber, "a");
    const b = secretRegistrar(scrubber, "b");
    scrubber.add("permanent-secret");
    a("a-access-1", "access token");
    a("a-refresh-1", "refresh token");
    b("b-access-1", "access token");
    for (let i = 2; i <= 5; i++) a(`a-access-${i}`, "access token");
    expect(scrubber.scrub("a-access-5 a-access-4 a-access-3 a-refresh-1 b-access-1 permanent-secret")).toBe("*** *** a-access-3 *** *** ***");
  });
});
