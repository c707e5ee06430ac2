import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort } from "../../src/util/net.js";
import mqtt, { type MqttClient } from "mqtt";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../src/mqtt/broker.js";

export { freePort };

export interface Message {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}


/** aedes on an ephemeral port (or a given one, to restart "the same" broker). */
export async function startAedes(port = 0): Promise<EmbeddedBroker> {
  return startEmbeddedBroker({ host: "127.0.0.1", port });
}

export const MOSQUITTO = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"].find((p) => existsSync(p));

export interface Mosquitto {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A real Mosquitto on a free port (no persistence: a restart loses retained messages). */
export async function startMosquitto(port?: number): Promise<Mosquitto> {
  if (!MOSQUITTO) throw new Error("mosquitto is not installed");
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn(MOSQUITTO, ["-p", String(p)], { stdio: "ignore" });
  const url = `mqtt://127.0.0.1:${p}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const c = await connect(url, 500);
      await c.endAsync();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`mosquitto did not start on ${p}`);
      await sleep(100);
    }
  }
  return {
    url,
    port: p,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

function connect(url: string, timeoutMs: number): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: timeoutMs });
    c.once("connect", () => resolve(c));
    c.once("error", (e) => (c.end(true), reject(e)));
    c.once("close", () => reject(new Error("closed")));
  });
}

/** A subscriber that records everything, like Home Assistant or mosquitto_sub would see it. */
export class Recorder {
  readonly messages: Message[] = [];
  private constructor(readonly client: MqttClient) {}

  static async start(url: string, filters: string[] = ["#"]): Promise<Recorder> {
    const client = mqtt.connect(url, { reconnectPeriod: 200, clientId: `recorder_${Math.random().toString(16).slice(2)}` });
    const r = new Recorder(client);
    client.on("message", (topic, payload, packet) => r.messages.push({ topic, payload: payload.toString("utf8"), retain: packet.retain, at: Date.now() }));
    client.on("connect", () => client.subscribe(filters, { qos: 1 }));
    await new Promise<void>((resolve) => client.once("connect", () => resolve()));
    await sleep(50);
    return r;
  }

  on(topic: string): Message[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  last(topic: string): string | undefined {
    return this.on(topic).at(-1)?.payload;
  }

  /** Resolves with the first message (after `since`) on the topic that satisfies the check. */
  async waitFor(topic: string, check: (payload: string) => boolean = () => true, timeoutMs = 15_000, since = 0): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find((x) => x.at >= since && x.topic === topic && check(x.payload));
      if (m) return m;
      if (Date.now() > deadline) {
        const seen = this.on(topic).map((x) => x.payload.slice(0, 80));
        throw new Error(`timeout waiting for ${topic}; seen: ${JSON.stringify(seen.slice(-5))}`);
      }
      await sleep(25);
    }
  }

  publish(topic: string, payload: string, retain = false): Promise<void> {
    return new Promise((resolve, reject) => this.client.publish(topic, payload, { qos: 1, retain }, (e) => (e ? reject(e) : resolve())));
  }

  clear(): void {
    this.messages.length = 0;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
