/**
 * Planted bugs. Each one breaks a promise the engine makes, in the place a
 * real bug would live, so the simulator's checkers can show they catch it
 * (`ratchet sim run --mutant NAME`, `ratchet sim mutants`). A checker that
 * no mutant can trip is a checker that cannot fail.
 */
import { LeaseLostError, Store, type ActivityTaskRef, type RunRecord, type Sql, type SqlDriver, type SqlSession, type StoreOptions, type TaskKind } from "../engine/index.ts";
import type { ScheduleQueries } from "../engine/store/schedule-queries.ts";
import { jsonWithRaw, type NewEvent } from "../engine/history/events.ts";
import type { Queries } from "../engine/store/queries.ts";
import { HistoryPartitions } from "../engine/store/history-partitions.ts";
import { PartitionQueries } from "../engine/store/partition-queries.ts";
import type { Command } from "../engine/workflow/commands.ts";
import { claimResult, parseTimerSpec, type ClaimedTask, type ClaimResult, type InlineStep, type StartWorkflowParams } from "../engine/store/store.ts";
import type { Mutant } from "./world.ts";

/** A store whose batched completions go through its (mutated) single-result path. */
class SingleCompletionStore extends Store {
  override async completeActivityTasks(items: ReadonlyArray<ActivityTaskRef & { resultJson: string }>): Promise<Array<"ok" | "stale">> {
    const outcomes: Array<"ok" | "stale"> = [];
    for (const item of items) {
      try {
        await this.completeActivityTask(item, item.resultJson);
        outcomes.push("ok");
      } catch (err) {
        if (!(err instanceof LeaseLostError)) throw err;
        outcomes.push("stale");
      }
    }
    return outcomes;
  }

  /** Inline steps too: each result through the single-result path, its decisions dropped (the workflow task redoes them). */
  override async completeActivitiesInline(steps: readonly InlineStep[]): Promise<{ outcomes: Array<"inlined" | "resolved" | "stale">; eagerTasks: ClaimedTask[] }> {
    const recorded = await this.completeActivityTasks(steps);
    return { outcomes: recorded.map((o) => (o === "ok" ? "resolved" : "stale")), eagerTasks: [] };
  }
}

/** Completion without the lease-token check: a stale attempt's late result is recorded too. */
class UnfencedCompletionStore extends SingleCompletionStore {
  override async completeActivityTask(ref: ActivityTaskRef, result: string | ((tx: SqlSession) => Promise<string>)): Promise<void> {
    await this.db.transaction(async (tx) => {
      const run = await this.lockRun(tx, ref.runId);
      // BUG: deletes by task id alone and records the result whether or not this attempt still held the lease.
      await tx.query({ text: `DELETE FROM ${this.q.s}.tasks WHERE task_id = $1`, values: [ref.taskId] });
      if (run.status !== "running") return;
      const resultJson = typeof result === "string" ? result : await result(tx);
      await this.appendResolution(tx, run, ref.nowMs, { type: "ActivityCompleted", dataJson: jsonWithRaw({ seq: ref.seq, attempt: ref.attempt }, { result: resultJson }) });
    });
  }
}

/** The task is deleted in its own transaction before the result is recorded: a crash in between loses the step. */
class DeleteBeforeRecordStore extends SingleCompletionStore {
  override async completeActivityTask(ref: ActivityTaskRef, result: string | ((tx: SqlSession) => Promise<string>)): Promise<void> {
    // BUG: two transactions where there must be one.
    const deleted = await this.db.query({ text: `DELETE FROM ${this.q.s}.tasks WHERE task_id = $1 AND lease_token = $2 RETURNING task_id`, values: [ref.taskId, ref.leaseToken] });
    if (deleted.length === 0) throw new LeaseLostError(ref.taskId, ref.leaseToken);
    await this.db.transaction(async (tx) => {
      const run = await this.lockRun(tx, ref.runId);
      if (run.status !== "running") return;
      const resultJson = typeof result === "string" ? result : await result(tx);
      await this.appendResolution(tx, run, ref.nowMs, { type: "ActivityCompleted", dataJson: jsonWithRaw({ seq: ref.seq, attempt: ref.attempt }, { result: resultJson }) });
    });
  }
}

/**
 * A statement with one piece of its text replaced (under a name of its own, so
 * the correct statement prepared under the original name is not reused).
 * Throws if the piece is not there: the engine's statement changed, and the
 * mutant must follow it.
 */
function rewritten(sql: Sql, piece: string, replacement: string, mutant: string): Sql {
  const text = sql.text.replace(piece, replacement);
  if (text === sql.text) throw new Error(`${mutant} mutant: the statement ${sql.name} changed; update the mutant`);
  return { ...sql, name: `${sql.name}_${mutant.replaceAll("-", "_")}`, text };
}

/** Claims that do not bump the lease token: a re-claimed task keeps the token a stale holder still has. */
class StaticLeaseTokenStore extends Store {
  override async claim(kind: TaskKind, queue: string, limit: number, nowMs: number): Promise<ClaimResult> {
    // BUG: the fencing epoch is never advanced.
    return claimResult(await this.db.query(rewritten(this.q.claimTasks(kind, queue, nowMs, limit), "lease_token = t.lease_token + 1,", "lease_token = t.lease_token,", "static-lease-token")));
  }
}

/**
 * Schedules' planted bugs live in their statements: a round's SQL (see
 * engine/store/schedule-queries.ts) is rewritten on the store's own
 * ScheduleQueries, so every round and close this store runs carries the bug.
 */
function scheduleStatementMutant(name: string, description: string, statement: "runningOfSchedule" | "recordRound" | "wakeSchedules", piece: string, replacement: string): Mutant {
  return {
    name,
    description,
    store: (db, options) =>
      new ScheduleStatementStore(db, options, (queries) => {
        const correct = queries[statement].bind(queries) as (...args: never[]) => Sql;
        queries[statement] = ((...args: never[]) => rewritten(correct(...args), piece, replacement, name)) as never;
      }),
  };
}

/** A store whose schedule statements `plant` changes (on this store's own ScheduleQueries). */
class ScheduleStatementStore extends Store {
  constructor(db: SqlDriver, options: StoreOptions, plant: (queries: ScheduleQueries) => void) {
    super(db, options);
    plant(this.q.schedules);
  }
}

/** Continue-as-new that closes the run but never starts its successor. */
class LostContinuationStore extends Store {
  protected override async startContinuedRuns(): Promise<void> {
    // BUG: the run closed as continuedAsNew, and the run its last event names is never inserted.
  }
}

/** A continued run is written without its search attributes: the new run is unindexed until its own code sets them again. */
class UnindexedContinuedRunStore extends Store {
  protected override async startContinuedRuns(tx: SqlSession, rows: readonly string[], nowMs: number): Promise<void> {
    // BUG: the insert of a continue-as-new's run drops the attributes the workflow carries (those of
    // the run that closed, with any its last decisions set), so list(searchAttributes) misses the new run.
    const sql = rewritten(this.q.insertRuns(`[${rows.join(",")}]`, nowMs, this.workflowTaskTimeoutMs), "search_attributes, schedule_id, coalesce(fairness_key", "NULL, schedule_id, coalesce(fairness_key", "unindexed-continued-run");
    await tx.query(sql);
  }
}

/** A child's close is never delivered: the parent's delivery task fires, and appends nothing. */
class LostChildResultStore extends Store {
  protected override async appendResolution(tx: SqlSession, run: RunRecord, nowMs: number, event: NewEvent): Promise<void> {
    // BUG: the delivery task is consumed, but the child's close never reaches its parent's history.
    if (event.type === "ChildWorkflowCompleted" || event.type === "ChildWorkflowFailed") return;
    await super.appendResolution(tx, run, nowMs, event);
  }
}

/** A parent's close never reaches its children: the close-policy task fires and does nothing. */
class IgnoredParentCloseStore extends Store {
  override async fireTimer(taskId: number, leaseToken: number, runId: string, seq: number, nowMs: number, spec: unknown = null): Promise<void> {
    if (parseTimerSpec(spec).kind !== "childAction") return super.fireTimer(taskId, leaseToken, runId, seq, nowMs, spec);
    // BUG: the task is consumed, but the child is neither terminated nor asked to cancel.
    const deleted = await this.db.query(this.q.deleteLeasedTask(taskId, leaseToken));
    if (deleted.length === 0) throw new LeaseLostError(taskId, leaseToken);
  }
}

/**
 * A store whose update lookups (Queries.selectUpdateEvents) go through `mutate`: the request's lookup
 * when `types` holds WorkflowUpdateRequested (requestUpdate's duplicate check), else the outcome's (updateOutcome).
 */
function updateLookupStore(mutant: string, mutate: (text: string, types: readonly string[]) => string): new (db: SqlDriver, options: StoreOptions) => Store {
  return class extends Store {
    constructor(db: SqlDriver, options: StoreOptions) {
      super(db, options);
      const q = this.q;
      const lookup: Queries["selectUpdateEvents"] = (runId, updateId, types) => {
        const sql = q.selectUpdateEvents(runId, updateId, types);
        const text = mutate(sql.text, types);
        if (text === sql.text) return sql;
        return { ...sql, name: `${sql.name}_${mutant.replaceAll("-", "_")}`, text };
      };
      // The bug must change one of the two lookups; if neither changes, the statement moved on without the mutant.
      const changes = (types: readonly string[]) => mutate(q.selectUpdateEvents("r", "u", types).text, types) !== q.selectUpdateEvents("r", "u", types).text;
      if (!changes(["WorkflowUpdateRequested"]) && !changes(["WorkflowUpdateRejected", "WorkflowUpdateCompleted"])) throw new Error(`${mutant} mutant: the update lookup changed; update the mutant`);
      (this as unknown as { q: Queries }).q = Object.assign(Object.create(q) as Queries, { selectUpdateEvents: lookup });
    }
  };
}

const UPDATE_ID_FILTER = "data->>'updateId' = $2";

/** requestUpdate's duplicate check looks the update id up under a misspelt field, so it never finds the earlier request. */
const ReappliedUpdateStore = updateLookupStore("reapplied-update", (text, types) =>
  // BUG: a typo'd field: a retried request is not recognised, so it is appended (and applied) again.
  types.includes("WorkflowUpdateRequested") ? text.replace(UPDATE_ID_FILTER, "data->>'updateID' = $2") : text,
);

/** updateOutcome forgets the update id: a caller is answered with the run's first outcome of any update. */
const CrossedUpdateAnswerStore = updateLookupStore("crossed-update-answer", (text, types) =>
  // BUG: the filter on the update id is lost, so the lookup finds whichever update the run answered first.
  types.includes("WorkflowUpdateRequested") ? text : text.replace(UPDATE_ID_FILTER, "$2::text IS NOT NULL"),
);

/** A store that writes every workflow task's decisions without the commands of type `lost`. */
function droppedCommandStore(lost: Command["type"]): new (db: SqlDriver, options: StoreOptions) => Store {
  // BUG: the command is dropped as the decisions are written; the task's other commands are recorded.
  const without = <T extends { commands: Command[] }>(decisions: T): T => ({ ...decisions, commands: decisions.commands.filter((c) => c.type !== lost) });
  return class extends Store {
    override completeWorkflowTasksEager(...[completions, recordedAtMs, eager]: Parameters<Store["completeWorkflowTasksEager"]>): ReturnType<Store["completeWorkflowTasksEager"]> {
      return super.completeWorkflowTasksEager(completions.map(without), recordedAtMs, eager);
    }

    override completeActivitiesInline(...[steps, recordedAtMs, eager]: Parameters<Store["completeActivitiesInline"]>): ReturnType<Store["completeActivitiesInline"]> {
      return super.completeActivitiesInline(steps.map(without), recordedAtMs, eager);
    }
  };
}

/** Decisions written without their local activity markers: a local step runs, and history never learns its outcome. */
const LostLocalMarkerStore = droppedCommandStore("RecordLocalActivity");
/** Decisions written without their patch markers: a run takes the patched branch, and its replays do not. */
const LostPatchMarkerStore = droppedCommandStore("RecordPatch");

/** A transactional start that writes the run in a transaction of its own, after the application's: not atomic with it. */
class SeparateTransactionStartStore extends Store {
  override async startWorkflow(p: StartWorkflowParams): Promise<{ runId: string; created: boolean }> {
    return this.db.transaction((tx) => super.startWorkflowIn(tx, p));
  }

  override async startWorkflowIn(_applicationTx: SqlSession, p: StartWorkflowParams): Promise<{ runId: string; created: boolean }> {
    // BUG: the start is queued to its own transaction (which waits for the application's to end) instead
    // of joining it, so it commits even when the application's write rolls back.
    this.db.transaction((tx) => super.startWorkflowIn(tx, p)).catch(() => {});
    return { runId: p.runId, created: true };
  }
}

/** The schedule-to-start timeout deletes and fails its activity whether or not an attempt has started. */
class StartedActivityTimeoutStore extends Store {
  constructor(db: SqlDriver, options: StoreOptions) {
    super(db, options);
    const q = this.q;
    const unstartedOnly = "AND attempt = 0 ";
    if (!q.deleteUnstartedActivity("r", 1).text.includes(unstartedOnly)) throw new Error("started-activity-timeout mutant: the statement changed; update the mutant");
    const deleteActivity: Queries["deleteUnstartedActivity"] = (runId, seq) => {
      const sql = q.deleteUnstartedActivity(runId, seq);
      // BUG: the attempt is not checked, so an activity running (or backing off) past its deadline is failed too.
      return { ...sql, name: `${sql.name}_any_attempt`, text: sql.text.replace(unstartedOnly, "") };
    };
    (this as unknown as { q: Queries }).q = Object.assign(Object.create(q) as Queries, { deleteUnstartedActivity: deleteActivity });
  }
}

/** Children inserted without their parent's fairness key: insertRuns writes "" for any run with a parent. */
class UninheritedFairnessKeyStore extends Store {
  constructor(db: SqlDriver, options: StoreOptions) {
    super(db, options);
    const q = this.q;
    const inherited = "coalesce(fairness_key, '') FROM input";
    if (!q.insertRuns("[]", 0, 0).text.includes(inherited)) throw new Error("uninherited-fairness-key mutant: the statement changed; update the mutant");
    const insertRuns: Queries["insertRuns"] = (rowsJson, nowMs, leaseMs) => {
      const sql = q.insertRuns(rowsJson, nowMs, leaseMs);
      // BUG: a child's run (one with a parent) is written without the key its parent passed down.
      return { ...sql, name: `${sql.name}_uninherited_key`, text: sql.text.replace(inherited, "CASE WHEN parent_run_id IS NULL THEN coalesce(fairness_key, '') ELSE '' END FROM input") };
    };
    (this as unknown as { q: Queries }).q = Object.assign(Object.create(q) as Queries, { insertRuns });
  }
}

/**
 * Retention's hold check counts no open runs: a window's running runs, and the
 * tasks they have pending, no longer hold it back (the statement reads closed
 * runs only), so a window with a run still going is dropped, the run with it.
 */
class RetentionIgnoresOpenStore extends Store {
  override historyPartitions(): HistoryPartitions {
    const q = new PartitionQueries(this.schema);
    const running = "FILTER (WHERE status = 'running')";
    const ofARun = "WHERE r.run_id = t.run_id)";
    const windowRuns: PartitionQueries["windowRuns"] = (from, to, cutoffMs) => {
      // BUG: open runs are not counted, and neither are their pending tasks.
      const sql = rewritten(q.windowRuns(from, to, cutoffMs), running, "FILTER (WHERE false)", "retention-ignores-open");
      return { ...sql, text: rewritten(sql, ofARun, "WHERE r.run_id = t.run_id AND r.status <> 'running')", "retention-ignores-open").text };
    };
    return new HistoryPartitions(this.db, this.schema, Object.assign(Object.create(q) as PartitionQueries, { windowRuns }));
  }
}

/** A store whose statements come from a cache shared by every store of the process (a run, here). */
class FirstNamespaceStatementsStore extends Store {
  constructor(db: SqlDriver, options: StoreOptions, cache: { q?: Queries }) {
    super(db, options);
    // BUG: the cache is keyed by nothing, not by schema: every later store gets the statements built for the first store's schema.
    cache.q ??= this.q;
    Object.assign(this, { q: cache.q });
  }
}

function storeMutant(name: string, description: string, Kind: new (db: SqlDriver, options: StoreOptions) => Store): Mutant {
  return { name, description, store: (db, options) => new Kind(db, options) };
}

export const MUTANTS: readonly Mutant[] = [
  storeMutant("unfenced-completion", "activity completion without the lease-token check: a stale attempt's late result is recorded as well", UnfencedCompletionStore),
  storeMutant("delete-before-record", "the activity task is deleted in one transaction and its result recorded in another: a crash or lost reply in between loses the step", DeleteBeforeRecordStore),
  { name: "effects-per-attempt", description: "activities key their external effects per attempt instead of per step, so a retry after the effect applies it again", activityKeyMode: "attempt" },
  storeMutant("lost-child-result", "a child's close is never delivered to its parent (the delivery task fires and appends nothing): a parent awaiting it waits for ever", LostChildResultStore),
  storeMutant("ignored-parent-close", "a parent's close policy is never applied (the task that should terminate or cancel its child fires and does nothing): children outlive their parent", IgnoredParentCloseStore),
  storeMutant("reapplied-update", "a retried update is not recognised as the request already delivered (its duplicate check never matches): it is appended, validated and applied again", ReappliedUpdateStore),
  storeMutant("crossed-update-answer", "an update's caller is answered from the wrong update (the outcome lookup ignores the update id): it is told another update's result or rejection", CrossedUpdateAnswerStore),
  storeMutant("lost-local-marker", "a workflow task's decisions are written without their local activity markers: the step ran, its outcome is not in history, and replay must run it again", LostLocalMarkerStore),
  storeMutant("separate-transaction-start", "a transactional start commits the run in its own transaction, not the application's: an order rolled back keeps its workflow", SeparateTransactionStartStore),
  storeMutant("lost-patch-marker", "a workflow task's decisions are written without their patch markers (ctx.patched): a run that took the new branch replays down the old one", LostPatchMarkerStore),
  storeMutant("started-activity-timeout", "a schedule-to-start timeout fails its activity even after an attempt started (the timer's delete ignores the attempt): a step that ran, or called its service, is reported never started", StartedActivityTimeoutStore),
  storeMutant("uninherited-fairness-key", "a child workflow's run is written without its parent's fairness key (the insert drops the key of any run with a parent): the tenant's children compete as unkeyed work", UninheritedFairnessKeyStore),
  storeMutant("unindexed-continued-run", "a continue-as-new's run is written without the search attributes the workflow carries: list() by attribute misses it, and lists it without them, until its own code sets them again", UnindexedContinuedRunStore),
  storeMutant("retention-ignores-open", "history retention's hold check ignores open runs (neither a running run nor its pending tasks hold a window back): a window whose runs are still going is dropped, the runs with it", RetentionIgnoresOpenStore),
  storeMutant("lost-continuation", "continue-as-new closes the run but never starts the run its last event names: the workflow ends nowhere", LostContinuationStore),
  {
    name: "first-namespace-statements",
    description:
      "a store's statements are cached per process, keyed by nothing: the second namespace's client and worker run the first namespace's statements on its tables (its starts find or make runs there, its worker claims the first's tasks)",
    storesPerRun: () => {
      const cache: { q?: Queries } = {};
      return (db, options) => new FirstNamespaceStatementsStore(db, options, cache);
    },
  },
  storeMutant("static-lease-token", "claims do not advance the lease token (no fencing epoch): a re-claimed task carries the same token", StaticLeaseTokenStore),
  // BUG: a round reads no running workflows, so every fire starts at once whatever the overlap policy.
  scheduleStatementMutant(
    "schedule-overlap-ignored",
    "a schedule's round does not see the workflows it started still running: every fire starts at once, under skip and buffer policies too",
    "runningOfSchedule",
    "AND status = 'running'",
    "AND status = 'running' AND false",
  ),
  // BUG: a round that takes the last waiting fire off the buffer does not write the empty buffer.
  scheduleStatementMutant(
    "schedule-buffer-not-drained",
    "a round that starts the last fire waiting in a schedule's buffer leaves it there: when that workflow closes, the same fire starts again",
    "recordRound",
    "buffered = $3::jsonb",
    "buffered = CASE WHEN $3::jsonb = '[]'::jsonb THEN buffered ELSE $3::jsonb END",
  ),
  // BUG: a scheduled run's close never makes its schedule's task due.
  scheduleStatementMutant(
    "lost-schedule-wake",
    "a scheduled workflow's close does not wake its schedule: a fire waiting for it starts only at the next fire time, or never after the last",
    "wakeSchedules",
    "FROM woken WHERE NOT paused AND waiting > 0",
    "FROM woken WHERE false",
  ),
];

export function findMutant(name: string): Mutant | undefined {
  return MUTANTS.find((m) => m.name === name);
}
