/** One thing wrong with a config file, located by its YAML path (`sources[0].interval`). */
export interface ConfigProblem {
  /** YAML path such as `mqtt.url` or `sources[1].type`; empty for the file as a whole. */
  path: string;
  message: string;
  /** 1-based line in the file, when the path can be found in it. */
  line?: number;
}

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line === undefined ? "" : ` (line ${problem.line})`;
  return problem.path === "" ? `${problem.message}${where}` : `${problem.path}: ${problem.message}${where}`;
}

/** Thrown by `loadConfig`; the message lists every problem so one run shows the user all of them. */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly ConfigProblem[],
    readonly origin?: string,
  ) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    const head = origin === undefined || origin === "" ? `Invalid configuration (${count}):` : `Invalid configuration in ${origin} (${count}):`;
    super([head, ...problems.map((p) => `  - ${formatProblem(p)}`)].join("\n"));
    this.name = "ConfigError";
  }
}

export function dedupeProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
