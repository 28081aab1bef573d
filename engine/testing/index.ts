/** Test helpers: a manual clock, and fresh databases for tests. */
export { ManualClock } from "./manual-clock.ts";
export { testDatabase, postgresUrl, type TestDatabase } from "./databases.ts";
