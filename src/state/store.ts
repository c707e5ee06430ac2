import { mkdirSync, readFileSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Logger } from "pino";
import { errorMessage } from "../util/errors.js";

/** The part of the persistent state that belongs to one source. */
export interface SourceState {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

type StateFile = Record<string, Record<string, unknown>>;

export interface StateStoreOptions {
  logger?: Logger;
  /** A change outside any poll is written this long after it, with whatever follows it meanwhile. */
  debounceMs?: number;
  /** A change is written after this long even while a poll still holds writes (a stuck poll). */
  maxHoldMs?: number;
}

/**
 * What must survive a restart (cursors, cached definitions, published devices), in one JSON file
 * in data_dir. Changes are kept in memory and written asynchronously and atomically (temp file,
 * fsync, rename, fsync of the folder): a poll that changes a key per meter (Climkit) costs one
 * write after it ends (`hold`), not one per change; a crash mid-write leaves the previous file;
 * `close` writes what is pending, so a SIGTERM loses nothing.
 */
export class StateStore {
  readonly path: string;
  /** Completed writes of the file: for tests and diagnostics. */
  writes = 0;
  private readonly data: StateFile;
  private readonly log: Logger | undefined;
  private readonly debounceMs: number;
  private readonly maxHoldMs: number;
  private dirty = false;
  private dirtySince = 0;
  private holds = 0;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(dataDir: string, opts: StateStoreOptions = {}) {
    const cwd = resolve(dataDir);
    mkdirSync(cwd, { recursive: true });
    this.path = join(cwd, "state.json");
    this.log = opts.logger;
    this.debounceMs = opts.debounceMs ?? 1_000;
    this.maxHoldMs = opts.maxHoldMs ?? 60_000;
    this.data = this.load();
  }

  scope(name: string): SourceState {
    return {
      get: <T>(k: string) => {
        const value = this.data[name]?.[k];
        // A copy, as a read from the file would give: a caller mutating it must not change the store unseen.
        return (value === undefined ? undefined : structuredClone(value)) as T | undefined;
      },
      set: (k, value) => {
        if (value === undefined) return this.remove(name, k);
        (this.data[name] ??= {})[k] = structuredClone(value);
        this.changed();
      },
      delete: (k) => this.remove(name, k),
    };
  }

  /**
   * Holds writes back while a poll runs; the returned function ends the hold and, once no poll
   * holds any more, writes what changed (resolves when it is on disk).
   */
  hold(): () => Promise<void> {
    this.holds++;
    this.schedule();
    let released = false;
    return () => {
      if (released) return Promise.resolve();
      released = true;
      this.holds--;
      return this.holds === 0 ? this.flush() : Promise.resolve();
    };
  }

  /** Writes pending changes now; writes never overlap, and one after another coalesce. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.queue.then(() => this.writeIfDirty());
    // The queue goes on after a failed write; the caller of this flush sees the failure.
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** At shutdown: writes what is pending whatever holds it, and writes nothing after. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private remove(name: string, key: string): void {
    const scope = this.data[name];
    if (!scope || !(key in scope)) return;
    delete scope[key];
    if (Object.keys(scope).length === 0) delete this.data[name];
    this.changed();
  }

  private changed(): void {
    if (!this.dirty) this.dirtySince = Date.now();
    this.dirty = true;
    if (!this.closed) this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty || this.closed) return;
    const delay = this.holds > 0 ? Math.max(0, this.dirtySince + this.maxHoldMs - Date.now()) : this.debounceMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined);
    }, delay);
    // A pending write must not keep a finished process alive; the daemon flushes at stop.
    this.timer.unref();
  }

  private async writeIfDirty(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const text = JSON.stringify(this.data, null, "\t");
    try {
      await writeAtomically(this.path, text);
      this.writes++;
    } catch (error) {
      this.dirty = true;
      this.log?.warn({ path: this.path, err: errorMessage(error) }, "writing the state file failed: kept in memory, tried again at the next change");
      throw error;
    }
  }

  private load(): StateFile {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as StateFile;
    } catch {
      // Handled below like any other unusable file.
    }
    // A corrupt state file must not stop the daemon: it starts over, as after a first run.
    this.log?.warn({ path: this.path }, "the state file is not valid JSON: starting with an empty state");
    return {};
  }
}

/** Temp file, fsync, rename over the old one, fsync of the folder: the old file or the new, never half of one. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const file = await open(tmp, "w", 0o600);
  try {
    await file.writeFile(text, "utf8");
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  // The rename itself is durable only once the folder is synced.
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic.
  } finally {
    await dir.close();
  }
}
