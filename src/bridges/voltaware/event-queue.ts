import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";

/** An event accepted for sending: its topic and payload are fixed when it is accepted. */
export interface QueuedEvent {
  seq: number;
  topic: string;
  payload: string;
  /** When it was accepted, epoch ms. */
  at: number;
}

/** Acknowledgement lines after which the file is rewritten with the pending events only. */
const COMPACT_AFTER_ACKS = 5_000;

/**
 * The events waiting for Voltaware's broker, on disk: one JSON line per accepted event, appended
 * and synced before `push` returns, and one line per acknowledged event. Read back at start (a
 * torn last line from a crash is skipped), so nothing accepted is lost across restarts. Bounded:
 * `push` refuses an event when `capacity` are waiting, rather than dropping accepted ones.
 */
export class EventQueue {
  private events: QueuedEvent[] = [];
  private head = 0;
  private nextSeq = 1;
  private fd: number;
  private acks = 0;

  constructor(
    private readonly file: string,
    readonly capacity: number,
    private readonly log: Logger,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.load();
    this.rewrite();
    this.fd = openSync(file, "a");
  }

  get size(): number {
    return this.events.length - this.head;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /** Accepts an event, on disk before this returns; undefined when the queue is full. */
  push(topic: string, payload: string, at: number): QueuedEvent | undefined {
    if (this.full) return undefined;
    const event: QueuedEvent = { seq: this.nextSeq++, topic, payload, at };
    writeSync(this.fd, `${JSON.stringify({ s: event.seq, t: topic, p: payload, at })}\n`);
    fdatasyncSync(this.fd);
    this.events.push(event);
    return event;
  }

  /** The oldest waiting event. */
  peek(): QueuedEvent | undefined {
    return this.events[this.head];
  }

  /** The broker acknowledged the oldest event: it leaves the queue, on disk too. */
  ack(seq: number): void {
    const first = this.peek();
    if (!first || first.seq !== seq) throw new Error(`acknowledged event ${seq} is not the oldest waiting (${first?.seq ?? "none"})`);
    this.head++;
    writeSync(this.fd, `${JSON.stringify({ a: seq })}\n`);
    if (++this.acks >= COMPACT_AFTER_ACKS) {
      closeSync(this.fd);
      this.events = this.events.slice(this.head);
      this.head = 0;
      this.acks = 0;
      this.rewrite();
      this.fd = openSync(this.file, "a");
    } else if (this.head > 1_000 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    const byseq = new Map<number, QueuedEvent>();
    let skipped = 0;
    let maxSeq = 0;
    for (const line of readFileSync(this.file, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      let entry: { s?: unknown; t?: unknown; p?: unknown; at?: unknown; a?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        skipped++;
        continue;
      }
      if (typeof entry.a === "number") {
        byseq.delete(entry.a);
      } else if (typeof entry.s === "number" && typeof entry.t === "string" && typeof entry.p === "string") {
        byseq.set(entry.s, { seq: entry.s, topic: entry.t, payload: entry.p, at: typeof entry.at === "number" ? entry.at : 0 });
        maxSeq = Math.max(maxSeq, entry.s);
      } else {
        skipped++;
      }
    }
    if (skipped > 0) this.log.warn({ file: this.file, skipped }, "event queue: skipped unreadable lines (an interrupted write)");
    this.events = [...byseq.values()].sort((a, b) => a.seq - b.seq);
    this.nextSeq = maxSeq + 1;
    if (this.events.length > 0) this.log.info({ waiting: this.events.length }, "event queue: events from the last run are waiting to be sent");
  }

  /** The pending events only, written to a new file that replaces the old one at once. */
  private rewrite(): void {
    const tmp = `${this.file}.tmp`;
    const text = this.events
      .slice(this.head)
      .map((e) => `${JSON.stringify({ s: e.seq, t: e.topic, p: e.payload, at: e.at })}\n`)
      .join("");
    writeFileSync(tmp, text);
    const fd = openSync(tmp, "r+");
    fdatasyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
  }
}
