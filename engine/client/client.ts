/**
 * The client: start workflows, and read, signal and cancel them.
 *
 * Every input is validated before anything is written (type and queue
 * names, workflow id, payload size and serialisability), so a bad call
 * raises a typed error and changes nothing.
 */
import type { Row, Sql, SqlSession } from "../db/driver.ts";
import { translateDriverError } from "../db/errors.ts";
import {
  InvalidArgumentError,
  RatchetError,
  TimeoutError,
  UnknownTypeError,
  WorkflowCancelledError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowNotRunningError,
  WorkflowTerminatedError,
  WorkflowUpdateError,
  fromFailureInfo,
  type FailureInfo,
} from "../errors.ts";
import type { HistoryEvent, ParentClosePolicy } from "../history/events.ts";
import { FAIRNESS_KEY_CHARS_MAX, LIST_PAGE_SIZE_DEFAULT, LIST_PAGE_SIZE_MAX, REASON_CHARS_MAX, REQUEST_ID_CHARS_MAX, RESULT_POLL_MS_DEFAULT, START_BATCH_MAX, TIMEOUT_MS_MAX } from "../limits.ts";
import { checkChoice, checkInteger, checkQueueName, checkSearchAttributes, checkSignalName, checkText, checkTypeName, checkWorkflowId, type SearchAttributeValue } from "../names.ts";
import { encodePayload } from "../payload.ts";
import type { Clock } from "../ports/clock.ts";
import { CryptoRandom } from "../ports/crypto-random.ts";
import { uuidV7, type Random } from "../ports/random.ts";
import { SystemClock } from "../ports/system-clock.ts";
import {
  ID_CONFLICT_POLICIES,
  ID_REUSE_POLICIES,
  RUN_STATUSES,
  parseTimerSpec,
  type ChildOf,
  type IdConflictPolicy,
  type IdReusePolicy,
  type PendingTask,
  type RunFilter,
  type RunRecord,
  type RunStatus,
  type StartWorkflowParams,
  type Store,
} from "../store/store.ts";
import { type EnsurePartitionsOptions, type EnsurePartitionsReport, type RetentionReport } from "../store/history-partitions.ts";
import type { ResolvedActivityOptions } from "../workflow/options.ts";
import { replayWorkflowTask } from "../workflow/replay.ts";
import type { WorkflowMap } from "../workflow/types.ts";
import { ScheduleClient } from "./schedules.ts";

export interface ClientOptions {
  store: Store;
  clock?: Clock;
  random?: Random;
  /** When given, start() rejects workflow types not in it (UNKNOWN_WORKFLOW_TYPE) before writing anything, and query() can answer. */
  workflows?: WorkflowMap;
  /** How a query's replay waits for workflow code to block (see ReplayInput.settle); for the simulator. */
  settle?: () => Promise<void>;
}

export interface StartOptions {
  workflowId: string;
  taskQueue: string;
  input?: unknown;
  /** Indexed attributes to find the run by (client.list/count): names to strings, numbers or booleans. */
  searchAttributes?: Record<string, SearchAttributeValue>;
  /**
   * Who the work is for (a tenant, a customer): the run's workflow and activity tasks carry it, as do its
   * children and continue-as-new runs, and workers with `fairness: true` share their queues round-robin
   * across keys, so one key's backlog does not starve another's. Default: none.
   */
  fairnessKey?: string;
  /**
   * When a run with this id is running: "fail" (WORKFLOW_ALREADY_RUNNING, the default), "useExisting"
   * (return it), or "terminateExisting" (terminate it, recorded, and start the new run, in one transaction).
   */
  idConflictPolicy?: IdConflictPolicy;
  /**
   * When the id's latest run is closed: "allowDuplicate" (start anew, the default), "allowDuplicateFailedOnly"
   * (only if it failed, was cancelled or terminated), "rejectDuplicate" (never): WORKFLOW_ID_REUSE_REFUSED.
   */
  idReusePolicy?: IdReusePolicy;
  /**
   * Makes the start idempotent: a start repeated with the same request id (after a lost reply, say)
   * returns the run the first one created, running or closed, with created: false.
   */
  requestId?: string;
}

/** An open transaction of the application's: what `pg` Clients and PoolClients, and PGlite and its transactions, offer. */
export interface ClientTransaction {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface PendingActivityInfo {
  seq: number;
  activityType: string;
  taskQueue: string;
  /** scheduled: waiting for a worker; started: an attempt holds the lease; backingOff: waiting to retry. */
  state: "scheduled" | "started" | "backingOff";
  attempt: number;
  maximumAttempts: number;
  nextAttemptAtMs: number | null;
  leaseExpiresAtMs: number | null;
  lastFailure: FailureInfo | null;
  heartbeatDetails: unknown;
}

export interface WorkflowDescription extends Omit<WorkflowSummary, "parent"> {
  historyLength: number;
  cancelRequested: boolean;
  result?: unknown;
  failure?: FailureInfo;
  /** Set when status is "continuedAsNew": the run that carries the workflow on. */
  continuedAsRunId?: string;
  /** Set when status is "terminated": the reason given. */
  terminationReason?: string;
  /** Set on a child workflow's run: its parent, and what the parent's close does to it. */
  parent?: ChildOf;
  /** The children this run started: each child workflow id's latest run. */
  children: Array<{ workflowId: string; runId: string; workflowType: string; status: RunStatus; parentClosePolicy: ParentClosePolicy }>;
  /** Why the workflow's code cannot currently make progress (non-determinism, unknown type), while it retries. */
  taskFailure: FailureInfo | null;
  workflowTask: { state: "pending" | "running" | "backingOff"; attempt: number; visibleAtMs: number } | null;
  pendingActivities: PendingActivityInfo[];
  pendingTimers: Array<{ seq: number; fireAtMs: number }>;
}

export class Client {
  readonly store: Store;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly workflows: WorkflowMap | undefined;
  private readonly settle: (() => Promise<void>) | undefined;
  /** Create, describe, pause, trigger, update and delete schedules (see ScheduleClient). */
  readonly schedules: ScheduleClient;

  constructor(options: ClientOptions) {
    this.store = options.store;
    this.clock = options.clock ?? new SystemClock();
    this.random = options.random ?? new CryptoRandom();
    this.workflows = options.workflows;
    this.settle = options.settle;
    this.schedules = new ScheduleClient(this.store, this.clock, this.random, this.workflows);
  }

  /** Start a workflow run. Never two running runs for one workflow id: see idConflictPolicy. */
  async start(workflowType: string, options: StartOptions): Promise<WorkflowHandle & { readonly runId: string }> {
    const params = this.startParams(workflowType, options);
    const { runId, created } = await this.store.startWorkflow(params);
    return new WorkflowHandle(this, params.workflowId, runId, created) as WorkflowHandle & { readonly runId: string };
  }

  /**
   * Transactional start (the outbox pattern): start the workflow inside the
   * application's own open transaction — a `pg` Client or PoolClient after
   * BEGIN, or a PGlite transaction — so the business write and the start
   * commit or roll back together. Workers are woken when it commits (NOTIFY
   * is transactional). The transaction must be on the database and schema
   * this client's store uses. Policies and request ids work as in start();
   * a refusal throws without failing the transaction, but a database error
   * (a unique violation on a raced request id, say) leaves it aborted, as
   * any failed statement does.
   */
  async startInTransaction(transaction: ClientTransaction, workflowType: string, options: StartOptions): Promise<WorkflowHandle & { readonly runId: string }> {
    if (typeof transaction !== "object" || transaction === null || typeof transaction.query !== "function") {
      throw new InvalidArgumentError("startInTransaction needs the open transaction: a pg Client or PoolClient after BEGIN, or a PGlite transaction", { field: "transaction" });
    }
    const params = this.startParams(workflowType, options);
    const session: SqlSession = {
      async query<R extends Row>(statement: Sql): Promise<R[]> {
        try {
          return (await transaction.query(statement.text, [...statement.values])).rows as R[];
        } catch (err) {
          throw translateDriverError(err, "the application's transaction");
        }
      },
    };
    const { runId, created } = await this.store.startWorkflowIn(session, params);
    return new WorkflowHandle(this, params.workflowId, runId, created) as WorkflowHandle & { readonly runId: string };
  }

  private startParams(workflowType: string, options: StartOptions): StartWorkflowParams {
    checkTypeName(workflowType, "workflowType");
    if (this.workflows && !Object.hasOwn(this.workflows, workflowType)) {
      const known = Object.keys(this.workflows).sort().join(", ");
      throw new UnknownTypeError("UNKNOWN_WORKFLOW_TYPE", `unknown workflow type "${workflowType}" (registered: ${known || "none"})`, { workflowType });
    }
    if (typeof options !== "object" || options === null) throw new InvalidArgumentError("start options must be an object", { field: "options" });
    const workflowId = checkWorkflowId(options.workflowId);
    const taskQueue = checkQueueName(options.taskQueue);
    const policy = checkChoice(options.idConflictPolicy ?? "fail", "idConflictPolicy", ID_CONFLICT_POLICIES);
    const idReusePolicy = checkChoice(options.idReusePolicy ?? "allowDuplicate", "idReusePolicy", ID_REUSE_POLICIES);
    const requestId = options.requestId === undefined ? undefined : checkText(options.requestId, "requestId", REQUEST_ID_CHARS_MAX);
    const inputJson = encodePayload(options.input, `input of workflow ${workflowType}`);
    const searchAttributesJson = options.searchAttributes === undefined ? undefined : checkSearchAttributes(options.searchAttributes);
    const fairnessKey = options.fairnessKey === undefined ? undefined : checkText(options.fairnessKey, "fairnessKey", FAIRNESS_KEY_CHARS_MAX);
    const nowMs = this.clock.now();
    return {
      ...(searchAttributesJson === undefined ? {} : { searchAttributesJson }),
      ...(fairnessKey === undefined ? {} : { fairnessKey }),
      runId: uuidV7(nowMs, this.random),
      workflowId,
      workflowType,
      taskQueue,
      inputJson,
      randomSeed: this.random.uuid(),
      nowMs,
      idConflictPolicy: policy,
      idReusePolicy,
      ...(requestId === undefined ? {} : { requestId }),
    };
  }

  /**
   * Start many workflows of one type in one transaction (bulk enqueue), up to
   * START_BATCH_MAX. Idempotent per workflow id: an id already running is not
   * started again; its handle has `created: false` and the running run's id.
   * Every input is validated before anything is written.
   */
  async startMany(
    workflowType: string,
    starts: ReadonlyArray<{ workflowId: string; taskQueue: string; input?: unknown; searchAttributes?: Record<string, SearchAttributeValue>; fairnessKey?: string }>,
  ): Promise<Array<WorkflowHandle & { readonly runId: string }>> {
    checkTypeName(workflowType, "workflowType");
    if (this.workflows && !Object.hasOwn(this.workflows, workflowType)) {
      const known = Object.keys(this.workflows).sort().join(", ");
      throw new UnknownTypeError("UNKNOWN_WORKFLOW_TYPE", `unknown workflow type "${workflowType}" (registered: ${known || "none"})`, { workflowType });
    }
    checkInteger(starts.length, "number of starts", 0, START_BATCH_MAX);
    const nowMs = this.clock.now();
    const params = starts.map((s) => ({
      runId: uuidV7(nowMs, this.random),
      workflowId: checkWorkflowId(s.workflowId),
      workflowType,
      taskQueue: checkQueueName(s.taskQueue),
      inputJson: encodePayload(s.input, `input of workflow ${workflowType} (${s.workflowId})`),
      randomSeed: this.random.uuid(),
      ...(s.searchAttributes === undefined ? {} : { searchAttributesJson: checkSearchAttributes(s.searchAttributes) }),
      ...(s.fairnessKey === undefined ? {} : { fairnessKey: checkText(s.fairnessKey, "fairnessKey", FAIRNESS_KEY_CHARS_MAX) }),
    }));
    const results = await this.store.startWorkflows(params, nowMs);
    return results.map((r) => new WorkflowHandle(this, r.workflowId, r.runId, r.created) as WorkflowHandle & { readonly runId: string });
  }

  /** A handle on a workflow's latest run (or a given run). */
  getHandle(workflowId: string, runId?: string): WorkflowHandle {
    return new WorkflowHandle(this, checkWorkflowId(workflowId), runId, false);
  }

  async describe(workflowId: string, runId?: string): Promise<WorkflowDescription> {
    const run = await this.findRun(workflowId, runId);
    const tasks = await this.store.listRunTasks(run.runId);
    const nowMs = this.clock.now();
    const { parent: _parent, ...summary } = summaryOf(run);
    const description: WorkflowDescription = {
      ...summary,
      historyLength: run.nextEventId - 1,
      cancelRequested: run.cancelRequested,
      taskFailure: run.taskFailure,
      workflowTask: null,
      pendingActivities: [],
      pendingTimers: [],
      children: [],
    };
    if (run.parent) description.parent = run.parent;
    if (run.hasChildren) {
      description.children = (await this.store.listChildren(run.runId)).map((c) => ({
        workflowId: c.workflowId,
        runId: c.runId,
        workflowType: c.workflowType,
        status: c.status,
        parentClosePolicy: c.parent!.closePolicy,
      }));
    }
    if (run.status !== "running") {
      const last = await this.store.readEvent(run.runId, run.nextEventId - 1);
      if (last?.type === "WorkflowCompleted") description.result = last.data.result;
      if (last?.type === "WorkflowFailed") description.failure = last.data.failure;
      if (last?.type === "WorkflowContinuedAsNew") description.continuedAsRunId = last.data.newRunId;
      if (last?.type === "WorkflowTerminated") description.terminationReason = last.data.reason;
    }
    for (const t of tasks) {
      if (t.kind === "workflow") {
        const leased = t.leaseExpiresAtMs !== null && t.leaseExpiresAtMs > nowMs;
        description.workflowTask = { state: leased ? "running" : t.visibleAtMs > nowMs ? "backingOff" : "pending", attempt: t.attempt, visibleAtMs: t.visibleAtMs };
      } else if (t.kind === "timer") {
        // Timer-kind tasks also carry deliveries between parent and children: only durable timers are listed.
        if (parseTimerSpec(t.spec).kind === "timer") description.pendingTimers.push({ seq: t.seq, fireAtMs: t.visibleAtMs });
      } else {
        description.pendingActivities.push(describeActivity(t, nowMs));
      }
    }
    return description;
  }

  async history(workflowId: string, runId?: string): Promise<{ workflowId: string; runId: string; events: HistoryEvent[] }> {
    const run = await this.findRun(workflowId, runId);
    return { workflowId: run.workflowId, runId: run.runId, events: await this.store.readHistory(run.runId) };
  }

  /** Send a signal to the workflow's running run; it is appended to history and delivered in order. */
  async signal(workflowId: string, name: string, payload?: unknown): Promise<{ runId: string }> {
    checkWorkflowId(workflowId);
    checkSignalName(name);
    const payloadJson = encodePayload(payload, `payload of signal ${name}`);
    return this.store.signalWorkflow(workflowId, name, payloadJson, this.clock.now());
  }

  /** Request cancellation of the running run; the workflow code sees it and decides how to end. */
  async cancel(workflowId: string, reason = "cancelled by client"): Promise<{ runId: string; alreadyRequested: boolean }> {
    checkWorkflowId(workflowId);
    if (typeof reason !== "string") throw new RatchetError("INVALID_ARGUMENT", "cancel reason must be a string", { field: "reason" });
    return this.store.requestCancelWorkflow(workflowId, reason.slice(0, REASON_CHARS_MAX), this.clock.now());
  }

  /**
   * Query a run's state, writing nothing and needing no worker: the run's
   * history is replayed here, with the workflow's code (so the client needs
   * `workflows`), and the handler the code registered with
   * ctx.setQueryHandler(name) is called on the rebuilt state. The state is
   * that of every recorded event, including results and signals no workflow
   * task has processed yet. Works on closed runs too (the latest run by
   * default; `runId` for another).
   */
  async query<T = unknown>(workflowId: string, name: string, args?: unknown, options: { runId?: string } = {}): Promise<T> {
    checkSignalName(name, "query");
    const argsJson = encodePayload(args, `args of query ${name}`);
    if (!this.workflows) throw new RatchetError("INVALID_ARGUMENT", "a client answers queries by replaying the workflow's code: give it `workflows`", { field: "workflows" });
    const run = await this.findRun(workflowId, options.runId);
    const fn = Object.hasOwn(this.workflows, run.workflowType) ? this.workflows[run.workflowType] : undefined;
    if (!fn) throw new UnknownTypeError("UNKNOWN_WORKFLOW_TYPE", `cannot query run ${run.runId}: workflow type "${run.workflowType}" is not in this client's workflows`, { workflowType: run.workflowType });
    const history = await this.store.readHistory(run.runId);
    const info = { workflowId: run.workflowId, runId: run.runId, workflowType: run.workflowType, taskQueue: run.taskQueue };
    const outcome = await replayWorkflowTask({ info, fn, history, nowMs: history.at(-1)?.atMs ?? run.createdAtMs, ...(this.settle ? { settle: this.settle } : {}) });
    if (outcome.kind === "taskFailed") throw outcome.error;
    const runtime = outcome.execution.runtime;
    const handler = runtime.queryHandler(name);
    if (!handler) {
      const known = runtime.queryNames.join(", ") || "none";
      throw new RatchetError("INVALID_ARGUMENT", `run ${run.runId} of ${workflowId} has no query handler "${name}" (registered: ${known})`, { field: "query", query: name });
    }
    const answer = handler(JSON.parse(argsJson));
    if (answer instanceof Promise) throw new RatchetError("INVALID_ARGUMENT", `query handler "${name}" returned a promise: handlers answer from state, synchronously`, { field: "query" });
    return JSON.parse(encodePayload(answer, `answer to query ${name}`)) as T;
  }

  /**
   * Visibility: workflows' runs matching `filter` — by type, status, creation
   * time and search attributes — newest first, a page at a time (pageSize,
   * default LIST_PAGE_SIZE_DEFAULT; pass the returned nextPageToken for the
   * next page, null after the last). Every filter is an index range.
   */
  async list(filter: ListFilter = {}): Promise<{ workflows: WorkflowSummary[]; nextPageToken: string | null }> {
    const pageSize = checkInteger(filter.pageSize ?? LIST_PAGE_SIZE_DEFAULT, "pageSize", 1, LIST_PAGE_SIZE_MAX);
    const token = filter.pageToken;
    if (token !== undefined && (typeof token !== "string" || !PAGE_TOKEN.test(token))) {
      throw new InvalidArgumentError(`invalid pageToken ${JSON.stringify(token)}: pass the nextPageToken a list() returned`, { field: "pageToken" });
    }
    const runs = await this.store.listRuns(runFilter(filter), pageSize + 1, token);
    const page = runs.slice(0, pageSize);
    return { workflows: page.map(summaryOf), nextPageToken: runs.length > pageSize ? page.at(-1)!.runId : null };
  }

  /** How many runs match `filter` (list()'s filters; paging fields are ignored). */
  async count(filter: ListFilter = {}): Promise<number> {
    return this.store.countRuns(runFilter(filter));
  }

  /**
   * History retention: drop the history partitions whose whole window is
   * older than `olderThanMs` and whose runs all closed that long ago, with
   * those runs (see HistoryPartitions.retain). Windows held back by running,
   * recently closed or unfinished runs are reported, never dropped.
   */
  async retainHistory(options: { olderThanMs: number; dryRun?: boolean }): Promise<RetentionReport> {
    return this.store.historyPartitions().retain({ ...options, nowMs: this.clock.now() });
  }

  /** Create the history partitions of the current window and those ahead (workers do it as part of their maintenance). */
  async ensureHistoryPartitions(options: Omit<EnsurePartitionsOptions, "nowMs"> = {}): Promise<EnsurePartitionsReport> {
    return this.store.historyPartitions().ensure({ ...options, nowMs: this.clock.now() });
  }

  /**
   * Update a running workflow and wait for its answer (Temporal's update):
   * delivered durably in order with signals, validated by the workflow's
   * validator (UPDATE_REJECTED: nothing applied), applied by its handler,
   * and answered from history — the handler's result, or UPDATE_FAILED.
   * `updateId` (default: a fresh one) makes it idempotent: asking again with
   * the same id waits for the same outcome and applies nothing twice. With
   * timeoutMs, a TIMEOUT if no answer is recorded by then (the update may
   * still be applied later); WORKFLOW_NOT_RUNNING if the run closes first.
   */
  async update<T = unknown>(workflowId: string, name: string, args?: unknown, options: { updateId?: string; timeoutMs?: number; pollMs?: number } = {}): Promise<T> {
    checkWorkflowId(workflowId);
    checkSignalName(name, "update");
    const updateId = options.updateId === undefined ? this.random.uuid() : checkText(options.updateId, "updateId", REQUEST_ID_CHARS_MAX);
    const pollMs = checkInteger(options.pollMs ?? RESULT_POLL_MS_DEFAULT, "pollMs", 1, 60_000);
    const deadlineMs = options.timeoutMs === undefined ? Infinity : this.clock.now() + checkInteger(options.timeoutMs, "timeoutMs", 0, TIMEOUT_MS_MAX);
    const argsJson = encodePayload(args, `arguments of update ${name}`);
    const { runId } = await this.store.requestUpdate(workflowId, updateId, name, argsJson, this.clock.now());
    for (;;) {
      const outcome = await this.store.updateOutcome(runId, updateId);
      if (outcome?.type === "WorkflowUpdateRejected") throw new WorkflowUpdateError("UPDATE_REJECTED", workflowId, runId, updateId, fromFailureInfo(outcome.data.failure));
      if (outcome?.type === "WorkflowUpdateCompleted") {
        if (outcome.data.failure) throw new WorkflowUpdateError("UPDATE_FAILED", workflowId, runId, updateId, fromFailureInfo(outcome.data.failure));
        return outcome.data.result as T;
      }
      const run = await this.findRun(workflowId, runId);
      if (run.status !== "running") {
        // It may have answered just before closing: look once more before giving up.
        if (await this.store.updateOutcome(runId, updateId)) continue;
        throw new WorkflowNotRunningError(workflowId, runId, run.status);
      }
      const remaining = deadlineMs - this.clock.now();
      if (remaining <= 0) throw new TimeoutError("startToClose", `update ${updateId} of workflow "${workflowId}" was not answered within ${options.timeoutMs} ms`);
      await this.clock.sleep(Math.min(pollMs, remaining));
    }
  }

  /**
   * Terminate the running run at once: it closes as terminated with a
   * WorkflowTerminated event, its tasks are deleted, and its code runs no
   * more (no cleanup: that is cancel()). result() then throws WORKFLOW_TERMINATED.
   */
  async terminate(workflowId: string, reason = "terminated by client"): Promise<{ runId: string }> {
    checkWorkflowId(workflowId);
    if (typeof reason !== "string") throw new RatchetError("INVALID_ARGUMENT", "terminate reason must be a string", { field: "reason" });
    return this.store.terminateWorkflow(workflowId, reason.slice(0, REASON_CHARS_MAX), this.clock.now());
  }

  /**
   * Wait for the run to close and return its result. Throws WorkflowFailedError
   * (with the failure as cause) or WorkflowCancelledError; with timeoutMs, a
   * TimeoutError if the run is still open then. A run that continued as new
   * is followed to the run that carries the workflow on, and so on to the
   * last (`followRuns: false` returns at the first: WORKFLOW_CONTINUED_AS_NEW).
   */
  async result<T = unknown>(workflowId: string, options: { runId?: string; timeoutMs?: number; pollMs?: number; followRuns?: boolean } = {}): Promise<T> {
    const pollMs = checkInteger(options.pollMs ?? RESULT_POLL_MS_DEFAULT, "pollMs", 1, 60_000);
    const deadlineMs = options.timeoutMs === undefined ? Infinity : this.clock.now() + checkInteger(options.timeoutMs, "timeoutMs", 0, TIMEOUT_MS_MAX);
    let run = await this.findRun(workflowId, options.runId);
    for (;;) {
      const runId = run.runId;
      while (run.status === "running") {
        const remaining = deadlineMs - this.clock.now();
        if (remaining <= 0) throw new TimeoutError("startToClose", `workflow "${workflowId}" (run ${runId}) did not close within ${options.timeoutMs} ms`);
        await this.clock.sleep(Math.min(pollMs, remaining));
        run = await this.findRun(workflowId, runId);
      }
      const last = await this.store.readEvent(runId, run.nextEventId - 1);
      if (last?.type !== "WorkflowContinuedAsNew") return outcomeOf<T>(run, last ?? undefined);
      if (options.followRuns === false) {
        throw new RatchetError("WORKFLOW_CONTINUED_AS_NEW", `run ${runId} continued as new as run ${last.data.newRunId}`, { workflowId, runId, newRunId: last.data.newRunId });
      }
      run = await this.findRun(workflowId, last.data.newRunId);
    }
  }

  private async findRun(workflowId: string, runId?: string): Promise<RunRecord> {
    checkWorkflowId(workflowId);
    const run = runId === undefined ? await this.store.getLatestRun(workflowId) : await this.store.getRun(runId);
    if (!run || run.workflowId !== workflowId) throw new WorkflowNotFoundError(runId === undefined ? { workflowId } : { workflowId, runId });
    return run;
  }
}

/** What client.list() and client.count() select: every field narrows. */
export interface ListFilter {
  workflowType?: string;
  status?: RunStatus;
  /** Created at or after (epoch ms; the time in the run's UUIDv7 id, i.e. the creating clock's). */
  startedAfterMs?: number;
  /** Created before (epoch ms). */
  startedBeforeMs?: number;
  /** Runs whose search attributes include every one of these. */
  searchAttributes?: Record<string, SearchAttributeValue>;
  pageSize?: number;
  pageToken?: string;
}

export interface WorkflowSummary {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  status: RunStatus;
  createdAtMs: number;
  closedAtMs: number | null;
  searchAttributes: Record<string, SearchAttributeValue> | null;
  parent: ChildOf | null;
}

/** A page token is the run id of the page's last run. */
const PAGE_TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Times are 48-bit milliseconds in a UUIDv7. */
const TIME_MS_MAX = 2 ** 48 - 1;

function runFilter(f: ListFilter): RunFilter {
  if (typeof f !== "object" || f === null) throw new InvalidArgumentError("list filter must be an object", { field: "filter" });
  return {
    ...(f.workflowType === undefined ? {} : { workflowType: checkTypeName(f.workflowType, "workflowType") }),
    ...(f.status === undefined ? {} : { status: checkChoice(f.status, "status", RUN_STATUSES) }),
    ...(f.startedAfterMs === undefined ? {} : { startedAfterMs: checkInteger(f.startedAfterMs, "startedAfterMs", 0, TIME_MS_MAX) }),
    ...(f.startedBeforeMs === undefined ? {} : { startedBeforeMs: checkInteger(f.startedBeforeMs, "startedBeforeMs", 0, TIME_MS_MAX) }),
    ...(f.searchAttributes === undefined ? {} : { searchAttributesJson: checkSearchAttributes(f.searchAttributes) }),
  };
}

function summaryOf(run: RunRecord): WorkflowSummary {
  return {
    workflowId: run.workflowId,
    runId: run.runId,
    workflowType: run.workflowType,
    taskQueue: run.taskQueue,
    status: run.status,
    createdAtMs: run.createdAtMs,
    closedAtMs: run.closedAtMs,
    searchAttributes: run.searchAttributes,
    parent: run.parent,
  };
}

/** A closed run's outcome, from its last event: its result, or the error result() throws. */
function outcomeOf<T>(run: RunRecord, last: HistoryEvent | undefined): T {
  const { workflowId, runId } = run;
  switch (last?.type) {
    case "WorkflowCompleted":
      return last.data.result as T;
    case "WorkflowFailed":
      throw new WorkflowFailedError(workflowId, runId, fromFailureInfo(last.data.failure));
    case "WorkflowCancelled":
      throw new WorkflowCancelledError(workflowId, runId);
    case "WorkflowTerminated":
      throw new WorkflowTerminatedError(workflowId, runId, last.data.reason);
    default:
      throw new RatchetError("WORKFLOW_NOT_RUNNING", `run ${runId} is ${run.status} without a closing event`, { workflowId, runId, status: run.status });
  }
}

function describeActivity(t: PendingTask, nowMs: number): PendingActivityInfo {
  const spec = t.spec as { activityType: string; options: ResolvedActivityOptions };
  const leased = t.leaseExpiresAtMs !== null && t.leaseExpiresAtMs > nowMs;
  const state = leased ? "started" : t.visibleAtMs > nowMs ? "backingOff" : "scheduled";
  return {
    seq: t.seq,
    activityType: spec.activityType,
    taskQueue: t.queue,
    state,
    attempt: t.attempt,
    maximumAttempts: t.maxAttempts,
    nextAttemptAtMs: leased ? null : t.visibleAtMs,
    leaseExpiresAtMs: t.leaseExpiresAtMs,
    lastFailure: t.lastFailure,
    heartbeatDetails: t.heartbeatDetails,
  };
}

export class WorkflowHandle {
  constructor(
    private readonly client: Client,
    readonly workflowId: string,
    readonly runId: string | undefined,
    /** False when start() returned an existing run (idConflictPolicy "useExisting"). */
    readonly created: boolean,
  ) {}

  result<T = unknown>(options: { timeoutMs?: number; pollMs?: number } = {}): Promise<T> {
    return this.client.result<T>(this.workflowId, { ...options, ...(this.runId === undefined ? {} : { runId: this.runId }) });
  }

  describe(): Promise<WorkflowDescription> {
    return this.client.describe(this.workflowId, this.runId);
  }

  history(): Promise<{ workflowId: string; runId: string; events: HistoryEvent[] }> {
    return this.client.history(this.workflowId, this.runId);
  }

  terminate(reason?: string): Promise<{ runId: string }> {
    return this.client.terminate(this.workflowId, reason);
  }

  query<T = unknown>(name: string, args?: unknown): Promise<T> {
    return this.client.query<T>(this.workflowId, name, args, this.runId === undefined ? {} : { runId: this.runId });
  }

  signal(name: string, payload?: unknown): Promise<{ runId: string }> {
    return this.client.signal(this.workflowId, name, payload);
  }

  cancel(reason?: string): Promise<{ runId: string; alreadyRequested: boolean }> {
    return this.client.cancel(this.workflowId, reason);
  }
}
