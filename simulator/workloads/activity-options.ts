/**
 * How the workloads schedule their activities. Timeouts are short (virtual
 * seconds) so faults and retries play out quickly in a run; every bound is
 * named here.
 */
import type { ActivityOptions } from "../../engine/index.ts";
import type { LocalActivityOptions } from "../../engine/workflow/options.ts";

/** Longest one attempt may run: far above a healthy call's latency (<= 50 ms), far below a hung call's 30 s. */
export const ACTIVITY_START_TO_CLOSE_MS = 5_000;
export const RETRY_INITIAL_INTERVAL_MS = 500;
export const RETRY_BACKOFF_COEFFICIENT = 2;
export const RETRY_MAXIMUM_INTERVAL_MS = 10_000;
/** 0 is unlimited: a step retries through any outage, so every workflow finishes once faults heal. */
export const STEP_ATTEMPTS_UNLIMITED = 0;
/**
 * A saga's forward steps give up after this many attempts, so an outage can
 * make one fail for good and the compensations run (4 attempts span
 * 0.5 + 1 + 2 = 3.5 s of backoff, plus the attempts themselves).
 */
export const SAGA_FORWARD_ATTEMPTS_MAX = 4;

const RETRY_BACKOFF = {
  initialIntervalMs: RETRY_INITIAL_INTERVAL_MS,
  backoffCoefficient: RETRY_BACKOFF_COEFFICIENT,
  maximumIntervalMs: RETRY_MAXIMUM_INTERVAL_MS,
};

/** Every step but a saga's forward steps: retried until it succeeds. */
export const STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeoutMs: ACTIVITY_START_TO_CLOSE_MS,
  retry: { ...RETRY_BACKOFF, maximumAttempts: STEP_ATTEMPTS_UNLIMITED },
};

export const SAGA_FORWARD_OPTIONS: ActivityOptions = {
  startToCloseTimeoutMs: ACTIVITY_START_TO_CLOSE_MS,
  retry: { ...RETRY_BACKOFF, maximumAttempts: SAGA_FORWARD_ATTEMPTS_MAX },
};

/** A local step's attempt is bounded like a remote one's, within the engine's cap (LOCAL_ACTIVITY_TIMEOUT_MS_MAX). */
export const LOCAL_STEP_START_TO_CLOSE_MS = 2_000;
/** Attempts of a local step: 0.5 + 1 + 2 s of backoff fit the workflow task's 5 s budget (LOCAL_ACTIVITY_BUDGET_MS) with the attempts. */
export const LOCAL_STEP_ATTEMPTS_MAX = 4;

/** A linear shape's local steps: retried inside the workflow task, a few times. */
export const LOCAL_STEP_OPTIONS: LocalActivityOptions = {
  startToCloseTimeoutMs: LOCAL_STEP_START_TO_CLOSE_MS,
  retry: { ...RETRY_BACKOFF, maximumAttempts: LOCAL_STEP_ATTEMPTS_MAX },
};
