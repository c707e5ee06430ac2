/**
 * A stand-in for Voltaware's smart-meter broker: a real MQTT broker (aedes) that takes MQTT 3.1.1
 * with username and password (or a client certificate over TLS), and keeps the events it would
 * accept: QoS 2, on the expected topic, a JSON object with a timestamp. Others are discarded, as
 * Voltaware's documentation says. It can be stopped and started again on the same port.
 */
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { timingSafeEqual } from "node:crypto";
import { Aedes } from "aedes";

export interface EventsBrokerOptions {
  host?: string;
  /** default 0: ephemeral; kept across stop/start */
  port?: number;
  username?: string;
  password?: string;
  /** The topic events must use; {{meter}} stands for the meter id. Default "smartmeter/{{meter}}/events". */
  topic?: string;
  /** PEM texts; with `requestCert` a client certificate signed by `ca` is required. */
  tls?: { key: string; cert: string; ca?: string; requestCert?: boolean };
}

export interface ReceivedEvent {
  meter: string;
  topic: string;
  payload: Record<string, unknown>;
  qos: number;
  clientId: string | null;
  receivedAt: number;
}

export interface DiscardedMessage {
  topic: string;
  payload: string;
  reason: string;
}

export interface EventsBroker {
  url: string;
  port: number;
  readonly running: boolean;
  events: ReceivedEvent[];
  discarded: DiscardedMessage[];
  /** Client ids that connected, in order. */
  connections: string[];
  /** Return codes of the CONNACKs that refused a connection, in order. */
  refusals: number[];
  /**
   * Refuses the next `count` connections with this CONNACK return code (3: server unavailable,
   * as a broker that is restarting says; 5: not authorized), then accepts again.
   */
  refuseNext(count: number, returnCode?: 3 | 4 | 5): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startEventsBroker(options: EventsBrokerOptions, onEvent: (e: ReceivedEvent) => void): Promise<EventsBroker> {
  const host = options.host ?? "127.0.0.1";
  const template = options.topic ?? "smartmeter/{{meter}}/events";
  const pattern = new RegExp(`^${template.split("{{meter}}").map(escape).join("([^/]+)")}$`);
  const events: ReceivedEvent[] = [];
  const discarded: DiscardedMessage[] = [];
  const connections: string[] = [];
  const refusals: number[] = [];
  let refuse = { count: 0, returnCode: 3 as 3 | 4 | 5 };
  let port = options.port ?? 0;
  let server: Server | undefined;
  let broker: Aedes | undefined;
  const sockets = new Set<Socket>();

  const start = async (): Promise<void> => {
    if (server) return;
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        if (refuse.count > 0) {
          refuse.count--;
          refusals.push(refuse.returnCode);
          return done(Object.assign(new Error("refused by the test"), { returnCode: refuse.returnCode }), false);
        }
        if (options.username === undefined) return done(null, true);
        const ok = username === options.username && password !== undefined && same(password, options.password ?? "");
        if (ok) return done(null, true);
        done(Object.assign(new Error("bad username or password"), { returnCode: 4 as const }), false);
        void client;
      },
    });
    aedes.on("client", (client) => connections.push(client.id));
    aedes.on("publish", (packet, client) => {
      if (!client) return;
      const topic = packet.topic;
      const payload = packet.payload.toString();
      const match = pattern.exec(topic);
      const reject = (reason: string): void => void discarded.push({ topic, payload, reason });
      if (!match) return reject(`topic is not ${template}`);
      if (packet.qos !== 2) return reject(`published with QoS ${packet.qos}, not 2`);
      let body: unknown;
      try {
        body = JSON.parse(payload);
      } catch {
        return reject("payload is not JSON");
      }
      if (typeof body !== "object" || body === null || Array.isArray(body)) return reject("payload is not a JSON object");
      const ts = (body as Record<string, unknown>).timestamp;
      if ((typeof ts !== "string" || Number.isNaN(Date.parse(ts))) && typeof ts !== "number") return reject("payload has no timestamp");
      const event: ReceivedEvent = { meter: match[1] as string, topic, payload: body as Record<string, unknown>, qos: packet.qos, clientId: client.id, receivedAt: Date.now() };
      events.push(event);
      onEvent(event);
    });
    const handle = (socket: Socket): void => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      aedes.handle(socket);
    };
    const srv = options.tls
      ? createTlsServer({ key: options.tls.key, cert: options.tls.cert, ca: options.tls.ca, requestCert: options.tls.requestCert ?? false, rejectUnauthorized: options.tls.requestCert ?? false }, handle)
      : createTcpServer(handle);
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, host, () => {
        srv.off("error", reject);
        resolve();
      });
    });
    const address = srv.address();
    port = typeof address === "object" && address ? address.port : port;
    server = srv;
    broker = aedes;
  };

  const stop = async (): Promise<void> => {
    const srv = server;
    const aedes = broker;
    server = undefined;
    broker = undefined;
    if (!srv || !aedes) return;
    // Like a crash or a restart without persistence: sessions and in-flight state are gone.
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  };

  await start();
  const scheme = options.tls ? "mqtts" : "mqtt";
  return {
    get url() {
      return `${scheme}://${host}:${port}`;
    },
    get port() {
      return port;
    },
    get running() {
      return server !== undefined;
    },
    events,
    discarded,
    connections,
    refusals,
    refuseNext: (count: number, returnCode: 3 | 4 | 5 = 3) => void (refuse = { count, returnCode }),
    start,
    stop,
    close: stop,
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function same(given: Buffer, expected: string): boolean {
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}
