import { createServer, type Server } from "node:http";

/** `GET /health` for Docker's HEALTHCHECK: 200 while the broker connection is up, else 503. */
export async function startHealthServer(host: string, port: number, report: (query: URLSearchParams) => { healthy: boolean; body: unknown }): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/health") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
      return;
    }
    const { healthy, body } = report(new URLSearchParams((req.url ?? "").split("?")[1] ?? ""));
    res.writeHead(healthy ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(`health port ${host}:${port} is already in use: set health.port to another port or health.enabled: false`) : err),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}
