/**
 * Firing a due durable timer: TimerFired appended and a workflow task
 * ensured, in one transaction fenced by the timer task's lease. Timer tasks
 * also carry deliveries between a parent and its children (Store.fireTimer).
 */
import { LeaseLostError } from "../errors.ts";
import type { ClaimedTask } from "../store/store.ts";
import { withDatabaseRetry, type Running, type Worker } from "./worker.ts";

export async function runTimerTask(worker: Worker, task: ClaimedTask, running: Running): Promise<void> {
  await worker.faultHook?.("timer.beforeFire", worker.faultContext(task));
  if (running.settled) return;
  try {
    await withDatabaseRetry(worker, "firing a timer", () => worker.store.fireTimer(task.taskId, task.leaseToken, task.runId, task.seq, worker.clock.now(), task.spec, worker.random));
    worker.stats.timersFired += 1;
    worker.observer?.({ type: "timerFired", taskId: task.taskId, runId: task.runId, seq: task.seq });
  } catch (err) {
    if (err instanceof LeaseLostError) return worker.noteLeaseLost(task);
    throw err;
  }
}
