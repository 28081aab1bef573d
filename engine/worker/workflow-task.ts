/**
 * Running a workflow task: load the run and its history, replay the
 * workflow code over it, and record the new decisions (or the task's
 * failure) in one transaction fenced by the task's lease and the run's
 * version.
 */
import { LeaseLostError, UnknownTypeError, toFailureInfo, type RatchetError } from "../errors.ts";
import type { HistoryEvent } from "../history/events.ts";
import type { ActivityTaskRef, ClaimedTask, RunRecord } from "../store/store.ts";
import { eventsRecorded, isTerminal } from "../workflow/commands.ts";
import { replayWorkflowTask, type ReplayOutcome, type WorkflowExecution } from "../workflow/replay.ts";
import { localActivityExecutor } from "./local-activity.ts";
import { withDatabaseRetry, type Running, type Worker } from "./worker.ts";

export async function runWorkflowTask(worker: Worker, task: ClaimedTask, running: Running): Promise<void> {
  const nowMs = worker.clock.now();
  const ref = { taskId: task.taskId, leaseToken: task.leaseToken, runId: task.runId, nowMs, workerId: worker.identity, attempt: task.attempt };
  try {
    const decided = await decide(worker, task, running, ref);
    if (!decided) return;
    const { outcome, run } = decided;
    await worker.faultHook?.("workflowTask.beforeComplete", worker.faultContext(task));
    if (running.settled) return;
    const recorded = await worker.decisions.submit({ ...ref, expectedVersion: run.version, processedUpTo: outcome.processedUpTo, commands: outcome.commands });
    if (recorded === "stale") throw new LeaseLostError(task.taskId, task.leaseToken);
    // Keep the live execution for the run's next task, unless it ended.
    if (recorded === "ok" && !outcome.execution.finished && !outcome.commands.some(isTerminal)) {
      worker.executions.set(task.runId, { execution: outcome.execution, version: run.version + 1, nextEventId: run.nextEventId + 1 + eventsRecorded(outcome.commands) });
    }
    worker.stats.workflowTasksCompleted += 1;
    worker.observer?.({ type: "workflowTaskCompleted", taskId: task.taskId, runId: task.runId, commands: outcome.commands.length });
  } catch (err) {
    if (err instanceof LeaseLostError) return worker.noteLeaseLost(task);
    throw err;
  }
}

/**
 * A live execution kept for the run's next task, with where its last
 * decisions left the run: the version they produced and the id of the next
 * event (WorkflowTaskCompleted and one event per command came after the
 * history it was given). If anything else was recorded since, the run is
 * not there any more.
 */
export interface StickyExecution {
  execution: WorkflowExecution;
  version: number;
  nextEventId: number;
}

/**
 * Inline decisions (WorkerOptions.inlineDecisions): one of the run's
 * activities finished here and this worker holds the run's live execution,
 * so deliver the result to it now — as the ActivityCompleted event the
 * result will be, at the id it will have if nothing else comes first — and
 * record result and decisions in one transaction. "notInlined": no
 * execution here (or the workflow code failed on the result, which its
 * workflow task will replay and report), so record the result the ordinary
 * way; "settled": the attempt was settled meanwhile (timed out, stopped),
 * record nothing; "recorded" and "stale" as for a result.
 */
export async function recordInline(worker: Worker, ref: ActivityTaskRef, resultJson: string, running: Running): Promise<"recorded" | "stale" | "settled" | "notInlined"> {
  const sticky = worker.executions.take(ref.runId);
  if (!sticky) return "notInlined";
  const event = {
    eventId: sticky.nextEventId,
    type: "ActivityCompleted",
    atMs: ref.nowMs,
    // What parsing activityCompletedData's text gives, without writing it first.
    data: { seq: ref.seq, attempt: ref.attempt, result: JSON.parse(resultJson) as unknown },
  } as HistoryEvent;
  const info = sticky.execution.runtime.info;
  const outcome = await sticky.execution.continueWith([event], ref.nowMs, localActivityExecutor(worker, info));
  if (outcome.kind !== "decided") return "notInlined";
  if (running.settled) return "settled";
  const recorded = await worker.inlineSteps.submit({
    ...ref,
    resultJson,
    expectedVersion: sticky.version,
    expectedNextEventId: sticky.nextEventId,
    commands: outcome.commands,
    workerId: worker.identity,
  });
  if (recorded === "stale") return "stale";
  // "resolved": the run had moved on, so these decisions were dropped and the execution, ahead of the history, goes with them.
  if (recorded === "inlined") {
    worker.stats.decisionsInlined += 1;
    worker.observer?.({ type: "decisionsInlined", taskId: ref.taskId, runId: ref.runId, seq: ref.seq, commands: outcome.commands.length });
    if (!outcome.execution.finished && !outcome.commands.some(isTerminal)) {
      worker.executions.set(ref.runId, { execution: outcome.execution, version: sticky.version + 1, nextEventId: sticky.nextEventId + 2 + eventsRecorded(outcome.commands) });
    }
  }
  return "recorded";
}

type Ref = { taskId: number; leaseToken: number; runId: string; nowMs: number; workerId: string; attempt: number };

/**
 * Load what the task needs and run the workflow code: the new events only,
 * into the execution this worker kept from the run's last task, when that
 * is sound (the run's version is the one its decisions produced, and
 * nothing but resolutions and those decisions came since); otherwise the
 * history (the cached prefix plus what came after it) replayed from the
 * start. Returns undefined when the task needed no decisions (it was
 * dropped, or its failure recorded).
 */
async function decide(worker: Worker, task: ClaimedTask, running: Running, ref: Ref): Promise<{ outcome: Extract<ReplayOutcome, { kind: "decided" }>; run: RunRecord } | undefined> {
  const sticky = worker.executions.take(task.runId);
  if (sticky) {
    const loaded = await worker.runLoads.submit({ runId: task.runId, after: sticky.execution.processedUpTo });
    if (!loaded) return undefined;
    const onlyResolutionsAndOurs = loaded.events.every((e) => e.type !== "WorkflowTaskFailed" && (e.type !== "WorkflowTaskCompleted" || e.data.workerId === worker.identity));
    if (loaded.run.status === "running" && loaded.run.version === sticky.version && onlyResolutionsAndOurs && loaded.events.length > 0) {
      const outcome = await sticky.execution.continueWith(loaded.events, ref.nowMs, localActivityExecutor(worker, loaded.run));
      if (outcome.kind === "decided") return { outcome, run: loaded.run };
      await failTask(worker, task, running, ref, loaded.run, outcome.error);
      return undefined;
    }
  }
  const cached = worker.historyCache.get(task.runId);
  const loaded = await worker.runLoads.submit({ runId: task.runId, after: cached?.length ?? 0 });
  if (!loaded) return undefined;
  const { run } = loaded;
  let history = cached ? cached.concat(loaded.events) : loaded.events;
  if (history.length !== run.nextEventId - 1 || history.some((e, i) => e.eventId !== i + 1)) {
    // Not the contiguous history the run row says it has (should not happen): drop the cache and read it whole.
    worker.historyCache.delete(task.runId);
    const whole = await worker.runLoads.submit({ runId: task.runId, after: 0 });
    if (!whole) return undefined;
    history = whole.events;
  }
  if (run.status === "running") worker.historyCache.set(task.runId, history);
  else worker.historyCache.delete(task.runId);
  if (run.status !== "running") {
    // Closed while the task waited: completing with no commands drops the task.
    await worker.store.completeWorkflowTask({ ...ref, expectedVersion: run.version, processedUpTo: run.nextEventId - 1, commands: [] });
    return undefined;
  }
  const fn = worker.workflows[run.workflowType];
  if (!fn) {
    const known = Object.keys(worker.workflows).sort().join(", ");
    const error = new UnknownTypeError("UNKNOWN_WORKFLOW_TYPE", `workflow type "${run.workflowType}" is not registered on this worker (registered: ${known || "none"})`, {
      workflowType: run.workflowType,
      workflowId: run.workflowId,
      runId: run.runId,
      worker: worker.identity,
    });
    await recordFailure(worker, task, running, ref, toFailureInfo(error));
    return undefined;
  }
  const outcome = await replayWorkflowTask({
    info: { workflowId: run.workflowId, runId: run.runId, workflowType: run.workflowType, taskQueue: run.taskQueue },
    fn,
    history,
    nowMs: ref.nowMs,
    ...(worker.knownActivityTypes ? { knownActivityTypes: worker.knownActivityTypes } : {}),
    logger: worker.logger,
    ...(worker.settle ? { settle: worker.settle } : {}),
    runLocalActivities: localActivityExecutor(worker, run),
  });
  if (outcome.kind === "taskFailed") {
    await failTask(worker, task, running, ref, run, outcome.error);
    return undefined;
  }
  return { outcome, run };
}

async function failTask(worker: Worker, task: ClaimedTask, running: Running, ref: Ref, run: RunRecord, error: RatchetError): Promise<void> {
  worker.logger.log("error", `workflow task failed: ${error.message}`, { workflowId: run.workflowId, runId: run.runId, code: error.code });
  await recordFailure(worker, task, running, ref, toFailureInfo(error));
}

async function recordFailure(
  worker: Worker,
  task: ClaimedTask,
  running: Running,
  ref: Ref,
  failure: ReturnType<typeof toFailureInfo>,
): Promise<void> {
  if (running.settled) return;
  await withDatabaseRetry(worker, "recording a workflow task failure", () => worker.store.failWorkflowTask({ ...ref, failure }));
  worker.stats.workflowTasksFailed += 1;
  worker.observer?.({ type: "workflowTaskFailed", taskId: task.taskId, runId: task.runId, failure });
}
