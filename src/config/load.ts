import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import { checkBrokerExposure, checkDuplicateIds, checkDurations, checkTlsFiles, checkVendorRules, mqttWarnings, sourceIdWarnings } from "./checks.js";
import { applyDefaults, prepareSections } from "./defaults.js";
import { substituteEnv } from "./env.js";
import { locateLine } from "./locate.js";
import { ConfigError, dedupeProblems, type ConfigProblem } from "./problems.js";
import type { RawConfig } from "./raw.js";
import { secretEntries } from "./secrets.js";
import type { Config } from "./types.js";
import { validateConfigShape } from "./validate.js";
import type { Vendors } from "./vendors.js";
import { parsePath } from "./yaml-path.js";

export interface ConfigResult {
  /** Present exactly when `errors` is empty. */
  config?: Config;
  errors: ConfigProblem[];
  /** Worth telling the user, not worth refusing to start. */
  warnings: string[];
}

interface ParseOutcome extends ConfigResult {
  /** Paths of secrets written in the file itself rather than taken from the environment. */
  literalSecretPaths: string[];
}

function syntaxProblem(error: YAMLError, counter: LineCounter): ConfigProblem {
  const { line, col } = counter.linePos(error.pos[0]);
  return { path: "", message: `YAML syntax error at line ${line}:${col}: ${error.message}` };
}

/** `a.b` is at or under `a`; `a.bc` is not. */
function isAtOrUnder(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

function parse(vendors: Vendors, text: string, env: NodeJS.ProcessEnv, origin?: string): ParseOutcome {
  const baseDir = origin === undefined ? process.cwd() : dirname(resolve(origin));
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, merge: true, uniqueKeys: true });
  const warnings = doc.warnings.map((w) => syntaxProblem(w, counter).message.replace("syntax error", "warning"));
  if (doc.errors.length > 0) {
    return { errors: doc.errors.map((e) => syntaxProblem(e, counter)), warnings, literalSecretPaths: [] };
  }

  // An empty file is a config with nothing in it: the user then learns which keys are required.
  const parsed: unknown = doc.toJS() ?? {};
  const substituted = substituteEnv(parsed, env);
  const data = substituted.value;
  prepareSections(data);

  const envPaths = substituted.problems.map((p) => p.path);
  const shapeProblems = validateConfigShape(data, vendors);
  const shapePaths = new Set(shapeProblems.map((p) => p.path));
  const vendorProblems = shapeProblems.length === 0 ? checkVendorRules(data, vendors) : [];
  const checkProblems = [...checkDuplicateIds(data), ...checkDurations(data), ...checkTlsFiles(data, baseDir), ...checkBrokerExposure(data), ...vendorProblems].filter(
    (p) => !shapePaths.has(p.path),
  );
  // A missing variable's empty stand-in would also fail the schema: one message per cause is enough.
  const derived = [...shapeProblems, ...checkProblems].filter((p) => !envPaths.some((path) => isAtOrUnder(p.path, path)));
  const errors = dedupeProblems([...substituted.problems, ...derived])
    .map((p, order) => ({ problem: { ...p, line: locateLine(doc, counter, parsePath(p.path)) }, order }))
    .sort((a, b) => (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity) || a.order - b.order)
    .map(({ problem }) => (problem.line === undefined ? { path: problem.path, message: problem.message } : problem));
  if (errors.length > 0) return { errors, warnings, literalSecretPaths: [] };

  const config = applyDefaults(data as RawConfig, { baseDir });
  const secretPaths = [...new Set(secretEntries(config, vendors).map((e) => e.path))];
  // A `${VAR:-default}` that fell back put the default, a secret written in the file, in use.
  const defaultedSecrets = secretPaths.filter((path) => substituted.defaulted.includes(path));
  const literalSecretPaths = secretPaths.filter((path) => !substituted.expanded.includes(path) || defaultedSecrets.includes(path));
  const defaultWarnings = defaultedSecrets.map(
    (path) => `${path} uses the default of its \${VAR:-default}: that secret is written in the config file; set the variable, or remove the default`,
  );
  return { config, errors: [], warnings: [...warnings, ...mqttWarnings(data), ...sourceIdWarnings(data), ...defaultWarnings], literalSecretPaths };
}

/**
 * Parses, substitutes `${ENV}`, validates and fills defaults. Never throws: every problem found
 * is in `errors`, so `validate` can show them all at once.
 */
export function parseConfig(vendors: Vendors, text: string, env: NodeJS.ProcessEnv, origin?: string): ConfigResult {
  const { config, errors, warnings } = parse(vendors, text, env, origin);
  return config === undefined ? { errors, warnings } : { config, errors, warnings };
}

/** `parseConfig` for a file, plus the checks only a file allows (readable, who else can read it). */
export async function checkConfigFile(vendors: Vendors, path: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigResult> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder" : code === "EACCES" ? "permission denied" : String(error);
    return { errors: [{ path: "", message: `cannot read config file ${file}: ${reason}` }], warnings: [] };
  }
  const outcome = parse(vendors, text, env, file);
  const warnings = [...outcome.warnings];
  if (outcome.literalSecretPaths.length > 0 && process.platform !== "win32") {
    const { mode } = await stat(file);
    if ((mode & 0o044) !== 0) {
      warnings.push(
        `${file} is readable by other users and contains secrets (${outcome.literalSecretPaths.join(", ")}): ` +
          "run chmod 600 on it, or move the secrets into environment variables (${VAR})",
      );
    }
  }
  return outcome.config === undefined
    ? { errors: outcome.errors, warnings }
    : { config: outcome.config, errors: outcome.errors, warnings };
}

export interface LoadOptions {
  /** Receives each warning; by default they are written to stderr. */
  onWarning?: (warning: string) => void;
}

/** Loads a config file for the daemon; throws a `ConfigError` listing every problem. */
export async function loadConfig(vendors: Vendors, path: string, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Promise<Config> {
  const result = await checkConfigFile(vendors, path, env);
  const warn = options.onWarning ?? ((warning: string) => process.stderr.write(`warning: ${warning}\n`));
  for (const warning of result.warnings) warn(warning);
  if (result.config === undefined) throw new ConfigError(result.errors, resolve(path));
  return result.config;
}
