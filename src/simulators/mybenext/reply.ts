/** What a route answers; the handler turns it into the HTTP response. */
import { ApiError } from "./errors.js";
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string | string[]> = {},
    /** Send `body` as is (a string), not as JSON. */
    readonly raw = false,
  ) {}
}

export const errorReply = (e: ApiError, headers: Record<string, string | string[]> = {}): Reply => new Reply(e.status, e.body(), headers);

