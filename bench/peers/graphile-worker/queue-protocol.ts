/**
 * What the parent (which enqueues and measures) and its worker processes
 * (which consume) of a queue peer say to each other: the job payload, the IPC
 * messages, and the named bounds. Shared by both queue peers (graphile-worker,
 * pg-boss).
 *
 * (This file and the other queue-*.ts files are shared by bench/peers/pg-boss;
 * they live here only because the session that wrote them could create files
 * in the two peer folders alone. Their home is bench/harness/queue/.)
 */

/** What every benchmark job carries. Short keys: the payload is written and parsed once per job. */
export interface JobPayload {
  /** Wall-clock ms (Date.now()) when the job was enqueued: schedule-to-start is measured from here. */
  t: number;
  /** Steps workload: this step's depth, 1-based; the chain is done after `stepsDepth`. */
  d?: number;
  /** Steps workload: wall-clock ms when the chain's first step was enqueued (its end-to-end starts here). */
  s?: number;
  /** Latency workload: the sample's sequence number, so the parent matches the report to its job. */
  n?: number;
  /** Padding, so the payload reaches `payloadBytes`. */
  p?: string;
}

/** The environment variable that carries a worker process's settings (JSON). */
export const WORKER_SETTINGS_ENV = "RATCHET_BENCH_QUEUE_WORKER";

/** Settings every queue worker process receives; each peer adds its own. */
export interface QueueWorkerSettings {
  connectionString: string;
  schema: string;
  /** Jobs (graphile-worker) or fetch loops (pg-boss) at once in this process. */
  concurrency: number;
  /** Steps workload: chain depth (a job enqueues its successor until this depth); 0 otherwise. */
  stepsDepth: number;
  /** Latency workload: report every finished job to the parent at once. */
  reportEachJob: boolean;
}

export type ParentMessage = { type: "window-start" } | { type: "window-end" } | { type: "stop" };

export interface WindowMark {
  /** Jobs finished by this process so far (every job counts once; a step is a job). */
  completed: number;
  /** Steps workload: chains whose last step finished. */
  chainsDone: number;
  /** Only at window-end: samples (ms) taken inside the window. */
  startLatenciesMs: number[];
  endToEndMs: number[];
}

export type ChildMessage =
  | { type: "ready" }
  | { type: "progress"; completed: number; chainsDone: number }
  | ({ type: "window"; phase: "start" | "end" } & WindowMark)
  | { type: "job-done"; n: number; endToEndMs: number | null }
  | { type: "failed"; message: string };

/** How often a worker process tells the parent its counts (the parent tops queues up from them). */
export const PROGRESS_INTERVAL_MS = 5;
/** Latency samples kept per worker process and kind (reservoir-sampled beyond this). */
export const LATENCY_SAMPLES_MAX = 100_000;

/** The successor of a steps-workload job, or null when the chain is done (or this is not a steps job). */
export function nextStep(payload: JobPayload, stepsDepth: number, nowMs: number): JobPayload | null {
  if (payload.d === undefined || payload.d >= stepsDepth) return null;
  const next: JobPayload = { t: nowMs, d: payload.d + 1, s: payload.s ?? payload.t };
  if (payload.p !== undefined) next.p = payload.p;
  return next;
}

/** True when this job was the last step of a chain. */
export function endsChain(payload: JobPayload, stepsDepth: number): boolean {
  return payload.d !== undefined && payload.d >= stepsDepth;
}
