/** Test helpers: a manual clock, fresh databases for tests, and the replay check for new workflow code. */
export { ManualClock } from "./manual-clock.ts";
export { testDatabase, postgresUrl, type TestDatabase } from "./databases.ts";
export { replayHistory, replayRuns, type ReplayReport, type ReplayRunsOptions, type ReplayedRun } from "./replayer.ts";
