import { createServer, type Server } from "node:net";
import { timingSafeEqual } from "node:crypto";
import { Aedes } from "aedes";
import { isLoopbackHost } from "./loopback.js";

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** Anonymous clients on a host other than loopback: only when the config says so. */
  allow_anonymous?: boolean;
}

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export class BrokerPortInUseError extends Error {}

/** The embedded aedes broker, used when the config names no mqtt.url (demo, tests, small setups). */
export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  // The config loader refuses this already; a config built in code (demo, benchmarks) gets here.
  if ((opts.username === undefined || opts.password === undefined) && !isLoopbackHost(opts.host) && opts.allow_anonymous !== true) {
    throw new Error(`broker.host: the embedded broker would let anyone on ${opts.host} in; set broker.username and broker.password, or broker.allow_anonymous: true`);
  }
  const broker = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => {
      if (opts.username === undefined) return done(null, true);
      const ok = username === opts.username && password !== undefined && sameSecret(password, opts.password ?? "");
      if (ok) return done(null, true);
      const error = Object.assign(new Error("bad username or password"), { returnCode: 4 as const });
      done(error, false);
    },
  });
  // No Nagle: a command reaches the daemon at once, not after the last packet's delayed ACK.
  const server: Server = createServer({ noDelay: true }, (socket) => broker.handle(socket));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port, opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new BrokerPortInUseError(
        `cannot start the embedded MQTT broker: ${opts.host}:${opts.port} is already in use. ` +
          `If a broker (e.g. Mosquitto) already listens there, set mqtt.url to it (mqtt://${opts.host}:${opts.port}); ` +
          `otherwise choose another broker.port.`,
      );
    }
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  return {
    url: `mqtt://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
        // Open client sockets keep server.close() waiting; aedes closes its clients above.
      }),
  };
}

function sameSecret(given: Buffer, expected: string): boolean {
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}
