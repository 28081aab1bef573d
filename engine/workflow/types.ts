/**
 * What workflow and activity authors write against.
 *
 * A workflow is deterministic code: `async (ctx, input) => result`. It acts
 * only through its context, and must not read the clock, draw random numbers,
 * do I/O or await anything but the context's promises: replay re-runs it
 * against its history and expects the same decisions.
 */
import type { SqlSession } from "../db/driver.ts";
import type { ParentClosePolicy, ParentRef } from "../history/events.ts";
import type { SearchAttributeValue } from "../names.ts";
import type { ActivityOptions, LocalActivityOptions } from "./options.ts";

export interface WorkflowInfo {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  /** The run whose continue-as-new started this one; absent on a run the client started. */
  continuedFromRunId?: string;
  /** Set on a child workflow: the parent run that started it (kept along a continue-as-new chain). */
  parent?: ParentRef;
}

export interface WorkflowContext {
  readonly info: WorkflowInfo;
  /** True while the code is re-running over history already recorded (its decisions are checked, not written). */
  readonly isReplaying: boolean;
  /** True once cancellation was requested. Pending operations were rejected with CancelledError; new ones run. */
  readonly cancelRequested: boolean;

  /** Schedule an activity and await its result. It rejects with ActivityFailure when the activity fails for good. */
  activity<T = unknown>(activityType: string, input?: unknown, options?: ActivityOptions): Promise<T>;
  /**
   * A local activity (Temporal's): a short step run by the worker that runs
   * this workflow task, inside it — no task row, no queue, no second
   * transaction — recorded as a MarkerRecorded with the task's decisions, so
   * replay reads its result rather than running it again. Like an activity
   * it runs at least once (a task that loses its lease runs it again
   * elsewhere); unlike one it must be short (LOCAL_ACTIVITY_TIMEOUT_MS_MAX)
   * and retries only within LOCAL_ACTIVITY_BUDGET_MS. Rejects with
   * ActivityFailure after its last attempt. Any registered activity function
   * can run locally (not transactional ones).
   */
  localActivity<T = unknown>(activityType: string, input?: unknown, options?: LocalActivityOptions): Promise<T>;
  /** Typed proxy: `const { charge } = ctx.activities<typeof activities>({ startToCloseTimeoutMs: 5000 })`. */
  activities<A extends ActivityMap>(options?: ActivityOptions): ActivityStubs<A>;
  /** A durable timer: nothing is held while it waits. */
  sleep(ms: number): Promise<void>;
  /** The next signal of this name (buffered signals first, in arrival order). */
  waitForSignal<T = unknown>(name: string): Promise<T>;
  /** The same, but resolves undefined if none arrives within `timeoutMs` (a durable timer). */
  waitForSignal<T = unknown>(name: string, options: { timeoutMs: number }): Promise<T | undefined>;
  /**
   * Start a child workflow and resolve, once it is running, to its handle
   * (Temporal's startChild). The child's run commits in the transaction that
   * records this decision; if its workflow id already has a running run the
   * promise rejects with WorkflowAlreadyRunningError. When this run closes,
   * its running children are handled by their `parentClosePolicy`.
   */
  startChild<T = unknown>(workflowType: string, input?: unknown, options?: ChildWorkflowOptions): Promise<ChildWorkflowHandle<T>>;
  /**
   * Start a child workflow and await its result: the result of its last run
   * (it may continue as new). Rejects with ChildWorkflowFailure (cause: the
   * child's failure) if it failed, was cancelled or was terminated.
   */
  executeChild<T = unknown>(workflowType: string, input?: unknown, options?: ChildWorkflowOptions): Promise<T>;
  /**
   * Versioning: `if (ctx.patched("v2-charge")) { new code } else { old code }`.
   * True for runs that reach this point on the new code (a marker is
   * recorded), false for runs that passed it on the old code, so both replay.
   * Once no run that took the old path is left, replace the call with
   * deprecatePatch(id) and drop the old branch.
   */
  patched(patchId: string): boolean;
  /**
   * The patch is the only path now: runs recorded with or without its
   * marker both replay. Remove the call once no run recorded before it is left.
   */
  deprecatePatch(patchId: string): void;
  /** Events in the run's history as this activation sees them (its WorkflowTaskCompleted not counted). */
  readonly historyLength: number;
  /** True once historyLength reaches HISTORY_EVENTS_CONTINUE_AS_NEW_SUGGESTED: a long-lived workflow should continue as new. */
  readonly continueAsNewSuggested: boolean;

  /**
   * End this run and start a new run of the same workflow id with `input` and
   * a fresh history, in one transaction (Temporal's continue-as-new). By
   * default the new run has this run's type and task queue. The returned
   * promise never settles: nothing the code does after it is recorded. The
   * client's result() follows the chain to the last run.
   */
  continueAsNew(input?: unknown, options?: ContinueAsNewOptions): Promise<never>;
  /**
   * Answer `client.query(workflowId, name, args)` from the workflow's state. The client answers by
   * replaying the run's history in its own process (it needs the workflow code) and calling the
   * handler on the state that replay rebuilt: nothing is written, no worker is involved. A handler
   * must only read; whatever it returns is encoded as JSON.
   */
  setQueryHandler(name: string, handler: (args: unknown) => unknown): void;
  /**
   * Handle `client.update(workflowId, name, args)`: `validator` (synchronous)
   * may refuse it by throwing — nothing is applied, the caller gets
   * UPDATE_REJECTED — then `handler` applies it, and may await activities,
   * timers and signals like the rest of the code; its result (or failure,
   * UPDATE_FAILED) is recorded and returned to the caller. An update whose
   * name has no handler when it is delivered is rejected.
   */
  setUpdateHandler(name: string, handler: (args: unknown) => unknown, options?: UpdateHandlerOptions): void;
  /**
   * Set indexed search attributes on this run (merged into those it has), for
   * client.list() / count(): recorded as SearchAttributesUpserted with this
   * task's decisions. A continue-as-new run keeps them.
   */
  upsertSearchAttributes(attributes: Record<string, string | number | boolean>): void;
  /** The workflow task's time: recorded in history, so replay reads the same value. */
  now(): number;
  /** Deterministic random float in [0, 1), seeded per run. */
  random(): number;
  /** Deterministic UUID, seeded per run. */
  uuid(): string;
  /** Log a line, except while replaying (so each line appears once). */
  log(message: string, fields?: Record<string, unknown>): void;
}

export interface ChildWorkflowOptions {
  /** Default: `${parent runId}/${seq}`, unique to this call. */
  workflowId?: string;
  /** Default: the parent's task queue. */
  taskQueue?: string;
  /** What this run's close does to the child if it is still running. Default "terminate". */
  parentClosePolicy?: ParentClosePolicy;
  /** The child's indexed search attributes (as StartOptions.searchAttributes). */
  searchAttributes?: Record<string, SearchAttributeValue>;
}

export interface ChildWorkflowHandle<T = unknown> {
  readonly workflowId: string;
  /** The child's first run (a continue-as-new chain goes on under the same workflow id). */
  readonly firstRunId: string;
  /** The child's result, as executeChild returns it. */
  result(): Promise<T>;
  /**
   * Ask the child to cancel (delivered to its code, which may clean up); its result then settles as the
   * child ends, a ChildWorkflowFailure with status "cancelled" if it honours the request. No-op once it has closed.
   */
  cancel(): void;
}

export interface UpdateHandlerOptions {
  /** Throw to refuse the update before anything is applied. Must not await: it decides from state. */
  validator?: (args: unknown) => void;
}

export interface ContinueAsNewOptions {
  /** The new run's workflow type (default: this run's). */
  workflowType?: string;
  /** The new run's task queue (default: this run's). */
  taskQueue?: string;
}

export type WorkflowFunction<I = any, O = any> = (ctx: WorkflowContext, input: I) => Promise<O>;

export interface ActivityContext {
  readonly activityType: string;
  /** Stable across retries of this activity: `${runId}:${seq}`. Pass it downstream to make the effect exactly once. */
  readonly idempotencyKey: string;
  /** 1-based. */
  readonly attempt: number;
  /** The identity of the worker running this attempt. */
  readonly workerId: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly seq: number;
  /** When the activity was scheduled (epoch ms, the scheduling worker's clock). */
  readonly scheduledAtMs: number;
  /** Details the previous attempt last heartbeated, or undefined. */
  readonly heartbeatDetails: unknown;
  /** Aborted when the attempt's lease is lost, its timeout passes, or the worker stops. */
  readonly signal: AbortSignal;
  /** Extend the lease and record progress; throws LeaseLostError if another attempt took over. */
  heartbeat(details?: unknown): Promise<void>;
}

export type ActivityFunction<I = any, O = any> = (input: I, ctx: ActivityContext) => Promise<O>;

/** An activity whose SQL runs in the transaction that records its result: exactly once end to end. */
export interface TransactionalActivity<I = any, O = any> {
  readonly transactional: true;
  readonly run: (tx: SqlSession, input: I, ctx: ActivityContext) => Promise<O>;
}

export function transactional<I, O>(run: (tx: SqlSession, input: I, ctx: ActivityContext) => Promise<O>): TransactionalActivity<I, O> {
  return { transactional: true, run };
}

export type ActivityDefinition = ActivityFunction | TransactionalActivity;
export type ActivityMap = Record<string, ActivityDefinition>;
export type WorkflowMap = Record<string, WorkflowFunction>;

type InputOf<D> = D extends TransactionalActivity<infer I, any> ? I : D extends ActivityFunction<infer I, any> ? I : never;
type OutputOf<D> = D extends TransactionalActivity<any, infer O> ? O : D extends ActivityFunction<any, infer O> ? O : never;

export type ActivityStubs<A extends ActivityMap> = {
  [K in keyof A]: (input: InputOf<A[K]>, options?: ActivityOptions) => Promise<Awaited<OutputOf<A[K]>>>;
};

export function isTransactional(def: ActivityDefinition): def is TransactionalActivity {
  return typeof def === "object" && def !== null && (def as TransactionalActivity).transactional === true;
}
