import schedule, { type Job } from "node-schedule";
import { nextDelay } from "./backoff.js";

export interface PollerOptions {
  intervalMs: number;
  run: () => Promise<void>;
  /** Called after each failed run with the count of failures in a row; may return a Retry-After in ms. */
  onFailure: (error: unknown, failuresInARow: number) => number | void;
  onSuccess: () => void;
}

/**
 * Runs one source's polls: the first at start, then every interval (jittered), backing off after
 * failures. Never two runs at once: a run asked for while one is going is done right after it.
 */
export class Poller {
  private static jobs = 0;
  private job: Job | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private rerun = false;
  private stopped = false;

  constructor(private readonly opts: PollerOptions) {}

  start(initialDelayMs = 0): void {
    this.stopped = false;
    this.scheduleIn(initialDelayMs);
  }

  /** A poll as soon as possible (after a command), without overlapping a running one. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.scheduleIn(0);
  }

  get failuresInARow(): number {
    return this.failures;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.job?.cancel();
    this.job = undefined;
    await this.running;
  }

  private scheduleIn(ms: number): void {
    this.job?.cancel();
    // Named so that a date already past can be unregistered: node-schedule skips it but keeps the
    // job in its registry for good (one leaked job per such run, thousands over months).
    const name = `poller-${++Poller.jobs}`;
    this.job = schedule.scheduleJob(name, new Date(Date.now() + Math.max(0, ms)), () => void this.tick()) ?? undefined;
    if (!this.job) {
      schedule.cancelJob(name);
      void this.tick();
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.job = undefined;
    let retryAfter = 0;
    this.running = (async () => {
      try {
        await this.opts.run();
        this.failures = 0;
        this.opts.onSuccess();
      } catch (error) {
        // A run cut short by stop() (a bridge closing at shutdown) is no failure.
        if (this.stopped) return;
        this.failures++;
        retryAfter = this.opts.onFailure(error, this.failures) ?? 0;
      }
    })();
    await this.running;
    this.running = undefined;
    if (this.stopped) return;
    if (this.rerun && this.failures === 0) {
      this.rerun = false;
      this.scheduleIn(0);
      return;
    }
    this.rerun = false;
    this.scheduleIn(nextDelay(this.opts.intervalMs, this.failures, retryAfter));
  }
}
