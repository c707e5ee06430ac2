/**
 * Tests spawn the built CLI (dist/cli.js): a missing or stale build would skip them or test old
 * code. Builds once before any test file runs when dist/ is missing or older than src/.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(join(ROOT, "dist", "cli.js")).mtimeMs;
  } catch {
    return 0;
  }
}

export function setup(): void {
  if (builtAt() >= newestMtime(join(ROOT, "src"))) return;
  process.stderr.write("dist/ is missing or older than src/: building it (tsc -p tsconfig.build.json)\n");
  execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "inherit" });
}
