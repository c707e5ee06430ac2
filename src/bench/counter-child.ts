import { Counter } from "./common.js";
import { matchesRules, type CounterHello, type CounterReply, type CounterRequest, type CounterSetup } from "./counter-protocol.js";
import { errorMessage } from "../util/errors.js";

/**
 * The pipeline benchmark's counting subscriber, in a process of its own: in the publishers'
 * event loop its work would slow them down and pull their rates (and so the ratio) together.
 * argv[2] = the CounterSetup as JSON; requests and replies over the IPC channel.
 */
function send(message: CounterReply | CounterHello): void {
  process.send?.(message);
}

const setup = JSON.parse(process.argv[2] ?? "{}") as CounterSetup;
let counter: Counter;
try {
  counter = await Counter.start(setup.url, setup.filters, (t) => matchesRules(setup.rules, t), setup.keep);
} catch (error) {
  send({ fatal: errorMessage(error) });
  process.exit(1);
}
// The parent gone (killed, crashed) leaves no subscriber behind.
process.on("disconnect", () => process.exit(0));
process.on("message", (raw) => void handle(raw as CounterRequest));
send({ ready: true });

async function handle(req: CounterRequest): Promise<void> {
  const reply = (extra: Partial<CounterReply> = {}): void => send({ id: req.id, count: counter.count, last: counter.last, ...extra });
  try {
    switch (req.op) {
      case "reset":
        counter.reset();
        return reply();
      case "clear":
        counter.topics.clear();
        return reply();
      case "topics":
        return reply({ topics: [...counter.topics] });
      case "waitFor":
        await counter.waitFor(req.n, req.timeoutMs);
        return reply();
      case "settle":
        await counter.settle(req.quietMs);
        return reply();
      case "close":
        await counter.close();
        reply();
        process.disconnect();
        return;
    }
  } catch (error) {
    reply({ error: errorMessage(error) });
  }
}
