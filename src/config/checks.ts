import { accessSync, constants, statSync } from "node:fs";
import { findVendor, type Vendors } from "./vendors.js";
import { resolve } from "node:path";
import { formatDuration, parseDuration } from "./duration.js";
import type { ConfigProblem } from "./problems.js";
import { isRecord, rawSources } from "./raw.js";
import { MIN_INTERVAL_MS } from "./schema.js";
import { formatPath } from "./yaml-path.js";
import { isLoopbackHost } from "../mqtt/loopback.js";

/** Ids end up in topics and unique ids: two sources with one id would overwrite each other. */
export function checkDuplicateIds(data: unknown): ConfigProblem[] {
  const firstIndex = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const { source } of rawSources(data)) {
    if (typeof source.id === "string") counts.set(source.id, (counts.get(source.id) ?? 0) + 1);
  }
  const problems: ConfigProblem[] = [];
  for (const { index, source } of rawSources(data)) {
    if (typeof source.id !== "string") continue;
    const first = firstIndex.get(source.id);
    if (first === undefined) {
      firstIndex.set(source.id, index);
      continue;
    }
    const count = counts.get(source.id) ?? 0;
    const times = count === 2 ? "twice" : `${count} times`;
    problems.push({
      path: formatPath(["sources", index, "id"]),
      message: `"${source.id}" is used ${times} (first at ${formatPath(["sources", first])}); ids must be unique`,
    });
  }
  return problems;
}

/**
 * Discovery ids join base, source and device keys with "_": sources `home` and `home_x` can
 * produce one id (`home` + device `x_1`, `home_x` + device `1`), and Home Assistant would merge
 * the two devices. Not an error: most such pairs never meet, and a working config stays valid.
 */
export function sourceIdWarnings(data: unknown): string[] {
  const ids = rawSources(data).flatMap(({ index, source }) => (typeof source.id === "string" ? [{ index, id: source.id }] : []));
  const warnings: string[] = [];
  for (const a of ids) {
    for (const b of ids) {
      if (b.id.startsWith(`${a.id}_`)) {
        warnings.push(
          `${formatPath(["sources", b.index, "id"])}: "${b.id}" begins with "${a.id}_" (the id at ${formatPath(["sources", a.index])}); ` +
            `Home Assistant ids join source and device with "_", so their devices can meet: prefer "${a.id}-${b.id.slice(a.id.length + 1)}"`,
        );
      }
    }
  }
  return warnings;
}

/** The rules of each vendor that its schema cannot express; only meaningful once the schema passed. */
export function checkVendorRules(data: unknown, vendors: Vendors): ConfigProblem[] {
  return rawSources(data).flatMap(({ index, source }) => {
    const definition = typeof source.type === "string" ? findVendor(vendors, source.type) : undefined;
    return (definition?.check?.(source) ?? []).map((p) => ({ path: formatPath(["sources", index, ...p.path]), message: p.message }));
  });
}

/** Syntax is the schema's job; this adds what it cannot say: the floor of the poll interval. */
export function checkDurations(data: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const { index, source } of rawSources(data)) {
    for (const key of ["interval", "timeout", "max_retry_after"] as const) {
      const value = source[key];
      if (typeof value !== "string" && typeof value !== "number") continue;
      const path = formatPath(["sources", index, key]);
      let ms: number;
      try {
        ms = parseDuration(value);
      } catch (error) {
        problems.push({ path, message: (error as Error).message });
        continue;
      }
      if (key === "interval" && ms < MIN_INTERVAL_MS) {
        problems.push({ path, message: `must be at least ${formatDuration(MIN_INTERVAL_MS)} (got ${JSON.stringify(value)})` });
      } else if (ms <= 0) {
        problems.push({ path, message: `must be more than 0 (got ${JSON.stringify(value)})` });
      }
    }
  }
  return problems;
}

function readableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A missing CA file would otherwise surface as a TLS error on the first connect, far from its cause. */
export function checkTlsFiles(data: unknown, baseDir: string): ConfigProblem[] {
  if (!isRecord(data) || !isRecord(data.mqtt) || !isRecord(data.mqtt.tls)) return [];
  const tls = data.mqtt.tls;
  const problems: ConfigProblem[] = [];
  for (const key of ["ca", "cert", "key"] as const) {
    const value = tls[key];
    if (typeof value !== "string" || value === "") continue;
    const file = resolve(baseDir, value);
    if (!readableFile(file)) problems.push({ path: formatPath(["mqtt", "tls", key]), message: `file not readable: ${file}` });
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const missing = tls.cert === undefined ? "cert" : "key";
    problems.push({ path: formatPath(["mqtt", "tls", missing]), message: "is required with a client certificate (cert and key go together)" });
  }
  return problems;
}

/**
 * The embedded broker carries every reading and takes commands: bound where other hosts reach
 * it, it needs a login, unless the config says explicitly that anonymous clients are wanted.
 */
export function checkBrokerExposure(data: unknown): ConfigProblem[] {
  if (!isRecord(data)) return [];
  if (isRecord(data.mqtt) && data.mqtt.url !== undefined) return [];
  const broker = isRecord(data.broker) ? data.broker : {};
  const host = typeof broker.host === "string" ? broker.host : "127.0.0.1";
  const hasUser = typeof broker.username === "string" && broker.username !== "";
  const hasPassword = typeof broker.password === "string" && broker.password !== "";
  if (hasUser && !hasPassword) return [{ path: "broker.password", message: "is required with broker.username (clients would log in with an empty password)" }];
  if (hasPassword && !hasUser) return [{ path: "broker.username", message: "is required with broker.password (without it the embedded broker lets anyone in)" }];
  if (hasUser || isLoopbackHost(host) || broker.allow_anonymous === true) return [];
  return [
    {
      path: "broker.host",
      message:
        `the embedded broker would listen on ${host}, reachable from other hosts, and let anyone in: every reading and every command would be open to them; ` +
        "set broker.username and broker.password, or broker.host: 127.0.0.1, or broker.allow_anonymous: true if anonymous clients are really wanted",
    },
  ];
}

export function mqttWarnings(data: unknown): string[] {
  if (!isRecord(data) || !isRecord(data.mqtt)) return [];
  const { url, tls } = data.mqtt;
  const warnings: string[] = [];
  if (tls !== undefined && typeof url === "string" && !/^(mqtts|wss):/.test(url)) {
    warnings.push("mqtt.tls is used only with mqtts:// or wss:// URLs; it has no effect with " + url.split(":")[0] + "://");
  }
  if (url === undefined && (data.mqtt.username !== undefined || data.mqtt.password !== undefined || tls !== undefined)) {
    warnings.push("mqtt.username, mqtt.password and mqtt.tls have no effect without mqtt.url (the embedded broker is used; see broker)");
  }
  return warnings;
}
