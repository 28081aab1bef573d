/**
 * The benchmark harness's shared model: what a measured system must do, and
 * the stable shape of results (`ratchet bench ... --json`, and what
 * reports/ renders). Every number is measured in the run that reports it;
 * comparisons are ratios against baselines measured in the same run.
 */

/** Who was measured. */
export type SystemName = "ratchet" | "sql-ceiling" | "pgbench" | "graphile-worker" | "pg-boss" | "dbos";

/** What a result counts per second. */
export type Unit = "steps" | "tasks" | "workflows" | "commits";

/**
 * Workloads, by what they ask of a system:
 * - steps: workflows of 10 sequential no-op activities; a step is an activity plus the workflow
 *   task that records it (queues without workflows: a job that enqueues the next, 10 deep).
 * - fanout: one workflow fanning out 1,000 no-op activities (queues: 1,000 jobs added at once): the pure queue path.
 * - one-activity: workflows of one no-op activity (queues: one job).
 * - latency: an idle system, one workflow/job at a time: schedule-to-start latency.
 * - backlog: one-activity throughput with N tasks already waiting in the same queue.
 * - churn: sustained one-activity load for a duration, sampling table and index sizes.
 * - commits: the raw commit rate of the server (pgbench), the ceiling for one-commit-per-step designs.
 */
export type WorkloadName = "steps" | "fanout" | "one-activity" | "latency" | "backlog" | "churn" | "commits";

export interface LatencyPercentiles {
  p50: number;
  p95: number;
  p99: number;
  /** How many samples they come from. */
  samples: number;
}

export interface CpuShare {
  /** CPU seconds spent by the system's Node processes during the measured window. */
  nodeCpuSeconds: number;
  /** CPU seconds spent by PostgreSQL backends during the measured window. */
  postgresCpuSeconds: number;
  /** nodeCpuSeconds / (nodeCpuSeconds + postgresCpuSeconds). */
  nodeShare: number;
}

export interface Result {
  system: SystemName;
  workload: WorkloadName;
  /** Every knob this result ran with (workers, concurrency, batch, partitions, payloadBytes, notify, synchronousCommit, backlog, ...). */
  config: Record<string, string | number | boolean>;
  /** Units completed per second over the measured window (after warm-up). */
  perSecond: number;
  unit: Unit;
  /** How many units the window counted, and how long it was. */
  count: number;
  windowMs: number;
  /** Schedule-to-start latency (ms): from when a task/job became runnable to when a worker began it. */
  scheduleToStartMs: LatencyPercentiles | null;
  /** End-to-end latency (ms): from start/enqueue to completion. */
  endToEndMs: LatencyPercentiles | null;
  /** Per unit: server commits and WAL bytes (from pg_stat_database and the WAL position). */
  commitsPerUnit: number | null;
  walBytesPerUnit: number | null;
  cpu: CpuShare | null;
  /** Churn mode: samples over time. */
  samples?: ChurnSample[];
  /** The heaviest statements of the window (pg_stat_statements), where the server has the extension. */
  statements?: StatementProfile[];
  /** Anything a reader must know (a setting that could not be applied, a peer that could not run). */
  notes: string[];
}

/** One statement's share of the server's execution time over a measured window. */
export interface StatementProfile {
  /** The engine's statement name (its leading comment), or the statement's first words. */
  statement: string;
  calls: number;
  /** Calls per unit of work counted by the result (null if it counted none). */
  callsPerUnit: number | null;
  meanMs: number;
  rowsPerCall: number;
  totalMs: number;
  /** Its share of all statement execution time in the window (0..1). */
  share: number;
}

export interface ChurnSample {
  atMs: number;
  tableBytes: number;
  indexBytes: number;
  liveTuples: number;
  deadTuples: number;
  autovacuumCount: number;
  /** VACUUMs of the table not run by autovacuum: Ratchet's own queue maintenance (absent in results from before it was sampled). */
  vacuumCount?: number;
  perSecond: number;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  platform: string;
  /** PostgreSQL runs on the same machine (the harness cannot tell for a remote --db; it says so). */
  databaseHost: string;
}

export interface BenchReport {
  machine: Machine;
  versions: Record<string, string>;
  /** Server and harness settings that apply to every result (shared_buffers, synchronous_commit default, quick mode...). */
  settings: Record<string, string | number | boolean>;
  /** The exact command that produced this report. */
  command: string;
  startedAt: string;
  results: Result[];
  /** tinybench micro-benchmarks of single operations. */
  micro: MicroResult[];
  /** Targets from the issue, each evaluated as a ratio of two results of this run. */
  targets: TargetOutcome[];
}

/** One tinybench task: a single engine operation, repeated. */
export interface MicroResult {
  /** e.g. "claim 10", "complete activity", "start workflow", "append event", "replay 100 events". */
  name: string;
  database: "pglite" | "postgres";
  opsPerSecond: number;
  meanMs: number;
  p99Ms: number;
  samples: number;
  /** The ratio against the micro-suite's baseline measured in the same run (SELECT 1 round trip), when there is one. */
  vsBaseline: number | null;
}

export interface TargetOutcome {
  name: string;
  /** e.g. "ratchet steps/s >= 10 x dbos steps/s". */
  statement: string;
  ratio: number | null;
  required: number;
  met: boolean | null;
  /** Why the ratio is null (a side could not run), or what the numbers were. */
  detail: string;
}

/** What a measured peer or baseline implements (bench/peers/*, bench/baselines/*). */
export interface BenchSystem {
  readonly name: SystemName;
  /** Which workloads it can run; others are reported as not applicable. */
  readonly workloads: readonly WorkloadName[];
  /** Its version (from its package), for the report. */
  version(): Promise<string>;
  /**
   * Run one workload against `databaseUrl` (create and drop its own schema or database objects),
   * measuring over `windowMs` after `warmupMs`. Must clean up everything it started.
   */
  run(request: RunRequest): Promise<Result>;
}

export interface RunRequest {
  databaseUrl: string;
  workload: WorkloadName;
  config: Record<string, string | number | boolean>;
  warmupMs: number;
  windowMs: number;
  /** Report progress (a line for a terminal); may be ignored. */
  progress?: (message: string) => void;
}
