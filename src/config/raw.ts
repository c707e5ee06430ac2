/**
 * The file as written after env substitution and schema validation, with every `default` of the
 * schema filled in by ajv (`useDefaults`): the schema is where defaults are written, once. Durations
 * are still as written. Only trust this shape once `validateConfigShape` found no problem.
 */
export interface RawSource {
  id: string;
  type: string;
  enabled: boolean;
  interval: string | number;
  timeout: string | number;
  max_retry_after: string | number;
  include?: string[];
  exclude?: string[];
  [key: string]: unknown;
}

export interface RawConfig {
  mqtt: {
    url?: string;
    username?: string;
    password?: string;
    base_topic: string;
    /** No schema default: it depends on the host (`defaultClientId`). */
    client_id?: string;
    keepalive: number;
    tls?: { ca?: string; cert?: string; key?: string; reject_unauthorized: boolean };
  };
  broker: { host: string; port: number; username?: string; password?: string; allow_anonymous: boolean };
  homeassistant: { enabled: boolean; discovery_prefix: string; status_topic: string };
  health: { enabled: boolean; host: string; port: number };
  data_dir: string;
  log_level: string;
  sources: RawSource[];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The source entries that are mappings, with their index, for checks that run before validation passed. */
export function rawSources(data: unknown): Array<{ index: number; source: Record<string, unknown> }> {
  if (!isRecord(data) || !Array.isArray(data.sources)) return [];
  return data.sources.flatMap((source: unknown, index) => (isRecord(source) ? [{ index, source }] : []));
}
