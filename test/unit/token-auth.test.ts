import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { TokenAuth, type Token } from "../../src/http/token-auth.js";

const logger = pino({ level: "silent" });

function setup(opts: { life?: number; refreshFails?: boolean } = {}) {
  let n = 0;
  const secrets: string[] = [];
  const login = vi.fn(async (): Promise<Token> => ({ accessToken: `login-${++n}`, expiresAt: Date.now() + (opts.life ?? 300_000), refreshToken: `r-${n}` }));
  const refresh = vi.fn(async (rt: string): Promise<Token> => {
    if (opts.refreshFails) throw new Error("invalid_grant");
    return { accessToken: `refreshed-${++n}-${rt}`, expiresAt: Date.now() + (opts.life ?? 300_000) };
  });
  const auth = new TokenAuth({ login, refresh, logger, registerSecret: (s) => secrets.push(s) });
  return { auth, login, refresh, secrets };
}

describe("token lifecycle", () => {
  it("logs in once and reuses the token while it is valid; concurrent callers share the login", async () => {
    const { auth, login, secrets } = setup();
    const all = await Promise.all([auth.headers(), auth.headers(), auth.headers()]);
    expect(new Set(all.map((h) => h.authorization))).toEqual(new Set(["Bearer login-1"]));
    await auth.headers();
    expect(login).toHaveBeenCalledTimes(1);
    expect(secrets).toEqual(["login-1", "r-1"]);
  });

  it("refreshes a token about to expire with the refresh token, without a new login", async () => {
    const { auth, login, refresh } = setup({ life: 500 });
    await auth.headers();
    await new Promise((r) => setTimeout(r, 600));
    expect((await auth.headers()).authorization).toBe("Bearer refreshed-2-r-1");
    expect(login).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it("logs in again, once, when the refresh token is refused", async () => {
    const { auth, login, refresh } = setup({ refreshFails: true });
    await auth.headers();
    auth.invalidate();
    expect((await auth.headers()).authorization).toBe("Bearer login-2");
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(login).toHaveBeenCalledTimes(2);
  });
});
