/**
 * The Store: every state transition of the engine, each one transaction.
 *
 * A transition appends events, updates the run row and writes tasks in the
 * same transaction, so the database transaction *is* the outbox: there is no
 * moment where history says one thing and the queue another. Every
 * transition that touches a run locks the run row first (lockRun), which
 * serialises appends to its history and fixes the lock order (run, then
 * tasks) so transitions cannot deadlock each other. Every write on behalf of
 * a leased task names the lease token; a stale one raises LEASE_LOST and
 * changes nothing.
 *
 * One implementation serves both backends (pg.Pool on a server, PGlite
 * in-process): both are PostgreSQL, so the SQL is the same, and the
 * conformance suite (store.conformance.ts) holds them to the same contract.
 */
import { assert } from "../assert.ts";
import type { SqlDriver, SqlSession } from "../db/driver.ts";
import {
  CancelledError,
  DatabaseError,
  InvalidArgumentError,
  ScheduleAlreadyExistsError,
  ScheduleNotFoundError,
  HistoryLimitError,
  LeaseLostError,
  TimeoutError,
  WorkflowAlreadyRunningError,
  WorkflowIdReuseRefusedError,
  WorkflowNotFoundError,
  WorkflowNotRunningError,
  WorkflowTerminatedError,
  toFailureInfo,
  type ChildCloseStatus,
  type FailureInfo,
} from "../errors.ts";
import { jsonNumber, jsonWithRaw, newEvent, type HistoryEvent, type NewEvent, type ParentClosePolicy, type ParentRef } from "../history/events.ts";
import { FAIR_CLAIM_KEYS_MAX, SCHEDULE_BACKFILL_FIRES_MAX, SCHEDULE_MISSED_COUNT_MAX, SCHEDULE_RECENT_ACTIONS_MAX, HISTORY_EVENTS_MAX, TIMER_TASK_LEASE_MS, WORKFLOW_TASK_RETRY_MS_INITIAL, WORKFLOW_TASK_RETRY_MS_MAX, WORKFLOW_TASK_TIMEOUT_MS_DEFAULT } from "../limits.ts";
import { activityScheduledData, commandEvent, eventsRecorded, isTerminal, type Command } from "../workflow/commands.ts";
import { assertMigrated, migrate } from "./migrate.ts";
import { HistoryPartitions } from "./history-partitions.ts";
import { runIdAtMs } from "./run-id-time.ts";
import type { SearchAttributeValue } from "../names.ts";
import { uuidV7, type Random } from "../ports/random.ts";
import { compileSpec, countFires, fireDueAtMs, firesInRange, nextFireAfter, planScheduleRound, type CheckedSpec, type Fire, type OverlapPolicy } from "../schedule/spec.ts";
import type { ScheduleRowInput } from "./schedule-queries.ts";
import { EventColumns, Queries, TaskColumns, type MaintainedTable, type RunAdvance, type RunListFilter, type TaskKind, type TaskRow } from "./queries.ts";

export type { TaskKind } from "./queries.ts";

/** continuedAsNew: closed by continue-as-new; its last event names the run that carries the workflow on. */
export type RunStatus = "running" | "completed" | "failed" | "cancelled" | "terminated" | "continuedAsNew";
export const RUN_STATUSES: readonly RunStatus[] = ["running", "completed", "failed", "cancelled", "terminated", "continuedAsNew"];

export interface RunRecord {
  runId: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  status: RunStatus;
  nextEventId: number;
  processedUpTo: number;
  version: number;
  taskFailure: FailureInfo | null;
  taskFailures: number;
  cancelRequested: boolean;
  /** The request id of the start that created the run, if it gave one. */
  startRequestId: string | null;
  createdAtMs: number;
  updatedAtMs: number;
  closedAtMs: number | null;
  /** Set on a child workflow's runs (kept along a continue-as-new chain). */
  parent: ChildOf | null;
  /** Indexed search attributes: given at start, merged by ctx.upsertSearchAttributes, kept by continue-as-new. */
  searchAttributes: Record<string, SearchAttributeValue> | null;
  /** The run started children: its close applies their parent close policies. */
  hasChildren: boolean;
  /** The schedule that started the run's workflow (kept along a continue-as-new chain). */
  scheduleId: string | null;
  /** "" when none: see StartWorkflowParams.fairnessKey. Children and continue-as-new inherit it. */
  fairnessKey: string;
}

/** A child run's parent, and what the parent's close does to it. */
export type ChildOf = ParentRef & { closePolicy: ParentClosePolicy };

export interface ClaimedTask {
  taskId: number;
  kind: TaskKind;
  queue: string;
  runId: string;
  seq: number;
  leaseToken: number;
  attempt: number;
  claimedAtMs: number;
  leaseExpiresAtMs: number;
  leaseMs: number;
  heartbeatTimeoutMs: number | null;
  scheduleDeadlineMs: number | null;
  maxAttempts: number;
  spec: unknown;
  heartbeatDetails: unknown;
  lastFailure: FailureInfo | null;
  scheduledAtMs: number;
}

export interface ClaimResult {
  tasks: ClaimedTask[];
  /** When the earliest task of this kind and queue that is not visible yet becomes visible; null if none. */
  nextVisibleAtMs: number | null;
  /** A fair claim's cursor: pass it to the next fair claim of this kind and queue (see Queries.claimTasksFair). */
  fairCursor?: string;
}

export interface PendingTask {
  taskId: number;
  kind: TaskKind;
  queue: string;
  seq: number;
  visibleAtMs: number;
  leaseToken: number;
  leaseExpiresAtMs: number | null;
  claimedAtMs: number | null;
  attempt: number;
  maxAttempts: number;
  spec: unknown;
  heartbeatDetails: unknown;
  lastFailure: FailureInfo | null;
  scheduledAtMs: number;
}

/** What a start does when its workflow id has a running run: refuse, return that run, or terminate it and start anew. */
export type IdConflictPolicy = "fail" | "useExisting" | "terminateExisting";
export const ID_CONFLICT_POLICIES: readonly IdConflictPolicy[] = ["fail", "useExisting", "terminateExisting"];
/** Whether a start may reuse a workflow id whose latest run is closed: always, only after a failure (failed, cancelled, terminated), or never. */
export type IdReusePolicy = "allowDuplicate" | "allowDuplicateFailedOnly" | "rejectDuplicate";
export const ID_REUSE_POLICIES: readonly IdReusePolicy[] = ["allowDuplicate", "allowDuplicateFailedOnly", "rejectDuplicate"];

export interface StartWorkflowParams {
  runId: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  inputJson: string;
  randomSeed: string;
  nowMs: number;
  idConflictPolicy: IdConflictPolicy;
  /** Default allowDuplicate. */
  idReusePolicy?: IdReusePolicy;
  /** A start repeated with the same request id returns the run the first created (created: false), running or closed. */
  requestId?: string;
  /** Indexed search attributes (JSON text of a validated object), for list() and count(). */
  searchAttributesJson?: string;
  /** The run's fairness key (a tenant, say): its tasks carry it, and fair claims share a queue across keys. Default "". */
  fairnessKey?: string;
}

/** Which runs list() and count() select; every field narrows. Newest first. */
export interface RunFilter {
  workflowType?: string;
  status?: RunStatus;
  /** Runs created at or after this time (the time in their UUIDv7 run id). */
  startedAfterMs?: number;
  /** Runs created before this time. */
  startedBeforeMs?: number;
  /** Runs whose search attributes include all of these (JSON text of a validated object). */
  searchAttributesJson?: string;
}

export interface WorkflowTaskCompletion {
  taskId: number;
  leaseToken: number;
  runId: string;
  /** The run's version when the task loaded it; another completion in between makes this one stale. */
  expectedVersion: number;
  /** The last event the task had loaded: its activation boundary. */
  processedUpTo: number;
  commands: Command[];
  nowMs: number;
  workerId: string;
}

/** Which new activity tasks a worker takes eagerly: on queues it polls, of types it has, at most `max` (its free slots). */
export interface EagerActivities {
  queues: ReadonlySet<string>;
  activityTypes: ReadonlySet<string>;
  max: number;
}

/**
 * An activity's result and the decisions its workflow made on it
 * (Store.completeActivitiesInline): the decisions assume the run is at
 * `expectedVersion` with no event after `expectedNextEventId - 1`, where
 * the result is recorded.
 */
export interface InlineStep extends ActivityTaskRef {
  resultJson: string;
  expectedVersion: number;
  expectedNextEventId: number;
  commands: Command[];
  workerId: string;
}

export interface WorkflowTaskFailure {
  taskId: number;
  leaseToken: number;
  runId: string;
  failure: FailureInfo;
  attempt: number;
  nowMs: number;
  workerId: string;
}

export interface ActivityTaskRef {
  taskId: number;
  queue: string;
  leaseToken: number;
  runId: string;
  seq: number;
  attempt: number;
  nowMs: number;
}

export interface StoreOptions {
  /** Postgres schema holding Ratchet's tables. Default "ratchet". */
  schema?: string;
  /** NOTIFY workers when tasks become visible (they poll regardless). Default true. */
  notify?: boolean;
  /** Apply pending migrations on open. Default false: a missing schema raises SCHEMA_NOT_MIGRATED. */
  migrate?: boolean;
  workflowTaskTimeoutMs?: number;
}

export const SCHEMA_DEFAULT = "ratchet";

/** maintainTables: the share of a table's live tuples (on top of the threshold) that must be dead or changed before runs and history are vacuumed or analyzed. */
const MAINTENANCE_SCALE_FACTOR = 0.2;
/** Rows read per history query; a history is read whole for replay. */
const HISTORY_READ_LIMIT = HISTORY_EVENTS_MAX + 16;

export class Store {
  readonly schema: string;
  readonly notifyChannel: string;
  readonly notifyEnabled: boolean;
  readonly workflowTaskTimeoutMs: number;
  /** Protected, with lockRun and appendResolution, so the simulator's planted bugs (mutants) can subclass a transition. */
  protected readonly q: Queries;

  constructor(
    readonly db: SqlDriver,
    options: StoreOptions = {},
  ) {
    this.schema = options.schema ?? SCHEMA_DEFAULT;
    this.q = new Queries(this.schema);
    this.notifyChannel = `ratchet_${this.schema}`;
    this.notifyEnabled = options.notify ?? true;
    this.workflowTaskTimeoutMs = options.workflowTaskTimeoutMs ?? WORKFLOW_TASK_TIMEOUT_MS_DEFAULT;
  }

  /** History partition maintenance and retention on this store's schema (the client's retainHistory, the workers' maintenance). */
  historyPartitions(): HistoryPartitions {
    return new HistoryPartitions(this.db, this.schema);
  }

  /** Open a store, checking (or applying, with migrate: true) the schema. */
  static async open(db: SqlDriver, options: StoreOptions = {}): Promise<Store> {
    const store = new Store(db, options);
    if (options.migrate) await migrate(db, store.schema);
    else await assertMigrated(db, store.schema);
    return store;
  }

  // -- client transitions ----------------------------------------------------

  /** Start a run: the run row, its WorkflowStarted event and its first workflow task, in one transaction. */
  async startWorkflow(p: StartWorkflowParams): Promise<{ runId: string; created: boolean }> {
    try {
      return await this.startWorkflowOnce(p);
    } catch (err) {
      // Two starts with one request id raced past the lookup, and the other's insert won on the request id's
      // index (ON CONFLICT only arbitrates the running-run index): it has committed, so the lookup finds it now.
      if (p.requestId === undefined || !(err instanceof DatabaseError) || err.details.constraint !== "runs_by_start_request") throw err;
      return this.startWorkflowOnce(p);
    }
  }

  private startWorkflowOnce(p: StartWorkflowParams): Promise<{ runId: string; created: boolean }> {
    return this.db.transaction((tx) => this.startWorkflowIn(tx, p));
  }

  /**
   * startWorkflow's writes, in a transaction the caller holds open — the
   * application's own, for a transactional start (Client.startInTransaction):
   * the run starts if and when that transaction commits.
   */
  async startWorkflowIn(tx: SqlSession, p: StartWorkflowParams): Promise<{ runId: string; created: boolean }> {
    const requestId = p.requestId ?? null;
    if (requestId !== null) {
      const prior = await tx.query<{ run_id: string }>(this.q.selectRunByStartRequest(p.workflowId, requestId));
      if (prior[0]) return { runId: prior[0].run_id, created: false };
    }
    const reuse = p.idReusePolicy ?? "allowDuplicate";
    if (reuse !== "allowDuplicate") {
      const latest = (await tx.query(this.q.selectLatestRun(p.workflowId))).map(toRun)[0];
      if (latest && latest.status !== "running" && (reuse === "rejectDuplicate" || latest.status === "completed" || latest.status === "continuedAsNew")) {
        throw new WorkflowIdReuseRefusedError(p.workflowId, latest.runId, latest.status, reuse);
      }
    }
    let inserted = await tx.query<{ run_id: string }>(this.q.insertRun(p.runId, p.workflowId, p.workflowType, p.taskQueue, p.nowMs, requestId, p.searchAttributesJson ?? null, p.fairnessKey ?? ""));
    if (inserted.length === 0) {
      // ON CONFLICT waited for any concurrent starter to commit, so the running run is visible now.
      const existing = (await tx.query(this.q.lockRunningRun(p.workflowId))).map(toRun)[0];
      assert(existing !== undefined, `insertRun conflicted but no running run of ${p.workflowId} is visible`);
      if (requestId !== null && existing.startRequestId === requestId) return { runId: existing.runId, created: false };
      if (p.idConflictPolicy === "useExisting") return { runId: existing.runId, created: false };
      if (p.idConflictPolicy === "fail") throw new WorkflowAlreadyRunningError(p.workflowId, existing.runId);
      await this.terminateRun(tx, existing, `terminated by a new start of workflow id ${p.workflowId} (idConflictPolicy terminateExisting)`, p.nowMs);
      inserted = await tx.query<{ run_id: string }>(this.q.insertRun(p.runId, p.workflowId, p.workflowType, p.taskQueue, p.nowMs, requestId, p.searchAttributesJson ?? null, p.fairnessKey ?? ""));
      assert(inserted.length === 1, `the run of ${p.workflowId} was terminated, yet another start holds the id`);
    }
    const started = workflowStartedData(p);
    await tx.query(
      this.q.appendResolution(p.runId, 1, p.nowMs, eventsJson([{ type: "WorkflowStarted", dataJson: started }]), 1, p.taskQueue, this.workflowTaskTimeoutMs, this.channelIfNotifying()),
    );
    return { runId: p.runId, created: true };
  }

  /**
   * Start many runs in one transaction (bulk enqueue). Idempotent per
   * workflow id: an id that already has a running run (or repeats within the
   * batch) is not started again, and its result says which run is running.
   */
  async startWorkflows(starts: readonly Omit<StartWorkflowParams, "idConflictPolicy" | "nowMs">[], nowMs: number): Promise<Array<{ workflowId: string; runId: string; created: boolean }>> {
    if (starts.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const rows = starts.map(newRunRow);
      const inserted = await tx.query<{ run_id: string; workflow_id: string; task_queue: string }>(this.q.insertRuns(`[${rows.join(",")}]`, nowMs, this.workflowTaskTimeoutMs));
      const created = new Map(inserted.map((r) => [r.run_id, r]));
      const results = starts.map((p) => ({ workflowId: p.workflowId, runId: p.runId, created: created.has(p.runId) }));
      const missing = results.filter((r) => !r.created).map((r) => r.workflowId);
      if (missing.length > 0) {
        const running = await tx.query<{ workflow_id: string; run_id: string }>(this.q.selectRunningRuns([...new Set(missing)]));
        const byId = new Map(running.map((r) => [r.workflow_id, r.run_id]));
        for (const r of results) if (!r.created) r.runId = byId.get(r.workflowId) ?? r.runId;
      }
      for (const queue of new Set(inserted.map((r) => r.task_queue))) await this.notifyKey(tx, `workflow:${queue}`);
      return results;
    });
  }

  /** Append a SignalReceived event to the workflow's running run and make sure a workflow task will see it. */
  async signalWorkflow(workflowId: string, name: string, payloadJson: string, nowMs: number): Promise<{ runId: string }> {
    return this.db.transaction(async (tx) => {
      const run = await this.lockRunningRun(tx, workflowId);
      // Signals are the one input from outside that could grow a history without bound: refuse them at the limit.
      if (run.nextEventId - 1 >= HISTORY_EVENTS_MAX) throw new HistoryLimitError(run.runId, run.nextEventId, HISTORY_EVENTS_MAX);
      await this.appendResolution(tx, run, nowMs, { type: "SignalReceived", dataJson: jsonWithRaw({ name }, { payload: payloadJson }) });
      return { runId: run.runId };
    });
  }

  /**
   * Deliver an update to the workflow's running run, as WorkflowUpdateRequested
   * (a workflow task will validate and apply it). Idempotent per update id: a
   * repeated request is not appended again (`duplicate`), so a caller that
   * lost the reply can ask again and wait for the same outcome.
   */
  async requestUpdate(workflowId: string, updateId: string, name: string, argsJson: string, nowMs: number): Promise<{ runId: string; duplicate: boolean }> {
    return this.db.transaction(async (tx) => {
      const run = await this.lockRunningRun(tx, workflowId);
      if ((await tx.query(this.q.selectUpdateEvents(run.runId, updateId, ["WorkflowUpdateRequested"]))).length > 0) return { runId: run.runId, duplicate: true };
      if (run.nextEventId - 1 >= HISTORY_EVENTS_MAX) throw new HistoryLimitError(run.runId, run.nextEventId, HISTORY_EVENTS_MAX);
      await this.appendResolution(tx, run, nowMs, { type: "WorkflowUpdateRequested", dataJson: jsonWithRaw({ updateId, name }, { args: argsJson }) });
      return { runId: run.runId, duplicate: false };
    });
  }

  /** The update's outcome if the run has recorded one (WorkflowUpdateRejected or WorkflowUpdateCompleted), else null. */
  async updateOutcome(runId: string, updateId: string): Promise<HistoryEvent | null> {
    const rows = await this.db.query(this.q.selectUpdateEvents(runId, updateId, ["WorkflowUpdateRejected", "WorkflowUpdateCompleted"]));
    return rows[0] ? toEvent(rows[0]) : null;
  }

  /** Request cancellation: delivered to workflow code as an event. Idempotent while the request is pending. */
  async requestCancelWorkflow(workflowId: string, reason: string, nowMs: number): Promise<{ runId: string; alreadyRequested: boolean }> {
    return this.db.transaction(async (tx) => {
      const run = await this.lockRunningRun(tx, workflowId);
      return { runId: run.runId, alreadyRequested: !(await this.requestCancelRun(tx, run, reason, nowMs)) };
    });
  }

  /** Mark a locked running run cancel-requested and deliver the request; false if it already was. */
  private async requestCancelRun(tx: SqlSession, run: RunRecord, reason: string, nowMs: number): Promise<boolean> {
    if (run.cancelRequested) return false;
    await tx.query(this.q.markCancelRequested(run.runId));
    await this.appendResolution(tx, run, nowMs, newEvent("WorkflowCancelRequested", { reason }));
    return true;
  }

  /**
   * Terminate the workflow's running run: closed at once as terminated, a
   * WorkflowTerminated event last in its history, every task of it deleted —
   * in one transaction. Its code runs no more: a workflow task in flight
   * finds the run closed, activities in flight lose their leases (and learn
   * it at their next heartbeat), and no cleanup runs (that is cancellation).
   */
  async terminateWorkflow(workflowId: string, reason: string, nowMs: number): Promise<{ runId: string }> {
    return this.db.transaction(async (tx) => {
      const run = await this.lockRunningRun(tx, workflowId);
      await this.terminateRun(tx, run, reason, nowMs);
      return { runId: run.runId };
    });
  }

  private async terminateRun(tx: SqlSession, run: RunRecord, reason: string, nowMs: number): Promise<void> {
    await this.appendEvents(tx, run.runId, run.nextEventId, nowMs, [newEvent("WorkflowTerminated", { reason })]);
    await tx.query(this.q.closeRun(run.runId, "terminated", nowMs));
    await tx.query(this.q.deleteTasksOfRuns([run.runId]));
    const effects = new CloseEffects();
    effects.closed(run, { status: "terminated", failure: toFailureInfo(new WorkflowTerminatedError(run.workflowId, run.runId, reason)) });
    await this.notifyKeys(tx, await effects.write(tx, this.q, nowMs));
  }

  // -- reads -------------------------------------------------------------------

  async getRun(runId: string): Promise<RunRecord | null> {
    const rows = await this.db.query(this.q.selectRun(runId));
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** The newest run of a workflow id, or null. */
  async getLatestRun(workflowId: string): Promise<RunRecord | null> {
    const rows = await this.db.query(this.q.selectLatestRun(workflowId));
    return rows[0] ? toRun(rows[0]) : null;
  }

  /**
   * Runs and their histories, in one round trip (for a batch of workflow
   * tasks): for each, the events after `after` (0: the whole history); null
   * for a run that does not exist.
   */
  async loadRunsWithHistory(requests: ReadonlyArray<{ runId: string; after: number }>): Promise<Array<{ run: RunRecord; events: HistoryEvent[] } | null>> {
    if (requests.length === 0) return [];
    const unique = new Map(requests.map((r) => [r.runId, r.after]));
    const rows = await this.db.query(this.q.selectRunsWithHistory([...unique].map(([run_id, after]) => ({ run_id, after }))));
    const byId = new Map(rows.map((row) => [row.run_id as string, { run: toRun(row), events: (row.events as HistoryEvent[] | null) ?? [] }]));
    return requests.map((r) => byId.get(r.runId) ?? null);
  }

  /** A run and its whole history, in one round trip (for a workflow task). */
  async loadRunWithHistory(runId: string): Promise<{ run: RunRecord; history: HistoryEvent[] } | null> {
    const rows = await this.db.query(this.q.selectRunWithHistory(runId));
    const row = rows[0];
    if (!row) return null;
    return { run: toRun(row), history: ((row.events as HistoryEvent[] | null) ?? []) };
  }

  async readHistory(runId: string, afterEventId = 0, limit = HISTORY_READ_LIMIT): Promise<HistoryEvent[]> {
    const rows = await this.db.query(this.q.selectHistory(runId, afterEventId, limit));
    return rows.map(toEvent);
  }

  async readEvent(runId: string, eventId: number): Promise<HistoryEvent | null> {
    const rows = await this.db.query(this.q.selectEvent(runId, eventId));
    return rows[0] ? toEvent(rows[0]) : null;
  }

  /** The newest `limit` runs of a workflow type, running or closed (the replay check: engine/testing/replayer.ts). */
  async newestRunsOfType(workflowType: string, limit: number): Promise<RunRecord[]> {
    return (await this.db.query(this.q.selectNewestRunsOfType(workflowType, limit))).map(toRun);
  }

  /**
   * Visibility: the runs matching `filter`, newest first, at most `limit`,
   * those older than run id `before` (the page token: the last run of the
   * previous page). Time bounds are run id bounds (UUIDv7: the creation
   * time comes first), so every filter is an index range.
   */
  async listRuns(filter: RunFilter, limit: number, before?: string): Promise<RunRecord[]> {
    const [from, below] = runIdRange(filter, before);
    if (from >= below) return [];
    if (filter.searchAttributesJson !== undefined) {
      // Rare attributes: every match from the GIN index, newest first. Common ones (more than the cap):
      // the run id order finds the newest matches soon enough.
      const rows = await this.db.query(this.q.listRuns(listFilter(filter), from, below, limit, false, ATTRIBUTE_CANDIDATES_MAX));
      if (Number(rows[0]?.candidates ?? 0) <= ATTRIBUTE_CANDIDATES_MAX) return rows.map(toRun);
    }
    return (await this.db.query(this.q.listRuns(listFilter(filter), from, below, limit, false))).map(toRun);
  }

  /** How many runs match `filter`. */
  async countRuns(filter: RunFilter): Promise<number> {
    const [from, below] = runIdRange(filter, undefined);
    if (from >= below) return 0;
    const rows = await this.db.query<{ n: string | number }>(this.q.listRuns(listFilter(filter), from, below, 0, true));
    return Number(rows[0]?.n ?? 0);
  }

  /** A parent run's children: each child workflow id's latest run (for describe). */
  async listChildren(parentRunId: string): Promise<RunRecord[]> {
    return (await this.db.query(this.q.selectChildren(parentRunId))).map(toRun);
  }

  /** The run's pending and leased activity, timer and workflow tasks (for describe). */
  async listRunTasks(runId: string): Promise<PendingTask[]> {
    const rows = await this.db.query(this.q.selectRunTasks(runId));
    return rows.map((r) => ({
      taskId: r.task_id as number,
      kind: r.kind as TaskKind,
      queue: r.queue as string,
      seq: r.seq as number,
      visibleAtMs: r.visible_at_ms as number,
      leaseToken: r.lease_token as number,
      leaseExpiresAtMs: (r.lease_expires_at_ms as number | null) ?? null,
      claimedAtMs: (r.claimed_at_ms as number | null) ?? null,
      attempt: r.attempt as number,
      maxAttempts: r.max_attempts as number,
      spec: r.spec ?? null,
      heartbeatDetails: r.heartbeat_details ?? null,
      lastFailure: (r.last_failure as FailureInfo | null) ?? null,
      scheduledAtMs: r.scheduled_at_ms as number,
    }));
  }

  // -- worker transitions ----------------------------------------------------

  /** Lease up to `limit` visible tasks, and learn when the next one not yet visible becomes visible. */
  /**
   * Lease up to `limit` visible tasks: oldest first, or, with `fair`, round-robin
   * across fairness keys starting after `fair.after` (timers are always oldest first).
   */
  async claim(kind: TaskKind, queue: string, limit: number, nowMs: number, fair?: { after: string }): Promise<ClaimResult> {
    if (!fair || kind === "timer") return claimResult(await this.db.query(this.q.claimTasks(kind, queue, nowMs, limit)));
    const rows = await this.db.query(this.q.claimTasksFair(kind, queue, nowMs, limit, fair.after, FAIR_CLAIM_KEYS_MAX));
    return { ...claimResult(rows), fairCursor: (rows[0]?.fair_cursor as string | undefined) ?? "" };
  }

  async claimTasks(kind: TaskKind, queue: string, limit: number, nowMs: number): Promise<ClaimedTask[]> {
    return (await this.claim(kind, queue, limit, nowMs)).tasks;
  }

  async nextVisibleAt(kind: TaskKind, queue: string, nowMs: number): Promise<number | null> {
    const rows = await this.db.query<{ at_ms: number | null }>(this.q.nextVisibleAt(kind, queue, nowMs));
    return rows[0]?.at_ms ?? null;
  }

  /**
   * Record a workflow task's decisions: WorkflowTaskCompleted, then one event
   * per command; activity and timer tasks inserted, cancelled ones deleted; on
   * a terminal command the run closes and all its tasks go. If events arrived
   * after the task loaded the history, the workflow task stays, visible now,
   * so the next activation sees them. Returns "closed" if the run was no
   * longer running (the task is dropped); a stale lease or run version
   * raises LEASE_LOST.
   */
  async completeWorkflowTask(c: WorkflowTaskCompletion): Promise<"ok" | "closed"> {
    const [outcome] = await this.completeWorkflowTasks([c]);
    if (outcome === "stale") throw new LeaseLostError(c.taskId, c.leaseToken);
    return outcome!;
  }

  /**
   * Record many workflow tasks' decisions (of different runs) in one
   * transaction: runs locked in run_id order, then the leased tasks; each
   * completion is fenced by its own lease token and run version ("stale"
   * changes nothing for it), a run that closed meanwhile drops its task
   * ("closed"); everything else is written set-wise, a statement per kind of
   * write rather than per task.
   *
   * `recordedAtMs` is when the batch is recorded (the engine's clock as the
   * transaction begins): new activity and timer tasks carry it as their
   * scheduled time, the moment Temporal stamps ActivityTaskScheduled, so
   * schedule-to-start measures the queue, not the workflow task that
   * produced the command. History events keep each task's own `nowMs`, the
   * time its workflow code saw (replay depends on it).
   */
  async completeWorkflowTasks(completions: readonly WorkflowTaskCompletion[], recordedAtMs?: number): Promise<Array<"ok" | "closed" | "stale">> {
    return (await this.completeWorkflowTasksEager(completions, recordedAtMs ?? 0, null)).outcomes;
  }

  /**
   * completeWorkflowTasks with eager activity dispatch (Temporal's eager
   * activity execution): up to `eager.max` of the new activity tasks whose
   * queue and type the calling worker serves are inserted already claimed
   * by it, and returned, so it can run them at once — no NOTIFY, no claim
   * round trip, and one fewer update of each row. They are leased exactly as
   * a claim would lease them; if the worker dies, the lease expires and
   * anyone claims them. Nothing is claimed for a run that the same
   * decisions close.
   */
  async completeWorkflowTasksEager(
    completions: readonly WorkflowTaskCompletion[],
    recordedAtMs: number,
    eager: EagerActivities | null,
  ): Promise<{ outcomes: Array<"ok" | "closed" | "stale">; eagerTasks: ClaimedTask[] }> {
    if (completions.length === 0) return { outcomes: [], eagerTasks: [] };
    assert(new Set(completions.map((c) => c.runId)).size === completions.length, "one workflow task per run per batch");
    return this.db.transaction(async (tx) => {
      const runIds = completions.map((c) => c.runId).sort();
      const runs = new Map((await tx.query(this.q.lockRuns(runIds))).map((r) => [r.run_id as string, toRun(r)]));
      const leasedRows = await tx.query<{ task_id: number }>(this.q.lockLeasedTasks(completions.map((c) => ({ task_id: c.taskId, lease_token: c.leaseToken }))));
      const leased = new Set(leasedRows.map((r) => r.task_id));
      const nowMs = Math.max(...completions.map((c) => c.nowMs));
      const writes = new DecisionWrites(eager, this.workflowTaskTimeoutMs, (tx, rows, nowMs) => this.startContinuedRuns(tx, rows, nowMs));
      await writes.prepare(tx, this.q, completions);
      const dropTasks: number[] = [];
      const requeue: number[] = [];
      const outcomes = completions.map((c): "ok" | "closed" | "stale" => {
        const run = runs.get(c.runId);
        assert(run !== undefined, `workflow task ${c.taskId} names run ${c.runId}, which does not exist`);
        if (!leased.has(c.taskId)) return "stale";
        if (run.status !== "running") {
          dropTasks.push(c.taskId);
          return "closed";
        }
        if (run.version !== c.expectedVersion) {
          // The run moved on under the task (an inline step, a lease that had expired): its decisions
          // are void, but the lease is still ours, so hand the task straight back for a fresh look
          // rather than leave it leased until the lease runs out.
          requeue.push(c.taskId);
          return "stale";
        }
        assert(c.processedUpTo <= run.nextEventId - 1, `processedUpTo ${c.processedUpTo} beyond history end ${run.nextEventId - 1}`);
        const plan = writes.add(run, c);
        if (plan.close) return "ok";
        if (plan.keepWorkflowTask) requeue.push(c.taskId);
        else dropTasks.push(c.taskId);
        return "ok";
      });
      const eagerTasks = await writes.write(tx, this.q, nowMs, Math.max(nowMs, recordedAtMs));
      if (dropTasks.length > 0) await tx.query(this.q.deleteTasksById(dropTasks));
      if (requeue.length > 0) await tx.query(this.q.requeueTasksById(requeue, nowMs));
      if (this.notifyEnabled && writes.notify.size > 0) await tx.query(this.q.notifyKeys(this.notifyChannel, [...writes.notify]));
      return { outcomes, eagerTasks };
    });
  }

  /**
   * Start the runs continue-as-new decisions name, in the transaction that
   * closes their predecessors (closed before this is called, so no running
   * run holds their workflow ids). Protected for the simulator's planted bug.
   */
  protected async startContinuedRuns(tx: SqlSession, rows: readonly string[], nowMs: number): Promise<void> {
    const started = await tx.query(this.q.insertRuns(`[${rows.join(",")}]`, nowMs, this.workflowTaskTimeoutMs));
    assert(started.length === rows.length, `continue-as-new started ${started.length} of ${rows.length} runs`);
  }

  /**
   * Inline decisions: activities' results recorded together with the
   * decisions their workflows made on them, one transaction for both — no
   * workflow task row, claim or history load in between (what a worker does
   * when it holds the run's live execution: see WorkerOptions.inlineDecisions).
   *
   * Each step is fenced twice. The activity's lease token must be current
   * ("stale" otherwise: nothing is written for it). The run must be exactly
   * where the worker's execution left it — the version its last decisions
   * produced and no event since (`expectedNextEventId` is the id the result
   * gets) — or the decisions, made on a history that is not the run's, are
   * dropped and the result is recorded the ordinary way, as a resolution
   * with a workflow task to deliver it ("resolved"). Otherwise ("inlined")
   * the history reads exactly as if the two had been recorded apart:
   * ActivityCompleted, then WorkflowTaskCompleted and one event per command.
   * Eager activity dispatch works as in completeWorkflowTasksEager.
   */
  async completeActivitiesInline(
    steps: readonly InlineStep[],
    recordedAtMs: number,
    eager: EagerActivities | null,
  ): Promise<{ outcomes: Array<"inlined" | "resolved" | "stale">; eagerTasks: ClaimedTask[] }> {
    if (steps.length === 0) return { outcomes: [], eagerTasks: [] };
    assert(new Set(steps.map((c) => c.runId)).size === steps.length, "one inline step per run per batch");
    return this.db.transaction(async (tx) => {
      const runIds = steps.map((c) => c.runId).sort();
      const runs = new Map((await tx.query(this.q.lockRuns(runIds))).map((r) => [r.run_id as string, toRun(r)]));
      const deleted = await tx.query<{ task_id: number }>(this.q.deleteLeasedTasks(steps.map((i) => ({ task_id: i.taskId, lease_token: i.leaseToken }))));
      const accepted = new Set(deleted.map((r) => r.task_id));
      const nowMs = Math.max(...steps.map((c) => c.nowMs));
      const writes = new DecisionWrites(eager, this.workflowTaskTimeoutMs, (tx, rows, nowMs) => this.startContinuedRuns(tx, rows, nowMs));
      await writes.prepare(tx, this.q, steps);
      const resolutions: string[] = [];
      const resolvedRuns: Array<{ run_id: string; next_event_id: number; queue: string }> = [];
      const outcomes = steps.map((c): "inlined" | "resolved" | "stale" => {
        if (!accepted.has(c.taskId)) return "stale";
        const run = runs.get(c.runId);
        assert(run !== undefined && run.status === "running", `task ${c.taskId} leased but run ${c.runId} is ${run?.status ?? "missing"}`);
        const dataJson = activityCompletedData(c.seq, c.attempt, c.resultJson);
        if (run.version !== c.expectedVersion || run.nextEventId !== c.expectedNextEventId) {
          resolutions.push(jsonWithRaw({ run_id: c.runId, event_id: run.nextEventId, type: "ActivityCompleted" }, { data: dataJson }));
          resolvedRuns.push({ run_id: c.runId, next_event_id: run.nextEventId + 1, queue: run.taskQueue });
          return "resolved";
        }
        writes.add(run, { ...c, processedUpTo: run.nextEventId }, { type: "ActivityCompleted", dataJson });
        return "inlined";
      });
      if (resolutions.length > 0) {
        await tx.query(this.q.appendResolutions(`[${resolutions.join(",")}]`, resolvedRuns, nowMs, this.workflowTaskTimeoutMs, this.channelIfNotifying()));
      }
      const eagerTasks = await writes.write(tx, this.q, nowMs, Math.max(nowMs, recordedAtMs));
      if (this.notifyEnabled && writes.notify.size > 0) await tx.query(this.q.notifyKeys(this.notifyChannel, [...writes.notify]));
      return { outcomes, eagerTasks };
    });
  }

  /**
   * A workflow task could not complete (non-determinism, unknown workflow
   * type, a bug in the runtime's input): keep the run running, record the
   * failure on the run (shown by describe) and in the history (once per
   * distinct failure, so a stuck run does not flood its history), and retry
   * the task with backoff, in case new code is deployed.
   */
  async failWorkflowTask(f: WorkflowTaskFailure): Promise<{ retryAtMs: number | null }> {
    return this.db.transaction(async (tx) => {
      const run = await this.lockRun(tx, f.runId);
      const leased = await tx.query(this.q.lockLeasedTask(f.taskId, f.leaseToken));
      if (leased.length === 0) throw new LeaseLostError(f.taskId, f.leaseToken);
      if (run.status !== "running") {
        await tx.query(this.q.deleteLeasedTask(f.taskId, f.leaseToken));
        return { retryAtMs: null };
      }
      const sameAsLast = run.taskFailure !== null && run.taskFailure.type === f.failure.type && run.taskFailure.message === f.failure.message;
      if (!sameAsLast) {
        await this.appendEvents(tx, f.runId, run.nextEventId, f.nowMs, [newEvent("WorkflowTaskFailed", { failure: f.failure, attempt: f.attempt, workerId: f.workerId })]);
      }
      const rows = await tx.query<{ task_failures: number }>(this.q.recordWorkflowTaskFailure(f.runId, JSON.stringify(f.failure)));
      const failures = rows[0]?.task_failures ?? 1;
      const delayMs = Math.min(WORKFLOW_TASK_RETRY_MS_INITIAL * Math.pow(2, Math.min(failures - 1, 30)), WORKFLOW_TASK_RETRY_MS_MAX);
      const retryAtMs = f.nowMs + delayMs;
      await tx.query(this.q.requeueWorkflowTask(f.taskId, f.leaseToken, retryAtMs, false));
      return { retryAtMs };
    });
  }

  /**
   * Record an activity's result, fenced by its lease token: the task row is
   * deleted only if the token is current, and the ActivityCompleted event and
   * the workflow task that will see it commit with it. With `step`, the
   * caller's SQL runs in this same transaction (a transactional step): it
   * commits exactly when the result is recorded, and is rolled back with it.
   */
  async completeActivityTask(ref: ActivityTaskRef, resultJson: string | ((tx: SqlSession) => Promise<string>)): Promise<void> {
    await this.db.transaction(async (tx) => {
      const run = await this.lockRun(tx, ref.runId);
      const deleted = await tx.query(this.q.deleteLeasedTask(ref.taskId, ref.leaseToken));
      if (deleted.length === 0) throw new LeaseLostError(ref.taskId, ref.leaseToken);
      assert(run.status === "running", `task ${ref.taskId} leased but run ${ref.runId} is ${run.status}`);
      const result = typeof resultJson === "string" ? resultJson : await resultJson(tx);
      const data = activityCompletedData(ref.seq, ref.attempt, result);
      await this.appendResolution(tx, run, ref.nowMs, { type: "ActivityCompleted", dataJson: data });
    });
  }

  /**
   * Record many activities' results in one transaction, each fenced by its
   * lease token like completeActivityTask: a stale item changes nothing and
   * comes back "stale"; the others are recorded. Runs are locked in run_id
   * order first (so concurrent batches cannot deadlock), then the tasks
   * deleted, then every event appended and every workflow task ensured in
   * one statement. Measured: one commit per batch instead of one per result.
   */
  async completeActivityTasks(items: ReadonlyArray<ActivityTaskRef & { resultJson: string }>, nowMs: number): Promise<Array<"ok" | "stale">> {
    if (items.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const runIds = [...new Set(items.map((i) => i.runId))].sort();
      const runs = new Map((await tx.query(this.q.lockRuns(runIds))).map((r) => [r.run_id as string, toRun(r)]));
      const deleted = await tx.query<{ task_id: number }>(this.q.deleteLeasedTasks(items.map((i) => ({ task_id: i.taskId, lease_token: i.leaseToken }))));
      const accepted = new Set(deleted.map((r) => r.task_id));
      const nextIds = new Map<string, number>();
      const events: string[] = [];
      for (const item of items) {
        if (!accepted.has(item.taskId)) continue;
        const run = runs.get(item.runId);
        assert(run !== undefined && run.status === "running", `task ${item.taskId} leased but run ${item.runId} is ${run?.status ?? "missing"}`);
        const eventId = nextIds.get(item.runId) ?? run.nextEventId;
        nextIds.set(item.runId, eventId + 1);
        const data = activityCompletedData(item.seq, item.attempt, item.resultJson);
        events.push(jsonWithRaw({ run_id: item.runId, event_id: eventId, type: "ActivityCompleted" }, { data }));
      }
      if (events.length > 0) {
        const runRows = [...nextIds].map(([runId, next]) => ({ run_id: runId, next_event_id: next, queue: runs.get(runId)!.taskQueue }));
        await tx.query(this.q.appendResolutions(`[${events.join(",")}]`, runRows, nowMs, this.workflowTaskTimeoutMs, this.channelIfNotifying()));
      }
      return items.map((i) => (accepted.has(i.taskId) ? "ok" : "stale"));
    });
  }

  /** Record an activity's final failure (no more retries), fenced like completion. */
  async failActivityTask(ref: ActivityTaskRef, failure: FailureInfo): Promise<void> {
    await this.db.transaction(async (tx) => {
      const run = await this.lockRun(tx, ref.runId);
      const deleted = await tx.query(this.q.deleteLeasedTask(ref.taskId, ref.leaseToken));
      if (deleted.length === 0) throw new LeaseLostError(ref.taskId, ref.leaseToken);
      assert(run.status === "running", `task ${ref.taskId} leased but run ${ref.runId} is ${run.status}`);
      await this.appendResolution(tx, run, ref.nowMs, newEvent("ActivityFailed", { seq: ref.seq, failure, attempt: ref.attempt }));
    });
  }

  /** A failed attempt that will be retried at `retryAtMs`: no history event (Temporal records only the last attempt). */
  async retryActivityTask(ref: ActivityTaskRef, failure: FailureInfo, retryAtMs: number): Promise<void> {
    const rows = await this.db.query(this.q.retryTask(ref.taskId, ref.leaseToken, retryAtMs, JSON.stringify(failure)));
    if (rows.length === 0) throw new LeaseLostError(ref.taskId, ref.leaseToken);
    // A delayed retry needs no wakeup: idle pollers sleep until the next visible task.
    if (retryAtMs <= ref.nowMs) await this.notifyKey(this.db, `activity:${ref.queue}`);
  }

  /** Extend an activity's lease and save progress details for a later attempt. Returns the new lease expiry. */
  async heartbeatActivityTask(taskId: number, leaseToken: number, nowMs: number, detailsJson: string | null, step?: { runId: string; seq: number }): Promise<number> {
    const rows = await this.db.query<{ lease_expires_at_ms: number }>(this.q.heartbeatTask(taskId, leaseToken, nowMs, detailsJson));
    if (rows[0]) return rows[0].lease_expires_at_ms;
    // The lease is gone. Say why when it is for good: the workflow cancelled the activity, or its run
    // closed (completed, cancelled, terminated...). Otherwise another attempt holds the task.
    if (step) {
      const why = (await this.db.query<{ status: string; cancelled: boolean }>(this.q.activityFate(step.runId, step.seq)))[0];
      if (why?.cancelled) throw new CancelledError(`activity ${step.seq} of run ${step.runId} was cancelled by its workflow`);
      if (why && why.status !== "running") throw new CancelledError(`run ${step.runId} is ${why.status}: its activities are cancelled`);
    }
    throw new LeaseLostError(taskId, leaseToken);
  }

  /**
   * Fire a due timer task, fenced by its lease: a durable timer appends
   * TimerFired (and ensures a workflow task). Timer tasks also carry the
   * engine's deliveries between runs (their `spec` says which, see
   * parseTimerSpec): a child's close, appended to its parent as the event the
   * spec holds (dropped if the parent closed meanwhile), and a parent's
   * action on a child (terminate or request cancellation: the parent's close
   * policy, or its own cancellation reaching a child it waits on), applied to
   * the child workflow's running run if there still is one.
   */
  async fireTimer(taskId: number, leaseToken: number, runId: string, seq: number, nowMs: number, spec: unknown = null, random?: Random): Promise<void> {
    const timer = parseTimerSpec(spec);
    if (timer.kind === "childAction") return this.applyChildAction(taskId, leaseToken, runId, timer, nowMs);
    if (timer.kind === "schedule") {
      assert(random !== undefined, "a schedule's round needs the worker's Random (run ids and seeds of the workflows it starts)");
      return this.fireSchedule(taskId, leaseToken, runId, nowMs, random);
    }
    await this.db.transaction(async (tx) => {
      const run = await this.lockRun(tx, runId);
      const deleted = await tx.query(this.q.deleteLeasedTask(taskId, leaseToken));
      if (deleted.length === 0) throw new LeaseLostError(taskId, leaseToken);
      if (run.status !== "running") {
        // A run's close deletes its timers; only a delivery, inserted as its run closed, can find it closed.
        assert(timer.kind === "deliver", `timer task ${taskId} leased but run ${runId} is ${run.status}`);
        return;
      }
      if (timer.kind === "scheduleToStart") {
        // Only an activity no worker has started yet times out: once claimed, start-to-close governs it.
        const unstarted = await tx.query(this.q.deleteUnstartedActivity(runId, seq));
        if (unstarted.length === 0) return;
        const failure = toFailureInfo(new TimeoutError("scheduleToStart", `activity ${seq} was not started within its scheduleToStartTimeoutMs (${timer.timeoutMs} ms)`));
        await this.appendResolution(tx, run, nowMs, newEvent("ActivityFailed", { seq, failure, attempt: 0 }));
        return;
      }
      if (timer.kind === "scheduleAction") {
        if (timer.action === "terminate") await this.terminateRun(tx, run, timer.reason, nowMs);
        else await this.requestCancelRun(tx, run, timer.reason, nowMs);
        return;
      }
      await this.appendResolution(tx, run, nowMs, timer.kind === "deliver" ? timer.event : newEvent("TimerFired", { seq }));
    });
  }

  /**
   * Terminate or cancel a parent's child: its running run, found by workflow id
   * and parent (a continue-as-new chain keeps both), locked before the task's
   * row so this takes run locks in the same order as everything else.
   */
  private async applyChildAction(taskId: number, leaseToken: number, parentRunId: string, action: Extract<TimerSpec, { kind: "childAction" }>, nowMs: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      let child = (await tx.query(this.q.lockRunningChild(action.workflowId, parentRunId))).map(toRun)[0];
      if (!child && (await tx.query(this.q.selectRunningChild(action.workflowId, parentRunId))).length > 0) {
        // The run it locked closed as it waited (a continue-as-new): its successor is visible to a new statement.
        child = (await tx.query(this.q.lockRunningChild(action.workflowId, parentRunId))).map(toRun)[0];
      }
      const deleted = await tx.query(this.q.deleteLeasedTask(taskId, leaseToken));
      if (deleted.length === 0) throw new LeaseLostError(taskId, leaseToken);
      if (!child) return;
      if (action.action === "terminate") await this.terminateRun(tx, child, action.reason, nowMs);
      else await this.requestCancelRun(tx, child, action.reason, nowMs);
    });
  }

  /** Give back a leased task unfinished (graceful shutdown); the attempt does not count. */
  async releaseTask(taskId: number, leaseToken: number, kind: TaskKind, queue: string, nowMs: number): Promise<void> {
    const rows = await this.db.query(this.q.releaseTask(taskId, leaseToken, nowMs));
    if (rows.length === 0) throw new LeaseLostError(taskId, leaseToken);
    await this.notifyKey(this.db, `${kind}:${queue}`);
  }

  /**
   * Table maintenance, one round: VACUUM (ANALYZE) the hot tasks table once
   * its dead tuples reach `threshold`, whatever autovacuum does (it comes
   * round once a minute at best, and a busy queue leaves thousands of dead
   * tuples a second). Where the server's autovacuum is off, also vacuum runs
   * and history past `threshold` + 20% of their live tuples dead, or analyze
   * them past as many changed — twice autovacuum's own defaults — since
   * nothing else would: without statistics the planner guesses a thousand
   * history rows per run (JIT and poor plans follow). Cheap when there is
   * nothing to do (one statistics read); safe from many workers at once
   * (SKIP_LOCKED: a table another session is vacuuming is skipped, not
   * waited for). Outside any transaction.
   */
  async maintainTables(threshold: number): Promise<Array<{ table: MaintainedTable; action: "vacuum" | "analyze"; deadTuples: number }>> {
    const rows = await this.db.query<{ table: MaintainedTable; dead: number | null; live: number | null; modified: number | null; autovacuum: boolean }>(this.q.tableStatistics());
    const done: Array<{ table: MaintainedTable; action: "vacuum" | "analyze"; deadTuples: number }> = [];
    for (const row of rows) {
      const dead = Number(row.dead ?? 0);
      const bar = row.table === "tasks" ? threshold : threshold + MAINTENANCE_SCALE_FACTOR * Number(row.live ?? 0);
      const action = dead >= bar ? "vacuum" : row.table !== "tasks" && Number(row.modified ?? 0) >= bar ? "analyze" : null;
      if (action === null || (row.table !== "tasks" && row.autovacuum)) continue;
      await this.db.query(this.q.maintainTable(row.table, action));
      done.push({ table: row.table, action, deadTuples: dead });
    }
    return done;
  }

  // -- schedules ---------------------------------------------------------------

  /**
   * Create a schedule (SCHEDULE_ALREADY_EXISTS if its id is taken) and, unless
   * paused, its task, due at its first fire after now. Fires before now never
   * run: a schedule starts from its creation.
   */
  async createSchedule(row: ScheduleRowInput, queue: string, nowMs: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const inserted = await tx.query(this.q.schedules.insertSchedule(row, nowMs));
      if (inserted.length === 0) throw new ScheduleAlreadyExistsError(row.scheduleId);
      if (row.paused) return;
      const spec = compileSpec(JSON.parse(row.specJson) as CheckedSpec);
      const first = nextFireAfter(spec, nowMs);
      if (first !== null) await this.putScheduleTask(tx, row.taskRunId, queue, fireDueAtMs(spec, row.scheduleId, first), row.scheduleId, nowMs);
    });
  }

  async getSchedule(scheduleId: string): Promise<{ schedule: ScheduleRecord; running: Array<{ workflowId: string; runId: string }> }> {
    const rows = await this.db.query(this.q.schedules.selectSchedule(scheduleId));
    if (!rows[0]) throw new ScheduleNotFoundError(scheduleId);
    const running = await this.db.query<{ workflow_id: string; run_id: string }>(this.q.schedules.runningOfSchedule(scheduleId));
    return { schedule: toSchedule(rows[0]), running: running.map((r) => ({ workflowId: r.workflow_id, runId: r.run_id })) };
  }

  async listSchedules(after: string | null, limit: number): Promise<ScheduleRecord[]> {
    return (await this.db.query(this.q.schedules.listSchedules(after, limit))).map(toSchedule);
  }

  /**
   * Change a locked schedule: `change` gets it and writes what it changes;
   * then its task is put due now (a round then works out the rest from the
   * new state) — or when `wakeOf` says, for a change that ran a round — or
   * removed while it is paused.
   */
  async changeSchedule<T>(
    scheduleId: string,
    nowMs: number,
    change: (tx: SqlSession, schedule: ScheduleRecord) => Promise<T>,
    /** When the change ran a round itself, the wake that round worked out (no second round to work it out again). */
    wakeOf?: (result: T) => number | null,
  ): Promise<T> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(this.q.schedules.lockSchedule(scheduleId));
      if (!rows[0]) throw new ScheduleNotFoundError(scheduleId);
      const result = await change(tx, toSchedule(rows[0]));
      const after = toSchedule((await tx.query(this.q.schedules.selectSchedule(scheduleId)))[0]!);
      const wakeAtMs = after.paused ? null : wakeOf ? wakeOf(result) : nowMs;
      if (wakeAtMs === null) await tx.query(this.q.schedules.deleteTask(after.taskRunId));
      else await this.putScheduleTask(tx, after.taskRunId, after.action.taskQueue, wakeAtMs, scheduleId, nowMs);
      return result;
    });
  }

  /**
   * Pause or unpause. Unpausing a paused schedule moves processed_upto to
   * now: the fires that fell due while it was paused are not run, and are
   * counted as skippedWhilePaused. (Unpausing one that runs changes nothing
   * else: its due fires are its next round's.)
   */
  pauseSchedule(scheduleId: string, paused: boolean, note: string, nowMs: number): Promise<void> {
    return this.changeSchedule(scheduleId, nowMs, async (tx, s) => {
      const resumes = s.paused && !paused;
      const skippedWhilePaused = resumes ? pausedFires(s, nowMs) : 0;
      await tx.query(this.q.schedules.setPaused(scheduleId, paused, note, resumes ? nowMs : s.processedUptoMs, skippedWhilePaused, nowMs));
    });
  }

  /**
   * Replace a schedule's spec, action and policies; fires are counted from
   * now under the new spec. What the old spec owed up to now is settled
   * first, in the same transaction: a running schedule's due fires get the
   * round they were waiting for (a worker behind on its schedule task must
   * not lose them to the update), a paused one's are counted as
   * skippedWhilePaused.
   */
  updateSchedule(
    scheduleId: string,
    row: Pick<ScheduleRowInput, "specJson" | "actionJson" | "overlap" | "catchupWindowMs" | "pauseOnFailure">,
    nowMs: number,
    random: Random,
  ): Promise<void> {
    return this.changeSchedule(scheduleId, nowMs, async (tx, s) => {
      if (!s.paused && s.processedUptoMs < nowMs) await this.scheduleRound(tx, s, nowMs, random);
      const skippedWhilePaused = s.paused ? pausedFires(s, nowMs) : 0;
      await tx.query(this.q.schedules.updateDefinition(scheduleId, row.specJson, row.actionJson, row.overlap, row.catchupWindowMs, row.pauseOnFailure, nowMs, skippedWhilePaused, nowMs));
    });
  }

  /** Fire a schedule once, now, under `overlap` (its own policy by default), paused or not; the trigger is the schedule's next numbered one. */
  triggerSchedule(scheduleId: string, overlap: OverlapPolicy | undefined, nowMs: number, random: Random): Promise<ScheduleRoundResult> {
    return this.changeSchedule(
      scheduleId,
      nowMs,
      (tx, schedule) => this.scheduleRound(tx, schedule, nowMs, random, { overlap: overlap ?? schedule.overlap, number: schedule.triggers + 1 }),
      (round) => round.nextWakeMs,
    );
  }

  /**
   * Backfill (Temporal's): run the fires the spec had in [startAtMs, endAtMs)
   * as if they had been due, under `overlap` (default the schedule's),
   * whatever the catch-up window, in one round with the schedule's row
   * locked. A fire whose workflow id already has a run, in any status, is not
   * started again (so a retried backfill starts nothing twice while those
   * runs are retained); nor is one the schedule has not handled yet, or one
   * waiting in its buffer. More than SCHEDULE_BACKFILL_FIRES_MAX fire times
   * in the range: INVALID_ARGUMENT, nothing written.
   */
  backfillSchedule(scheduleId: string, range: { startAtMs: number; endAtMs: number }, overlap: OverlapPolicy | undefined, nowMs: number, random: Random): Promise<ScheduleBackfillResult> {
    return this.changeSchedule(
      scheduleId,
      nowMs,
      async (tx, s) => {
        const fires = firesInRange(compileSpec(s.spec), range.startAtMs, range.endAtMs, SCHEDULE_BACKFILL_FIRES_MAX);
        if (fires === null) {
          throw new InvalidArgumentError(`backfill of schedule ${scheduleId}: more than ${SCHEDULE_BACKFILL_FIRES_MAX} fire times in [${range.startAtMs}, ${range.endAtMs}); backfill a shorter range at a time`, {
            field: "endAt",
            scheduleId,
            max: SCHEDULE_BACKFILL_FIRES_MAX,
          });
        }
        const idOf = (t: number) => scheduledWorkflowId(s.action.workflowIdPrefix, { atMs: t });
        const existing = fires.length === 0 ? new Set<string>() : new Set((await tx.query<{ workflow_id: string }>(this.q.schedules.existingWorkflowIds(JSON.stringify(fires.map(idOf))))).map((r) => r.workflow_id));
        const toRun = fires.filter((t) => !existing.has(idOf(t)));
        const round = await this.scheduleRound(tx, s, nowMs, random, undefined, { fires: toRun, overlap: overlap ?? s.overlap });
        return { fires: fires.length, alreadyStarted: fires.length - toRun.length, ...round.backfill!, nextWakeMs: round.nextWakeMs };
      },
      (result) => result.nextWakeMs,
    );
  }

  /** Delete a schedule and its task. The workflows it started run on. */
  async deleteSchedule(scheduleId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rows = await tx.query<{ task_run_id: string }>(this.q.schedules.deleteSchedule(scheduleId));
      if (!rows[0]) throw new ScheduleNotFoundError(scheduleId);
      await tx.query(this.q.schedules.deleteTask(rows[0].task_run_id));
    });
  }

  /**
   * A schedule's task fired: one round (see planScheduleRound) in one
   * transaction with the schedule's row locked, fenced by the task's lease;
   * the task then waits for the next fire (or goes, with none left).
   */
  private async fireSchedule(taskId: number, leaseToken: number, taskRunId: string, nowMs: number, random: Random): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = (await tx.query(this.q.schedules.lockScheduleOfTask(taskRunId)))[0];
      const schedule = row ? toSchedule(row) : null;
      let wakeAtMs: number | null = null;
      if (schedule && !schedule.paused) wakeAtMs = (await this.scheduleRound(tx, schedule, nowMs, random)).nextWakeMs;
      const fenced =
        wakeAtMs === null ? await tx.query(this.q.deleteLeasedTask(taskId, leaseToken)) : await tx.query(this.q.schedules.rescheduleLeasedTask(taskId, leaseToken, wakeAtMs));
      if (fenced.length === 0) throw new LeaseLostError(taskId, leaseToken);
    });
  }

  /**
   * One round of a locked schedule: plan it from the schedule's state and
   * running workflows, start the workflows it names (a workflow id with a
   * running run is a failed start, recorded), ask running ones to cancel or
   * terminate (timer tasks of theirs), and record the new state. Returns
   * when the schedule's task should next run.
   */
  private async scheduleRound(
    tx: SqlSession,
    s: ScheduleRecord,
    nowMs: number,
    random: Random,
    trigger?: { overlap: OverlapPolicy; number: number },
    backfill?: { fires: readonly number[]; overlap: OverlapPolicy },
  ): Promise<ScheduleRoundResult> {
    const sq = this.q.schedules;
    const running = (await tx.query<{ workflow_id: string }>(sq.runningOfSchedule(s.scheduleId))).map((r) => r.workflow_id);
    const spec = compileSpec(s.spec);
    const plan = planScheduleRound({
      spec,
      scheduleId: s.scheduleId,
      overlap: s.overlap,
      catchupWindowMs: s.catchupWindowMs,
      processedUptoMs: s.processedUptoMs,
      // While paused only a trigger fires; the fires due are counted as skipped while paused.
      paused: s.paused,
      buffered: s.buffered,
      running,
      nowMs,
      ...(trigger ? { trigger } : {}),
      ...(backfill ? { backfill } : {}),
      workflowIdFor: (fire) => scheduledWorkflowId(s.action.workflowIdPrefix, fire),
    });
    const notify = new Set<string>();
    const recent: RecentScheduleAction[] = [];
    let started = 0;
    let triggered: ScheduleRoundResult["triggered"] = null;
    if (plan.starts.length > 0) {
      const runs = plan.starts.map((st) => {
        const runId = uuidV7(nowMs, random);
        const attributes = { ...s.action.searchAttributes, [SCHEDULE_ID_ATTRIBUTE]: s.scheduleId, [SCHEDULED_AT_ATTRIBUTE]: st.fire.atMs };
        const row = newRunRow({
          runId,
          workflowId: st.workflowId,
          workflowType: s.action.workflowType,
          taskQueue: s.action.taskQueue,
          randomSeed: random.uuid(),
          inputJson: s.action.inputJson,
          searchAttributesJson: JSON.stringify(attributes),
          scheduleId: s.scheduleId,
        });
        return { ...st, runId, row };
      });
      const inserted = new Set((await tx.query<{ run_id: string }>(this.q.insertRuns(`[${runs.map((r) => r.row).join(",")}]`, nowMs, this.workflowTaskTimeoutMs))).map((r) => r.run_id));
      for (const r of runs) {
        const ok = inserted.has(r.runId);
        if (ok) started += 1;
        if (ok && trigger !== undefined && r.fire.trigger === trigger.number) triggered = { workflowId: r.workflowId, runId: r.runId };
        recent.unshift({ fireAtMs: r.fire.atMs, atMs: nowMs, workflowId: r.workflowId, manual: r.fire.trigger !== undefined, ...(ok ? { runId: r.runId } : { error: "WORKFLOW_ALREADY_RUNNING" }) });
      }
      if (started > 0) notify.add(`workflow:${s.action.taskQueue}`);
    }
    const actions = [
      ...plan.cancel.map((id) => ({ workflow_id: id, action: "requestCancel", reason: `schedule ${s.scheduleId}: a new fire under overlap policy cancelOther` })),
      ...plan.terminate.map((id) => ({ workflow_id: id, action: "terminate", reason: `schedule ${s.scheduleId}: a new fire under overlap policy terminateOther` })),
    ];
    if (actions.length > 0) {
      for (const r of await tx.query<{ queue: string }>(sq.insertActions(s.scheduleId, JSON.stringify(actions), nowMs, TIMER_TASK_LEASE_MS))) notify.add(`timer:${r.queue}`);
    }
    const counts: ScheduleCounts = { actions: started, skipped: plan.skipped, missed: plan.missed, startFailed: plan.starts.length - started, skippedWhilePaused: plan.skippedWhilePaused };
    const recentJson = JSON.stringify([...recent, ...s.recent].slice(0, SCHEDULE_RECENT_ACTIONS_MAX));
    await tx.query(sq.recordRound(s.scheduleId, plan.processedUptoMs, bufferedJson(plan.buffered), counts, recentJson, trigger === undefined ? 0 : 1, nowMs));
    await this.notifyKeys(tx, notify);
    // Due again: at once when fires are left over or wait with nothing running (their start failed); else at the next fire, jittered.
    const idle = running.length + started === 0;
    const next = nextFireAfter(spec, plan.processedUptoMs);
    const nextWakeMs = s.paused ? null : plan.moreDue || (idle && plan.buffered.length > 0) ? nowMs : next === null ? null : fireDueAtMs(spec, s.scheduleId, next);
    const backfilled = recent.filter((r) => r.runId !== undefined && plan.backfillStarts.includes(r.workflowId)).map((r) => ({ workflowId: r.workflowId, runId: r.runId! }));
    return { triggered, nextWakeMs, ...(backfill ? { backfill: { started: backfilled.reverse(), ...plan.backfillLeftOut } } : {}) };
  }

  private async putScheduleTask(tx: SqlSession, taskRunId: string, queue: string, visibleAtMs: number, scheduleId: string, nowMs: number): Promise<void> {
    await tx.query(this.q.schedules.putTask(taskRunId, queue, visibleAtMs, TIMER_TASK_LEASE_MS, scheduleId, nowMs));
    if (visibleAtMs <= nowMs) await this.notifyKey(tx, `timer:${queue}`);
  }

  // -- helpers -----------------------------------------------------------------

  protected async lockRun(tx: SqlSession, runId: string): Promise<RunRecord> {
    const rows = await tx.query(this.q.lockRun(runId));
    if (!rows[0]) throw new WorkflowNotFoundError({ runId });
    return toRun(rows[0]);
  }

  private async lockRunningRun(tx: SqlSession, workflowId: string): Promise<RunRecord> {
    const rows = await tx.query(this.q.lockRunningRun(workflowId));
    if (rows[0]) return toRun(rows[0]);
    const latest = await tx.query(this.q.selectLatestRun(workflowId));
    if (!latest[0]) throw new WorkflowNotFoundError({ workflowId });
    const run = toRun(latest[0]);
    throw new WorkflowNotRunningError(workflowId, run.runId, run.status);
  }

  private async appendEvents(tx: SqlSession, runId: string, firstEventId: number, nowMs: number, events: NewEvent[]): Promise<void> {
    await tx.query(this.q.appendEvents(runId, firstEventId, nowMs, eventsJson(events), events.length));
  }

  /** Append an event that the workflow must see, and make sure a workflow task will deliver it. */
  protected async appendResolution(tx: SqlSession, run: RunRecord, nowMs: number, event: NewEvent): Promise<void> {
    assert(run.status === "running", `appending ${event.type} to run ${run.runId} which is ${run.status}`);
    await tx.query(
      this.q.appendResolution(run.runId, run.nextEventId, nowMs, eventsJson([event]), 1, run.taskQueue, this.workflowTaskTimeoutMs, this.channelIfNotifying()),
    );
  }

  private channelIfNotifying(): string | null {
    return this.notifyEnabled ? this.notifyChannel : null;
  }

  private async notifyKey(session: SqlSession, key: string): Promise<void> {
    if (!this.notifyEnabled) return;
    await session.query(this.q.notify(this.notifyChannel, key));
  }

  private async notifyKeys(session: SqlSession, keys: ReadonlySet<string>): Promise<void> {
    if (!this.notifyEnabled || keys.size === 0) return;
    await session.query(this.q.notifyKeys(this.notifyChannel, [...keys]));
  }
}

/** claimTasks rows (one per claimed task, or one empty row) as a ClaimResult. */
export function claimResult(rows: Array<Record<string, unknown>>): ClaimResult {
  const next = rows[0]?.next_visible_at_ms;
  return { tasks: rows.filter((r) => r.task_id !== null && r.task_id !== undefined).map(toClaimedTask), nextVisibleAtMs: typeof next === "number" ? next : null };
}

/** A claimTasks row as a ClaimedTask. */
export function toClaimedTask(r: Record<string, unknown>): ClaimedTask {
  return {
    taskId: r.task_id as number,
    kind: r.kind as TaskKind,
    queue: r.queue as string,
    runId: r.run_id as string,
    seq: r.seq as number,
    leaseToken: r.lease_token as number,
    attempt: r.attempt as number,
    claimedAtMs: r.claimed_at_ms as number,
    leaseExpiresAtMs: r.lease_expires_at_ms as number,
    leaseMs: r.lease_ms as number,
    heartbeatTimeoutMs: (r.heartbeat_timeout_ms as number | null) ?? null,
    scheduleDeadlineMs: (r.schedule_deadline_ms as number | null) ?? null,
    maxAttempts: r.max_attempts as number,
    spec: r.spec ?? null,
    heartbeatDetails: r.heartbeat_details ?? null,
    lastFailure: (r.last_failure as FailureInfo | null) ?? null,
    scheduledAtMs: r.scheduled_at_ms as number,
  };
}

/** What a run's decisions are, whichever way they arrive (a workflow task, or inline with an activity result). */
type DecisionInput = Pick<WorkflowTaskCompletion, "runId" | "processedUpTo" | "commands" | "nowMs" | "workerId">;

interface DecisionPlan {
  /** WorkflowTaskCompleted, then one event per command. */
  events: NewEvent[];
  /** Activity and timer tasks to insert; activities name their type (eager dispatch). */
  taskRows: Array<{ row: TaskRow; activityType?: string }>;
  cancels: Array<{ kind: TaskKind; seq: number }>;
  /** The status the decisions close the run with, or null. */
  close: RunStatus | null;
  /** The run a continue-as-new starts (with close = "continuedAsNew"). */
  continued: NewRun | null;
  /** Child runs the decisions start. */
  children: NewRun[];
  /** How the decisions close the run, as its parent (if any) learns it; null unless closing for good. */
  delivery: FinalClose | null;
  /** Search attributes the decisions set (merged into the run's), or null. */
  searchAttributes: Record<string, SearchAttributeValue> | null;
  /** Events arrived after the task loaded the history: its workflow task stays for them. */
  keepWorkflowTask: boolean;
  notifyKeys: Set<string>;
}

/**
 * What a workflow task's decisions write, for a run that is running and whose
 * version matches. `runningIds` maps workflow ids to their running runs (as
 * far as this batch knows, its own child starts included): a child start
 * whose id is there fails, recorded as ChildWorkflowStartFailed; the others
 * start, recorded as ChildWorkflowStarted — both right after the decisions,
 * for the run's next workflow task to deliver (unless the decisions close
 * the run: then nothing follows its last event, but its children start).
 */
function planDecisions(run: RunRecord, c: DecisionInput, runningIds: Map<string, string>): DecisionPlan {
  let commands = c.commands;
  const eventsAfter = run.nextEventId - 1 + 1 + eventsRecorded(commands);
  if (eventsAfter > HISTORY_EVENTS_MAX) {
    commands = [{ type: "FailWorkflow", failure: toFailureInfo(new HistoryLimitError(c.runId, eventsAfter, HISTORY_EVENTS_MAX)) }];
  }
  const plan: DecisionPlan = {
    events: [{ type: "WorkflowTaskCompleted", dataJson: workflowTaskCompletedData(c.processedUpTo, c.workerId) }],
    taskRows: [],
    cancels: [],
    close: null,
    continued: null,
    children: [],
    delivery: null,
    searchAttributes: null,
    keepWorkflowTask: run.nextEventId - 1 > c.processedUpTo,
    notifyKeys: new Set(),
  };
  const childResolutions: NewEvent[] = [];
  for (const cmd of commands) {
    if (cmd.type !== "ScheduleActivity") plan.events.push(commandEvent(cmd, c.nowMs));
    switch (cmd.type) {
      case "ScheduleActivity": {
        const o = cmd.options;
        // The options serialised once for the event and the task; both written by hand (see jsonNumber).
        const optionsJson = JSON.stringify(o);
        plan.events.push({ type: "ActivityScheduled", dataJson: activityScheduledData(cmd, optionsJson) });
        const spec = activitySpecJson(cmd, run.workflowId, optionsJson);
        const scheduleDeadlineMs = o.scheduleToCloseTimeoutMs === null ? null : c.nowMs + o.scheduleToCloseTimeoutMs;
        plan.taskRows.push({
          activityType: cmd.activityType,
          row: {
            kind: "activity",
            queue: o.taskQueue,
            seq: cmd.seq,
            visible_at_ms: c.nowMs,
            lease_ms: o.startToCloseTimeoutMs,
            heartbeat_timeout_ms: o.heartbeatTimeoutMs,
            schedule_deadline_ms: scheduleDeadlineMs,
            retry_initial_ms: o.retry.initialIntervalMs,
            retry_coefficient: o.retry.backoffCoefficient,
            retry_max_ms: o.retry.maximumIntervalMs,
            max_attempts: o.retry.maximumAttempts,
            specJson: spec,
          },
        });
        plan.notifyKeys.add(`activity:${o.taskQueue}`);
        if (o.scheduleToStartTimeoutMs !== undefined) {
          // Enforced by a timer on the workflow's own queue, so it fires even when no worker serves the activity's.
          plan.taskRows.push({
            row: { ...TIMER_ROW, queue: run.taskQueue, seq: cmd.seq, visible_at_ms: c.nowMs + o.scheduleToStartTimeoutMs, specJson: JSON.stringify({ scheduleToStart: o.scheduleToStartTimeoutMs }) },
          });
        }
        break;
      }
      case "StartTimer":
        plan.taskRows.push({
          row: { ...TIMER_ROW, queue: run.taskQueue, seq: cmd.seq, visible_at_ms: c.nowMs + cmd.durationMs, specJson: JSON.stringify({ durationMs: cmd.durationMs }) },
        });
        if (cmd.durationMs === 0) plan.notifyKeys.add(`timer:${run.taskQueue}`);
        break;
      case "CancelTimer":
        plan.cancels.push({ kind: "timer", seq: cmd.seq });
        break;
      case "CancelActivity":
        plan.cancels.push({ kind: "activity", seq: cmd.seq });
        break;
      case "StartChildWorkflow": {
        const running = runningIds.get(cmd.workflowId);
        if (running !== undefined) {
          childResolutions.push(newEvent("ChildWorkflowStartFailed", { seq: cmd.seq, workflowId: cmd.workflowId, runningRunId: running }));
          break;
        }
        runningIds.set(cmd.workflowId, cmd.runId);
        plan.children.push({
          runId: cmd.runId,
          workflowId: cmd.workflowId,
          workflowType: cmd.workflowType,
          taskQueue: cmd.taskQueue,
          randomSeed: cmd.randomSeed,
          inputJson: cmd.inputJson,
          parent: { workflowId: run.workflowId, runId: run.runId, seq: cmd.seq, closePolicy: cmd.parentClosePolicy },
          ...(run.fairnessKey ? { fairnessKey: run.fairnessKey } : {}),
          ...(cmd.searchAttributesJson === undefined ? {} : { searchAttributesJson: cmd.searchAttributesJson }),
        });
        plan.notifyKeys.add(`workflow:${cmd.taskQueue}`);
        childResolutions.push(newEvent("ChildWorkflowStarted", { seq: cmd.seq, workflowId: cmd.workflowId, runId: cmd.runId }));
        break;
      }
      case "RequestCancelChild":
        plan.taskRows.push({
          row: {
            ...TIMER_ROW,
            queue: run.taskQueue,
            seq: -cmd.seq,
            visible_at_ms: c.nowMs,
            specJson: JSON.stringify({ childAction: "requestCancel", workflowId: cmd.workflowId, reason: `cancellation requested by parent workflow ${run.workflowId} (run ${run.runId})` }),
          },
        });
        plan.notifyKeys.add(`timer:${run.taskQueue}`);
        break;
      case "UpsertSearchAttributes":
        plan.searchAttributes = { ...plan.searchAttributes, ...(JSON.parse(cmd.attributesJson) as Record<string, SearchAttributeValue>) };
        break;
      case "CompleteWorkflow":
        plan.close = "completed";
        plan.delivery = { status: "completed", resultJson: cmd.resultJson };
        break;
      case "FailWorkflow":
        plan.close = "failed";
        plan.delivery = { status: "failed", failure: cmd.failure };
        break;
      case "CancelWorkflow":
        plan.close = "cancelled";
        plan.delivery = { status: "cancelled", failure: toFailureInfo(new CancelledError(cmd.reason)) };
        break;
      case "ContinueAsNew":
        plan.close = "continuedAsNew";
        plan.continued = {
          runId: cmd.newRunId,
          workflowId: run.workflowId,
          workflowType: cmd.workflowType,
          taskQueue: cmd.taskQueue,
          randomSeed: cmd.randomSeed,
          inputJson: cmd.inputJson,
          continuedFromRunId: run.runId,
          ...(run.parent ? { parent: run.parent } : {}),
          ...(run.scheduleId !== null ? { scheduleId: run.scheduleId } : {}),
          ...(run.fairnessKey ? { fairnessKey: run.fairnessKey } : {}),
          // The new run keeps the workflow's search attributes, with any this task set.
          ...(run.searchAttributes || plan.searchAttributes ? { searchAttributesJson: JSON.stringify({ ...run.searchAttributes, ...plan.searchAttributes }) } : {}),
        };
        break;
    }
    if (isTerminal(cmd)) break;
  }
  if (plan.close) {
    // A closing run's tasks all go with it: nothing it scheduled or cancelled in its last decisions outlives it
    // (its children start: they are runs of their own, and its close policy applies to them).
    plan.taskRows = [];
    plan.cancels = [];
    plan.notifyKeys.clear();
    if (plan.continued) plan.notifyKeys.add(`workflow:${plan.continued.taskQueue}`);
    for (const child of plan.children) plan.notifyKeys.add(`workflow:${child.taskQueue}`);
  } else {
    plan.events.push(...childResolutions);
    if (childResolutions.length > 0) plan.keepWorkflowTask = true;
    if (plan.keepWorkflowTask) plan.notifyKeys.add(`workflow:${run.taskQueue}`);
  }
  return plan;
}

/** The fields every timer-kind task row shares: durable timers, and the deliveries they carry (see Store.fireTimer). */
const TIMER_ROW = {
  kind: "timer" as const,
  lease_ms: TIMER_TASK_LEASE_MS,
  heartbeat_timeout_ms: null,
  schedule_deadline_ms: null,
  retry_initial_ms: 0,
  retry_coefficient: 1,
  retry_max_ms: 0,
  max_attempts: 0,
};

/** How a run closed for good, as its parent learns it. */
type FinalClose = { status: "completed"; resultJson: string } | { status: ChildCloseStatus; failure: FailureInfo };

/** What a timer task does when it fires (Store.fireTimer), read from its spec. */
type TimerSpec =
  | { kind: "timer" }
  | { kind: "deliver"; event: NewEvent }
  | { kind: "childAction"; action: "terminate" | "requestCancel"; workflowId: string; reason: string }
  /** An activity's schedule-to-start deadline (the timer has the activity's seq). */
  | { kind: "scheduleToStart"; timeoutMs: number }
  /** A schedule's next round (the task's run_id is the schedule's task_run_id; no run has it). */
  | { kind: "schedule"; scheduleId: string }
  /** A schedule's overlap policy acting on one of its running runs (the task's own run). */
  | { kind: "scheduleAction"; action: "terminate" | "requestCancel"; reason: string };

const DELIVERED_EVENT_TYPES = new Set(["ChildWorkflowCompleted", "ChildWorkflowFailed"]);

export function parseTimerSpec(spec: unknown): TimerSpec {
  const s = (typeof spec === "object" && spec !== null ? spec : {}) as Record<string, unknown>;
  if (s.deliver !== undefined) {
    const d = s.deliver as { type?: unknown; data?: unknown };
    assert(typeof d.type === "string" && DELIVERED_EVENT_TYPES.has(d.type) && typeof d.data === "object", `timer task delivers an unknown event: ${JSON.stringify(spec)}`);
    return { kind: "deliver", event: { type: d.type as NewEvent["type"], dataJson: JSON.stringify(d.data) } };
  }
  if (s.childAction !== undefined) {
    assert((s.childAction === "terminate" || s.childAction === "requestCancel") && typeof s.workflowId === "string", `unknown child action: ${JSON.stringify(spec)}`);
    return { kind: "childAction", action: s.childAction, workflowId: s.workflowId, reason: String(s.reason ?? "") };
  }
  if (typeof s.scheduleToStart === "number") return { kind: "scheduleToStart", timeoutMs: s.scheduleToStart };
  if (typeof s.schedule === "string") return { kind: "schedule", scheduleId: s.schedule };
  if (s.scheduleAction !== undefined) {
    assert(s.scheduleAction === "terminate" || s.scheduleAction === "requestCancel", `unknown schedule action: ${JSON.stringify(spec)}`);
    return { kind: "scheduleAction", action: s.scheduleAction, reason: String(s.reason ?? "") };
  }
  return { kind: "timer" };
}

type NewRun = Pick<StartWorkflowParams, "runId" | "workflowId" | "workflowType" | "taskQueue" | "randomSeed" | "inputJson" | "searchAttributesJson" | "fairnessKey"> & {
  continuedFromRunId?: string;
  parent?: ChildOf;
  /** Set on runs a schedule starts, and kept by continue-as-new. */
  scheduleId?: string;
};

/** WorkflowStarted's data, the input embedded as the JSON text it already is. */
function workflowStartedData(p: NewRun): string {
  const from = p.continuedFromRunId === undefined ? {} : { continuedFromRunId: p.continuedFromRunId };
  const parent = p.parent === undefined ? {} : { parent: { workflowId: p.parent.workflowId, runId: p.parent.runId, seq: p.parent.seq } };
  return jsonWithRaw({ workflowId: p.workflowId, workflowType: p.workflowType, taskQueue: p.taskQueue, randomSeed: p.randomSeed, ...from, ...parent }, { input: p.inputJson });
}

/** A row of insertRuns' input. */
function newRunRow(p: NewRun): string {
  const parent =
    p.parent === undefined ? {} : { parent_run_id: p.parent.runId, parent_workflow_id: p.parent.workflowId, parent_seq: p.parent.seq, parent_close_policy: p.parent.closePolicy };
  const raw: Record<string, string> = { data: workflowStartedData(p) };
  if (p.searchAttributesJson !== undefined) raw.search_attributes = p.searchAttributesJson;
  const schedule = p.scheduleId === undefined ? {} : { schedule_id: p.scheduleId };
  const fairness = p.fairnessKey ? { fairness_key: p.fairnessKey } : {};
  return jsonWithRaw({ run_id: p.runId, workflow_id: p.workflowId, workflow_type: p.workflowType, task_queue: p.taskQueue, ...parent, ...schedule, ...fairness }, raw);
}

/**
 * What closing runs owe other runs, written after the closes in the same
 * transaction: a child's close is delivered to its parent (if still
 * running), and a parent's close policy applied to its running children —
 * each as a timer-kind task (see Store.fireTimer), so no transaction ever
 * locks a second run's row after its own (the lock order stays run, then
 * tasks, and closes cannot deadlock each other).
 */
class CloseEffects {
  private readonly deliveries: string[] = [];
  private readonly parents: string[] = [];
  private readonly schedules: Array<{ schedule_id: string; failed: boolean }> = [];

  /** A run closed: `final` says how, unless it continued as new (its chain goes on: nothing is delivered yet). */
  closed(run: RunRecord, final: FinalClose | null, startedChildren = false): void {
    if (run.hasChildren || startedChildren) this.parents.push(run.runId);
    if (run.scheduleId !== null && final) this.schedules.push({ schedule_id: run.scheduleId, failed: final.status === "failed" });
    if (!run.parent || !final) return;
    const ids = { seq: run.parent.seq, runId: run.runId };
    const event =
      final.status === "completed"
        ? { type: "ChildWorkflowCompleted", dataJson: jsonWithRaw(ids, { result: final.resultJson }) }
        : newEvent("ChildWorkflowFailed", { ...ids, status: final.status, failure: final.failure });
    this.deliveries.push(jsonWithRaw({ run_id: run.parent.runId, seq: run.parent.seq }, { spec: `{"deliver":{"type":"${event.type}","data":${event.dataJson}}}` }));
  }

  /** Write them; returns the wakeups to send. */
  async write(tx: SqlSession, q: Queries, nowMs: number): Promise<Set<string>> {
    const notify = new Set<string>();
    if (this.parents.length > 0) {
      for (const r of await tx.query<{ queue: string }>(q.insertParentCloseActions(this.parents, nowMs, TIMER_TASK_LEASE_MS))) notify.add(`timer:${r.queue}`);
    }
    if (this.deliveries.length > 0) {
      for (const r of await tx.query<{ queue: string }>(q.insertDeliveries(`[${this.deliveries.join(",")}]`, nowMs, TIMER_TASK_LEASE_MS))) notify.add(`timer:${r.queue}`);
    }
    // Last: the schedules' rows are locked after every run row this transaction locks (see schedule-queries.ts).
    if (this.schedules.length > 0) {
      for (const r of await tx.query<{ queue: string }>(q.schedules.wakeSchedules(JSON.stringify(this.schedules), nowMs, TIMER_TASK_LEASE_MS))) notify.add(`timer:${r.queue}`);
    }
    return notify;
  }
}

/** ActivityCompleted's data, the result embedded as the JSON text it already is (by hand: see jsonNumber). */
export function activityCompletedData(seq: number, attempt: number, resultJson: string): string {
  return `{"seq":${jsonNumber(seq)},"attempt":${jsonNumber(attempt)},"result":${resultJson}}`;
}

/** WorkflowTaskCompleted's data (by hand, as newEvent would write it: see jsonNumber). */
export function workflowTaskCompletedData(processedUpTo: number, workerId: string): string {
  return `{"processedUpTo":${jsonNumber(processedUpTo)},"workerId":${JSON.stringify(workerId)}}`;
}

type ScheduleActivityCommand = Extract<Command, { type: "ScheduleActivity" }>;

/** An activity task's spec as stored: type, workflow id, options (their JSON given) and input (by hand: see jsonNumber). */
export function activitySpecJson(cmd: ScheduleActivityCommand, workflowId: string, optionsJson: string): string {
  return `{"activityType":${JSON.stringify(cmd.activityType)},"workflowId":${JSON.stringify(workflowId)},"options":${optionsJson},"input":${cmd.inputJson}}`;
}

/**
 * The writes of many runs' decisions, gathered so that each kind of write is
 * one statement for the whole batch. The caller has locked every run and
 * checked it is running at the version the decisions were made on.
 */
class DecisionWrites {
  private readonly events = new EventColumns();
  private readonly runRows: RunAdvance[] = [];
  private readonly taskRows = new TaskColumns();
  /** The activity tasks inserted already claimed, in insertion order: what a claim would return, but for the ids. */
  private readonly eagerTemplates: EagerTemplate[] = [];
  private readonly cancels: Array<{ run_id: string; kind: TaskKind; seq: number }> = [];
  private readonly closed: string[] = [];
  private readonly continued: string[] = [];
  private readonly children: string[] = [];
  private readonly parents: string[] = [];
  private readonly attributeUpserts: string[] = [];
  private readonly closeEffects = new CloseEffects();
  /** Workflow ids with a running run, as far as this batch knows (see planDecisions). */
  private readonly runningIds = new Map<string, string>();
  /** Wakeups to send (the caller sends them, with its own, last). */
  readonly notify = new Set<string>();
  private eagerLeft: number;
  private readonly eagerQueues = new Set<string>();
  private readonly lazyQueues = new Set<string>();

  constructor(
    private readonly eager: EagerActivities | null,
    /** The lease of the first workflow task of each child run started. */
    private readonly workflowTaskTimeoutMs: number,
    /** Starts the runs that continue-as-new decisions carry on to (rows of insertRuns), in the decisions' transaction. */
    private readonly startContinued: (tx: SqlSession, rows: readonly string[], nowMs: number) => Promise<void>,
  ) {
    this.eagerLeft = eager?.max ?? 0;
  }

  /** Learn which child workflow ids the decisions name already have a running run (in the transaction, runs locked). */
  async prepare(tx: SqlSession, q: Queries, inputs: ReadonlyArray<Pick<DecisionInput, "commands">>): Promise<void> {
    const ids = new Set<string>();
    for (const c of inputs) for (const cmd of c.commands) if (cmd.type === "StartChildWorkflow") ids.add(cmd.workflowId);
    if (ids.size === 0) return;
    for (const r of await tx.query<{ workflow_id: string; run_id: string }>(q.selectRunningRuns([...ids]))) this.runningIds.set(r.workflow_id, r.run_id);
  }

  /** One run's decisions, after `prefix` (an event recorded with them, e.g. the result they were made on). */
  add(run: RunRecord, c: DecisionInput, prefix?: NewEvent): DecisionPlan {
    const first = prefix ? [prefix] : [];
    const at = prefix ? { ...run, nextEventId: run.nextEventId + 1 } : run;
    const plan = planDecisions(at, c, this.runningIds);
    // Each event keeps its own task's time (the time its workflow code saw), not the batch's: replay reads it back.
    first.concat(plan.events).forEach((e, i) => this.events.push(c.runId, run.nextEventId + i, e.type, c.nowMs, e.dataJson));
    this.runRows.push({ run_id: c.runId, next_event_id: at.nextEventId + plan.events.length, version: run.version + 1, processed_upto: c.processedUpTo, status: plan.close });
    for (const row of plan.taskRows) {
      const queue = row.row.queue;
      const claim = this.eagerLeft > 0 && row.activityType !== undefined && this.eager!.queues.has(queue) && this.eager!.activityTypes.has(row.activityType);
      if (claim) {
        this.eagerLeft -= 1;
        this.eagerQueues.add(queue);
        this.eagerTemplates.push({ row: row.row, runId: run.runId }); // as Postgres writes it: the rows come back keyed by it
      } else if (row.activityType !== undefined) this.lazyQueues.add(queue);
      this.taskRows.push(row.row, c.runId, run.fairnessKey, claim);
    }
    for (const cancel of plan.cancels) this.cancels.push({ run_id: c.runId, ...cancel });
    if (plan.close) {
      this.closed.push(c.runId);
      this.closeEffects.closed(run, plan.delivery, plan.children.length > 0);
    }
    if (plan.continued) this.continued.push(newRunRow(plan.continued));
    for (const child of plan.children) this.children.push(newRunRow(child));
    if (plan.searchAttributes) this.attributeUpserts.push(jsonWithRaw({ run_id: c.runId }, { attrs: JSON.stringify(plan.searchAttributes) }));
    if (plan.children.length > 0) this.parents.push(c.runId);
    for (const key of plan.notifyKeys) this.notify.add(key);
    return plan;
  }

  /** Write it all; returns the activity tasks claimed eagerly. */
  async write(tx: SqlSession, q: Queries, nowMs: number, scheduledAtMs: number): Promise<ClaimedTask[]> {
    if (this.events.length > 0) await tx.query(q.appendDecisionsBatch(this.events, this.runRows, nowMs));
    if (this.cancels.length > 0) await tx.query(q.deleteTasksBySeq(this.cancels));
    if (this.attributeUpserts.length > 0) await tx.query(q.upsertSearchAttributes(`[${this.attributeUpserts.join(",")}]`));
    if (this.closed.length > 0) await tx.query(q.deleteTasksOfRuns(this.closed));
    if (this.continued.length > 0) await this.startContinued(tx, this.continued, nowMs);
    if (this.children.length > 0) {
      const started = await tx.query(q.insertRuns(`[${this.children.join(",")}]`, nowMs, this.workflowTaskTimeoutMs));
      if (started.length !== this.children.length) {
        // A client started one of these workflow ids after prepare() looked: retry, and the next look sees it.
        throw new DatabaseError(`a child workflow id was taken by a concurrent start (${started.length} of ${this.children.length} children started)`, {}, undefined, true);
      }
      await tx.query(q.markParents(this.parents));
    }
    for (const key of await this.closeEffects.write(tx, q, nowMs)) this.notify.add(key);
    // A queue whose new activities all went to this worker needs no wakeup.
    for (const queue of this.eagerQueues) if (!this.lazyQueues.has(queue)) this.notify.delete(`activity:${queue}`);
    if (this.taskRows.length === 0) return [];
    const inserted = await tx.query<{ task_id: number; run_id: string; seq: number; lease_expires_at_ms: number }>(
      q.insertTasksOfRuns(scheduledAtMs, this.taskRows, this.eagerTemplates.length > 0),
    );
    return this.eagerTemplates.length > 0 ? eagerClaims(this.eagerTemplates, inserted, scheduledAtMs) : [];
  }
}

/**
 * An activity task the decisions insert already claimed by this worker: its
 * planned row and run — everything a claim returns but what the insert
 * assigns (its id and lease expiry), so the insert returns only those.
 */
interface EagerTemplate {
  row: TaskRow;
  runId: string;
}

/**
 * The eagerly claimed tasks: each template with the id and lease expiry its
 * row got (rows returned by insertTasksOfRunsEager, matched by run and seq).
 * Not parsing the rows back saves both sides the work: measured on the
 * steps workload, see the README.
 */
function eagerClaims(
  templates: readonly EagerTemplate[],
  rows: ReadonlyArray<{ task_id: number; run_id: string; seq: number; lease_expires_at_ms: number }>,
  claimedAtMs: number,
): ClaimedTask[] {
  assert(rows.length === templates.length, `inserted ${rows.length} eager activity tasks, planned ${templates.length}`);
  const byKey = new Map(rows.map((r) => [`${r.run_id}/${r.seq}`, r]));
  return templates.map((t) => {
    const planned = t.row;
    const row = byKey.get(`${t.runId}/${planned.seq}`);
    assert(row !== undefined, `eager activity task ${t.runId}/${planned.seq} was not inserted`);
    return {
      taskId: row.task_id,
      kind: "activity",
      queue: planned.queue,
      runId: t.runId,
      seq: planned.seq,
      leaseToken: 1,
      attempt: 1,
      claimedAtMs,
      leaseExpiresAtMs: row.lease_expires_at_ms,
      leaseMs: planned.lease_ms,
      heartbeatTimeoutMs: planned.heartbeat_timeout_ms,
      scheduleDeadlineMs: planned.schedule_deadline_ms,
      maxAttempts: planned.max_attempts,
      spec: JSON.parse(planned.specJson) as unknown,
      heartbeatDetails: null,
      lastFailure: null,
      scheduledAtMs: claimedAtMs,
    };
  });
}

/** Events as the JSON array the append statements take; payloads are embedded as the JSON text they already are. */
function eventsJson(events: NewEvent[]): string {
  return `[${events.map((e) => `{"type":${JSON.stringify(e.type)},"data":${e.dataJson}}`).join(",")}]`;
}

function toRun(r: Record<string, unknown>): RunRecord {
  return {
    runId: r.run_id as string,
    workflowId: r.workflow_id as string,
    workflowType: r.workflow_type as string,
    taskQueue: r.task_queue as string,
    status: r.status as RunStatus,
    nextEventId: r.next_event_id as number,
    processedUpTo: r.processed_upto as number,
    version: r.version as number,
    taskFailure: (r.task_failure as FailureInfo | null) ?? null,
    taskFailures: r.task_failures as number,
    cancelRequested: r.cancel_requested as boolean,
    startRequestId: (r.start_request_id as string | null) ?? null,
    createdAtMs: r.created_at_ms as number,
    updatedAtMs: r.updated_at_ms as number,
    closedAtMs: (r.closed_at_ms as number | null) ?? null,
    parent:
      r.parent_run_id === null || r.parent_run_id === undefined
        ? null
        : {
            workflowId: r.parent_workflow_id as string,
            runId: r.parent_run_id as string,
            seq: r.parent_seq as number,
            closePolicy: r.parent_close_policy as ParentClosePolicy,
          },
    hasChildren: (r.has_children as boolean | undefined) ?? false,
    searchAttributes: (r.search_attributes as Record<string, SearchAttributeValue> | null | undefined) ?? null,
    scheduleId: (r.schedule_id as string | null | undefined) ?? null,
    fairnessKey: (r.fairness_key as string | undefined) ?? "",
  };
}

export { runIdAtMs };

const RUN_ID_MIN = "00000000-0000-0000-0000-000000000000";
/**
 * listRuns with search attributes reads every match through the GIN index
 * when there are at most this many (then sorts them); past it, it walks the
 * run id order instead. Measured at a million runs: 6 ms for 1 000 matches
 * this way against 58 ms walking the primary key (reports/visibility-1m.md).
 */
export const ATTRIBUTE_CANDIDATES_MAX = 2_000;
const RUN_ID_ABOVE_ALL = "ffffffff-ffff-ffff-ffff-ffffffffffff";


/** [from, below): the run id range a filter's time bounds and a page token leave. */
export function runIdRange(filter: RunFilter, before: string | undefined): [string, string] {
  const from = filter.startedAfterMs === undefined ? RUN_ID_MIN : runIdAtMs(filter.startedAfterMs);
  let below = filter.startedBeforeMs === undefined ? RUN_ID_ABOVE_ALL : runIdAtMs(filter.startedBeforeMs);
  if (before !== undefined && before < below) below = before;
  return [from, below];
}

export function listFilter(f: RunFilter): RunListFilter {
  return {
    ...(f.workflowType === undefined ? {} : { workflowType: f.workflowType }),
    ...(f.status === undefined ? {} : { status: f.status }),
    ...(f.searchAttributesJson === undefined ? {} : { searchAttributesJson: f.searchAttributesJson }),
  };
}

function toEvent(r: Record<string, unknown>): HistoryEvent {
  return { eventId: r.event_id as number, type: r.type, atMs: r.at_ms as number, data: r.data } as HistoryEvent;
}

/** Search attributes every run a schedule starts carries, so list() finds a schedule's workflows. */
export const SCHEDULE_ID_ATTRIBUTE = "ratchetScheduleId";
export const SCHEDULED_AT_ATTRIBUTE = "ratchetScheduledAtMs";

/**
 * The workflow id a schedule's fire starts: its prefix and the fire time,
 * e.g. nightly-2026-11-29T00:00:00.000Z; a manual trigger's fire adds the
 * trigger's number, e.g. nightly-2026-11-29T00:00:00.000Z-trigger-3, so it
 * never takes a scheduled fire's id (not even a trigger at exactly a fire
 * time) nor another trigger's.
 */
export function scheduledWorkflowId(prefix: string, fire: Fire): string {
  const time = `${prefix}-${new Date(fire.atMs).toISOString()}`;
  return fire.trigger === undefined ? time : `${time}-trigger-${fire.trigger}`;
}

/** Buffered fires as the schedules row keeps them: a spec fire's time, or a trigger's {atMs, trigger}. */
function bufferedJson(fires: readonly Fire[]): string {
  return JSON.stringify(fires.map((f) => (f.trigger === undefined ? f.atMs : { atMs: f.atMs, trigger: f.trigger })));
}

function toFire(stored: unknown): Fire {
  if (typeof stored === "object" && stored !== null) {
    const f = stored as { atMs: unknown; trigger: unknown };
    return { atMs: Number(f.atMs), trigger: Number(f.trigger) };
  }
  return { atMs: Number(stored) };
}

/** What a schedule's fire starts (stored as the schedules row's action). */
export interface ScheduleActionRecord {
  workflowType: string;
  taskQueue: string;
  /** The input as the JSON text it was given (kept as text: its key order is the caller's). */
  inputJson: string;
  workflowIdPrefix: string;
  searchAttributes: Record<string, SearchAttributeValue> | null;
}

/** One of the latest things a schedule did: a workflow started, or a start refused (its id had a running run). */
export interface RecentScheduleAction {
  fireAtMs: number;
  atMs: number;
  workflowId: string;
  manual: boolean;
  runId?: string;
  error?: string;
}

/**
 * What a schedule did with its fire times: workflows started; fires the
 * overlap policy skipped; fires missed (later than the catch-up window);
 * starts refused (the id had a running run); fires whose turn came while it
 * was paused (never run). Each of the fire counts stops at
 * SCHEDULE_MISSED_COUNT_MAX per round (or unpause).
 */
export interface ScheduleCounts {
  actions: number;
  skipped: number;
  missed: number;
  startFailed: number;
  skippedWhilePaused: number;
}

/** The fires of a paused schedule due since it last handled one, up to now (counted, not run, when it resumes). */
function pausedFires(s: ScheduleRecord, nowMs: number): number {
  return countFires(compileSpec(s.spec), s.processedUptoMs, nowMs, SCHEDULE_MISSED_COUNT_MAX);
}

/**
 * What a backfill did: the fire times in its range; those whose workflow id
 * already had a run (not started again); the workflows it started; those left
 * to the schedule's own rounds (not handled yet) or already waiting in its
 * buffer. The rest were skipped, buffered or refused under the overlap
 * policy, as describe's counts show.
 */
export interface ScheduleBackfillResult {
  fires: number;
  alreadyStarted: number;
  started: Array<{ workflowId: string; runId: string }>;
  notYetDue: number;
  waiting: number;
  nextWakeMs: number | null;
}

export interface ScheduleRecord {
  scheduleId: string;
  taskRunId: string;
  spec: CheckedSpec;
  action: ScheduleActionRecord;
  overlap: OverlapPolicy;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  paused: boolean;
  note: string;
  processedUptoMs: number;
  buffered: Fire[];
  counts: ScheduleCounts;
  /** Manual triggers so far (the next one is numbered triggers + 1). */
  triggers: number;
  recent: RecentScheduleAction[];
  createdAtMs: number;
  updatedAtMs: number;
}

export interface ScheduleRoundResult {
  /** The workflow a trigger's own fire started in this round (null: none, or no trigger). */
  triggered: { workflowId: string; runId: string } | null;
  /** A backfill's part of the round: the workflows its fires started, oldest first, and the fires it left to the schedule's rounds. */
  backfill?: { started: Array<{ workflowId: string; runId: string }>; notYetDue: number; waiting: number };
  /** When the schedule's task should next run (null: nothing left to fire). */
  nextWakeMs: number | null;
}

function toSchedule(r: Record<string, unknown>): ScheduleRecord {
  return {
    scheduleId: r.schedule_id as string,
    taskRunId: r.task_run_id as string,
    spec: r.spec as CheckedSpec,
    action: r.action as ScheduleActionRecord,
    overlap: r.overlap as OverlapPolicy,
    catchupWindowMs: Number(r.catchup_window_ms),
    pauseOnFailure: r.pause_on_failure as boolean,
    paused: r.paused as boolean,
    note: r.note as string,
    processedUptoMs: Number(r.processed_upto_ms),
    buffered: (r.buffered as unknown[]).map(toFire),
    triggers: Number(r.triggers),
    counts: {
      actions: Number(r.actions),
      skipped: Number(r.skipped),
      missed: Number(r.missed),
      startFailed: Number(r.start_failed),
      skippedWhilePaused: Number(r.skipped_while_paused),
    },
    recent: r.recent as RecentScheduleAction[],
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
  };
}
