/**
 * A worker: claims tasks from one or more task queues and runs them.
 *
 * One poll loop per task kind (workflow tasks, activity tasks, timers) claims
 * in batches up to its free concurrency, round-robin over the queues, and
 * runs what it claimed without waiting for it. An idle loop sleeps until the
 * earliest of: a NOTIFY for its kind and queue, the next task becoming
 * visible (a timer due, a retry due, a lease expiring), or the poll interval,
 * so a lost notification costs at most one poll interval.
 *
 * Database errors never kill a loop: it backs off and retries, and a result
 * that could not be recorded is retried until it lands or the lease is found
 * lost. Every wait goes through the Clock port, so the simulator can run it
 * on virtual time; runUntilIdle() drives the same code step by step.
 */
import { LeaseLostError, RatchetError, WorkerStoppedError } from "../errors.ts";
import {
  CLAIM_BATCH_MAX,
  HISTORY_WINDOW_MS_DEFAULT,
  HISTORY_WINDOW_MS_MAX,
  HISTORY_WINDOW_MS_MIN,
  QUEUE_MAINTENANCE_INTERVAL_MS_DEFAULT,
  QUEUE_MAINTENANCE_INTERVAL_MS_MIN,
  QUEUE_VACUUM_DEAD_TUPLES_DEFAULT,
  TIMEOUT_MS_MAX,
  WORKER_ACTIVITY_CONCURRENCY_DEFAULT,
  WORKER_CLAIM_BATCH_DEFAULT,
  WORKER_COMPLETION_BATCH_DEFAULT,
  WORKER_COMPLETIONS_IN_FLIGHT_DEFAULT,
  WORKER_COMPLETIONS_IN_FLIGHT_MAX,
  WORKER_CONCURRENCY_MAX,
  WORKER_ERROR_BACKOFF_MS_MAX,
  WORKER_EXECUTION_CACHE_RUNS,
  WORKER_HISTORY_CACHE_RUNS,
  WORKER_ERROR_BACKOFF_MS_MIN,
  WORKER_POLL_INTERVAL_MS_DEFAULT,
  WORKER_POLL_INTERVAL_MS_MAX,
  WORKER_SHUTDOWN_GRACE_MS_DEFAULT,
  WORKER_SHUTDOWN_GRACE_MS_MAX,
  WORKER_WORKFLOW_CONCURRENCY_DEFAULT,
} from "../limits.ts";
import { checkInteger, checkQueueName, checkTypeName } from "../names.ts";
import type { Clock } from "../ports/clock.ts";
import { CryptoRandom } from "../ports/crypto-random.ts";
import { ConsoleLogger, type Logger } from "../ports/logger.ts";
import type { Random } from "../ports/random.ts";
import { SystemClock } from "../ports/system-clock.ts";
import type { ActivityTaskRef, ClaimResult, ClaimedTask, EagerActivities, InlineStep, RunRecord, Store, TaskKind, WorkflowTaskCompletion } from "../store/store.ts";
import type { HistoryEvent } from "../history/events.ts";
import type { ActivityMap, WorkflowMap } from "../workflow/types.ts";
import type { Command } from "../workflow/commands.ts";
import { runActivityTask } from "./activity-task.ts";
import { Batcher } from "./batcher.ts";
import { Deadlines } from "./deadlines.ts";
import type { FaultHook, WorkerObserver } from "./hooks.ts";
import { runTimerTask } from "./timer-task.ts";
import { runWorkflowTask, type StickyExecution } from "./workflow-task.ts";

export interface WorkerOptions {
  store: Store;
  /** Queue(s) to poll. Workflow tasks, activity tasks and timers of each are claimed. */
  taskQueue: string | string[];
  workflows?: WorkflowMap;
  activities?: ActivityMap;
  /** Name in logs and history (WorkflowTaskCompleted.workerId). Default: worker-<random>. */
  identity?: string;
  maxConcurrentActivities?: number;
  maxConcurrentWorkflowTasks?: number;
  /** Tasks one claim statement leases (it never claims more than free concurrency). */
  claimBatchSize?: number;
  /**
   * Claim workflow and activity tasks round-robin across fairness keys (StartOptions.fairnessKey) rather than
   * oldest first, so one key's backlog cannot starve another's on a shared queue. Default false.
   */
  fairness?: boolean;
  /** Activity results recorded per transaction, at most (1: one transaction each). Default 100. */
  completionBatchSize?: number;
  /** How long a finished result may wait for others to share its transaction. Default 0 (until the burst yields). */
  completionBatchDelayMs?: number;
  /**
   * Recording transactions of one kind (activity results, decisions, inline
   * steps) in flight at once, at most; results that finish meanwhile wait
   * for the next one (group commit). Default WORKER_COMPLETIONS_IN_FLIGHT_DEFAULT.
   */
  completionsInFlight?: number;
  /** Longest an idle loop sleeps before polling again, in case a NOTIFY was lost. */
  pollIntervalMs?: number;
  /** Wake on LISTEN/NOTIFY. Default: on when the store sends notifications. */
  listen?: boolean;
  shutdownGraceMs?: number;
  clock?: Clock;
  /** Where the worker's identity and the ids of workflows its schedule rounds start come from. Default: crypto. */
  random?: Random;
  logger?: Logger;
  faultHook?: FaultHook;
  observer?: WorkerObserver;
  /** How replay waits for workflow code to block (see ReplayInput.settle); for the simulator. */
  settle?: () => Promise<void>;
  /**
   * Engine-run table maintenance (Store.maintainTables): every `intervalMs`
   * the worker reads the tables' statistics and vacuums the hot tasks table
   * once `deadTuples` are dead — and, where the server's autovacuum is off,
   * vacuums or analyzes runs and history (see
   * QUEUE_MAINTENANCE_INTERVAL_MS_DEFAULT for why autovacuum alone falls
   * behind a busy queue). Default: on against a
   * PostgreSQL server, off on PGlite (one session: a vacuum would stall
   * everything else). `false` turns it off. Each round (the first at start) also creates the
   * history partitions of the current window and those ahead
   * (HistoryPartitions.ensure), `historyWindowMs` wide (default a day).
   */
  queueMaintenance?: false | { intervalMs?: number; deadTuples?: number; historyWindowMs?: number };
  /**
   * Eager activity dispatch (Temporal's eager activity execution): activities
   * that this worker's own workflow decisions schedule, on queues it polls
   * and of types it has, are claimed in the same transaction (up to its free
   * activity slots) and run here at once, without a NOTIFY and a claim.
   * Default true (a started worker only: step mode, runUntilIdle, claims
   * everything itself); false leaves every activity to the queue.
   */
  eagerActivities?: boolean;
  /**
   * Inline decisions: when an activity finishes on the worker that holds its
   * workflow's live execution (it ran the run's last workflow task), the
   * result goes to the workflow code at once and the decisions it makes
   * commit in the same transaction as the result (Store.completeActivitiesInline):
   * one transaction per step instead of two, and no workflow task to claim
   * or history to load. The history is the same either way. If anything
   * else moved the run on meanwhile, the decisions are dropped and the
   * result is recorded the ordinary way. Default true.
   */
  inlineDecisions?: boolean;
}

export interface WorkerStats {
  claimed: Record<TaskKind, number>;
  workflowTasksCompleted: number;
  workflowTasksFailed: number;
  activitiesCompleted: number;
  activitiesFailed: number;
  activityRetries: number;
  timersFired: number;
  leasesLost: number;
  databaseErrors: number;
  /** Activities this worker claimed eagerly, with the decisions that scheduled them (eagerActivities). */
  activitiesEager: number;
  /** VACUUM and ANALYZE statements this worker ran (queueMaintenance). */
  tablesMaintained: number;
  /** Decisions recorded with the activity result they were made on (inlineDecisions). */
  decisionsInlined: number;
}

export type WorkerState = "created" | "running" | "stopping" | "stopped" | "killed";

const KINDS: readonly TaskKind[] = ["timer", "workflow", "activity"];
/**
 * The reason a poll loop's sleep is cut short. A fixed value: abort() with no
 * reason builds a DOMException (and its stack) on every wake, which the CPU
 * profile of a busy worker showed at about 2% of its time.
 */
const WOKEN = Symbol("woken");
/** runUntilIdle() gives up after this many claim rounds (a workflow looping on sleep(0) would never idle). */
const IDLE_ROUNDS_MAX = 100_000;
/** Attempts to record one result through database errors before giving up on it (its lease will expire). */
export const RECORD_ATTEMPTS_MAX = 1_000;

interface Running {
  task: ClaimedTask;
  promise: Promise<void>;
  /** Aborts the task's work (activity signal): on shutdown past the grace period, or kill. */
  abort: LazyAbortController;
  /** Set once the task's outcome was decided locally; later results of its code are dropped. */
  settled: boolean;
}

/**
 * An AbortController made only when its signal is first read. Most tasks finish without anyone
 * looking at their signal, and creating a controller and its signal per task was 2–5% of a busy
 * worker's CPU (steps benchmark profile).
 */
export class LazyAbortController {
  private controller: AbortController | undefined;
  private aborted = false;
  private reason: unknown;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

export class Worker {
  readonly identity: string;
  /** Run ids and random seeds of the workflows this worker's schedule rounds start. */
  readonly random: Random;
  readonly queues: readonly string[];
  readonly stats: WorkerStats = {
    claimed: { workflow: 0, activity: 0, timer: 0 },
    workflowTasksCompleted: 0,
    workflowTasksFailed: 0,
    activitiesCompleted: 0,
    activitiesFailed: 0,
    activityRetries: 0,
    timersFired: 0,
    leasesLost: 0,
    databaseErrors: 0,
    activitiesEager: 0,
    tablesMaintained: 0,
    decisionsInlined: 0,
  };

  /** The store as this worker sees it: every call fails with WORKER_STOPPED once the worker is killed. */
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly workflows: WorkflowMap;
  readonly activities: ActivityMap;
  readonly knownActivityTypes: ReadonlySet<string> | undefined;
  readonly faultHook: FaultHook | undefined;
  readonly observer: WorkerObserver | undefined;
  readonly settle: (() => Promise<void>) | undefined;
  /** Activity results, many per transaction (see batcher.ts). */
  readonly activityResults: Batcher<ActivityTaskRef & { resultJson: string }, "ok" | "stale">;
  /** Workflow-task decisions, many per transaction. */
  readonly decisions: Batcher<WorkflowTaskCompletion, "ok" | "closed" | "stale">;
  /** Runs and histories for workflow tasks, many per query. */
  readonly runLoads: Batcher<{ runId: string; after: number }, { run: RunRecord; events: HistoryEvent[] } | null>;
  /**
   * History prefixes of runs this worker ran workflow tasks for. Histories
   * are append-only, so a cached prefix never goes stale: the next task of
   * the run loads only what came after it.
   */
  readonly historyCache = new LruCache<HistoryEvent[]>(WORKER_HISTORY_CACHE_RUNS);
  /**
   * Workflow executions kept alive after their task, with the run version
   * their decisions produced: if the run's next task comes to this worker
   * and nothing else moved the run on, only the new events are delivered,
   * instead of replaying the history (Temporal's sticky execution, without
   * the sticky queue: it works when the task happens to come back here).
   */
  readonly executions = new LruCache<StickyExecution>(WORKER_EXECUTION_CACHE_RUNS);
  /** The deadlines of the activity attempts running here, on one timer (see deadlines.ts). */
  readonly deadlines: Deadlines;
  /** Activity results with the decisions made on them, many per transaction (inlineDecisions). */
  readonly inlineSteps: Batcher<InlineStep, "inlined" | "resolved" | "stale">;
  readonly inlineDecisions: boolean;

  private stateValue: WorkerState = "created";
  private readonly concurrency: Record<TaskKind, number>;
  private readonly claimBatchSize: number;
  private readonly fairness: boolean;
  /** Each kind and queue's fair-claim cursor (the key the last fair claim stopped at). */
  private readonly fairCursors = new Map<string, string>();
  private readonly pollIntervalMs: number;
  private readonly shutdownGraceMs: number;
  private readonly listenEnabled: boolean;
  private readonly maintenance: { intervalMs: number; deadTuples: number; historyWindowMs: number } | null;
  private readonly eagerActivities: boolean;
  /** this.queues as a set, for eager dispatch's per-batch filter. */
  private readonly queueSet: ReadonlySet<string>;
  /** Activity slots promised to decision batches in flight (their eager tasks are not running yet). */
  private eagerReserved = 0;
  private readonly running: Record<TaskKind, Set<Running>> = { workflow: new Set(), activity: new Set(), timer: new Set() };
  private readonly wakeFlags: Record<TaskKind, boolean> = { workflow: false, activity: false, timer: false };
  private readonly wakers: Record<TaskKind, AbortController | undefined> = { workflow: undefined, activity: undefined, timer: undefined };
  private readonly stopController = new AbortController();
  private loops: Promise<void>[] = [];
  private unlisten: (() => Promise<void>) | undefined;

  constructor(options: WorkerOptions) {
    const queues = Array.isArray(options.taskQueue) ? options.taskQueue : [options.taskQueue];
    if (queues.length === 0) throw new RatchetError("INVALID_ARGUMENT", "a worker needs at least one task queue");
    this.queues = queues.map((q) => checkQueueName(q));
    this.workflows = options.workflows ?? {};
    this.activities = options.activities ?? {};
    for (const name of Object.keys(this.workflows)) checkTypeName(name, "workflowType");
    for (const name of Object.keys(this.activities)) checkTypeName(name, "activityType");
    this.knownActivityTypes = Object.keys(this.activities).length > 0 ? new Set(Object.keys(this.activities)) : undefined;
    this.clock = options.clock ?? new SystemClock();
    this.logger = options.logger ?? new ConsoleLogger();
    this.random = options.random ?? new CryptoRandom();
    this.identity = options.identity ?? `worker-${this.random.uuid().slice(0, 8)}`;
    this.concurrency = {
      workflow: checkInteger(options.maxConcurrentWorkflowTasks ?? WORKER_WORKFLOW_CONCURRENCY_DEFAULT, "maxConcurrentWorkflowTasks", 1, WORKER_CONCURRENCY_MAX),
      timer: checkInteger(options.maxConcurrentWorkflowTasks ?? WORKER_WORKFLOW_CONCURRENCY_DEFAULT, "maxConcurrentWorkflowTasks", 1, WORKER_CONCURRENCY_MAX),
      activity: checkInteger(options.maxConcurrentActivities ?? WORKER_ACTIVITY_CONCURRENCY_DEFAULT, "maxConcurrentActivities", 1, WORKER_CONCURRENCY_MAX),
    };
    this.claimBatchSize = checkInteger(options.claimBatchSize ?? WORKER_CLAIM_BATCH_DEFAULT, "claimBatchSize", 1, CLAIM_BATCH_MAX);
    this.fairness = options.fairness ?? false;
    this.pollIntervalMs = checkInteger(options.pollIntervalMs ?? WORKER_POLL_INTERVAL_MS_DEFAULT, "pollIntervalMs", 1, WORKER_POLL_INTERVAL_MS_MAX);
    this.shutdownGraceMs = checkInteger(options.shutdownGraceMs ?? WORKER_SHUTDOWN_GRACE_MS_DEFAULT, "shutdownGraceMs", 0, WORKER_SHUTDOWN_GRACE_MS_MAX);
    this.listenEnabled = options.listen ?? options.store.notifyEnabled;
    const maintenance = options.queueMaintenance ?? (options.store.db.kind === "postgres" ? {} : false);
    this.maintenance =
      maintenance === false
        ? null
        : {
            intervalMs: checkInteger(maintenance.intervalMs ?? QUEUE_MAINTENANCE_INTERVAL_MS_DEFAULT, "queueMaintenance.intervalMs", QUEUE_MAINTENANCE_INTERVAL_MS_MIN, TIMEOUT_MS_MAX),
            deadTuples: checkInteger(maintenance.deadTuples ?? QUEUE_VACUUM_DEAD_TUPLES_DEFAULT, "queueMaintenance.deadTuples", 0, Number.MAX_SAFE_INTEGER),
            historyWindowMs: checkInteger(maintenance.historyWindowMs ?? HISTORY_WINDOW_MS_DEFAULT, "queueMaintenance.historyWindowMs", HISTORY_WINDOW_MS_MIN, HISTORY_WINDOW_MS_MAX),
          };
    this.eagerActivities = (options.eagerActivities ?? true) && this.knownActivityTypes !== undefined;
    this.queueSet = new Set(this.queues);
    this.inlineDecisions = options.inlineDecisions ?? true;
    this.faultHook = options.faultHook;
    this.observer = options.observer;
    this.settle = options.settle;
    this.store = fence(options.store, this);
    this.deadlines = new Deadlines(this.clock);
    const max = checkInteger(options.completionBatchSize ?? WORKER_COMPLETION_BATCH_DEFAULT, "completionBatchSize", 1, CLAIM_BATCH_MAX);
    const delayMs = checkInteger(options.completionBatchDelayMs ?? 0, "completionBatchDelayMs", 0, 60_000);
    const inFlightMax = checkInteger(options.completionsInFlight ?? WORKER_COMPLETIONS_IN_FLIGHT_DEFAULT, "completionsInFlight", 1, WORKER_COMPLETIONS_IN_FLIGHT_MAX);
    const store = this.store;
    this.activityResults = new Batcher({
      clock: this.clock,
      max,
      delayMs,
      inFlightMax,
      many: (items) => withDatabaseRetry(this, "recording activity results", () => store.completeActivityTasks(items, this.clock.now())),
      one: async (item) => {
        try {
          await withDatabaseRetry(this, "recording an activity result", () => store.completeActivityTask({ ...item, nowMs: this.clock.now() }, item.resultJson));
          return "ok";
        } catch (err) {
          if (err instanceof LeaseLostError) return "stale";
          throw err;
        }
      },
    });
    this.decisions = new Batcher({
      clock: this.clock,
      max,
      delayMs,
      inFlightMax,
      key: (c) => c.runId,
      many: (items) => this.recordDecisions(items),
      one: async (item) => (await this.recordDecisions([item]))[0]!,
    });
    this.inlineSteps = new Batcher({
      clock: this.clock,
      max,
      delayMs,
      inFlightMax,
      key: (c) => c.runId,
      many: (items) => this.recordInlineSteps(items),
      one: async (item) => (await this.recordInlineSteps([item]))[0]!,
    });
    this.runLoads = new Batcher({
      clock: this.clock,
      max,
      delayMs: 0,
      many: (requests) => store.loadRunsWithHistory(requests),
    });
  }

  get state(): WorkerState {
    return this.stateValue;
  }

  /** True once kill() was called: the worker's store calls are fenced off. */
  get killed(): boolean {
    return this.stateValue === "killed";
  }

  /** Tasks currently being run, per kind. */
  inFlight(): Record<TaskKind, number> {
    return { workflow: this.running.workflow.size, activity: this.running.activity.size, timer: this.running.timer.size };
  }

  /** Start polling in the background. Resolves once listening (if enabled) and the loops run. */
  async start(): Promise<void> {
    if (this.stateValue !== "created") throw new RatchetError("INVALID_ARGUMENT", `worker ${this.identity} cannot start from state ${this.stateValue}`);
    this.stateValue = "running";
    if (this.listenEnabled) {
      try {
        this.unlisten = await this.store.db.listen(
          this.store.notifyChannel,
          (payload) => this.onNotify(payload),
          () => KINDS.forEach((k) => this.wake(k)),
        );
      } catch (err) {
        // Polling alone still guarantees progress; say so and carry on.
        this.logger.log("warn", "LISTEN failed; falling back to polling only", { worker: this.identity, error: (err as Error).message });
      }
    }
    this.loops = KINDS.filter((k) => this.handles(k)).map((k) => this.pollLoop(k));
    if (this.maintenance) this.loops.push(this.maintenanceLoop(this.maintenance));
  }

  /**
   * Step mode (tests, simulation): claim and run every task visible now, and
   * what those tasks make visible, until nothing is left. Waits for the tasks
   * it runs, so an activity that never returns blocks it. shutdown() stops it
   * claiming more (and handles what it is running).
   */
  /** One claim, fair (with this kind and queue's cursor, moved on) when the worker claims fairly. */
  private async claimFrom(kind: TaskKind, queue: string, limit: number): Promise<ClaimResult> {
    if (!this.fairness) return this.store.claim(kind, queue, limit, this.clock.now());
    const key = `${kind}:${queue}`;
    const result = await this.store.claim(kind, queue, limit, this.clock.now(), { after: this.fairCursors.get(key) ?? "" });
    this.fairCursors.set(key, result.fairCursor ?? "");
    return result;
  }

  async runUntilIdle(): Promise<number> {
    if (this.killed) throw new WorkerStoppedError(this.identity);
    let ran = 0;
    for (let round = 0; round < IDLE_ROUNDS_MAX && !this.stopping; round++) {
      let claimed = 0;
      for (const kind of KINDS) {
        if (!this.handles(kind)) continue;
        for (const queue of this.queues) {
          if (this.stopping) return ran + claimed;
          const { tasks } = await this.claimFrom(kind, queue, this.claimBatchSize);
          claimed += tasks.length;
          await Promise.all(tasks.map((t) => this.dispatch(t).promise));
        }
      }
      if (claimed === 0) return ran;
      ran += claimed;
    }
    throw new RatchetError("INVALID_ARGUMENT", `runUntilIdle: still busy after ${IDLE_ROUNDS_MAX} rounds (a workflow that never blocks?)`);
  }

  /**
   * Graceful stop: claim nothing more, let running tasks finish for up to
   * the grace period, then abort the rest and release their leases so
   * another worker picks them up at once.
   */
  async shutdown(options: { graceMs?: number } = {}): Promise<void> {
    if (this.stateValue === "stopped" || this.stateValue === "killed") return;
    const wasRunning = this.stateValue === "running";
    this.stateValue = "stopping";
    this.stopController.abort(new WorkerStoppedError(this.identity));
    KINDS.forEach((k) => this.wakers[k]?.abort(WOKEN));
    await this.unlisten?.().catch(() => {});
    const all = () => KINDS.flatMap((k) => [...this.running[k]]);
    const graceMs = options.graceMs ?? this.shutdownGraceMs;
    if (all().length > 0) {
      const grace = new AbortController();
      await Promise.race([Promise.allSettled(all().map((r) => r.promise)), this.clock.sleep(graceMs, grace.signal).catch(() => {})]);
      grace.abort();
    }
    for (const r of all()) {
      r.settled = true;
      r.abort.abort(new WorkerStoppedError(this.identity));
      try {
        await this.store.releaseTask(r.task.taskId, r.task.leaseToken, r.task.kind, r.task.queue, this.clock.now());
        this.observer?.({ type: "abandoned", kind: r.task.kind, taskId: r.task.taskId, runId: r.task.runId, reason: "released at shutdown" });
      } catch (err) {
        this.logger.log("warn", "could not release a task at shutdown; its lease will expire", { worker: this.identity, taskId: r.task.taskId, error: (err as Error).message });
      }
    }
    if (wasRunning) await Promise.allSettled(this.loops);
    this.stateValue = "stopped";
  }

  /**
   * Stop at once, as if the process died: nothing is released or recorded,
   * leases expire, and any later call this worker's code makes to the store
   * fails with WORKER_STOPPED (its incarnation is fenced off). For fault
   * injection and tests.
   */
  kill(): void {
    if (this.stateValue === "killed") return;
    this.stateValue = "killed";
    this.stopController.abort(new WorkerStoppedError(this.identity));
    KINDS.forEach((k) => this.wakers[k]?.abort(WOKEN));
    for (const kind of KINDS) {
      for (const r of this.running[kind]) {
        r.settled = true;
        r.abort.abort(new WorkerStoppedError(this.identity));
      }
    }
    void this.unlisten?.().catch(() => {});
  }

  /** Sleep through the Clock, cut short when the worker stops. Resolves false if stopped. */
  async pause(ms: number): Promise<boolean> {
    try {
      await this.clock.sleep(ms, this.stopController.signal);
      return true;
    } catch {
      return false;
    }
  }

  get stopping(): boolean {
    return this.stateValue === "stopping" || this.stateValue === "stopped" || this.stateValue === "killed";
  }

  noteLeaseLost(task: ClaimedTask): void {
    this.stats.leasesLost += 1;
    this.observer?.({ type: "leaseLost", kind: task.kind, taskId: task.taskId, runId: task.runId, leaseToken: task.leaseToken });
    this.logger.log("debug", "lease lost: another attempt owns the task now; result dropped", {
      worker: this.identity,
      kind: task.kind,
      taskId: task.taskId,
      leaseToken: task.leaseToken,
    });
  }

  noteDatabaseError(err: unknown, what: string): void {
    this.stats.databaseErrors += 1;
    this.logger.log("warn", `database error while ${what}; will retry`, { worker: this.identity, error: (err as Error).message });
  }

  // -- internals ---------------------------------------------------------------

  /** Free slots of a kind: its concurrency less what runs and what eager dispatch has been promised. */
  private freeSlots(kind: TaskKind): number {
    return this.concurrency[kind] - this.running[kind].size - (kind === "activity" ? this.eagerReserved : 0);
  }

  /**
   * Record a batch of workflow-task decisions; with eager dispatch on, the
   * activities they schedule for this worker (up to its free slots, held
   * for the transaction) come back claimed and start here at once.
   */
  private recordDecisions(items: WorkflowTaskCompletion[]): Promise<Array<"ok" | "closed" | "stale">> {
    return this.withEagerDispatch(0, items, "completing workflow tasks", (eager) => this.store.completeWorkflowTasksEager(items, this.clock.now(), eager));
  }

  /**
   * Record a batch of inline steps (inlineDecisions). Eager dispatch may also
   * count the slots of the activities being recorded: each frees as soon as
   * the transaction is done.
   */
  private recordInlineSteps(items: InlineStep[]): Promise<Array<"inlined" | "resolved" | "stale">> {
    return this.withEagerDispatch(items.length, items, "recording activity results with their decisions", (eager) => this.store.completeActivitiesInline(items, this.clock.now(), eager));
  }

  /**
   * Run a recording transaction with eager activity dispatch: reserve free
   * activity slots (plus `freeing`) for it, as many as its decisions
   * schedule activities of types this worker runs and no more, and start
   * the tasks it claimed once it commits. Reserving every free slot instead
   * starved the batches recording beside it (measured: under half the
   * steps workload's activities went eager with eight batches in flight).
   * Those claimed in a transaction whose outcome is lost are not
   * dispatched: their leases expire and anyone claims them.
   */
  private async withEagerDispatch<T>(
    freeing: number,
    items: ReadonlyArray<{ commands: readonly Command[] }>,
    what: string,
    record: (eager: EagerActivities | null) => Promise<{ outcomes: T[]; eagerTasks: ClaimedTask[] }>,
  ): Promise<T[]> {
    const max = this.eagerActivities && this.stateValue === "running" ? Math.max(0, Math.min(this.freeSlots("activity") + freeing, this.eagerCandidates(items))) : 0;
    const eager = max > 0 ? { queues: this.queueSet, activityTypes: this.knownActivityTypes!, max } : null;
    // The `freeing` slots are this batch's own: they pass to its eager tasks when it commits, so only the
    // rest are taken from everyone else. Reserving all of `max` counted those runs twice while their steps
    // recorded: with 1,000 slots a steps worker found them "full" at ~800 running activities, in 15-20% of
    // its batches, and each activity it could not take went the slow way (claimed, recorded, a workflow task).
    const reserved = Math.max(0, max - freeing);
    this.eagerReserved += reserved;
    try {
      const { outcomes, eagerTasks } = await withDatabaseRetry(this, what, () => record(eager));
      for (const task of eagerTasks) {
        if (this.stateValue !== "running") {
          // Stopping: hand it back (the attempt does not count) rather than leave it to its lease.
          void this.store.releaseTask(task.taskId, task.leaseToken, task.kind, task.queue, this.clock.now()).catch(() => {});
          continue;
        }
        this.stats.activitiesEager += 1;
        this.dispatch(task);
      }
      return outcomes;
    } finally {
      this.eagerReserved -= reserved;
    }
  }

  /** Activities the decisions schedule that eager dispatch could give this worker (types it runs; the queue is checked in the store). */
  private eagerCandidates(items: ReadonlyArray<{ commands: readonly Command[] }>): number {
    let n = 0;
    for (const item of items) for (const c of item.commands) if (c.type === "ScheduleActivity" && this.knownActivityTypes!.has(c.activityType)) n += 1;
    return n;
  }

  /** Queue maintenance (see WorkerOptions.queueMaintenance): a failed round is logged and tried again next interval. */
  private async maintenanceLoop(o: { intervalMs: number; deadTuples: number; historyWindowMs: number }): Promise<void> {
    const partitions = this.store.historyPartitions();
    // The first round runs at start and only makes partitions: on a freshly migrated database every run
    // started before it would otherwise land in the DEFAULT partition, to be moved out a whole interval later.
    for (let first = true; this.stateValue === "running" && (first || (await this.pause(o.intervalMs))); first = false) {
      try {
        for (const done of first ? [] : await this.store.maintainTables(o.deadTuples)) {
          this.stats.tablesMaintained += 1;
          this.logger.log("debug", `${done.action === "vacuum" ? "vacuumed" : "analyzed"} the ${done.table} table`, { worker: this.identity, deadTuples: done.deadTuples });
        }
        for (const made of (await partitions.ensure({ nowMs: this.clock.now(), windowMs: o.historyWindowMs })).created) {
          this.logger.log("info", `created history partition ${made.partition}`, { worker: this.identity, fromMs: made.fromMs, toMs: made.toMs, movedRows: made.movedRows });
        }
      } catch (err) {
        if (this.stateValue !== "running") return;
        this.noteDatabaseError(err, "maintaining tables");
      }
    }
  }

  private handles(kind: TaskKind): boolean {
    if (kind === "activity") return Object.keys(this.activities).length > 0;
    return Object.keys(this.workflows).length > 0;
  }

  private dispatch(task: ClaimedTask): Running {
    this.stats.claimed[task.kind] += 1;
    const spec = task.kind === "activity" ? (task.spec as { activityType?: string; workflowId?: string } | null) : null;
    this.observer?.({
      type: "claimed",
      kind: task.kind,
      taskId: task.taskId,
      runId: task.runId,
      seq: task.seq,
      attempt: task.attempt,
      leaseToken: task.leaseToken,
      ...(spec?.activityType === undefined ? {} : { activityType: spec.activityType }),
      ...(spec?.workflowId === undefined ? {} : { workflowId: spec.workflowId }),
    });
    const running: Running = { task, abort: new LazyAbortController(), settled: false, promise: Promise.resolve() };
    const set = this.running[task.kind];
    set.add(running);
    running.promise = this.execute(running).finally(() => {
      set.delete(running);
      this.wake(task.kind);
    });
    return running;
  }

  private async execute(running: Running): Promise<void> {
    const task = running.task;
    try {
      await this.faultHook?.("task.afterClaim", this.faultContext(task));
      switch (task.kind) {
        case "workflow":
          await runWorkflowTask(this, task, running);
          break;
        case "activity":
          await runActivityTask(this, task, running);
          break;
        case "timer":
          await runTimerTask(this, task, running);
          break;
      }
    } catch (err) {
      if (err instanceof WorkerStoppedError || this.killed) return;
      const abandoned = (err as Error)?.name === "AbandonTask";
      this.observer?.({ type: "abandoned", kind: task.kind, taskId: task.taskId, runId: task.runId, reason: (err as Error).message });
      if (!abandoned) this.logger.log("error", "task abandoned after an unexpected error; its lease will expire", { worker: this.identity, taskId: task.taskId, error: (err as Error).stack ?? String(err) });
    }
  }

  faultContext(task: ClaimedTask, activityType?: string) {
    return {
      workerId: this.identity,
      kind: task.kind,
      taskId: task.taskId,
      runId: task.runId,
      seq: task.seq,
      attempt: task.attempt,
      leaseToken: task.leaseToken,
      ...(activityType === undefined ? {} : { activityType }),
    };
  }

  private onNotify(payload: string): void {
    const colon = payload.indexOf(":");
    const kind = payload.slice(0, colon) as TaskKind;
    const queue = payload.slice(colon + 1);
    if (!KINDS.includes(kind) || !this.queues.includes(queue)) return;
    this.wake(kind);
  }

  private wake(kind: TaskKind): void {
    this.wakeFlags[kind] = true;
    this.wakers[kind]?.abort(WOKEN);
  }

  private async pollLoop(kind: TaskKind): Promise<void> {
    let backoffMs = WORKER_ERROR_BACKOFF_MS_MIN;
    let queueIndex = 0;
    while (this.stateValue === "running") {
      const free = this.freeSlots(kind);
      if (free <= 0) {
        await this.waitForWake(kind, this.pollIntervalMs);
        continue;
      }
      this.wakeFlags[kind] = false;
      let claimed = 0;
      let full = false;
      let nextVisibleAtMs: number | null = null;
      try {
        // Round-robin over queues so one busy queue cannot starve another polled by this worker.
        for (let i = 0; i < this.queues.length && this.stateValue === "running"; i++) {
          const queue = this.queues[(queueIndex + i) % this.queues.length]!;
          const room = this.freeSlots(kind);
          if (room <= 0) break;
          const limit = Math.min(room, this.claimBatchSize);
          const result = await this.claimFrom(kind, queue, limit);
          for (const t of result.tasks) this.dispatch(t);
          claimed += result.tasks.length;
          if (result.tasks.length === limit) full = true;
          if (result.nextVisibleAtMs !== null) nextVisibleAtMs = Math.min(nextVisibleAtMs ?? Infinity, result.nextVisibleAtMs);
        }
        queueIndex = (queueIndex + 1) % this.queues.length;
        backoffMs = WORKER_ERROR_BACKOFF_MS_MIN;
      } catch (err) {
        if (this.stateValue !== "running") break;
        this.noteDatabaseError(err, `claiming ${kind} tasks`);
        await this.waitForWake(kind, backoffMs, true);
        backoffMs = Math.min(backoffMs * 2, WORKER_ERROR_BACKOFF_MS_MAX);
        continue;
      }
      if (full) continue; // more may be waiting: claim again at once
      if (claimed > 0 && this.wakeFlags[kind]) continue;
      // Idle: sleep until the next task becomes visible (a timer due, a retry, a lease
      // expiring), a NOTIFY, or the poll interval, whichever is first.
      const untilNextMs = nextVisibleAtMs === null ? Infinity : Math.max(0, nextVisibleAtMs - this.clock.now());
      await this.waitForWake(kind, Math.min(this.pollIntervalMs, untilNextMs));
    }
  }

  private async waitForWake(kind: TaskKind, ms: number, ignoreWakes = false): Promise<void> {
    if (this.stateValue !== "running") return;
    if (!ignoreWakes && this.wakeFlags[kind]) {
      this.wakeFlags[kind] = false;
      return;
    }
    const waker = new AbortController();
    this.wakers[kind] = ignoreWakes ? undefined : waker;
    const onStop = () => waker.abort(WOKEN);
    this.stopController.signal.addEventListener("abort", onStop, { once: true });
    try {
      await this.clock.sleep(ms, waker.signal);
    } catch {
      // woken
    } finally {
      this.stopController.signal.removeEventListener("abort", onStop);
      if (this.wakers[kind] === waker) this.wakers[kind] = undefined;
    }
  }
}

/** A bounded, least-recently-used map keyed by run id. */
export class LruCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly runsMax: number) {}

  get(runId: string): T | undefined {
    const value = this.entries.get(runId);
    if (value !== undefined) {
      this.entries.delete(runId);
      this.entries.set(runId, value);
    }
    return value;
  }

  /** Remove and return (a cached execution is used by one task at a time). */
  take(runId: string): T | undefined {
    const value = this.entries.get(runId);
    this.entries.delete(runId);
    return value;
  }

  set(runId: string, value: T): void {
    this.entries.delete(runId);
    this.entries.set(runId, value);
    while (this.entries.size > this.runsMax) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(runId: string): void {
    this.entries.delete(runId);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Wrap the store so every call from a killed worker fails: a crashed incarnation cannot write. */
function fence(store: Store, worker: Worker): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (worker.killed) return Promise.reject(new WorkerStoppedError(worker.identity));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/**
 * Run `fn` until it succeeds, retrying retryable database errors with backoff
 * (the database restarting, a connection dropped, a commit whose outcome was
 * lost). Lease loss and other errors propagate. Used to record results, so a
 * worker carries on through an outage instead of dropping finished work.
 */
export async function withDatabaseRetry<T>(worker: Worker, what: string, fn: () => Promise<T>): Promise<T> {
  let backoffMs = WORKER_ERROR_BACKOFF_MS_MIN;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof RatchetError) || !err.retryable || err.code === "LEASE_LOST" || worker.killed || attempt >= RECORD_ATTEMPTS_MAX) throw err;
      worker.noteDatabaseError(err, what);
      // Not cut short by shutdown: a graceful stop still wants finished work recorded.
      await worker.clock.sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, WORKER_ERROR_BACKOFF_MS_MAX);
    }
  }
}

export type { Running };
