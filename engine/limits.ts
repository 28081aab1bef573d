/**
 * Every bound the engine enforces, in one place. Units are last in the name.
 * Each limit is checked where data enters (client calls, workflow commands,
 * activity results, worker options), never deep inside.
 */

/** Largest encoded JSON payload (workflow input/result, activity input/result, signal, heartbeat). */
export const PAYLOAD_BYTES_MAX = 256 * 1024;

/** Events one run may hold; past it the run fails with HISTORY_LIMIT_EXCEEDED (Temporal: 51,200). */
export const HISTORY_EVENTS_MAX = 50_000;

/** History length from which `ctx.continueAsNewSuggested` is true: a fifth of HISTORY_EVENTS_MAX, so a long-lived workflow has room to wind down. */
export const HISTORY_EVENTS_CONTINUE_AS_NEW_SUGGESTED = 10_000;

/** Commands a single workflow task may emit (a fan-out of 1,000 activities fits). */
export const COMMANDS_PER_WORKFLOW_TASK_MAX = 10_000;

/** Characters of a cancellation or termination reason that are kept (longer ones are cut). */
export const REASON_CHARS_MAX = 1_000;

/** Characters of a start's request id (StartOptions.requestId). */
export const REQUEST_ID_CHARS_MAX = 200;

/** Workflows one bulk start (Client.startMany) may start in its one transaction. */
export const START_BATCH_MAX = 1_000;

/**
 * Local activities run inside a workflow task, so they must finish well within its lease
 * (WORKFLOW_TASK_TIMEOUT_MS_DEFAULT): one attempt at most this long, and no retry starts past the
 * same budget from the first. Longer work is an ordinary activity.
 */
export const LOCAL_ACTIVITY_TIMEOUT_MS_MAX = 5_000;
export const LOCAL_ACTIVITY_TIMEOUT_MS_DEFAULT = 2_000;
export const LOCAL_ACTIVITY_BUDGET_MS = 5_000;
export const LOCAL_ACTIVITY_ATTEMPTS_DEFAULT = 3;

/** Search attributes a run may carry (keys), and the longest string value. */
export const SEARCH_ATTRIBUTES_MAX = 32;
export const SEARCH_ATTRIBUTE_CHARS_MAX = 256;
/** Workflows one list() page returns, by default and at most. */
export const LIST_PAGE_SIZE_DEFAULT = 100;
export const LIST_PAGE_SIZE_MAX = 1_000;

/** Most runs one replay check (engine/testing/replayer.ts) reads and replays. */
export const REPLAY_RUNS_MAX = 10_000;

/** Tasks one claim statement may lease. */
export const CLAIM_BATCH_MAX = 1_000;

/** Concurrency a worker may run per task kind. */
export const WORKER_CONCURRENCY_MAX = 10_000;

/** Connections one worker's pool may open (the LISTEN connection is one more). */
export const CONNECTIONS_MAX = 100;

/** Lease and timeout bounds: a lease shorter than this cannot survive a GC pause. */
export const LEASE_MS_MIN = 100;
export const TIMEOUT_MS_MAX = 10 * 365 * 24 * 3600 * 1000;

/** Retry attempts a policy may name (0 means unlimited, as in Temporal). */
export const ATTEMPTS_MAX = 1_000_000;

/** Durable timers: longest sleep. */
export const SLEEP_MS_MAX = TIMEOUT_MS_MAX;

/** Name lengths (workflow ids, types, queues, signals). */
export const WORKFLOW_ID_LENGTH_MAX = 1_000;
export const TYPE_NAME_LENGTH_MAX = 200;
export const QUEUE_NAME_LENGTH_MAX = 200;
export const SIGNAL_NAME_LENGTH_MAX = 200;

/** Defaults, Temporal's where Temporal has one. */
export const WORKFLOW_TASK_TIMEOUT_MS_DEFAULT = 10_000;
export const ACTIVITY_START_TO_CLOSE_MS_DEFAULT = 60_000;
/**
 * Firing a timer is one short transaction, so its lease is short: a worker
 * that dies holding one delays that timer by at most this much. (30 s here
 * once stalled a simulated workflow past its liveness bound.)
 */
export const TIMER_TASK_LEASE_MS = 5_000;
export const RETRY_INITIAL_INTERVAL_MS_DEFAULT = 1_000;
export const RETRY_BACKOFF_COEFFICIENT_DEFAULT = 2;
/** Temporal: maximum interval defaults to 100x the initial interval. */
export const RETRY_MAXIMUM_INTERVAL_FACTOR_DEFAULT = 100;
/** A failing workflow task (non-determinism, unknown type) is retried with backoff up to this. */
export const WORKFLOW_TASK_RETRY_MS_MAX = 10 * 60 * 1000;
export const WORKFLOW_TASK_RETRY_MS_INITIAL = 1_000;

/** Worker defaults. */
export const WORKER_ACTIVITY_CONCURRENCY_DEFAULT = 100;
export const WORKER_WORKFLOW_CONCURRENCY_DEFAULT = 20;
export const WORKER_CLAIM_BATCH_DEFAULT = 10;
export const WORKER_COMPLETION_BATCH_DEFAULT = 100;
/**
 * Recording transactions of one kind a worker runs at once (WorkerOptions.completionsInFlight).
 * Fewer and bigger transactions cost Postgres less per step than many small ones side by side.
 */
export const WORKER_COMPLETIONS_IN_FLIGHT_DEFAULT = 2;
export const WORKER_COMPLETIONS_IN_FLIGHT_MAX = 64;
/** Runs whose history prefixes a worker keeps (least recently used are dropped). */
export const WORKER_HISTORY_CACHE_RUNS = 5_000;
/** Live workflow executions a worker keeps between tasks (least recently used are dropped). */
export const WORKER_EXECUTION_CACHE_RUNS = 2_000;
export const WORKER_POLL_INTERVAL_MS_DEFAULT = 1_000;
export const WORKER_POLL_INTERVAL_MS_MAX = 3_600_000;
export const WORKER_SHUTDOWN_GRACE_MS_MAX = 3_600_000;
export const WORKER_SHUTDOWN_GRACE_MS_DEFAULT = 10_000;
export const WORKER_CONNECTIONS_DEFAULT = 4;
/** Backoff after a database error in a poll loop: doubles from min to max. */
export const WORKER_ERROR_BACKOFF_MS_MIN = 100;
export const WORKER_ERROR_BACKOFF_MS_MAX = 5_000;

/** Client polling while waiting for a result. */
export const RESULT_POLL_MS_DEFAULT = 200;

/**
 * Engine-run maintenance of the hot tasks table (see Worker's
 * queueMaintenance): how often each worker looks at the table's dead
 * tuples, and how many make it VACUUM. Every task row is inserted, updated
 * by its claim and deleted, so a busy queue leaves two dead tuples per task;
 * autovacuum visits a database at most once per autovacuum_naptime (1 min by
 * default) and not at all where it is turned off.
 */
export const QUEUE_MAINTENANCE_INTERVAL_MS_DEFAULT = 10_000;
export const QUEUE_MAINTENANCE_INTERVAL_MS_MIN = 100;
export const QUEUE_VACUUM_DEAD_TUPLES_DEFAULT = 10_000;

/** Cron expressions and intervals one schedule's spec may list together. */
export const SCHEDULE_SPEC_ITEMS_MAX = 10;
/** The shortest interval a schedule may fire at. */
export const SCHEDULE_INTERVAL_MS_MIN = 1_000;
/** A schedule's catch-up window: a fire later than this is missed, not run. Default one year (as Temporal's), at least ten seconds. */
export const SCHEDULE_CATCHUP_WINDOW_MS_DEFAULT = 365 * 24 * 3600 * 1000;
export const SCHEDULE_CATCHUP_WINDOW_MS_MIN = 10_000;
/** A schedule's spec.jitterMs: each fire is delayed by up to this (and by less than the time to its next fire). */
export const SCHEDULE_JITTER_MS_MAX = 24 * 3600 * 1000;
/** Fire times one backfill may cover (it runs in one transaction); a range with more is refused, INVALID_ARGUMENT. */
export const SCHEDULE_BACKFILL_FIRES_MAX = 1_000;
/** Fires one round of a schedule handles (one transaction); more due start another round at once. */
export const SCHEDULE_FIRES_PER_ROUND_MAX = 100;
/** Fires waiting for the running workflow to close under the bufferAll policy; more are skipped. */
export const SCHEDULE_BUFFER_MAX = 1_000;
/** Fires older than the catch-up window counted as missed in one round; past it the count stops (the fires are still missed). */
export const SCHEDULE_MISSED_COUNT_MAX = 10_000;
/** Recent actions a schedule keeps for describe. */
export const SCHEDULE_RECENT_ACTIONS_MAX = 10;
/** Upcoming fire times describe lists. */
export const SCHEDULE_UPCOMING_FIRES = 5;
/** Characters of a schedule's note (why it was paused, say). */
export const SCHEDULE_NOTE_CHARS_MAX = 1_000;
/** Schedules one list page returns, by default and at most. */
export const SCHEDULE_LIST_PAGE_SIZE_DEFAULT = 100;

/**
 * History partitions (engine/store/history-partitions.ts): history is
 * partitioned by run id, and run ids are UUIDv7, so each partition holds the
 * runs created in one window of time. Retention drops a whole window once
 * every run in it closed before the cutoff: the window is the grain of
 * retention (a day: a run's history goes at most a day after the cutoff
 * says it may). Windows are created this many ahead of the current one, so
 * a missed maintenance round (or a day of them) never sends new runs to the
 * default partition.
 */
export const HISTORY_WINDOW_MS_DEFAULT = 86_400_000;
export const HISTORY_WINDOW_MS_MIN = 60_000;
export const HISTORY_WINDOW_MS_MAX = 366 * 86_400_000;
export const HISTORY_WINDOWS_AHEAD_DEFAULT = 2;
export const HISTORY_WINDOWS_AHEAD_MAX = 100;
/** Partitions one maintenance call creates at most (more are made by the next call). */
export const HISTORY_PARTITIONS_CREATED_MAX = 64;
/**
 * How long partition DDL waits for its locks before giving up (lock_timeout):
 * creating a window locks the default partition, dropping one locks history
 * itself, and a DDL statement waiting for a lock makes every later history
 * query queue behind it — so it waits briefly and tries again next round.
 */
export const HISTORY_DDL_LOCK_TIMEOUT_MS = 2_000;
/** The longest retention age a caller may give (100 years): a bound, not advice. */
export const RETENTION_AGE_MS_MAX = 100 * 366 * 86_400_000;
/** Fairness keys one fair claim visits (successive claims rotate through more); past a few dozen the claim's cost grows with little gain. */
export const FAIR_CLAIM_KEYS_MAX = 32;
/** Characters of a fairness key. */
export const FAIRNESS_KEY_CHARS_MAX = 200;
