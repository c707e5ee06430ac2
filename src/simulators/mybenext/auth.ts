/** Who asks: Basic, API key (header or ?apikey=) or a session cookie from POST /authenticate. */
import { ApiError, ERROR_CODES, badRequest } from "./errors.js";
import { Reply } from "./reply.js";
import { type ServerState } from "./server.js";
import { randomBytes } from "node:crypto";
export interface AuthContext {
  accounts: Set<number>;
  via: "basic" | "apikey" | "session";
  csrf?: string;
}

export function authenticate(state: ServerState, headers: Record<string, string | undefined>, query: URLSearchParams, resource: string | null): AuthContext {
  const { creds } = state;
  const unauthorized = (msg: string): ApiError => new ApiError(401, msg, resource, ERROR_CODES.unauthorized);
  const authz = headers.authorization?.trim();
  if (authz) {
    const basic = /^Basic\s+(\S+)$/i.exec(authz);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0 && decoded.slice(0, colon) === creds.username && decoded.slice(colon + 1) === creds.password) return { accounts: new Set([1]), via: "basic" };
      throw unauthorized("invalid username or password");
    }
    const key = /^Apikey\s+(\S+)$/i.exec(authz);
    if (key) {
      if (key[1] === creds.apikey) return { accounts: new Set([1, 2]), via: "apikey" };
      throw unauthorized("invalid api key");
    }
    throw unauthorized("unsupported authorization method");
  }
  const apikey = query.get("apikey");
  if (apikey !== null) {
    if (apikey === creds.apikey) return { accounts: new Set([1, 2]), via: "apikey" };
    throw unauthorized("invalid api key");
  }
  const cookies = parseCookies(headers.cookie);
  const token = cookies["2myhomesession"];
  if (token !== undefined) {
    const session = state.sessions.get(token);
    if (!session) throw unauthorized("session expired");
    return { accounts: new Set([session.account]), via: "session", csrf: session.csrf };
  }
  throw unauthorized("authentication required");
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

export function login(state: ServerState, headers: Record<string, string | undefined>, bodyText: string | undefined): Reply {
  const type = (headers["content-type"] ?? "").toLowerCase();
  let username: unknown;
  let password: unknown;
  if (type.includes("x-www-form-urlencoded")) {
    const form = new URLSearchParams(bodyText ?? "");
    username = form.get("username");
    password = form.get("password");
  } else {
    let body: unknown;
    try {
      body = JSON.parse(bodyText ?? "");
    } catch {
      throw badRequest("authenticate", "invalid JSON body", ERROR_CODES.invalidJson);
    }
    if (typeof body === "object" && body !== null) {
      username = (body as Record<string, unknown>).username;
      password = (body as Record<string, unknown>).password;
    }
  }
  if (typeof username !== "string" || typeof password !== "string") throw badRequest("authenticate", "username and password are required");
  if (username !== state.creds.username || password !== state.creds.password) {
    throw new ApiError(401, "invalid username or password", "authenticate", ERROR_CODES.unauthorized);
  }
  const token = randomBytes(16).toString("hex");
  const csrf = randomBytes(16).toString("hex");
  state.sessions.set(token, { account: 1, csrf });
  return new Reply(200, undefined, {
    "Set-Cookie": [`2myhomesession=${token}; Path=/; HttpOnly; SameSite=Lax`, `csrftoken=${csrf}; Path=/; SameSite=Lax`],
  });
}

