import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/harness/temp-root.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites start real servers (sshd, HTTP, DNS) on loopback; two forks fit two cores.
    pool: "forks",
    maxWorkers: 2,
  },
});
