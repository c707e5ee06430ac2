import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import type { AddressInfo } from "node:net";

/** Where a simulator listens: port 0 (the default) asks the system for a free one. */
export interface ListenOptions {
  port?: number;
  /** default "127.0.0.1" */
  host?: string;
}

export interface SimulatorServer {
  server: Server;
  /** e.g. "http://127.0.0.1:41234" */
  url: string;
  /** Stops listening and drops open connections, so a test's teardown does not wait for keep-alive. */
  close(): Promise<void>;
}

/** The address a listening server answers on, as a URL (IPv6 hosts in brackets). */
export function serverUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** An HTTP server listening on `options`, rejecting if the port is taken. */
export async function startServer(handler: RequestListener, options: ListenOptions = {}): Promise<SimulatorServer> {
  const server = createServer(handler);
  // Shorter than a client's idle keep-alive, like the clouds behind a load balancer.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  let closed: Promise<void> | undefined;
  return {
    server,
    url: serverUrl(server),
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/**
 * A request listener that reads the whole body first, then hands it to `handle`; should `handle`
 * throw, the client still gets a 500 whose JSON body `errorBody` shapes like the vendor's own.
 */
export function withBody(
  handle: (req: IncomingMessage, res: ServerResponse, body: Buffer, time: number) => Promise<void>,
  errorBody: (error: unknown) => unknown,
): RequestListener {
  return (req, res) => {
    const time = Date.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", () => undefined);
    req.on("end", () => {
      void handle(req, res, Buffer.concat(chunks), time).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify(errorBody(error)));
        }
      });
    });
  };
}

/** The request's headers, repeated ones joined as HTTP allows, for the request log. */
export function headerRecord(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  return headers;
}

/**
 * Ends an answer with `text` and its Content-Length, gzipped when `gzip` says so: each vendor
 * reads Accept-Encoding its own way (q=0, size thresholds), so the caller decides.
 */
export function endWith(res: ServerResponse, text: string, gzip: boolean): void {
  let payload = Buffer.from(text, "utf8");
  if (gzip) {
    payload = gzipSync(payload);
    res.setHeader("Content-Encoding", "gzip");
  }
  res.setHeader("Content-Length", String(payload.length));
  res.end(payload);
}
