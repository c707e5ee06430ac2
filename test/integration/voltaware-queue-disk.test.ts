/**
 * The Voltaware event queue on a disk that fills up: a real 256 KiB tmpfs, filled to the last
 * page. Where mounting is refused (not root), a fault-injecting layer over node:fs stands in for
 * it, and the test output says so.
 */
import { execFileSync } from "node:child_process";
import * as realFs from "node:fs";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { EventQueue, QueueWriteError, type QueuedEvent } from "../../src/bridges/voltaware/event-queue.js";

/** The fault-injecting layer, used only when no tmpfs can be mounted: writes under `root` fail once `full`. */
const faults = vi.hoisted(() => ({ active: false, root: "", full: false, slack: 0, fds: new Set<number>() }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const inside = (path: unknown): boolean => faults.active && typeof path === "string" && path.startsWith(faults.root);
  const enospc = (): Error => Object.assign(new Error("ENOSPC: no space left on device, write (injected)"), { code: "ENOSPC" });
  const mocked = {
    ...fs,
    openSync: (path: realFs.PathLike, ...rest: unknown[]) => {
      const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
      if (inside(path)) faults.fds.add(fd);
      return fd;
    },
    writeSync: (fd: number, data: Buffer | string, ...rest: unknown[]) => {
      if (!faults.full || !faults.fds.has(fd)) return (fs.writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
      // Like a nearly full disk: what fits in the last page is written, then nothing.
      const buffer = Buffer.from(data);
      const n = Math.min(faults.slack, buffer.length);
      if (n === 0) throw enospc();
      faults.slack -= n;
      return fs.writeSync(fd, buffer.subarray(0, n));
    },
    ftruncateSync: (fd: number, len?: number) => {
      // What is cut off is room again, as on a real disk.
      if (faults.full && faults.fds.has(fd)) faults.slack += Math.max(0, fs.fstatSync(fd).size - (len ?? 0));
      return fs.ftruncateSync(fd, len);
    },
    writeFileSync: (path: realFs.PathOrFileDescriptor, data: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => {
      if (faults.full && inside(path) && String(data).length > 0) throw enospc();
      return (fs.writeFileSync as (...a: unknown[]) => void)(path, data, ...rest);
    },
  };
  return { ...mocked, default: mocked };
});

interface Disk {
  dir: string;
  kind: string;
  /** Fills the filesystem to its last free page. */
  fill(): void;
  free(): void;
  close(): void;
}

function mountDisk(): Disk {
  const dir = mkdtempSync(join(tmpdir(), "c2m-full-"));
  try {
    // C2M_FAKE_FULL_DISK=1 tries the fallback where mounting works.
    if (process.env.C2M_FAKE_FULL_DISK === "1") throw new Error("C2M_FAKE_FULL_DISK=1");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    console.warn(`voltaware-queue-disk: cannot mount a tmpfs (${reason}); using the fault-injecting fs layer instead of a real full disk`);
    Object.assign(faults, { active: true, root: dir, full: false, slack: 0 });
    return {
      dir,
      kind: "fault-injecting fs layer",
      fill: () => Object.assign(faults, { full: true, slack: 100 }),
      free: () => Object.assign(faults, { full: false }),
      close: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const filler = join(dir, "filler");
  return {
    dir,
    kind: "tmpfs",
    fill: () => {
      const fd = realFs.openSync(filler, "a");
      const page = Buffer.alloc(4096, 120);
      try {
        for (;;) realFs.writeSync(fd, page);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      } finally {
        realFs.closeSync(fd);
      }
    },
    free: () => rmSync(filler, { force: true }),
    close: () => {
      execFileSync("umount", ["-l", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const lines: string[] = [];
const log = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
/** The waiting events' payloads, read without acknowledging any. */
const payloads = (q: EventQueue): string[] => {
  const inside = q as unknown as { events: QueuedEvent[]; head: number };
  return inside.events.slice(inside.head).map((e) => e.payload);
};

describe("Voltaware event queue on a full disk", () => {
  let disk: Disk;
  let n = 0;
  const nextFile = (): string => join(disk.dir, `q${++n}`, "events.jsonl");

  beforeAll(() => {
    disk = mountDisk();
    console.info(`voltaware-queue-disk: running on a ${disk.kind}`);
  });
  afterEach(() => {
    disk.free();
    lines.length = 0;
  });
  afterAll(() => disk?.close());

  it("rolls back a short write and refuses that event with a clear error; nothing accepted is lost and the next event is whole", () => {
    const path = nextFile();
    const q = new EventQueue(path, 1_000, log);
    for (const p of ["e1", "e2", "e3"]) q.push("t", p, 1);
    disk.fill();
    // Larger than what is left in the file's last page: part of it fits, the rest does not.
    const big = "x".repeat(6_000);
    expect(() => q.push("t", big, 2)).toThrow(QueueWriteError);
    expect(() => q.push("t", big, 2)).toThrow(/cannot write .*events\.jsonl: ENOSPC: short write: \d+ of 6\d{3} bytes written.*the event is refused/);
    expect(q.size).toBe(3);
    expect(q.problem).toMatch(/ENOSPC|short write/);
    disk.free();
    expect(q.push("t", "e5", 3)).toBeDefined();
    expect(q.problem).toBeUndefined();
    q.close();
    expect(readFileSync(path, "utf8").endsWith("\n")).toBe(true);
    const again = new EventQueue(path, 1_000, log);
    expect(payloads(again)).toEqual(["e1", "e2", "e3", "e5"]);
    expect(lines.join("")).not.toContain("skipped unreadable lines");
    again.close();
  });

  it("keeps acknowledgements in memory while the disk is full (ack never throws), says so once, and writes them once there is room", () => {
    const path = nextFile();
    const q = new EventQueue(path, 1_000, log);
    const accepted: string[] = [];
    for (let i = 1; i <= 5; i++) if (q.push("t", `e${i}`, i)) accepted.push(`e${i}`);
    disk.fill();
    // Events fill what is left of the file's last page, then are refused.
    let refused = 0;
    for (let i = 6; i < 2_000 && refused === 0; i++) {
      try {
        if (q.push("t", `e${i}`, i)) accepted.push(`e${i}`);
      } catch (error) {
        expect(error).toBeInstanceOf(QueueWriteError);
        refused++;
      }
    }
    expect(refused).toBe(1);
    // Short acknowledgement lines may still fit in the last page; then they do not.
    let acked = 0;
    while (acked < 10 && !/acknowledgements wait in memory/.test(q.problem ?? "")) {
      q.ack(q.peek()!.seq);
      acked++;
    }
    expect(q.problem).toMatch(/ENOSPC.*acknowledgements wait in memory/);
    q.ack(q.peek()!.seq);
    acked++;
    expect(q.size).toBe(accepted.length - acked);
    expect(q.retry()).toBe(false);
    expect(lines.filter((l) => l.includes("cannot write its file"))).toHaveLength(1);
    disk.free();
    expect(q.retry()).toBe(true);
    expect(q.problem).toMatch(/new events are refused/);
    expect(q.push("t", "last", 0)).toBeDefined();
    accepted.push("last");
    expect(q.problem).toBeUndefined();
    expect(lines.join("")).toContain("its file can be written again");
    q.close();
    const again = new EventQueue(path, 1_000, log);
    expect(payloads(again)).toEqual(accepted.slice(acked));
    again.close();
  });

  it("opens on a full disk though it cannot compact its file, refuses new events, and works again once there is room", () => {
    const path = nextFile();
    const q = new EventQueue(path, 1_000, log);
    for (let i = 1; i <= 20; i++) q.push("t", `e${i}`, i);
    for (let i = 1; i <= 5; i++) q.ack(q.peek()!.seq);
    q.close();
    disk.fill();
    const full = new EventQueue(path, 1_000, log);
    expect(full.size).toBe(15);
    expect(full.problem).toMatch(/ENOSPC/);
    expect(lines.join("")).toContain("cannot compact the queue file at start");
    // The file still holds the history: acknowledging works, in memory at worst.
    full.ack(full.peek()!.seq);
    disk.free();
    expect(full.push("t", "e21", 21)).toBeDefined();
    expect(full.problem).toBeUndefined();
    full.close();
    const again = new EventQueue(path, 1_000, log);
    expect(payloads(again)).toEqual([...Array.from({ length: 14 }, (_, i) => `e${i + 7}`), "e21"]);
    again.close();
  });
});

describe("Voltaware event queue: torn lines", () => {
  const file = (): string => join(mkdtempSync(join(tmpdir(), "c2m-torn-")), "events.jsonl");

  it("skips a torn line in the middle of the file and keeps the lines after it", () => {
    const path = file();
    const line = (s: number, p: string): string => `${JSON.stringify({ s, t: "t", p, at: s })}\n`;
    writeFileSync(path, `${line(1, "a")}{"s":2,"t":"t","p":"b\n${line(3, "c")}{"a":1}\n${line(4, "d")}`);
    lines.length = 0;
    const q = new EventQueue(path, 10, log);
    expect(payloads(q)).toEqual(["c", "d"]);
    expect(lines.join("")).toContain("skipped unreadable lines");
    expect(q.push("t", "e", 5)?.seq).toBe(5);
    q.close();
  });
});
