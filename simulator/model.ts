/**
 * The simulator's shared data model: the scenario (what to run, which
 * faults), the recorded history of a run (what the checkers read), and the
 * result. Each part of the simulator (scenario parsing, workloads and mock
 * services, faults, the run loop, checkers) works against these types only.
 *
 * Times are virtual milliseconds since the start of the run (0 = start),
 * unless a name says `epochMs`.
 */
import type { FailureInfo, HistoryEvent, OverlapPolicy, RunStatus, WorkerObservation } from "../engine/index.ts";
import type { SearchAttributeValue } from "../engine/names.ts";

// ---------------------------------------------------------------------------
// Scenarios: the file format (scenarios/*.json) is the contract. Extend it, don't break it.

export type WorkloadShape = "linear" | "saga" | "fanout" | "timer" | "signal" | "chain" | "child" | "update" | "outbox" | "schedule" | "versioned" | "deadline";
export const WORKLOAD_SHAPES: readonly WorkloadShape[] = ["linear", "saga", "fanout", "timer", "signal", "chain", "child", "update", "outbox", "schedule", "versioned", "deadline"];

export interface WorkloadSpec {
  /** Workflows the driver starts. */
  workflows: number;
  /** Start rate, in workflows per virtual second. */
  startsPerSecond: number;
  /** Relative weights of each shape (need not sum to 1; missing shapes weigh 0). */
  mix: Partial<Record<WorkloadShape, number>>;
}

export type NetworkMode = "delay" | "drop" | "reset";
export type ServiceBehavior = "refuse" | "timeout" | "fail" | "succeedThenTimeout";
export type ServiceName = "inventory" | "payments" | "shipping" | "notifications";
export const SERVICE_NAMES: readonly ServiceName[] = ["inventory", "payments", "shipping", "notifications"];

/** Named points where a worker can be crashed (scenario names; mapped onto the engine's fault points). */
export type CrashPoint = "task.afterClaim" | "activity.beforeEffect" | "activity.afterEffect" | "workflowTask.beforeComplete" | "timer.beforeFire";
export const CRASH_POINTS: readonly CrashPoint[] = ["task.afterClaim", "activity.beforeEffect", "activity.afterEffect", "workflowTask.beforeComplete", "timer.beforeFire"];

/** A closed window of virtual time [fromMs, toMs]. */
export type WindowMs = [number, number];

/**
 * Faults of one kind on one target may overlap (swarm-drawn ones often do):
 * the most recently started one is in force until it ends, then the one it
 * interrupted, if still running, is back in force.
 */
export type Fault =
  /** The link between one worker and the database misbehaves for a while; latencyMs is added to each message, each way. */
  | { kind: "network.blip"; worker: string; atMs: number; forMs: number; mode: NetworkMode; latencyMs?: number }
  /** A worker crashes the nth time it reaches `point` (after atMs, if given), and restarts later. */
  | { kind: "worker.crash"; worker: string; point: CrashPoint; nth: number; atMs?: number; restartAfterMs: number }
  /** The database restarts: sessions dropped, open transactions rolled back, committed data kept. */
  | { kind: "db.restart"; atMs: number; downForMs: number }
  /** Commits inside the window land, but with this probability their reply is lost. */
  | { kind: "db.ambiguousCommit"; probability: number; windowMs: WindowMs }
  /** A worker's connection pool has only `available` connections for a while (0: none). */
  | { kind: "db.poolExhaustion"; worker: string; windowMs: WindowMs; available: number }
  /** An external service misbehaves for a while. */
  | { kind: "service.outage"; service: ServiceName; windowMs: WindowMs; behavior: ServiceBehavior }
  /** From atMs on, a worker's clock reads offsetMs (positive: ahead) from true time; a later skew replaces it. */
  | { kind: "clock.skew"; worker: string; atMs: number; offsetMs: number };

export type FaultKind = Fault["kind"];
export const FAULT_KINDS: readonly FaultKind[] = ["network.blip", "worker.crash", "db.restart", "db.ambiguousCommit", "db.poolExhaustion", "service.outage", "clock.skew"];
export const NETWORK_MODES: readonly NetworkMode[] = ["delay", "drop", "reset"];
export const SERVICE_BEHAVIORS: readonly ServiceBehavior[] = ["refuse", "timeout", "fail", "succeedThenTimeout"];

export interface Scenario {
  name: string;
  description: string;
  /** Default seed (the command line's --seed overrides it). */
  seed: number;
  /** Virtual length of the run, healing and liveness included. */
  durationMs: number;
  /** Worker count; workers are named worker-1 .. worker-N. */
  workers: number;
  workload: WorkloadSpec;
  faults: Fault[];
  /**
   * Swarm testing: extra faults drawn from the seed (kinds, targets, times,
   * probabilities), on top of `faults`. Absent: none.
   */
  swarm?: { faults: number; kinds?: FaultKind[] };
  /**
   * A deploy of the next version of the workflow code: at atMs every worker
   * stops (killed and fenced, as in a crash) and restarts restartAfterMs later
   * running version 2 (the versioned shape's patched code). Absent: version 1
   * throughout.
   */
  deploy?: { atMs: number; restartAfterMs: number };
  /** At healAtMs every fault stops; every accepted workflow must then be terminal within withinMs. */
  liveness: { healAtMs: number; withinMs: number };
}

// ---------------------------------------------------------------------------
// What a run records (Jepsen style: what was invoked, what came back), for the checkers.

/** A workflow start the driver attempted. ok: start() returned (accepted); info: it failed ambiguously (may exist). */
export interface StartRecord {
  workflowId: string;
  workflowType: WorkloadShape;
  atMs: number;
  outcome: "ok" | "fail" | "info";
  runId?: string;
  /** When start() returned (outcome ok): the run was committed by then. */
  answeredAtMs?: number;
  error?: string;
  /** The start's request id: the driver's retries of one planned start share it (idempotent start). */
  requestId?: string;
  /** The fairness key the start asked for (none: the run has key ""). */
  fairnessKey?: string;
  /** A transactional start (the outbox shape): the order written in the same transaction, and whether the driver rolled it back on purpose. */
  order?: { orderId: string; rollback: boolean };
}

/** A business row in the simulation's database at the end (the outbox shape's orders table). */
export interface OrderRow {
  orderId: string;
  workflowId: string;
}

/** One termination the driver attempted (client.terminate). */
export interface TerminationRecord {
  workflowId: string;
  atMs: number;
  outcome: "ok" | "fail" | "info";
  /** The run terminated (outcome ok). */
  runId?: string;
  /** When terminate() returned (outcome ok): the run was closed by then. */
  answeredAtMs?: number;
  error?: string;
}

/** One query the driver made (a signal-shape workflow's progress, after each signal it sent it). */
export interface QueryRecord {
  workflowId: string;
  atMs: number;
  outcome: "ok" | "fail" | "info";
  /** The answer (outcome ok): how many steps the workflow had recorded, and how its waits went. */
  answer?: { receipts: number; approve: "received" | "timedOut" | null; confirm: "received" | "timedOut" | null };
  error?: string;
}

/** One signal send the driver attempted. */
export interface SignalRecord {
  workflowId: string;
  name: string;
  atMs: number;
  outcome: "ok" | "fail" | "info";
  error?: string;
}

/**
 * One update the driver attempted (client.update), each retry its own record
 * under the same updateId. ok: answered with the handler's result; fail: a
 * definite answer without one (UPDATE_REJECTED, UPDATE_FAILED,
 * WORKFLOW_NOT_RUNNING...); info: no answer (the request may have landed).
 */
export interface UpdateRecord {
  workflowId: string;
  updateId: string;
  name: string;
  args: unknown;
  atMs: number;
  outcome: "ok" | "fail" | "info";
  /** outcome ok: the answer the client returned. */
  result?: unknown;
  /** The error's code (outcome fail or info), e.g. UPDATE_REJECTED. */
  errorCode?: string;
  error?: string;
}

/** What a schedule-shape schedule is (its spec and policies), in virtual ms, as the driver created it. */
export interface SimScheduleSpec {
  /** Fires at every virtual time t with (t - phaseMs) a multiple of everyMs... */
  everyMs: number;
  phaseMs: number;
  /** ...up to and including endAtMs. */
  endAtMs: number;
  overlap: OverlapPolicy;
  catchupWindowMs: number;
  /** spec.jitterMs and spec.timeZone (null: UTC) as created; fire times are unchanged by either. */
  jitterMs: number;
  timeZone: string | null;
  /** The epoch ms of virtual time 0 (fire times are epoch ms in the engine; workflow ids carry them). */
  epochMs: number;
}

/** What describe() said of a schedule, fire times in virtual ms. */
export interface ScheduleDescriptionRecord {
  paused: boolean;
  actions: number;
  skipped: number;
  missed: number;
  startFailed: number;
  /** Fires whose turn came while it was paused (never run). */
  skippedWhilePaused: number;
  buffered: number[];
  /** Workflow ids of the schedule's running workflows. */
  running: string[];
  /** The latest fires: what each started (runId) or why not (error). */
  recent: Array<{ fireAtMs: number; workflowId: string; runId?: string; error?: string; manual: boolean }>;
}

/** One call the driver made on a schedule (client.schedules). */
export interface ScheduleOpRecord {
  scheduleId: string;
  op: "create" | "pause" | "unpause" | "trigger" | "backfill" | "describe" | "delete";
  atMs: number;
  outcome: "ok" | "fail" | "info";
  error?: string;
  /** create: what was created. */
  spec?: SimScheduleSpec;
  /** trigger, backfill: the overlap policy asked for (absent: the schedule's); trigger (outcome ok): the workflow it started, or null if it started none. */
  overlap?: OverlapPolicy;
  started?: { workflowId: string; runId: string } | null;
  /** backfill: the range asked for, virtual ms: the fire times in [startAtMs, endAtMs); (outcome ok) what it did. */
  range?: { startAtMs: number; endAtMs: number };
  backfilled?: { fires: number; alreadyStarted: number; started: string[]; notYetDue: number; waiting: number };
  /** describe (outcome ok). */
  description?: ScheduleDescriptionRecord;
}

/**
 * What the driver lists and counts by (client.list / client.count's filter, no paging fields).
 * Times are epoch ms as sent: a run's creation time is the one in its run id (UUIDv7), the creating clock's.
 */
export interface VisibilityFilter {
  workflowType?: string;
  status?: RunStatus;
  startedAfterMs?: number;
  startedBeforeMs?: number;
  searchAttributes?: Record<string, SearchAttributeValue>;
}

/** One run as a list page returned it (the fields the checker judges). */
export interface ListedRun {
  runId: string;
  workflowId: string;
  workflowType: string;
  status: RunStatus;
  searchAttributes: Record<string, SearchAttributeValue> | null;
}

/**
 * One visibility call of the driver's: a walk of every page of client.list(filter),
 * page size `pageSize`, following nextPageToken, then client.count(filter).
 */
export interface VisibilityRecord {
  filter: VisibilityFilter;
  pageSize: number;
  /** When the first page was asked for, and when the walk ended (its last page answered, or a page failed). */
  invokedAtMs: number;
  answeredAtMs: number;
  /** ok: every page answered and the last had no next page token; fail: a page failed (error); truncated: it stopped at the driver's page bound. */
  outcome: "ok" | "fail" | "truncated";
  error?: string;
  /** The pages answered, in order. */
  pages: ListedRun[][];
  /** The count, asked after the walk (not asked when the walk failed). */
  count?: { invokedAtMs: number; answeredAtMs: number; outcome: "ok" | "fail"; value?: number; error?: string };
}

/** What a worker reported (engine/worker/hooks.ts), stamped with who and when. */
export interface ObservationRecord {
  atMs: number;
  worker: string;
  /** 1 for the first process of a worker, 2 after its first restart, ... */
  incarnation: number;
  observation: WorkerObservation;
}

/** One call an activity made to a mock service, and what the service did with it. */
export interface EffectRecord {
  atMs: number;
  service: ServiceName;
  operation: string;
  /** The idempotency key the activity presented. */
  key: string;
  /** The step the call belongs to (`runId:seq`), whatever key was presented. */
  step: string;
  workflowId: string;
  attempt: number;
  /** True when this call applied the effect; false when deduplicated, refused or failed. */
  applied: boolean;
  /** What the caller saw: ok, or the error the service raised. */
  outcome: "ok" | "refused" | "failed" | "timedOut";
}

/** A read of a run's history during the run (to check it only ever grows by appending). */
export interface HistorySnapshot {
  atMs: number;
  runId: string;
  /** Event ids in the order read, and a digest of each event's (type, data) for prefix comparison. */
  events: Array<{ eventId: number; digest: string }>;
}

/** A run as the recorder read it just before a retention call: what the call could remove. */
export interface RunBeforeRetention {
  runId: string;
  workflowId: string;
  status: RunStatus;
  closedAtMs: number | null;
  /** Virtual ms its run id names (UUIDv7): which history window holds it. */
  createdAtMs: number;
}

/** A history window in virtual ms, as a retention or partition answer names it: run ids created in [fromMs, toMs). */
export interface WindowRecord {
  partition: string;
  /** null: from the lowest run id. */
  fromMs: number | null;
  toMs: number;
}

/**
 * One call of Client.retainHistory the driver made, with every run the
 * database held just before it (read by the recorder: each run's row, then
 * its history). Times are virtual ms.
 */
export interface RetentionRecord {
  /** When the read of every run began, and when the call was made (at most RETENTION_READ_MS_MAX later). */
  readAtMs: number;
  atMs: number;
  /** When the answer (or the failure) came back. */
  endMs: number;
  olderThanMs: number;
  dryRun: boolean;
  outcome: "ok" | "fail" | "info";
  error?: string;
  /** outcome ok: the answer. */
  report?: {
    cutoffMs: number;
    dropped: Array<WindowRecord & { runs: number }>;
    heldBack: Array<WindowRecord & { runs: number; runningRuns: number; recentlyClosedRuns: number; pendingTasks: number; reasons: string[] }>;
    runsRemoved: number;
    partitionsNewer: number;
    defaultPartitionRows: number;
  };
  before: RunBeforeRetention[];
  /** After a call that dropped windows: removed runs described, and dropped windows counted (visibility), by the client. */
  probes: RetentionProbe[];
}

export type RetentionProbe =
  | { what: "describe"; workflowId: string; runId: string; outcome: "found" | "notFound" | "info"; status?: RunStatus }
  | { what: "count"; fromMs: number; toMs: number; outcome: "ok" | "info"; count?: number };

/** One call of Client.ensureHistoryPartitions the driver made (before each retention call, and at the start). */
export interface PartitionCallRecord {
  atMs: number;
  windowMs: number;
  outcome: "ok" | "fail" | "info";
  error?: string;
  /** outcome ok: the windows created (virtual ms). */
  created?: Array<WindowRecord & { movedRows: number }>;
}

/** A fault as it was applied (for the report and the trace). */
export interface AppliedFault {
  atMs: number;
  fault: Fault;
  note: string;
}

export interface FinalRun {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: RunStatus;
  closedAtMs: number | null;
  history: HistoryEvent[];
  taskFailure: FailureInfo | null;
  /** The schedule that started the run's workflow, and the fire time (virtual ms) it started it for; absent for any other run. */
  schedule?: { scheduleId: string; fireAtMs: number };
  /** The run's fairness key ("" when none): a child and a continued run inherit it, and its tasks carry it. */
  fairnessKey: string;
  /**
   * Retention removed the run (its row and history) in the driver's call
   * `record.retention[call]`: the run is as the recorder read it just before
   * that call, history included — a closed run's history is final, so the
   * checkers read it as they read any other (only a run the call could not
   * lawfully remove — from a dry run, or newer than any window it could
   * drop — comes without its history, which was not read). Absent for every
   * run still in the database at the end.
   */
  retained?: { call: number };
}

/** A workflow or activity task seen in the tasks table during the run, with the fairness key it carried. */
export interface TaskKeySample {
  atMs: number;
  runId: string;
  kind: "workflow" | "activity";
  fairnessKey: string;
}

export interface SimRecord {
  scenario: Scenario;
  seed: number;
  starts: StartRecord[];
  signals: SignalRecord[];
  updates: UpdateRecord[];
  terminations: TerminationRecord[];
  queries: QueryRecord[];
  /** The driver's calls on schedules (schedule shape), in the order they were made. */
  schedules: ScheduleOpRecord[];
  /** The driver's list walks and counts, in the order the walks ended. */
  visibility: VisibilityRecord[];
  observations: ObservationRecord[];
  effects: EffectRecord[];
  snapshots: HistorySnapshot[];
  faults: AppliedFault[];
  /** Workflow and activity tasks read from the tasks table at each snapshot time, with their fairness keys. */
  taskKeys: TaskKeySample[];
  /** The orders table at the end, read with finalRuns. */
  orders: OrderRow[];
  /**
   * Every run in the database at the end, with its full history, read after
   * every worker was stopped, and every run a retention call removed
   * (marked `retained`, as read just before that call). Event times are virtual ms since the start as
   * each worker's (possibly skewed) clock read them.
   */
  finalRuns: FinalRun[];
  /** The driver's calls of retainHistory and ensureHistoryPartitions, in order. */
  retention: RetentionRecord[];
  partitionCalls: PartitionCallRecord[];
  /** Run ids still running at exactly healAtMs + withinMs (the liveness deadline); null if that read failed. */
  openAtDeadline: string[] | null;
  /** The second namespace, recorded apart: no field above holds any of its starts, workers' observations or runs. */
  namespaceB: NamespaceRecord;
  /** When the liveness phase began and when the run ended (virtual ms). */
  healAtMs: number;
  endMs: number;
}

/**
 * The second namespace (a schema of its own in the same database, with its
 * own worker and client): copies of a few simple starts, under the same
 * workflow ids and task queue name as in the first. Only namespace-isolated
 * reads it.
 */
export interface NamespaceRecord {
  schema: string;
  /** Its client's starts (retries included), as `starts` records the first namespace's. */
  starts: StartRecord[];
  /** What its workers reported (as `observations` for the first namespace's workers). */
  observations: ObservationRecord[];
  /** Every run in its schema at the end, read after every worker was stopped. */
  finalRuns: Array<{ workflowId: string; runId: string; status: RunStatus }>;
  /** Its run ids still running at the liveness deadline; null if that read failed. */
  openAtDeadline: string[] | null;
}

// ---------------------------------------------------------------------------
// Checking.

export type CheckName =
  | "no-accepted-workflow-lost"
  | "activity-attempted-at-least-once"
  | "no-result-recorded-twice"
  | "effect-exactly-once-per-completion"
  | "history-contiguous-append-only"
  | "lease-tokens-increase"
  | "continue-as-new-chain"
  | "child-workflow-linkage"
  | "update-applied-once"
  | "local-activity-recorded-once"
  | "outbox-atomic"
  | "schedule-fires-once"
  | "version-branch-consistent"
  | "fairness-key-inherited"
  | "schedule-to-start-unstarted"
  | "start-idempotent"
  | "termination-final"
  | "query-reflects-history"
  | "visibility-agrees"
  | "retention-spares-open"
  | "namespace-isolated"
  | "terminal-after-heal";

export interface Violation {
  check: CheckName;
  workflowId: string;
  runId?: string;
  detail: string;
  /** The events (or observations) that show it, briefly. */
  evidence?: string[];
}

export type Checker = (record: SimRecord) => Violation[];

// ---------------------------------------------------------------------------
// The result of one run: the stable shape `ratchet sim run --json` prints.

export interface SimResult {
  scenario: string;
  seed: number;
  traceHash: string;
  database: "pglite" | "postgres";
  mutant: string | null;
  /** Accepted workflows by the status of their last run; continuedAsNew counts the runs that handed a workflow on. */
  workflows: { accepted: number; completed: number; failed: number; cancelled: number; terminated: number; open: number; continuedAsNew: number };
  /** `local`: local activities' outcomes recorded (markers). `inlined`: results recorded with the decisions their workflows made on them (the worker's inline decisions path). */
  activities: { scheduled: number; attempts: number; recorded: number; inlined: number; local: number };
  effects: { keys: number; applied: number; duplicates: number };
  /** Update ids the driver sent, its attempts (retries included), ids it sent more than once, and the acceptances and rejections runs recorded. */
  updates: { ids: number; attempts: number; retried: number; accepted: number; rejected: number };
  /**
   * Schedule shape: schedules created, workflows they started (manual: by a trigger), fires that waited
   * for a running one to close and then started (buffered), and describe's skipped and missed counts
   * at the end (schedules deleted early are not described).
   */
  schedules: { created: number; started: number; manual: number; buffered: number; skipped: number; missed: number; startFailed: number };
  faults: { applied: number; byKind: Partial<Record<FaultKind, number>> };
  violations: Violation[];
  virtualMs: number;
  wallMs: number;
  /** The command that reproduces this run. */
  replay: string;
}
