/** BelimoID's token endpoint: password and refresh grants, scopes, token lifetimes and rotation. */
import { DROP, HttpError, type Reply, oauthError } from "./errors.js";
import { type RecordedRequest, type ServerState } from "./server.js";
import { type IncomingMessage } from "node:http";
const KNOWN_SCOPES = new Set(["offline_access", "read:dataprofile", "public.read", "public.write", "openid", "profile", "email"]);

export async function handleIdentity(state: ServerState, req: IncomingMessage, record: RecordedRequest): Promise<Reply> {
  const { faults, world, creds, settings } = state;
  if (faults.identityOutage) throw DROP;
  if (faults.identity500) throw new HttpError(500, { error: "server_error", error_description: "internal error" });
  if (record.path !== "/oauth/token") throw new HttpError(404, { error: "not_found", error_description: "Not found" });
  if (record.method !== "POST") throw new HttpError(405, { error: "method_not_allowed", error_description: "Method not allowed" });
  const body = record.body;
  if (typeof body !== "object" || body === null) throw oauthError(400, "invalid_request", "Missing required parameter: grant_type");
  const p = body as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof p[k] === "string" ? (p[k] as string) : undefined);
  const grant = str("grant_type");
  if (!grant) throw oauthError(400, "invalid_request", "Missing required parameter: grant_type");
  // Client authentication: in the body or as Basic.
  let clientId = str("client_id");
  let clientSecret = str("client_secret");
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (basic) {
    const [u, s] = Buffer.from(basic[1]!, "base64").toString("utf8").split(":");
    clientId = decodeURIComponent(u ?? "");
    clientSecret = decodeURIComponent(s ?? "");
  }
  if (clientId !== creds.clientId || clientSecret !== creds.clientSecret) throw oauthError(401, "access_denied", "Unauthorized");
  const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" };

  if (grant === "password") {
    const audience = str("audience");
    if (!audience) throw oauthError(403, "access_denied", "No audience parameter was provided, and no default audience has been configured");
    if (audience !== creds.audience) throw oauthError(403, "access_denied", `Service not found: ${audience}`);
    if (str("username") !== creds.username || str("password") !== creds.password) {
      world.counters.failedLogins++;
      throw oauthError(403, "invalid_grant", "Wrong email or password.");
    }
    const scope = (str("scope") ?? "").split(/\s+/).filter((s) => KNOWN_SCOPES.has(s));
    world.counters.logins++;
    const answer: Record<string, unknown> = {
      access_token: world.issueAccess(scope, settings.accessTokenLifetimeS),
      scope: scope.join(" "),
      expires_in: settings.accessTokenLifetimeS,
      token_type: "Bearer",
    };
    // Like Auth0: a refresh token only with offline_access.
    if (scope.includes("offline_access")) answer.refresh_token = world.issueRefresh(scope, settings.refreshTokenLifetimeS);
    return { status: 200, body: answer, headers: noStore };
  }

  if (grant === "refresh_token") {
    const token = str("refresh_token");
    if (!token) throw oauthError(400, "invalid_request", "Missing required parameter: refresh_token");
    const g = world.refreshTokens.get(token);
    if (!g || g.revoked || g.expiresAt <= Date.now()) {
      world.counters.failedRefreshes++;
      throw oauthError(403, "invalid_grant", "Unknown or invalid refresh token.");
    }
    world.counters.refreshes++;
    const answer: Record<string, unknown> = {
      access_token: world.issueAccess(g.scope, settings.accessTokenLifetimeS),
      scope: g.scope.join(" "),
      expires_in: settings.accessTokenLifetimeS,
      token_type: "Bearer",
    };
    if (settings.rotateRefreshTokens) {
      g.revoked = true;
      answer.refresh_token = world.issueRefresh(g.scope, settings.refreshTokenLifetimeS);
    }
    return { status: 200, body: answer, headers: noStore };
  }

  throw oauthError(403, "unsupported_grant_type", `Unsupported grant type: ${grant}`);
}
