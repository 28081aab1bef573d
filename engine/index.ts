/**
 * Ratchet's public surface. Workflow code needs only the types; the rest is
 * for processes that start workflows (Client) and run them (Worker).
 */
export { Ratchet, defaultDatabase, type ConnectOptions } from "./ratchet.ts";
export { Client, WorkflowHandle, type ClientOptions, type ClientTransaction, type ListFilter, type StartOptions, type WorkflowDescription, type WorkflowSummary, type PendingActivityInfo } from "./client/client.ts";
export { ScheduleClient, ScheduleHandle, type ScheduleOptions, type ScheduleActionOptions, type ScheduleDescription } from "./client/schedules.ts";
export { OVERLAP_POLICIES, type OverlapPolicy, type ScheduleSpec, type SchedulePolicies } from "./schedule/spec.ts";
export { parseCron, nextCronTime } from "./schedule/cron.ts";
export { Worker, type WorkerOptions, type WorkerStats, type WorkerState } from "./worker/worker.ts";
export { AbandonTask, type FaultHook, type FaultPoint, type FaultContext, type WorkerObservation, type WorkerObserver } from "./worker/hooks.ts";
export {
  Store,
  SCHEMA_DEFAULT,
  type StoreOptions,
  type RunRecord,
  type RunStatus,
  type ClaimedTask,
  type IdConflictPolicy,
  type IdReusePolicy,
  type ActivityTaskRef,
  type TaskKind,
} from "./store/store.ts";
export { migrate, schemaVersion, assertMigrated, SCHEMA_VERSION } from "./store/migrate.ts";
export { openDatabase, type OpenDatabaseOptions } from "./db/connect.ts";
export { PgDriver, type PgDriverOptions } from "./db/pg-driver.ts";
export { PgliteDriver, type PgliteDriverOptions } from "./db/pglite-driver.ts";
export type { SqlDriver, SqlSession, Sql, Row } from "./db/driver.ts";
/** For custom SqlDriver implementations: turn a Postgres/socket error into a typed RatchetError. */
export { translateDriverError, isConnectionError } from "./db/errors.ts";
export type { Clock } from "./ports/clock.ts";
export { SystemClock } from "./ports/system-clock.ts";
export type { Random } from "./ports/random.ts";
export { CryptoRandom } from "./ports/crypto-random.ts";
export { SeededRandom } from "./ports/seeded-random.ts";
export { ConsoleLogger, silentLogger, type Logger, type LogLevel } from "./ports/logger.ts";
export { transactional, type WorkflowContext, type ContinueAsNewOptions, type ChildWorkflowOptions, type ChildWorkflowHandle, type WorkflowFunction, type WorkflowInfo, type ActivityContext, type ActivityFunction, type TransactionalActivity, type ActivityMap, type WorkflowMap } from "./workflow/types.ts";
export type { ActivityOptions, RetryPolicy } from "./workflow/options.ts";
export { replayWorkflowTask, type ReplayInput, type ReplayOutcome } from "./workflow/replay.ts";
export { PARENT_CLOSE_POLICIES, type HistoryEvent, type EventType, type ParentClosePolicy, type ParentRef } from "./history/events.ts";
export * from "./errors.ts";
export * as limits from "./limits.ts";
