/**
 * Running local activities (ctx.localActivity) for a workflow task, in this
 * worker's process: the registered activity function, attempt after attempt
 * with the retry policy's backoff, each attempt bounded by its timeout (its
 * signal aborts), no attempt starting past LOCAL_ACTIVITY_BUDGET_MS. The
 * outcome goes back to the workflow code and is recorded as a marker with
 * the task's decisions (replay.ts); nothing is written meanwhile.
 */
import { InvalidArgumentError, TimeoutError, UnknownTypeError, toFailureInfo, type FailureInfo } from "../errors.ts";
import { LOCAL_ACTIVITY_BUDGET_MS } from "../limits.ts";
import { encodePayload } from "../payload.ts";
import { retryDecision, retryDelayMs } from "../workflow/options.ts";
import type { LocalActivityExecutor } from "../workflow/replay.ts";
import type { LocalActivityRequest, LocalOutcome } from "../workflow/runtime.ts";
import { isTransactional, type ActivityContext } from "../workflow/types.ts";
import type { Worker } from "./worker.ts";

export function localActivityExecutor(worker: Worker, run: { workflowId: string; runId: string }): LocalActivityExecutor {
  return (requests) => Promise.all(requests.map((request) => runLocalActivity(worker, run, request)));
}

async function runLocalActivity(worker: Worker, run: { workflowId: string; runId: string }, request: LocalActivityRequest): Promise<LocalOutcome> {
  const definition = worker.activities[request.activityType];
  if (!definition || isTransactional(definition)) {
    const known = Object.keys(worker.activities).sort().join(", ");
    const error = definition
      ? new InvalidArgumentError(`activity ${request.activityType} is transactional: it cannot run as a local activity`, { activityType: request.activityType })
      : new UnknownTypeError("UNKNOWN_ACTIVITY_TYPE", `local activity type "${request.activityType}" is not registered on worker ${worker.identity} (registered: ${known || "none"})`, {
          activityType: request.activityType,
        });
    return { attempt: 0, failure: { ...toFailureInfo(error), nonRetryable: true } };
  }
  const startedMs = worker.clock.now();
  for (let attempt = 1; ; attempt++) {
    const failure = await attemptOnce(worker, run, request, definition, attempt, startedMs);
    if (typeof failure === "string") return { attempt, resultJson: failure };
    const decision = retryDecision(request.options.retry, attempt, failure);
    const delayMs = retryDelayMs(request.options.retry, attempt);
    if (!decision.retry || worker.clock.now() + delayMs - startedMs > LOCAL_ACTIVITY_BUDGET_MS || worker.killed) return { attempt, failure };
    await worker.clock.sleep(delayMs);
  }
}

/** One attempt: its result as JSON text, or its failure. */
async function attemptOnce(
  worker: Worker,
  run: { workflowId: string; runId: string },
  request: LocalActivityRequest,
  fn: (input: unknown, ctx: ActivityContext) => Promise<unknown>,
  attempt: number,
  scheduledAtMs: number,
): Promise<string | FailureInfo> {
  const abort = new AbortController();
  const timer = new AbortController();
  const context: ActivityContext = {
    activityType: request.activityType,
    idempotencyKey: `${run.runId}:${request.seq}`,
    attempt,
    workerId: worker.identity,
    workflowId: run.workflowId,
    runId: run.runId,
    seq: request.seq,
    scheduledAtMs,
    heartbeatDetails: undefined,
    signal: abort.signal,
    // Nothing to extend: the workflow task's lease covers the attempt.
    heartbeat: async () => {},
  };
  const timeout = worker.clock.sleep(request.options.startToCloseTimeoutMs, timer.signal).then(
    () => "timeout" as const,
    () => "done" as const,
  );
  try {
    const outcome = await Promise.race([Promise.resolve().then(() => fn(request.input, context)).then((value) => ({ value })), timeout]);
    if (outcome === "timeout" || outcome === "done") {
      const error = new TimeoutError("startToClose", `local activity ${request.activityType} attempt ${attempt} did not finish within ${request.options.startToCloseTimeoutMs} ms`);
      abort.abort(error);
      return toFailureInfo(error);
    }
    return encodePayload(outcome.value, `result of local activity ${request.activityType}`);
  } catch (err) {
    return toFailureInfo(err);
  } finally {
    timer.abort();
  }
}
