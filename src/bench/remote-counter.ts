import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CounterHello, CounterReply, CounterRequest, CounterSetup } from "./counter-protocol.js";

type WithoutId<R> = R extends unknown ? Omit<R, "id"> : never;
type Op = WithoutId<CounterRequest>;

/**
 * The counting subscriber of `counter-child.ts`, driven from the benchmark's process. `count`
 * and `last` are as of the latest reply; `last` is taken by the child's clock (epoch based, as
 * `now()` here, so the two compare).
 */
export class RemoteCounter {
  count = 0;
  last = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: CounterReply) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (raw) => {
      const reply = raw as CounterReply;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      this.count = reply.count;
      this.last = reply.last;
      if (reply.error) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply);
    });
    child.on("exit", (code) => {
      for (const w of this.pending.values()) w.reject(new Error(`the counting subscriber exited (${code})`));
      this.pending.clear();
    });
  }

  static async start(setup: CounterSetup): Promise<RemoteCounter> {
    const script = fileURLToPath(new URL("./counter-child.js", import.meta.url));
    // V8's defaults for the subscriber: what is measured is the publishers' process.
    const child = fork(script, [JSON.stringify(setup)], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => (child.kill(), reject(new Error("the counting subscriber did not start"))), 30_000);
      child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`the counting subscriber exited (${code})`))));
      child.once("message", (raw) => {
        clearTimeout(timer);
        const hello = raw as CounterHello;
        if ("fatal" in hello) reject(new Error(`the counting subscriber failed: ${hello.fatal}`));
        else resolve();
      });
    });
    child.removeAllListeners("exit");
    return new RemoteCounter(child);
  }

  private request(op: Op): Promise<CounterReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.child.connected) return reject(new Error("the counting subscriber is gone"));
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...op, id } as CounterRequest);
    });
  }

  async reset(): Promise<void> {
    await this.request({ op: "reset" });
  }

  /** Forgets the topics kept so far. */
  async clearTopics(): Promise<void> {
    await this.request({ op: "clear" });
  }

  /** Every topic received since the last `clearTopics`, with its last payload, in arrival order. */
  async topics(): Promise<Array<[string, string]>> {
    return (await this.request({ op: "topics" })).topics ?? [];
  }

  /** Resolves when `n` messages have arrived (rejects after `timeoutMs`). */
  async waitFor(n: number, timeoutMs = 120_000): Promise<void> {
    await this.request({ op: "waitFor", n, timeoutMs });
  }

  /** Resolves once nothing arrived for `quietMs`. */
  async settle(quietMs = 300): Promise<void> {
    await this.request({ op: "settle", quietMs });
  }

  async close(): Promise<void> {
    if (!this.child.connected) return;
    const exited = new Promise<void>((resolve) => (this.child.exitCode !== null ? resolve() : this.child.once("exit", () => resolve())));
    await this.request({ op: "close" }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
