import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ when missing or stale: the CLI and SIGTERM tests spawn it.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests bind real ports and spawn the daemon: keep the load of a 2-core machine sane.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
