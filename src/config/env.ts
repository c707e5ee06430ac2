import type { ConfigProblem } from "./problems.js";
import { formatPath, type PathSegment } from "./yaml-path.js";

/**
 * `${VAR}`, `${VAR:-default}` (default when unset or empty, as in a shell) and `$${` for a literal
 * `${`. Only values are expanded, never keys: keys are the schema's vocabulary.
 */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EnvResult<T> {
  value: T;
  problems: ConfigProblem[];
  /** Paths whose value came (at least partly) from the environment. */
  expanded: string[];
  /** Paths where a `${VAR:-default}` fell back to its (non-empty) default, written in the file. */
  defaulted: string[];
}

export function expandEnvString(
  text: string,
  env: NodeJS.ProcessEnv,
  path = "",
): { value: string; problems: ConfigProblem[]; expanded: boolean; defaulted: boolean } {
  const problems: ConfigProblem[] = [];
  let expanded = false;
  let defaulted = false;
  const value = text.replace(REFERENCE, (whole: string, body: string | undefined) => {
    if (whole === "$${") return "${";
    if (body === undefined) {
      problems.push({ path, message: `"\${" is not closed by "}" (write "$\${" for a literal "\${")` });
      return whole;
    }
    const separator = body.indexOf(":-");
    const name = separator === -1 ? body : body.slice(0, separator);
    if (!NAME.test(name)) {
      problems.push({ path, message: `"\${${body}}" is not a valid environment variable reference (write "$\${" for a literal "\${")` });
      return whole;
    }
    expanded = true;
    const current = env[name];
    if (separator !== -1) {
      if (current !== undefined && current !== "") return current;
      const fallback = body.slice(separator + 2);
      if (fallback !== "") defaulted = true;
      return fallback;
    }
    if (current === undefined) {
      problems.push({ path, message: `environment variable ${name} is not set` });
      return "";
    }
    return current;
  });
  return { value, problems, expanded, defaulted };
}

/** Expands references in every string of a parsed YAML value; returns a copy. */
export function substituteEnv<T>(data: T, env: NodeJS.ProcessEnv): EnvResult<T> {
  const problems: ConfigProblem[] = [];
  const expanded: string[] = [];
  const defaulted: string[] = [];
  const walk = (node: unknown, segments: PathSegment[]): unknown => {
    if (typeof node === "string") {
      const path = formatPath(segments);
      const result = expandEnvString(node, env, path);
      problems.push(...result.problems);
      if (result.expanded) expanded.push(path);
      if (result.defaulted) defaulted.push(path);
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...segments, index]));
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...segments, key])]));
    }
    return node;
  };
  return { value: walk(data, []) as T, problems, expanded, defaulted };
}
