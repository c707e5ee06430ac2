import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, Recorder } from "../helpers/mqtt.js";

/**
 * The Docker image's runtime content, proven without Docker: the packed tarball installed with
 * production dependencies only runs `validate` and a short demo.
 */
describe("the packed package", () => {
  it("installs with production dependencies only, validates a config and runs the demo", { timeout: 240_000 }, async () => {
    const root = resolve(import.meta.dirname, "../..");
    const work = mkdtempSync(join(tmpdir(), "c2m-pack-"));
    execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", work], { cwd: root, stdio: "pipe" });
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    expect(tarball).toBeDefined();
    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "pack-check", private: true }));
    execFileSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", join(work, tarball!)], { cwd: app, stdio: "pipe" });
    const bin = join(app, "node_modules", ".bin", "cloud2mqtt");

    writeFileSync(join(app, "config.yaml"), "sources:\n  - id: home\n    type: mybenext\n    username: demo\n    password: ${PW}\n");
    const ok = execFileSync(bin, ["validate", "--config", "config.yaml"], { cwd: app, env: { ...process.env, PW: "x-secret" }, encoding: "utf8" });
    expect(ok).toMatch(/valid/);

    const port = await freePort();
    const child = spawn(bin, ["demo", "--port", String(port), "--health-port", "0", "--exit-after", "8s"], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    const deadline = Date.now() + 30_000;
    while (!out.includes("mosquitto_sub") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const rec = await Recorder.start(`mqtt://127.0.0.1:${port}`);
    await rec.waitFor("cloud2mqtt/home/availability", (p) => p === "online", 20_000);
    const configs = rec.messages.filter((m) => m.topic.startsWith("homeassistant/device/"));
    expect(configs.length).toBeGreaterThan(5);
    await rec.close();
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(out).toContain("mosquitto_sub");
    expect(code).toBe(0);
  });
});
