import { existsSync } from "node:fs";

export const OPENSSL = ["/usr/bin/openssl", "/usr/local/bin/openssl"].find((p) => existsSync(p));
export const MOSQUITTO_PASSWD = ["/usr/bin/mosquitto_passwd", "/usr/local/bin/mosquitto_passwd"].find((p) => existsSync(p));

/**
 * For `describe.skipIf(withoutTools({ mosquitto: MOSQUITTO }))`: true (skip) when a tool is missing
 * on a developer's machine, so the rest of the suite still runs there; in CI (`CI` set, as
 * .ci/run does) a missing tool throws, failing the file: skipped there, its tests passed silently.
 */
export function withoutTools(tools: Record<string, string | undefined>): boolean {
  const missing = Object.entries(tools)
    .filter(([, path]) => path === undefined)
    .map(([name]) => name);
  if (missing.length === 0) return false;
  if (process.env.CI) throw new Error(`${missing.join(", ")} not installed: CI runs every test that needs it (.ci/run installs Mosquitto and OpenSSL)`);
  return true;
}
