import type { IncomingMessage } from "node:http";

/**
 * The 500 of a careless cloud that quotes the request back, credentials and all, as some real
 * ones do (a debug page, a framework's error text): the `echo` fault of every simulator, for
 * tests that check no secret leaves the daemon through an error message.
 */
export function echoedRequest(req: IncomingMessage, body: string): string {
  return `Internal Server Error (authorization: ${req.headers.authorization ?? "none"}; body: ${body === "" ? "none" : body}) on ${req.method ?? "?"} ${req.url ?? "/"}`;
}
