import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfigFile, parseConfig } from "../../src/app-config.js";

const source = (password: string): string => ["sources:", "  - id: home", "    type: mybenext", "    username: u", `    password: "${password}"`, ""].join("\n");
const DEFAULT_WARNING = "sources[0].password uses the default of its ${VAR:-default}: that secret is written in the config file; set the variable, or remove the default";

describe("secrets written in the config file", () => {
  it("a ${VAR:-default} that falls back to its default for a secret is warned about, without the secret", () => {
    const text = source("${BENEXT_PASSWORD:-hunter2-default}");
    const fallback = parseConfig(text, {});
    expect(fallback.config?.sources[0].password).toBe("hunter2-default");
    expect(fallback.warnings).toEqual([DEFAULT_WARNING]);
    expect(parseConfig(text, { BENEXT_PASSWORD: "from-env" }).warnings).toEqual([]);
    // A default for something that is no secret is what defaults are for.
    expect(parseConfig(source("${P}") + "health:\n  port: ${HEALTH_PORT:-8100}\n", { P: "p" }).warnings).toEqual([]);
  });

  it.skipIf(process.platform === "win32")("a file others can read is named with chmod 600 when it holds a defaulted or mqtt.url secret; 0600 is quiet", async () => {
    const dir = mkdtempSync(join(tmpdir(), "c2m-perm-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, source("${BENEXT_PASSWORD:-hunter2-default}") + "mqtt:\n  url: mqtt://bridge:url%40pass@broker:1883\n");
    chmodSync(file, 0o644);
    const open = await checkConfigFile(file, {});
    const perm = open.warnings.filter((w) => w.includes("readable by other users"));
    expect(perm).toEqual([
      `${file} is readable by other users and contains secrets (mqtt.url, sources[0].password): run chmod 600 on it, or move the secrets into environment variables (\${VAR})`,
    ]);
    expect(open.warnings.join("\n")).not.toMatch(/hunter2|url%40pass|url@pass/);
    chmodSync(file, 0o600);
    expect((await checkConfigFile(file, {})).warnings).toEqual([DEFAULT_WARNING]);
  });
});
