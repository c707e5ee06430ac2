/** How the Belimo simulator answers: replies, the API's Spring-style errors, OAuth errors. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message ?? body.error_description ?? body.error));
  }
}

/** Spring-style error body of the API. */
export const apiError = (status: number, error: string, message: string, headers: Record<string, string> = {}): HttpError => new HttpError(status, { status, error, message }, headers);
export const badRequest = (message: string): HttpError => apiError(400, "Bad Request", message);
export const notFound = (message: string): HttpError => apiError(404, "Not Found", message);
export const oauthError = (status: number, error: string, description: string, headers: Record<string, string> = {}): HttpError => new HttpError(status, { error, error_description: description }, headers);

export interface Reply {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** Thrown to reset the connection (outage). */
export const DROP = Symbol("drop");
