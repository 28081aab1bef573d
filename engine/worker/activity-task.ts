/**
 * Running one activity attempt.
 *
 * Delivery is at least once: a claimed attempt that crashes is claimed again
 * when its lease expires. The result is recorded exactly once: completion
 * deletes the task only if this attempt's lease token is still current. The
 * attempt gets an idempotency key stable across retries (`runId:seq`) so a
 * downstream service can make its effect exactly once; a transactional
 * activity's SQL commits in the very transaction that records its result.
 *
 * Timeouts are enforced twice: by the lease in the database (the truth: an
 * expired attempt is re-claimed by anyone) and here, by a watchdog that
 * aborts the attempt's signal and reports a timeout failure at once instead
 * of waiting for the lease to run out.
 */
import {
  CancelledError,
  LeaseLostError,
  TimeoutError,
  UnknownTypeError,
  WorkerStoppedError,
  toFailureInfo,
  type FailureInfo,
  type TimeoutType,
} from "../errors.ts";
import { encodePayload } from "../payload.ts";
import type { ActivityTaskRef, ClaimedTask } from "../store/store.ts";
import { retryDecision, retryDelayMs, type ResolvedActivityOptions } from "../workflow/options.ts";
import { isTransactional, type ActivityContext } from "../workflow/types.ts";
import { withDatabaseRetry, type Running, type Worker } from "./worker.ts";
import type { DeadlineEntry } from "./deadlines.ts";
import { recordInline } from "./workflow-task.ts";

interface ActivitySpec {
  activityType: string;
  workflowId: string;
  input: unknown;
  options: ResolvedActivityOptions;
}

export async function runActivityTask(worker: Worker, task: ClaimedTask, running: Running): Promise<void> {
  const spec = task.spec as ActivitySpec;
  const startedMs = worker.clock.now();
  const ref = (nowMs: number): ActivityTaskRef => ({
    taskId: task.taskId,
    queue: task.queue,
    leaseToken: task.leaseToken,
    runId: task.runId,
    seq: task.seq,
    attempt: task.attempt,
    nowMs,
  });

  try {
    // Timeouts that passed while no attempt was running are settled before running anything.
    if (task.scheduleDeadlineMs !== null && startedMs >= task.scheduleDeadlineMs) {
      const failure = toFailureInfo(new TimeoutError("scheduleToClose", `activity ${spec.activityType} exceeded its schedule-to-close timeout of ${spec.options.scheduleToCloseTimeoutMs} ms`));
      return await recordFinalFailure(worker, task, running, { ...ref(startedMs), attempt: Math.max(1, task.attempt - 1) }, failure);
    }
    if (task.maxAttempts > 0 && task.attempt > task.maxAttempts) {
      const kind: TimeoutType = spec.options.heartbeatTimeoutMs !== null ? "heartbeat" : "startToClose";
      const failure = toFailureInfo(
        new TimeoutError(kind, `activity ${spec.activityType} attempt ${task.attempt - 1} did not finish within its lease (${describeTimeouts(spec.options)}), and it was the last of ${task.maxAttempts}`),
      );
      return await recordFinalFailure(worker, task, running, { ...ref(startedMs), attempt: task.attempt - 1 }, failure);
    }

    const definition = worker.activities[spec.activityType];
    if (!definition) {
      const known = Object.keys(worker.activities).sort().join(", ");
      const error = new UnknownTypeError("UNKNOWN_ACTIVITY_TYPE", `activity type "${spec.activityType}" is not registered on worker ${worker.identity} (registered: ${known || "none"})`, {
        activityType: spec.activityType,
        taskQueue: task.queue,
      });
      return await recordAttemptFailure(worker, task, running, spec, ref(startedMs), toFailureInfo(error));
    }

    await worker.faultHook?.("activity.beforeRun", worker.faultContext(task, spec.activityType));
    const watchdog = new Watchdog(worker, task, spec, running);
    const context: ActivityContext = {
      activityType: spec.activityType,
      idempotencyKey: `${task.runId}:${task.seq}`,
      attempt: task.attempt,
      workerId: worker.identity,
      workflowId: spec.workflowId,
      runId: task.runId,
      seq: task.seq,
      scheduledAtMs: task.scheduledAtMs,
      heartbeatDetails: task.heartbeatDetails ?? undefined,
      get signal() {
        return running.abort.signal;
      },
      heartbeat: async (details?: unknown) => {
        if (running.settled) throw running.abort.signal.reason ?? new LeaseLostError(task.taskId, task.leaseToken);
        const detailsJson = details === undefined ? null : encodePayload(details, `heartbeat details of activity ${spec.activityType}`);
        try {
          const expiresAtMs = await worker.store.heartbeatActivityTask(task.taskId, task.leaseToken, worker.clock.now(), detailsJson, { runId: task.runId, seq: task.seq });
          watchdog.extend(expiresAtMs);
        } catch (err) {
          // Lost for good (CancelledError: the workflow cancelled it, or its run closed) or to another attempt.
          if (err instanceof LeaseLostError || err instanceof CancelledError) {
            running.settled = true;
            running.abort.abort(err);
          }
          throw err;
        }
      },
    };

    const input = spec.input;
    watchdog.start();
    try {
      if (isTransactional(definition)) {
        await withDatabaseRetry(worker, "recording a transactional activity", () =>
          worker.store.completeActivityTask(ref(worker.clock.now()), async (tx) => {
            const result = await definition.run(tx, input, context);
            if (running.settled) throw running.abort.signal.reason ?? new LeaseLostError(task.taskId, task.leaseToken);
            await worker.faultHook?.("activity.afterRun", worker.faultContext(task, spec.activityType));
            return encodeResult(result, spec.activityType);
          }),
        );
      } else {
        const result = await definition(input, context);
        if (running.settled) return; // timed out, lost or stopped meanwhile: this result is not ours to record
        await worker.faultHook?.("activity.afterRun", worker.faultContext(task, spec.activityType));
        const resultJson = encodeResult(result, spec.activityType);
        if (running.settled) return;
        const at = ref(worker.clock.now());
        const inline = worker.inlineDecisions ? await recordInline(worker, at, resultJson, running) : "notInlined";
        if (inline === "settled") return;
        const outcome = inline === "notInlined" ? await worker.activityResults.submit({ ...at, resultJson }) : inline;
        if (outcome === "stale") throw new LeaseLostError(task.taskId, task.leaseToken);
      }
      running.settled = true;
      worker.stats.activitiesCompleted += 1;
      worker.observer?.({
        type: "activityCompleted",
        taskId: task.taskId,
        runId: task.runId,
        seq: task.seq,
        attempt: task.attempt,
        leaseToken: task.leaseToken,
        activityType: spec.activityType,
        workflowId: spec.workflowId,
      });
    } catch (err) {
      if (err instanceof LeaseLostError) throw err;
      if (err instanceof WorkerStoppedError || (err as Error)?.name === "AbandonTask") throw err;
      if (running.settled) return;
      await recordAttemptFailure(worker, task, running, spec, ref(worker.clock.now()), toFailureInfo(err));
    } finally {
      // If the watchdog already fired, wait for it to finish recording the timeout.
      await watchdog.stop();
    }
  } catch (err) {
    if (err instanceof LeaseLostError) return worker.noteLeaseLost(task);
    throw err;
  }
}

function encodeResult(result: unknown, activityType: string): string {
  // A PayloadError here is made non-retryable in recordAttemptFailure: the same code would produce it again.
  return encodePayload(result, `result of activity ${activityType}`);
}

/** A failed attempt: retry per the policy, or record the activity's final failure. */
async function recordAttemptFailure(worker: Worker, task: ClaimedTask, running: Running, spec: ActivitySpec, ref: ActivityTaskRef, failure: FailureInfo): Promise<void> {
  if (running.settled) return;
  running.settled = true;
  if (failure.code === "PAYLOAD_TOO_LARGE" || failure.code === "PAYLOAD_NOT_SERIALIZABLE") failure.nonRetryable = true;
  const decision = retryDecision(spec.options.retry, task.attempt, failure);
  const retryAtMs = ref.nowMs + retryDelayMs(spec.options.retry, task.attempt);
  const pastDeadline = task.scheduleDeadlineMs !== null && retryAtMs >= task.scheduleDeadlineMs;
  if (decision.retry && !pastDeadline) {
    await withDatabaseRetry(worker, "scheduling an activity retry", () => worker.store.retryActivityTask(ref, failure, retryAtMs));
    worker.stats.activityRetries += 1;
    worker.observer?.({ type: "activityFailed", taskId: task.taskId, runId: task.runId, seq: task.seq, attempt: task.attempt, final: false, failure, activityType: spec.activityType, workflowId: spec.workflowId });
    return;
  }
  await recordFinalFailure(worker, task, running, ref, failure, true);
}

async function recordFinalFailure(
  worker: Worker,
  task: ClaimedTask,
  running: Running,
  ref: ActivityTaskRef,
  failure: FailureInfo,
  alreadySettled = false,
): Promise<void> {
  const spec = task.spec as ActivitySpec;
  if (running.settled && !alreadySettled) return;
  running.settled = true;
  await withDatabaseRetry(worker, "recording an activity failure", () => worker.store.failActivityTask(ref, failure));
  worker.stats.activitiesFailed += 1;
  worker.observer?.({ type: "activityFailed", taskId: task.taskId, runId: task.runId, seq: task.seq, attempt: ref.attempt, final: true, failure, activityType: spec.activityType, workflowId: spec.workflowId });
}

function describeTimeouts(o: ResolvedActivityOptions): string {
  const parts = [`start-to-close ${o.startToCloseTimeoutMs} ms`];
  if (o.heartbeatTimeoutMs !== null) parts.push(`heartbeat ${o.heartbeatTimeoutMs} ms`);
  return parts.join(", ");
}

/**
 * Aborts an attempt that outlives its deadline: the start-to-close timeout,
 * the heartbeat timeout since the last heartbeat, and the schedule-to-close
 * deadline. It then reports a TIMEOUT failure through the retry policy.
 */
class Watchdog implements DeadlineEntry {
  private fired: Promise<void> = Promise.resolve();
  deadlineMs: number;
  private readonly hardDeadlineMs: number;

  constructor(
    private readonly worker: Worker,
    private readonly task: ClaimedTask,
    private readonly spec: ActivitySpec,
    private readonly running: Running,
  ) {
    const startToCloseMs = task.claimedAtMs + spec.options.startToCloseTimeoutMs;
    this.hardDeadlineMs = task.scheduleDeadlineMs === null ? startToCloseMs : Math.min(startToCloseMs, task.scheduleDeadlineMs);
    this.deadlineMs = Math.min(task.leaseExpiresAtMs, this.hardDeadlineMs);
  }

  extend(leaseExpiresAtMs: number): void {
    this.deadlineMs = Math.min(leaseExpiresAtMs, this.hardDeadlineMs);
    this.worker.deadlines.moved(this);
  }

  /** Watch from now on: the worker's deadline loop calls fire() when the deadline passes. */
  start(): void {
    this.worker.deadlines.add(this);
  }

  /** Stop watching; if the deadline already fired, resolves once the timeout is recorded. */
  stop(): Promise<void> {
    this.worker.deadlines.delete(this);
    return this.fired;
  }

  fire(): void {
    if (this.running.settled) return;
    this.fired = this.timeOut();
  }

  private async timeOut(): Promise<void> {
    const { task, spec } = this;
    const now = this.worker.clock.now();
    const type: TimeoutType =
      task.scheduleDeadlineMs !== null && now >= task.scheduleDeadlineMs
        ? "scheduleToClose"
        : this.deadlineMs < this.hardDeadlineMs
          ? "heartbeat"
          : "startToClose";
    const error = new TimeoutError(type, `activity ${spec.activityType} attempt ${task.attempt} timed out (${type}; ${describeTimeouts(spec.options)})`);
    this.running.abort.abort(error);
    try {
      const ref: ActivityTaskRef = { taskId: task.taskId, queue: task.queue, leaseToken: task.leaseToken, runId: task.runId, seq: task.seq, attempt: task.attempt, nowMs: now };
      if (type === "scheduleToClose") await recordFinalFailure(this.worker, task, this.running, ref, toFailureInfo(error));
      else await recordAttemptFailure(this.worker, task, this.running, spec, ref, toFailureInfo(error));
    } catch (err) {
      if (err instanceof LeaseLostError) this.worker.noteLeaseLost(task);
      else if (!(err instanceof WorkerStoppedError)) this.worker.logger.log("warn", "could not record an activity timeout; the lease will expire", { taskId: task.taskId, error: (err as Error).message });
    }
  }
}
