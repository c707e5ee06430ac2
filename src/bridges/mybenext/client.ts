import type { Got } from "got";
import type { AuthProvider } from "../../http/client.js";
import type { BridgeContext } from "../types.js";
import { UnexpectedResponseError, isRecord } from "../errors.js";
import { parseJson } from "../../http/unexpected.js";

const API = "login/api/v1";
/** Resources whose GET the seed says take a `Range: resourceids` header. */
const RANGED = new Set(["accounts", "products", "properties", "lifestyles", "scenes", "nodes", "failures", "datatypes", "producttypes", "gateways"]);
const MAX_PAGES = 1000;

export interface Credentials {
  username?: string;
  password?: string;
  apikey?: string;
}

/**
 * Basic or API-key authentication. Both send credentials with every request; after a 401 the
 * request is sent once more (the shared HTTP hook), and a second 401 means they are wrong.
 */
export function myBeNextAuth(creds: Credentials): AuthProvider {
  const header = creds.apikey
    ? `Apikey ${creds.apikey}`
    : `Basic ${Buffer.from(`${creds.username ?? ""}:${creds.password ?? ""}`).toString("base64")}`;
  return { headers: async () => ({ authorization: header }), invalidate: () => undefined };
}

export class MyBeNextClient {
  private readonly http: Got;

  constructor(ctx: BridgeContext, creds: Credentials, private readonly pageSize: number) {
    const baseUrl = String(ctx.source.base_url);
    this.http = ctx.http({ baseUrl, auth: myBeNextAuth(creds) });
    if (creds.apikey) ctx.registerSecret(creds.apikey);
    if (creds.password) ctx.registerSecret(creds.password);
    if (creds.username && creds.password) ctx.registerSecret(Buffer.from(`${creds.username}:${creds.password}`).toString("base64"));
  }

  /**
   * Every resource of a list, following `Range: resourceids` pages (206) until a page comes
   * back short; a resource without Range support answers the whole list at once.
   */
  async list<T>(resource: string, key: string, idField: string, query: Record<string, string> = {}): Promise<T[]> {
    const path = `${API}/${resource}/`;
    const ranged = RANGED.has(resource.split("/").pop() ?? resource);
    const all: T[] = [];
    let start = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const headers: Record<string, string> = ranged ? { range: `resourceids ${start}-2147483647/${this.pageSize}` } : {};
      const response = await this.http.get(path, { searchParams: query, headers, responseType: "text" });
      const items = this.unwrap<T>(`GET /${path}`, key, response.body);
      // A stray item without its id is skipped by the caller, but a page of nothing but such items
      // is not this list at all: taken as it is, every device would leave Home Assistant.
      if (items.length > 0 && !items.some((i) => typeof (i as Record<string, unknown>)[idField] === "number")) {
        throw new UnexpectedResponseError(`GET /${path}`, `{"${key}": [{"${idField}": <id>, …}]}`, items[0]);
      }
      all.push(...items);
      if (!ranged || response.statusCode !== 206 || items.length < this.pageSize) return all;
      const lastId = Math.max(...items.map((i) => Number((i as Record<string, unknown>)[idField])));
      if (!Number.isFinite(lastId) || lastId < start) throw new UnexpectedResponseError(`GET /${path}`, `ascending numeric "${idField}" ids in a ranged page`, items[items.length - 1]);
      start = lastId + 1;
    }
    throw new Error(`GET /${path}: more than ${MAX_PAGES} pages, giving up`);
  }

  async get<T>(resource: string): Promise<T> {
    const path = `${API}/${resource}/`;
    const body = parseJson(`GET /${path}`, (await this.http.get(path, { responseType: "text" })).body);
    if (!isRecord(body)) throw new UnexpectedResponseError(`GET /${path}`, "a JSON object", body);
    return body as T;
  }

  /** PUT a partial resource; the API answers 200 with an empty body. */
  async put(resource: string, body: Record<string, unknown>): Promise<void> {
    await this.http.put(`${API}/${resource}/`, { json: body, responseType: "text" });
  }

  private unwrap<T>(what: string, key: string, text: string): T[] {
    const body = parseJson(what, text);
    const list = Array.isArray(body) ? body : isRecord(body) ? body[key] : undefined;
    if (!Array.isArray(list)) throw new UnexpectedResponseError(what, `{"${key}": [...]}`, body);
    return list.filter(isRecord) as T[];
  }
}
