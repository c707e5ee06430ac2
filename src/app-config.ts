/**
 * The config functions bound to the registry: the one place where config meets the bridges.
 * `src/config/` knows vendors only as the `Vendors` list it is handed; the CLI, the demo, the
 * bench and the tests import from here, so a new vendor needs nothing more than its registry line.
 */
import { bridgeDefinitions } from "./bridges/registry.js";
import * as config from "./config/index.js";
import type { Config, ConfigResult, ConfigProblem, LoadOptions, SecretEntry } from "./config/index.js";
import type { JsonSchema } from "./config/vendors.js";
import { translateAjvErrors as translate } from "./config/messages.js";
import { validateConfigShape as validateShape } from "./config/validate.js";
import type { ErrorObject } from "ajv";

export * from "./config/index.js";

export const vendors = bridgeDefinitions;

export function parseConfig(text: string, env: NodeJS.ProcessEnv, origin?: string): ConfigResult {
  return config.parseConfig(vendors, text, env, origin);
}

export function checkConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigResult> {
  return config.checkConfigFile(vendors, path, env);
}

export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Promise<Config> {
  return config.loadConfig(vendors, path, env, options);
}

export function secretEntries(cfg: Config): SecretEntry[] {
  return config.secretEntries(cfg, vendors);
}

export function secretValues(cfg: Config): string[] {
  return config.secretValues(cfg, vendors);
}

export function redactConfig(cfg: Config): Config {
  return config.redactConfig(cfg, vendors);
}

export function buildConfigSchema(): JsonSchema {
  return config.buildConfigSchema(vendors);
}

export function renderConfigSchema(): string {
  return config.renderConfigSchema(vendors);
}

export function validateConfigShape(data: unknown): ConfigProblem[] {
  return validateShape(data, vendors);
}

export function translateAjvErrors(errors: readonly ErrorObject[], data: unknown): ConfigProblem[] {
  return translate(errors, data, vendors);
}
