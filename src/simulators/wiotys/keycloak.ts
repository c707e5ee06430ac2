/**
 * The Keycloak token endpoint of the seed (section 6): `POST <keycloak>/realms/<realm>/protocol/
 * openid-connect/token`, form-encoded, password and refresh_token grants, answers shaped like the
 * seed's (access 300 s, refresh 1800 s by default; both configurable). Errors as Keycloak gives
 * them: `{"error": "invalid_grant", "error_description": "Invalid user credentials"}` and so on.
 * Refreshing issues a new refresh token and extends the session; the old one stays valid until it
 * expires (Keycloak's default, "Revoke Refresh Token" off).
 */
import { randomBytes, randomUUID } from "node:crypto";

export interface KeycloakSettings {
  realm: string;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  /** Seconds. */
  accessTokenLifetime: number;
  /** Seconds. */
  refreshTokenLifetime: number;
}

export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
}

interface Session {
  id: string;
  active: boolean;
}

const b64url = (value: unknown): string => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

export class Keycloak {
  private readonly access = new Map<string, { session: Session; expiresAt: number }>();
  private readonly refresh = new Map<string, { session: Session; expiresAt: number; clientId: string }>();
  private readonly sessions = new Set<Session>();
  /** Every token handed out (access and refresh), for tests that look for leaks. */
  readonly issued: string[] = [];
  /** Grants answered with 200, by grant type. */
  readonly grants = { password: 0, refresh_token: 0 };

  constructor(
    readonly settings: KeycloakSettings,
    private readonly issuer: () => string,
  ) {}

  /** The token endpoint. `basic` is the client's HTTP Basic credentials, if it sent them that way. */
  token(form: URLSearchParams, basic: { id: string; secret: string } | undefined): TokenReply {
    const grant = form.get("grant_type");
    if (!grant) return { status: 400, body: { error: "invalid_request", error_description: "Missing form parameter: grant_type" } };
    const clientId = basic?.id ?? form.get("client_id");
    const clientSecret = basic?.secret ?? form.get("client_secret");
    if (!clientId) return { status: 400, body: { error: "invalid_client", error_description: "Missing parameter: client_id" } };
    if (clientId !== this.settings.clientId) return { status: 401, body: { error: "invalid_client", error_description: "Invalid client or Invalid client credentials" } };
    if (clientSecret !== this.settings.clientSecret) return { status: 401, body: { error: "unauthorized_client", error_description: "Invalid client or Invalid client credentials" } };

    if (grant === "password") {
      if (form.get("username")?.toLowerCase() !== this.settings.username.toLowerCase() || form.get("password") !== this.settings.password) {
        return { status: 401, body: { error: "invalid_grant", error_description: "Invalid user credentials" } };
      }
      const session: Session = { id: randomUUID(), active: true };
      this.sessions.add(session);
      this.grants.password++;
      return { status: 200, body: this.issue(session, clientId) };
    }
    if (grant === "refresh_token") {
      const presented = form.get("refresh_token");
      if (!presented) return { status: 400, body: { error: "invalid_request", error_description: "Missing form parameter: refresh_token" } };
      const known = this.refresh.get(presented);
      if (!known || !known.session.active || known.expiresAt <= Date.now()) return { status: 400, body: { error: "invalid_grant", error_description: "Token is not active" } };
      if (known.clientId !== clientId) return { status: 400, body: { error: "invalid_grant", error_description: "Invalid refresh token. Token client and authorized client don't match" } };
      this.grants.refresh_token++;
      return { status: 200, body: this.issue(known.session, clientId) };
    }
    return { status: 400, body: { error: "unsupported_grant_type", error_description: "Unsupported grant_type" } };
  }

  /** True when the bearer token is an access token of an active session, not expired. */
  verify(token: string): boolean {
    const known = this.access.get(token);
    return known !== undefined && known.session.active && known.expiresAt > Date.now();
  }

  /** An administrator logs every session out: every access and refresh token stops working. */
  revokeSessions(): void {
    for (const s of this.sessions) s.active = false;
  }

  /** Every access token expires now (as if its 300 s had passed); refresh tokens still work. */
  expireAccessTokens(): void {
    for (const a of this.access.values()) a.expiresAt = 0;
  }

  /** Every refresh token expires now (the session's idle time passed); access tokens still work until they expire. */
  expireRefreshTokens(): void {
    for (const r of this.refresh.values()) r.expiresAt = 0;
  }

  private issue(session: Session, clientId: string): Record<string, unknown> {
    const now = Date.now();
    const { accessTokenLifetime: accessS, refreshTokenLifetime: refreshS, realm } = this.settings;
    const iat = Math.floor(now / 1000);
    const iss = `${this.issuer()}/realms/${realm}`;
    const jwt = (alg: string, payload: Record<string, unknown>): string => `${b64url({ alg, typ: "JWT", kid: "sim" })}.${b64url(payload)}.${randomBytes(32).toString("base64url")}`;
    const accessToken = jwt("RS256", { exp: iat + accessS, iat, jti: randomUUID(), iss, sub: "4", typ: "Bearer", azp: clientId, session_state: session.id, scope: "email profile" });
    const refreshToken = jwt("HS256", { exp: iat + refreshS, iat, jti: randomUUID(), iss, aud: iss, sub: "4", typ: "Refresh", azp: clientId, session_state: session.id, scope: "email profile" });
    this.access.set(accessToken, { session, expiresAt: now + accessS * 1000 });
    this.refresh.set(refreshToken, { session, expiresAt: now + refreshS * 1000, clientId });
    this.issued.push(accessToken, refreshToken);
    this.prune(now);
    return {
      access_token: accessToken,
      expires_in: accessS,
      refresh_expires_in: refreshS,
      refresh_token: refreshToken,
      token_type: "Bearer",
      "not-before-policy": 0,
      session_state: session.id,
      scope: "email profile",
    };
  }

  /** Forget long-dead tokens so a long demo does not grow without bound. */
  private prune(now: number): void {
    if (this.access.size + this.refresh.size < 2_000) return;
    for (const [k, v] of this.access) if (v.expiresAt < now - 3_600_000) this.access.delete(k);
    for (const [k, v] of this.refresh) if (v.expiresAt < now - 3_600_000) this.refresh.delete(k);
    if (this.issued.length > 4_000) this.issued.splice(0, this.issued.length - 4_000);
  }
}
