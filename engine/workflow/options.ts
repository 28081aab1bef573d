/**
 * Activity options and retry policies: the fields and defaults of Temporal's,
 * resolved and validated where a workflow schedules an activity, and recorded
 * in the ActivityScheduled event so retries never depend on code that may
 * have changed since.
 */
import { InvalidArgumentError, type FailureInfo } from "../errors.ts";
import {
  ACTIVITY_START_TO_CLOSE_MS_DEFAULT,
  ATTEMPTS_MAX,
  LEASE_MS_MIN,
  LOCAL_ACTIVITY_ATTEMPTS_DEFAULT,
  LOCAL_ACTIVITY_TIMEOUT_MS_DEFAULT,
  LOCAL_ACTIVITY_TIMEOUT_MS_MAX,
  RETRY_BACKOFF_COEFFICIENT_DEFAULT,
  RETRY_INITIAL_INTERVAL_MS_DEFAULT,
  RETRY_MAXIMUM_INTERVAL_FACTOR_DEFAULT,
  TIMEOUT_MS_MAX,
} from "../limits.ts";
import { checkInteger, checkNumber, checkQueueName } from "../names.ts";

export interface RetryPolicy {
  /** Delay before the first retry. Default 1 s. */
  initialIntervalMs?: number;
  /** Each retry's delay is the previous one times this. Default 2. */
  backoffCoefficient?: number;
  /** Cap on the delay. Default 100 x initialIntervalMs. */
  maximumIntervalMs?: number;
  /** Attempts in all, the first included; 0 means unlimited. Default 0. */
  maximumAttempts?: number;
  /** Error types (ApplicationFailure.type or the error's class name) that are never retried. */
  nonRetryableErrorTypes?: string[];
}

export type ResolvedRetryPolicy = Required<RetryPolicy>;

export interface ActivityOptions {
  /** Queue whose workers run it. Default: the workflow's task queue. */
  taskQueue?: string;
  /** Longest a single attempt may run. Default 60 s. */
  startToCloseTimeoutMs?: number;
  /** Longest the activity may take in all, retries included. Default: unlimited. */
  scheduleToCloseTimeoutMs?: number;
  /** An attempt that has not heartbeated for this long is timed out. Default: none. */
  heartbeatTimeoutMs?: number;
  /**
   * Longest the activity may wait in its queue for a worker to start it: past it, the activity fails
   * with a TIMEOUT (scheduleToStart) and is not retried — a sign no worker serves its queue. Default: none.
   */
  scheduleToStartTimeoutMs?: number;
  retry?: RetryPolicy;
}

export interface ResolvedActivityOptions {
  taskQueue: string;
  startToCloseTimeoutMs: number;
  scheduleToCloseTimeoutMs: number | null;
  heartbeatTimeoutMs: number | null;
  /** Present only when set (histories recorded before the option have none). */
  scheduleToStartTimeoutMs?: number;
  retry: ResolvedRetryPolicy;
}

export function resolveRetryPolicy(policy: RetryPolicy | undefined, field = "retry"): ResolvedRetryPolicy {
  const p = policy ?? {};
  const initialIntervalMs = checkNumber(p.initialIntervalMs ?? RETRY_INITIAL_INTERVAL_MS_DEFAULT, `${field}.initialIntervalMs`, 1, TIMEOUT_MS_MAX);
  const backoffCoefficient = checkNumber(p.backoffCoefficient ?? RETRY_BACKOFF_COEFFICIENT_DEFAULT, `${field}.backoffCoefficient`, 1, 100);
  const maximumIntervalMs = checkNumber(
    p.maximumIntervalMs ?? initialIntervalMs * RETRY_MAXIMUM_INTERVAL_FACTOR_DEFAULT,
    `${field}.maximumIntervalMs`,
    initialIntervalMs,
    TIMEOUT_MS_MAX,
  );
  const maximumAttempts = checkInteger(p.maximumAttempts ?? 0, `${field}.maximumAttempts`, 0, ATTEMPTS_MAX);
  const types = p.nonRetryableErrorTypes ?? [];
  if (!Array.isArray(types) || types.some((t) => typeof t !== "string")) {
    throw new InvalidArgumentError(`invalid ${field}.nonRetryableErrorTypes: expected an array of error type names`, { field: `${field}.nonRetryableErrorTypes` });
  }
  return { initialIntervalMs, backoffCoefficient, maximumIntervalMs, maximumAttempts, nonRetryableErrorTypes: [...types] };
}

/** ctx.localActivity's options: a short step run inside the workflow task (see LOCAL_ACTIVITY_TIMEOUT_MS_MAX). */
export interface LocalActivityOptions {
  /** Longest one attempt may run. Default LOCAL_ACTIVITY_TIMEOUT_MS_DEFAULT, at most LOCAL_ACTIVITY_TIMEOUT_MS_MAX. */
  startToCloseTimeoutMs?: number;
  /** As for activities, but maximumAttempts defaults to LOCAL_ACTIVITY_ATTEMPTS_DEFAULT, and no attempt starts past LOCAL_ACTIVITY_BUDGET_MS. */
  retry?: RetryPolicy;
}

export interface ResolvedLocalActivityOptions {
  startToCloseTimeoutMs: number;
  retry: ResolvedRetryPolicy;
}

export function resolveLocalActivityOptions(options: LocalActivityOptions | undefined): ResolvedLocalActivityOptions {
  const o = options ?? {};
  const startToCloseTimeoutMs = checkInteger(o.startToCloseTimeoutMs ?? LOCAL_ACTIVITY_TIMEOUT_MS_DEFAULT, "startToCloseTimeoutMs", 1, LOCAL_ACTIVITY_TIMEOUT_MS_MAX);
  return { startToCloseTimeoutMs, retry: resolveRetryPolicy({ maximumAttempts: LOCAL_ACTIVITY_ATTEMPTS_DEFAULT, ...o.retry }) };
}

export function resolveActivityOptions(options: ActivityOptions | undefined, defaultQueue: string): ResolvedActivityOptions {
  const o = options ?? {};
  const taskQueue = checkQueueName(o.taskQueue ?? defaultQueue, "taskQueue");
  const startToCloseTimeoutMs = checkInteger(o.startToCloseTimeoutMs ?? ACTIVITY_START_TO_CLOSE_MS_DEFAULT, "startToCloseTimeoutMs", LEASE_MS_MIN, TIMEOUT_MS_MAX);
  const scheduleToCloseTimeoutMs =
    o.scheduleToCloseTimeoutMs === undefined ? null : checkInteger(o.scheduleToCloseTimeoutMs, "scheduleToCloseTimeoutMs", LEASE_MS_MIN, TIMEOUT_MS_MAX);
  const heartbeatTimeoutMs = o.heartbeatTimeoutMs === undefined ? null : checkInteger(o.heartbeatTimeoutMs, "heartbeatTimeoutMs", LEASE_MS_MIN, TIMEOUT_MS_MAX);
  const scheduleToStart = o.scheduleToStartTimeoutMs === undefined ? {} : { scheduleToStartTimeoutMs: checkInteger(o.scheduleToStartTimeoutMs, "scheduleToStartTimeoutMs", LEASE_MS_MIN, TIMEOUT_MS_MAX) };
  return { taskQueue, startToCloseTimeoutMs, scheduleToCloseTimeoutMs, heartbeatTimeoutMs, ...scheduleToStart, retry: resolveRetryPolicy(o.retry) };
}

/** Delay after attempt `attempt` (1-based) fails, before the next: initial x coefficient^(attempt-1), capped. */
export function retryDelayMs(policy: ResolvedRetryPolicy, attempt: number): number {
  return Math.min(policy.initialIntervalMs * Math.pow(policy.backoffCoefficient, attempt - 1), policy.maximumIntervalMs);
}

/** Whether a failed attempt may be retried, and why not when it may not. */
export function retryDecision(policy: ResolvedRetryPolicy, attempt: number, failure: FailureInfo): { retry: true } | { retry: false; reason: string } {
  if (failure.nonRetryable) return { retry: false, reason: "the error is marked non-retryable" };
  if (policy.nonRetryableErrorTypes.includes(failure.type)) return { retry: false, reason: `error type ${failure.type} is in nonRetryableErrorTypes` };
  if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) return { retry: false, reason: `maximumAttempts (${policy.maximumAttempts}) reached` };
  return { retry: true };
}
