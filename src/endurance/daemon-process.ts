/**
 * The BUILT daemon (`node dist/cli.js run --config …`) as a child process: started, killed with
 * SIGKILL and started again, its log read line by line for what the run must not contain, and
 * its `/health` (with the env-gated debug figures, src/daemon/debug-health.ts) read for state.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface SourceHealth {
  id: string;
  state: string;
  last_poll: string | null;
  last_error: string | null;
}

export interface HealthBody {
  /** 200: the broker connection is up (the body's status may say "degraded" or "starting" beside it). */
  httpOk: boolean;
  status: string;
  sources: SourceHealth[];
  debug?: { status_changes: number; rss_bytes: number; heap_used_bytes: number; heap_after_gc_bytes?: number; gc_exposed?: boolean; scrub_line_us?: number };
}

export interface LogFindings {
  lines: number;
  byLevel: Record<string, number>;
  /** warn/error messages and how often. */
  messages: Map<string, number>;
  /** Unhandled rejections, uncaught exceptions, crashes: what the run must not contain. */
  fatal: string[];
}

const FATAL = /unhandled rejection|unhandledRejection|uncaught exception|uncaughtException|UnhandledPromiseRejection|FATAL ERROR|heap out of memory/i;

export class DaemonProcess {
  private child: ChildProcess | undefined;
  private expectingExit = false;
  incarnation = 0;
  /** Exits the harness did not cause. */
  readonly unexpectedExits: Array<{ at: number; code: number | null; signal: string | null; incarnation: number; lastLines: string[] }> = [];
  readonly log: LogFindings = { lines: 0, byLevel: {}, messages: new Map(), fatal: [] };
  private recent: string[] = [];
  private logFile: WriteStream | undefined;
  /** Called when the daemon exits on its own. */
  onUnexpectedExit: (() => void) | undefined;

  constructor(
    private readonly cliPath: string,
    private readonly configPath: string,
    private readonly logDir: string,
    readonly healthUrl: string,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    this.incarnation++;
    const n = this.incarnation;
    this.expectingExit = false;
    this.logFile = createWriteStream(join(this.logDir, `daemon-${String(n).padStart(3, "0")}.log`));
    const child = spawn(process.execPath, ["--expose-gc", this.cliPath, "run", "--config", this.configPath], {
      env: { ...process.env, CLOUD2MQTT_DEBUG_HEALTH: "1", NODE_OPTIONS: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const file = this.logFile;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        file.write(`${line}\n`);
        this.take(line, n);
      });
    }
    child.once("exit", (code, signal) => {
      file.end();
      if (this.expectingExit || this.child !== child) return;
      this.unexpectedExits.push({ at: Date.now(), code, signal, incarnation: n, lastLines: this.recent.slice(-15) });
      this.onUnexpectedExit?.();
    });
  }

  /** SIGKILL: no handler runs, nothing is flushed. */
  async kill9(): Promise<void> {
    await this.stopWith("SIGKILL");
  }

  async stop(): Promise<void> {
    await this.stopWith("SIGTERM");
  }

  /** SIGTERM at the end of the run: how the daemon exited and how long it took. */
  async stopAndDescribe(): Promise<string> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return "not running";
    const started = Date.now();
    const exit = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(`code ${code}${signal ? `, signal ${signal}` : ""} after ${Date.now() - started} ms`)));
    await this.stopWith("SIGTERM");
    return exit;
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.expectingExit = true;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    });
  }

  async health(gc = false): Promise<HealthBody | undefined> {
    try {
      const res = await fetch(`${this.healthUrl}${gc ? "?gc=1" : ""}`, { signal: AbortSignal.timeout(gc ? 10_000 : 2_000) });
      return { ...((await res.json()) as Omit<HealthBody, "httpOk">), httpOk: res.status === 200 };
    } catch {
      return undefined;
    }
  }

  private take(line: string, incarnation: number): void {
    this.log.lines++;
    this.recent.push(line);
    if (this.recent.length > 50) this.recent.shift();
    let level = "text";
    let msg = line;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string; err?: unknown };
      level = entry.level ?? "text";
      msg = entry.msg ?? "";
      if (FATAL.test(msg)) this.log.fatal.push(`#${incarnation}: ${line.slice(0, 500)}`);
    } catch {
      // Not pino's JSON: node's own output on stderr (a crash, a warning).
      if (FATAL.test(line) || /^\w*Error\b/.test(line.trim())) this.log.fatal.push(`#${incarnation}: ${line.slice(0, 500)}`);
    }
    this.log.byLevel[level] = (this.log.byLevel[level] ?? 0) + 1;
    if (level === "warn" || level === "error" || level === "fatal" || level === "text") this.log.messages.set(`${level}: ${msg.slice(0, 160)}`, (this.log.messages.get(`${level}: ${msg.slice(0, 160)}`) ?? 0) + 1);
  }
}
