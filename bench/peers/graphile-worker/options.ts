/**
 * graphile-worker's settings for a benchmark run: what the parent reads from
 * the run's config (defaults: the configuration graphile-worker's own
 * performance page documents as its fastest) and what its worker processes
 * receive.
 *
 * Measured on the project's 2-core machine (issue 4): ~1.3-1.8k jobs/s with
 * graphile-worker's defaults (no local queue, completions one statement
 * each), 19-31k jobs/s with `localQueue` (size 100-500) and
 * `completeJobBatchDelay: 0`.
 */
import { Logger } from "graphile-worker";
import type { QueueWorkerSettings } from "./queue-protocol.ts";
import { intSetting, type Config } from "./queue-settings.ts";

/** The one task every benchmark job runs. */
export const GRAPHILE_TASK = "ratchet_bench";

/** graphile-worker's own option names (delays and intervals in ms), so its users recognise them. */
export interface GraphileOptions {
  [key: string]: number;
  /** Jobs fetched (and locked) per fetch into the worker's local queue; -1: no local queue. */
  localQueueSize: number;
  /** ms to wait for more completions to batch into one statement; -1: one statement per job. */
  completeJobBatchDelay: number;
  failJobBatchDelay: number;
  maxPoolSize: number;
  /** ms between polls for jobs scheduled in the future; new jobs arrive by LISTEN/NOTIFY. */
  pollInterval: number;
}

export type GraphileWorkerSettings = QueueWorkerSettings & GraphileOptions;

/** The documented performance configuration: https://worker.graphile.org/docs/performance */
export const GRAPHILE_DEFAULT_CONCURRENCY = 24;

export function graphileOptions(config: Config): GraphileOptions {
  const concurrency = intSetting(config, "concurrency", GRAPHILE_DEFAULT_CONCURRENCY, 1, 1_000);
  const options: GraphileOptions = {
    localQueueSize: intSetting(config, "localQueueSize", 500, -1, 100_000),
    completeJobBatchDelay: intSetting(config, "completeJobBatchDelay", 0, -1, 60_000),
    failJobBatchDelay: intSetting(config, "failJobBatchDelay", 0, -1, 60_000),
    // Its typings advise max(10, concurrency + 2): handlers (steps) use the pool too.
    maxPoolSize: intSetting(config, "maxPoolSize", Math.max(10, concurrency + 2), 2, 1_000),
    pollInterval: intSetting(config, "pollInterval", 2_000, 1, 3_600_000),
  };
  if (options.localQueueSize === 0) options.localQueueSize = -1;
  return options;
}

/** graphile-worker's logger, keeping errors and warnings only (to stderr, which the parent keeps for failures). */
export const quietLogger = new Logger(() => (level, message) => {
  const name = String(level);
  if (name === "error" || name === "warning") process.stderr.write(`graphile-worker ${name}: ${message}\n`);
});
