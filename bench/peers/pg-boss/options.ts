/**
 * pg-boss's settings for a benchmark run: what the parent reads from the
 * run's config and what its worker processes receive.
 *
 * Measured on the project's 2-core machine (issue 4): ~2k jobs/s through
 * `work()` at large batch sizes, ~4.4-4.9k with a fetch/complete loop of
 * batches of 100 (one statement fetches 100, one completes them all). Its
 * fetch sorts the whole ready set, so one job per fetch collapses to
 * ~50-60 jobs/s at a 20k backlog: batches are the documented way past it.
 * Even batched, the sort shows: here 6.8-12.6k jobs/s with ~2k jobs
 * waiting (fanout), 1.9k/s with 100k waiting (backlog).
 */
import type { QueueWorkerSettings } from "../graphile-worker/queue-protocol.ts";
import { boolSetting, choiceSetting, intSetting, type Config } from "../graphile-worker/queue-settings.ts";

/** The one queue every benchmark job goes to. */
export const PGBOSS_QUEUE = "ratchet_bench";

/** pg-boss's minimum polling interval for work() (its MIN_POLLING_INTERVAL_MS). */
export const PGBOSS_POLL_MS_MIN = 500;

export const PGBOSS_CONSUMERS = ["fetch-loop", "work"] as const;

export interface PgBossOptions {
  [key: string]: string | number | boolean;
  /** fetch-loop: fetch a batch, run it, complete every id in one call; work: pg-boss's own work() loop. */
  consumer: (typeof PGBOSS_CONSUMERS)[number];
  /** Jobs per fetch. */
  batchSize: number;
  /** fetch's `priority` option: false drops `priority desc` from its ORDER BY. */
  priority: boolean;
  /** ms a consumer waits after an empty fetch (work(): its pollingIntervalSeconds; at least 500). */
  idlePollMs: number;
  /** Connections of each worker process's pool (pg-boss's `max`). */
  max: number;
}

export type PgBossWorkerSettings = QueueWorkerSettings & PgBossOptions;

/**
 * Fetch loops (or work() calls) per worker process. Fanout jobs/s measured here (one worker process,
 * shared noisy machine): 1 loop 4.7-5.3k, 2 loops 4.9-6.1k, 4 loops 7.1-11.1k, 8 loops 9.2-11.0k.
 */
export const PGBOSS_DEFAULT_CONCURRENCY = 4;

export function pgBossOptions(config: Config): PgBossOptions {
  const concurrency = intSetting(config, "concurrency", PGBOSS_DEFAULT_CONCURRENCY, 1, 1_000);
  return {
    consumer: choiceSetting(config, "consumer", PGBOSS_CONSUMERS, "fetch-loop"),
    batchSize: intSetting(config, "batchSize", 100, 1, 10_000),
    priority: boolSetting(config, "priority", true),
    idlePollMs: intSetting(config, "idlePollMs", PGBOSS_POLL_MS_MIN, PGBOSS_POLL_MS_MIN, 3_600_000),
    max: intSetting(config, "max", Math.max(10, concurrency + 2), 2, 1_000),
  };
}
