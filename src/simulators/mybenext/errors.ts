/**
 * API errors (seed 1.6): a JSON object `{"error": <text>, "resource": <name>, "code": <n>}` with
 * a fitting HTTP status. The seed shows code 12 for "not found"; the other codes are the
 * simulator's own choice.
 */
export const ERROR_CODES = {
  unauthorized: 1,
  forbidden: 2,
  notFound: 12,
  badRequest: 13,
  notUpdatable: 14,
  invalidJson: 15,
  invalidValue: 16,
  invalidParameter: 17,
  methodNotAllowed: 20,
  notAcceptable: 21,
  tooManyRequests: 29,
  internal: 50,
} as const;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly resource: string | null,
    readonly code: number,
  ) {
    super(error);
  }

  body(): { error: string; resource: string | null; code: number } {
    return { error: this.error, resource: this.resource, code: this.code };
  }
}

export const notFound = (resource: string): ApiError => new ApiError(404, `${resource} not found`, resource, ERROR_CODES.notFound);
export const badRequest = (resource: string | null, error: string, code: number = ERROR_CODES.badRequest): ApiError =>
  new ApiError(400, error, resource, code);
