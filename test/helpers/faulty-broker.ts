import { createServer, type Server, type Socket } from "node:net";
import { Aedes } from "aedes";

/**
 * aedes on an ephemeral port with the faults a real broker shows: logins refused for a while
 * (Home Assistant's Mosquitto add-on while Home Assistant restarts), publishes never acknowledged
 * (a stuck node), and being away for a while with its retained store intact.
 */
export interface FaultyBroker {
  url: string;
  port: number;
  /** CONNACKs refused so far. */
  readonly refusals: number;
  /** Refuses the next `count` logins with this return code. */
  refuse(count: number, returnCode: 3 | 4 | 5): void;
  /** While on, publishes of clients whose id starts with the prefix are never acknowledged. */
  holdPublishes(clientIdPrefix: string | undefined): void;
  /** Publishes held (never acknowledged) so far. */
  readonly held: number;
  /** Closes every client connection (the broker stays up). */
  dropConnections(): void;
  /** Stops listening and closes every connection: the broker is away, its retained store kept. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultyBroker(): Promise<FaultyBroker> {
  let refuseLeft = 0;
  let refuseCode: 3 | 4 | 5 = 5;
  let refusals = 0;
  let holdPrefix: string | undefined;
  let held = 0;
  const broker = await Aedes.createBroker({
    authenticate: (_client, _username, _password, done) => {
      if (refuseLeft <= 0) return done(null, true);
      refuseLeft--;
      refusals++;
      done(Object.assign(new Error("refused by the test"), { returnCode: refuseCode }), false);
    },
    authorizePublish: (client, _packet, done) => {
      // Never answering stalls this client's packets in aedes: no PUBACK, as from a stuck broker.
      if (holdPrefix !== undefined && client?.id.startsWith(holdPrefix)) {
        held++;
        return;
      }
      done(null);
    },
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    broker.handle(socket);
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => (server.off("error", reject), resolve()));
    });
  await listen(0);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const dropConnections = (): void => {
    for (const s of sockets) s.destroy();
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    get refusals() {
      return refusals;
    },
    get held() {
      return held;
    },
    refuse(count, returnCode) {
      refuseLeft = count;
      refuseCode = returnCode;
    },
    holdPublishes(prefix) {
      holdPrefix = prefix;
    },
    dropConnections,
    async pause() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        dropConnections();
      });
    },
    resume: () => listen(port),
    close: () =>
      new Promise<void>((resolve) => {
        dropConnections();
        broker.close(() => (server.listening ? server.close(() => resolve()) : resolve()));
      }),
  };
}
