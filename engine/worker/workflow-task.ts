/**
 * Running a workflow task: load the run and its history, replay the
 * workflow code over it, and record the new decisions (or the task's
 * failure) in one transaction fenced by the task's lease and the run's
 * version.
 */
import { LeaseLostError, UnknownTypeError, toFailureInfo } from "../errors.ts";
import type { ClaimedTask } from "../store/store.ts";
import { replayWorkflowTask } from "../workflow/replay.ts";
import { withDatabaseRetry, type Running, type Worker } from "./worker.ts";

export async function runWorkflowTask(worker: Worker, task: ClaimedTask, running: Running): Promise<void> {
  const nowMs = worker.clock.now();
  const cached = worker.historyCache.get(task.runId);
  const loaded = await worker.runLoads.submit({ runId: task.runId, after: cached?.length ?? 0 });
  if (!loaded) return;
  const { run } = loaded;
  let history = cached ? cached.concat(loaded.events) : loaded.events;
  if (history.length !== run.nextEventId - 1 || history.some((e, i) => e.eventId !== i + 1)) {
    // Not the contiguous history the run row says it has (should not happen): drop the cache and read it whole.
    worker.historyCache.delete(task.runId);
    const whole = await worker.runLoads.submit({ runId: task.runId, after: 0 });
    if (!whole) return;
    history = whole.events;
  }
  if (run.status === "running") worker.historyCache.set(task.runId, history);
  else worker.historyCache.delete(task.runId);
  const ref = { taskId: task.taskId, leaseToken: task.leaseToken, runId: task.runId, nowMs, workerId: worker.identity, attempt: task.attempt };
  try {
    if (run.status !== "running") {
      // Closed while the task waited: completing with no commands drops the task.
      await worker.store.completeWorkflowTask({ ...ref, expectedVersion: run.version, processedUpTo: run.nextEventId - 1, commands: [] });
      return;
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
      return;
    }
    const outcome = await replayWorkflowTask({
      info: { workflowId: run.workflowId, runId: run.runId, workflowType: run.workflowType, taskQueue: run.taskQueue },
      fn,
      history,
      nowMs,
      ...(worker.knownActivityTypes ? { knownActivityTypes: worker.knownActivityTypes } : {}),
      logger: worker.logger,
      ...(worker.settle ? { settle: worker.settle } : {}),
    });
    if (outcome.kind === "taskFailed") {
      worker.logger.log("error", `workflow task failed: ${outcome.error.message}`, { workflowId: run.workflowId, runId: run.runId, code: outcome.error.code });
      await recordFailure(worker, task, running, ref, toFailureInfo(outcome.error));
      return;
    }
    await worker.faultHook?.("workflowTask.beforeComplete", worker.faultContext(task));
    if (running.settled) return;
    const recorded = await worker.decisions.submit({ ...ref, expectedVersion: run.version, processedUpTo: outcome.processedUpTo, commands: outcome.commands });
    if (recorded === "stale") throw new LeaseLostError(task.taskId, task.leaseToken);
    worker.stats.workflowTasksCompleted += 1;
    worker.observer?.({ type: "workflowTaskCompleted", taskId: task.taskId, runId: task.runId, commands: outcome.commands.length });
  } catch (err) {
    if (err instanceof LeaseLostError) return worker.noteLeaseLost(task);
    throw err;
  }
}

async function recordFailure(
  worker: Worker,
  task: ClaimedTask,
  running: Running,
  ref: { taskId: number; leaseToken: number; runId: string; nowMs: number; workerId: string; attempt: number },
  failure: ReturnType<typeof toFailureInfo>,
): Promise<void> {
  if (running.settled) return;
  await withDatabaseRetry(worker, "recording a workflow task failure", () => worker.store.failWorkflowTask({ ...ref, failure }));
  worker.stats.workflowTasksFailed += 1;
  worker.observer?.({ type: "workflowTaskFailed", taskId: task.taskId, runId: task.runId, failure });
}
