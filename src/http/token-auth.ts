import { RequestError } from "got";
import type { Logger } from "pino";
import type { AuthProvider } from "./client.js";
import { errorMessage } from "../util/errors.js";

/** An access token and, where the vendor gives one, a refresh token. Times are epoch ms. */
export interface Token {
  accessToken: string;
  /** When the access token stops working. */
  expiresAt: number;
  refreshToken?: string;
  /** When the refresh token stops working, if the vendor says. */
  refreshExpiresAt?: number;
  /** The header value; default `Bearer <accessToken>`. */
  header?: string;
}

export interface TokenAuthOptions {
  /** Full login with the user's credentials. */
  login(): Promise<Token>;
  /** Exchange a refresh token for a new token; absent where the vendor has no refresh. */
  refresh?(refreshToken: string): Promise<Token>;
  logger: Logger;
  /**
   * Marks tokens as secrets so they never reach a log line. `kind` names the token's slot: a new
   * token of a kind replaces the one before the previous (see SecretScrubber.rotate).
   */
  registerSecret(value: string, kind: "access token" | "refresh token"): void;
  /** Renew this long before expiry (default 60 s, at most a tenth of the token's life). */
  marginMs?: number;
  /** Header name; default authorization. */
  headerName?: string;
}

/**
 * Token lifecycle shared by the OAuth-style vendors: a valid token is reused; one about to expire
 * is refreshed with the refresh token; a failed refresh (revoked, expired) falls back to one full
 * login; concurrent requests share one login or refresh in flight. After a 401 the access token
 * is dropped, so the next request refreshes (or logs in) once.
 */
export class TokenAuth implements AuthProvider {
  private token: Token | undefined;
  private pending: Promise<Token> | undefined;
  private issuedAt = 0;
  /** Counted for tests and logs: how often each path was taken. */
  readonly stats = { logins: 0, refreshes: 0, failedRefreshes: 0 };

  constructor(private readonly opts: TokenAuthOptions) {}

  async headers(): Promise<Record<string, string>> {
    const token = await this.valid();
    return { [this.headerName]: this.headerValue(token) };
  }

  private get headerName(): string {
    return (this.opts.headerName ?? "authorization").toLowerCase();
  }

  private headerValue(token: Token): string {
    return token.header ?? `Bearer ${token.accessToken}`;
  }

  /**
   * Drops the token after a 401, but only the one that failed: requests sent together all see the
   * 401, and the later ones must not drop the token the first one already renewed.
   */
  invalidate(rejected?: Record<string, string | string[] | undefined>): boolean {
    if (!this.token || this.token.expiresAt === 0) return false;
    const sent = rejected?.[this.headerName];
    if (sent !== undefined && sent !== this.headerValue(this.token)) return false;
    this.token = { ...this.token, expiresAt: 0 };
    return true;
  }

  /** Forgets everything, refresh token included (e.g. the password changed). */
  reset(): void {
    this.token = undefined;
  }

  private async valid(): Promise<Token> {
    const now = Date.now();
    if (this.token && now < this.token.expiresAt - this.margin(this.token)) return this.token;
    this.pending ??= this.renew().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private margin(token: Token): number {
    const life = Math.max(0, token.expiresAt - this.issuedAt);
    return Math.min(this.opts.marginMs ?? 60_000, life / 10);
  }

  private async renew(): Promise<Token> {
    const old = this.token;
    const canRefresh = this.opts.refresh && old?.refreshToken && (old.refreshExpiresAt === undefined || Date.now() < old.refreshExpiresAt - 1_000);
    if (canRefresh && old?.refreshToken) {
      try {
        this.stats.refreshes++;
        return this.accept(await this.refreshOnceMore(old.refreshToken), old);
      } catch (error) {
        this.stats.failedRefreshes++;
        this.opts.logger.info({ err: errorMessage(error) }, "token refresh failed: logging in again");
      }
    }
    this.stats.logins++;
    return this.accept(await this.opts.login());
  }

  /**
   * A refresh that got no answer at all (a kept-alive connection the server had just closed, a
   * timeout) is sent once more: the refresh token is most likely still good, and a login would
   * cost a password grant.
   */
  private async refreshOnceMore(refreshToken: string): Promise<Token> {
    try {
      return await this.opts.refresh!(refreshToken);
    } catch (error) {
      if (!(error instanceof RequestError) || error.response !== undefined) throw error;
      this.opts.logger.debug({ err: error.message }, "token refresh got no answer: sending it once more");
      return this.opts.refresh!(refreshToken);
    }
  }

  private accept(token: Token, previous?: Token): Token {
    if (!token.accessToken) throw new Error("the token endpoint answered without an access token");
    this.opts.registerSecret(token.accessToken, "access token");
    // Vendors that do not rotate refresh tokens answer a refresh without one: keep the old.
    const refreshToken = token.refreshToken ?? previous?.refreshToken;
    if (refreshToken) this.opts.registerSecret(refreshToken, "refresh token");
    this.issuedAt = Date.now();
    this.token = { ...token, refreshToken, refreshExpiresAt: token.refreshToken ? token.refreshExpiresAt : previous?.refreshExpiresAt };
    return this.token;
  }
}
