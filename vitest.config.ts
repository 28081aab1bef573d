import { defineConfig } from "vitest/config";

// Tests sit beside the code they test. Files that talk to real Postgres create
// their own schema, so files may run in parallel (two at a time on this
// 2-core machine: more only adds contention for the database).
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    globalSetup: ["test/global-setup.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
