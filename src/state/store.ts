import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import Conf from "conf";

/** The part of the persistent state that belongs to one source. */
export interface SourceState {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

type StateFile = Record<string, Record<string, unknown>>;

/**
 * What must survive a restart (cursors, cached definitions, published devices), in one JSON file
 * in data_dir, written atomically by conf on every change.
 */
export class StateStore {
  private readonly conf: Conf<StateFile>;

  constructor(dataDir: string) {
    const cwd = resolve(dataDir);
    mkdirSync(cwd, { recursive: true });
    this.conf = new Conf<StateFile>({
      cwd,
      configName: "state",
      projectName: "cloud2mqtt",
      projectVersion: "1",
      // A corrupt state file must not stop the daemon: it starts over, as after a first run.
      clearInvalidConfig: true,
    });
  }

  get path(): string {
    return this.conf.path;
  }

  scope(name: string): SourceState {
    const key = (k: string): string => `${escapeDots(name)}.${escapeDots(k)}`;
    return {
      get: <T>(k: string) => this.conf.get(key(k)) as T | undefined,
      set: (k, value) => this.conf.set(key(k), value),
      delete: (k) => this.conf.delete(key(k) as never),
    };
  }
}

/** conf reads dots as nesting; ids and keys may contain them. */
function escapeDots(s: string): string {
  return s.replace(/\./g, "\\.");
}
