/**
 * The database micro-benchmarks: single Store transitions, each timed alone,
 * with the state it needs prepared outside the timed part.
 *
 * - round trip (SELECT 1): the baseline every database task is divided by
 *   (roundTripTask; the suite measures it in bursts around each task).
 * - claim N: claimTasks of N visible activity tasks from a queue holding
 *   CLAIM_BACKLOG of them. After each claim the batch is released again
 *   (one untimed UPDATE), so every iteration claims a full batch; a claim
 *   that leases fewer than N fails the run.
 * - complete activity: completeActivityTask of a task claimed just before.
 *   The run's pending workflow task is deleted first, so every completion
 *   inserts one, as in a sequential workflow (in a fan-out, later completions
 *   fold into the pending one instead, which is a little cheaper).
 * - start workflow: startWorkflow of a new workflow id.
 * - append event: signalWorkflow (lock the running run, append one
 *   resolution event, ensure its workflow task), moving to a fresh workflow
 *   every SIGNALS_PER_RUN signals so no history grows long.
 * - complete workflow task: completeWorkflowTask scheduling one activity,
 *   for a run started and whose first workflow task was claimed just before.
 *
 * Time is the wall clock (Date.now()): claims compare it with visible_at_ms.
 */
import { assert } from "../../engine/assert.ts";
import { CryptoRandom } from "../../engine/ports/crypto-random.ts";
import { uuidV7 } from "../../engine/ports/random.ts";
import { Queries } from "../../engine/store/queries.ts";
import type { ClaimedTask } from "../../engine/store/store.ts";
import { CLAIM_BATCH_MAX } from "../../engine/limits.ts";
import { resolveActivityOptions } from "../../engine/workflow/options.ts";
import type { Command } from "../../engine/workflow/commands.ts";
import type { MicroDatabase } from "./database.ts";
import type { MicroTaskSpec } from "./task-spec.ts";

/** Visible activity tasks waiting in each claim queue (a modest backlog, not an empty queue). */
export const CLAIM_BACKLOG = 1_000;
export const CLAIM_BATCH_SIZES = [1, 10, 100] as const;
/** Activities per fan-out that fills the complete-activity queue; refilled when it runs dry. */
const COMPLETE_POOL = 1_000;
/** Signals appended to one run before the benchmark moves to a fresh one. */
const SIGNALS_PER_RUN = 1_000;
/** Start-to-close of the benchmark's activities: longer than any run, so no lease expires mid-suite. */
const ACTIVITY_LEASE_MS = 10 * 60 * 1000;
const WORKER_ID = "micro";

export interface StoreTaskOptions {
  /** Told how many tasks each timed claim leased (tests check it equals the batch size). */
  onClaim?: (taskName: string, claimed: number) => void;
}

/** The baseline: one prepared statement's round trip through the same driver and connection the Store uses. */
export function roundTripTask(database: MicroDatabase): MicroTaskSpec {
  const select1 = { text: "SELECT 1", values: [], name: `rt_${database.schema}_micro_select_1` };
  return { name: "round trip (SELECT 1)", usesDatabase: true, fn: () => database.db.query(select1) };
}

/** The Store transitions, in the order the suite runs them. */
export function storeTasks(database: MicroDatabase, options: StoreTaskOptions = {}): MicroTaskSpec[] {
  const f = new StoreFixtures(database);
  const tasks: MicroTaskSpec[] = [];

  for (const batch of CLAIM_BATCH_SIZES) {
    const name = `claim ${batch}`;
    const queue = `micro-claim-${batch}`;
    let claimed: ClaimedTask[] = [];
    let filled = false;
    tasks.push({
      name,
      usesDatabase: true,
      fn: async () => {
        claimed = await database.store.claimTasks("activity", queue, batch, Date.now());
        if (claimed.length !== batch) throw new Error(`${name} leased ${claimed.length} tasks, not ${batch}: the queue was not refilled`);
        options.onClaim?.(name, claimed.length);
      },
      hooks: {
        beforeAll: async () => {
          if (filled) return;
          await f.fanOut(queue, CLAIM_BACKLOG);
          filled = true;
        },
        afterEach: async () => {
          await f.release(claimed);
          claimed = [];
        },
      },
    });
  }

  let toComplete: ClaimedTask | undefined;
  tasks.push({
    name: "complete activity",
    usesDatabase: true,
    fn: async () => {
      const t = toComplete!;
      await database.store.completeActivityTask({ taskId: t.taskId, queue: t.queue, leaseToken: t.leaseToken, runId: t.runId, seq: t.seq, attempt: t.attempt, nowMs: Date.now() }, "null");
    },
    hooks: {
      beforeEach: async () => {
        toComplete = await f.claimOneToComplete();
      },
    },
  });

  tasks.push({ name: "start workflow", usesDatabase: true, fn: () => f.start("micro-start") });

  let signalTarget: { workflowId: string; signals: number } | undefined;
  tasks.push({
    name: "append event",
    usesDatabase: true,
    fn: async () => {
      await database.store.signalWorkflow(signalTarget!.workflowId, "micro", "null", Date.now());
      signalTarget!.signals += 1;
    },
    hooks: {
      beforeEach: async () => {
        if (signalTarget && signalTarget.signals < SIGNALS_PER_RUN) return;
        signalTarget = { workflowId: (await f.start("micro-signal")).workflowId, signals: 0 };
      },
    },
  });

  let decision: { task: ClaimedTask; expectedVersion: number; processedUpTo: number } | undefined;
  const decideOptions = resolveActivityOptions({ taskQueue: "micro-decide-activities", startToCloseTimeoutMs: ACTIVITY_LEASE_MS }, "micro-decide");
  tasks.push({
    name: "complete workflow task",
    usesDatabase: true,
    fn: async () => {
      const { task, expectedVersion, processedUpTo } = decision!;
      const command: Command = { type: "ScheduleActivity", seq: 1, activityType: "noop", inputJson: "null", options: decideOptions };
      const outcome = await database.store.completeWorkflowTask({
        taskId: task.taskId,
        leaseToken: task.leaseToken,
        runId: task.runId,
        expectedVersion,
        processedUpTo,
        commands: [command],
        nowMs: Date.now(),
        workerId: WORKER_ID,
      });
      if (outcome !== "ok") throw new Error(`completeWorkflowTask returned ${outcome}`);
    },
    hooks: {
      beforeEach: async () => {
        decision = await f.startAndClaimWorkflowTask("micro-decide");
      },
    },
  });
  return tasks;
}

/** The state the timed operations need, made through the Store's own transitions where it has one. */
class StoreFixtures {
  private readonly random = new CryptoRandom();
  private readonly q: Queries;
  private starts = 0;
  private fanOuts = 0;

  constructor(private readonly database: MicroDatabase) {
    this.q = new Queries(database.schema);
  }

  async start(taskQueue: string): Promise<{ runId: string; workflowId: string }> {
    const nowMs = Date.now();
    const n = ++this.starts;
    const workflowId = `micro-${n}`;
    const { runId, created } = await this.database.store.startWorkflow({
      runId: uuidV7(nowMs, this.random),
      workflowId,
      workflowType: "micro",
      taskQueue,
      inputJson: "null",
      randomSeed: this.random.uuid(),
      nowMs,
      idConflictPolicy: "fail",
    });
    assert(created, `workflow ${workflowId} already existed`);
    return { runId, workflowId };
  }

  /** Start a run on its own workflow queue and claim its first workflow task (so no other run's task is claimed instead). */
  async startAndClaimWorkflowTask(workflowQueue: string): Promise<{ task: ClaimedTask; expectedVersion: number; processedUpTo: number }> {
    const { runId } = await this.start(workflowQueue);
    const [task, ...others] = await this.database.store.claimTasks("workflow", workflowQueue, 1, Date.now());
    assert(task !== undefined && others.length === 0 && task.runId === runId, `claimed ${task?.runId ?? "nothing"} on ${workflowQueue}, not the run just started (${runId})`);
    const run = await this.database.store.getRun(runId);
    assert(run !== null, `run ${runId} vanished`);
    return { task, expectedVersion: run.version, processedUpTo: run.nextEventId - 1 };
  }

  /** A workflow that fans out `count` activities on `activityQueue`: the engine's own path to a full queue. */
  async fanOut(activityQueue: string, count: number): Promise<string> {
    assert(count >= 1 && count <= CLAIM_BATCH_MAX * 10, `fan-out of ${count}`);
    const { task, expectedVersion, processedUpTo } = await this.startAndClaimWorkflowTask(`micro-fanout-${++this.fanOuts}`);
    const options = resolveActivityOptions({ taskQueue: activityQueue, startToCloseTimeoutMs: ACTIVITY_LEASE_MS }, activityQueue);
    const commands: Command[] = Array.from({ length: count }, (_, i) => ({ type: "ScheduleActivity", seq: i + 1, activityType: "noop", inputJson: "null", options }));
    const outcome = await this.database.store.completeWorkflowTask({ taskId: task.taskId, leaseToken: task.leaseToken, runId: task.runId, expectedVersion, processedUpTo, commands, nowMs: Date.now(), workerId: WORKER_ID });
    assert(outcome === "ok", `fan-out workflow task ${outcome}`);
    return task.runId;
  }

  /** Claim one activity to complete (refilling the queue when it is dry), with its run's workflow task removed. */
  async claimOneToComplete(): Promise<ClaimedTask> {
    const queue = "micro-complete";
    let [task] = await this.database.store.claimTasks("activity", queue, 1, Date.now());
    if (!task) {
      await this.fanOut(queue, COMPLETE_POOL);
      [task] = await this.database.store.claimTasks("activity", queue, 1, Date.now());
    }
    assert(task !== undefined, `no activity task on ${queue} after a refill`);
    await this.database.db.query(this.q.deleteRunTask(task.runId, "workflow", 0));
    return task;
  }

  /**
   * Give claimed tasks back, visible now, as if never claimed. One statement
   * for the whole batch (Store.releaseTask is one per task): a bench fixture,
   * not an engine transition, so its SQL lives here.
   */
  async release(tasks: readonly ClaimedTask[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.database.db.query({
      name: `rt_${this.database.schema}_micro_release`,
      text: `UPDATE ${this.q.s}.tasks SET visible_at_ms = $2::bigint, lease_expires_at_ms = NULL, claimed_at_ms = NULL, attempt = 0
             WHERE task_id IN (SELECT value::bigint FROM json_array_elements_text($1::json))`,
      values: [JSON.stringify(tasks.map((t) => t.taskId)), Date.now()],
    });
  }
}
