import { closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
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

/** An event that could not be written to the queue's file: it was not accepted, and nothing accepted was lost. */
export class QueueWriteError extends Error {}

/**
 * The events waiting for Voltaware's broker, on disk: one JSON line per accepted event, appended
 * and synced before `push` returns, and one line per acknowledged event. Read back at start (a
 * torn line from a crash or a full disk is skipped, the lines after it are kept), so nothing
 * accepted is lost across restarts. Bounded: `push` refuses an event when `capacity` are waiting,
 * rather than dropping accepted ones.
 *
 * A full disk degrades, it never throws out of `ack`: a failed write is cut off the file again
 * (so the next line starts clean), acknowledgements wait in memory and are written once there is
 * room (`retry`), and `problem` says what is wrong until then.
 */
export class EventQueue {
  private events: QueuedEvent[] = [];
  private head = 0;
  private nextSeq = 1;
  private fd: number;
  private acks = 0;
  /** Where the last complete line ends: a failed write is cut back to here. */
  private bytes = 0;
  /** The file may end in a partial line (a crash, or a cut that failed): the next write starts a new line. */
  private tornTail = false;
  /** Acknowledged, but their lines are not on disk yet (a full disk): a restart would send them again. */
  private unwrittenAcks: number[] = [];
  /** What cannot be written now; each clears with the next write of its own kind. */
  private readonly failing = { events: false, acks: false, compaction: false };
  private lastError = "";

  constructor(
    private readonly file: string,
    readonly capacity: number,
    private readonly log: Logger,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.load();
    try {
      this.rewrite();
    } catch (error) {
      // The file as it is still holds every accepted event: start with it, compact later.
      this.degrade("compaction", "cannot compact the queue file at start", error);
    }
    this.fd = openSync(file, "a");
    this.bytes = fstatSync(this.fd).size;
  }

  get size(): number {
    return this.events.length - this.head;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /** What keeps the queue from writing its file (a full disk), until a write succeeds again. */
  get problem(): string | undefined {
    const { events, acks, compaction } = this.failing;
    if (!events && !acks && !compaction) return undefined;
    const what = [events && "new events are refused", acks && `${this.unwrittenAcks.length} acknowledgements wait in memory`, compaction && "the file is not compacted"].filter(Boolean);
    return `event queue: cannot write ${this.file} (${this.lastError}): ${what.join(", ")}`;
  }

  /**
   * Accepts an event, on disk before this returns; undefined when the queue is full. Throws a
   * QueueWriteError when it cannot be written: it is not accepted, and the file is as before.
   */
  push(topic: string, payload: string, at: number): QueuedEvent | undefined {
    if (this.full) return undefined;
    this.writeAcks();
    const event: QueuedEvent = { seq: this.nextSeq, topic, payload, at };
    try {
      this.append(`${JSON.stringify({ s: event.seq, t: topic, p: payload, at })}\n`, true);
    } catch (error) {
      this.degrade("events", "new events are refused", error);
      throw new QueueWriteError(`event queue: cannot write ${this.file}: ${describe(error)}; the event is refused`);
    }
    this.recovered("events");
    this.recovered("compaction");
    this.nextSeq++;
    this.events.push(event);
    return event;
  }

  /** The oldest waiting event. */
  peek(): QueuedEvent | undefined {
    return this.events[this.head];
  }

  /** The broker acknowledged the oldest event: it leaves the queue, on disk too once there is room. */
  ack(seq: number): void {
    const first = this.peek();
    if (!first || first.seq !== seq) throw new Error(`acknowledged event ${seq} is not the oldest waiting (${first?.seq ?? "none"})`);
    this.head++;
    this.unwrittenAcks.push(seq);
    if (!this.writeAcks()) return;
    if (this.acks >= COMPACT_AFTER_ACKS) {
      this.compact();
    } else if (this.head > 1_000 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** Writes what waits in memory (acknowledgements kept while the disk was full); true when nothing waits any more. */
  retry(): boolean {
    return this.writeAcks();
  }

  close(): void {
    this.writeAcks();
    closeSync(this.fd);
  }

  private writeAcks(): boolean {
    if (this.unwrittenAcks.length === 0) return true;
    try {
      this.append(this.unwrittenAcks.map((a) => `${JSON.stringify({ a })}\n`).join(""), false);
    } catch (error) {
      this.degrade("acks", "acknowledgements are kept in memory until there is room", error);
      return false;
    }
    this.acks += this.unwrittenAcks.length;
    this.unwrittenAcks = [];
    this.recovered("acks");
    return true;
  }

  /**
   * Appends whole lines or nothing: a short write (a nearly full disk) or a failed sync is cut
   * off again, else the next line would be glued to the torn one and both lost on load.
   */
  private append(text: string, sync: boolean): void {
    const data = Buffer.from(this.tornTail ? `\n${text}` : text);
    const before = this.bytes;
    try {
      const written = writeSync(this.fd, data);
      if (written !== data.length) throw Object.assign(new Error(`short write: ${written} of ${data.length} bytes written (is the disk full?)`), { code: "ENOSPC" });
      if (sync) fdatasyncSync(this.fd);
    } catch (error) {
      try {
        ftruncateSync(this.fd, before);
      } catch {
        // The torn bytes stay: the next line starts on a line of its own, and load skips them.
        this.tornTail = true;
        this.bytes = safeSize(this.fd) ?? before;
      }
      throw error;
    }
    this.bytes += data.length;
    this.tornTail = false;
  }

  /** The pending events only, in a new file; on failure the old file stays as it is. */
  private compact(): void {
    const fd = this.fd;
    try {
      this.rewrite();
    } catch (error) {
      // Tried again after as many acknowledgements more, not at each one.
      this.acks = 0;
      this.degrade("compaction", "cannot compact the queue file", error);
      return;
    }
    this.recovered("compaction");
    closeSync(fd);
    this.events = this.events.slice(this.head);
    this.head = 0;
    this.acks = 0;
    this.tornTail = false;
    this.fd = openSync(this.file, "a");
    this.bytes = fstatSync(this.fd).size;
  }

  /** Logged once per incident: until every kind of write works again. */
  private degrade(kind: keyof EventQueue["failing"], what: string, error: unknown): void {
    const first = this.problem === undefined;
    this.failing[kind] = true;
    this.lastError = describe(error);
    if (first) this.log.error({ file: this.file, err: this.lastError, waiting: this.size }, `event queue: cannot write its file (${what}); other sources are not affected`);
  }

  private recovered(kind: keyof EventQueue["failing"]): void {
    if (!this.failing[kind]) return;
    this.failing[kind] = false;
    if (this.problem === undefined) this.log.info({ file: this.file, waiting: this.size }, "event queue: its file can be written again");
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    const byseq = new Map<number, QueuedEvent>();
    let skipped = 0;
    let maxSeq = 0;
    const text = readFileSync(this.file, "utf8");
    this.tornTail = text.length > 0 && !text.endsWith("\n");
    for (const line of text.split("\n")) {
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

  /** The pending events only, written to a new file that replaces the old one at once, durably. */
  private rewrite(): void {
    const tmp = `${this.file}.tmp`;
    const text = this.events
      .slice(this.head)
      .map((e) => `${JSON.stringify({ s: e.seq, t: e.topic, p: e.payload, at: e.at })}\n`)
      .join("");
    try {
      writeFileSync(tmp, text);
      const fd = openSync(tmp, "r+");
      try {
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      rmSync(tmp, { force: true });
      throw error;
    }
    renameSync(tmp, this.file);
    // The rename itself is in the directory: without this a power cut can bring the old file back.
    // The new file is in place either way, so a failure here is reported, not thrown.
    try {
      const dir = openSync(dirname(this.file), "r");
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch (error) {
      this.log.warn({ file: this.file, err: describe(error) }, "event queue: cannot sync its folder after compacting");
    }
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

function safeSize(fd: number): number | undefined {
  try {
    return fstatSync(fd).size;
  } catch {
    return undefined;
  }
}
