/**
 * deadline: activities with a schedule-to-start timeout. Some go to a queue
 * no worker serves (UNSERVED_TASK_QUEUE), so they must time out with TIMEOUT
 * (scheduleToStart) and never run; the others go to the workers' own queue
 * with a tight deadline, so most start in time and a few, whose workers
 * were down, slow or starved when they fell due, time out instead. The
 * workflow takes a timeout as an answer (it is not retried) and returns
 * what became of each step.
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { FORWARD_OPERATIONS, type Operation } from "../activities.ts";
import { STEP_OPTIONS } from "../activity-options.ts";

/** A queue no simulated worker polls. */
export const UNSERVED_TASK_QUEUE = "sim-unserved";
export const DEADLINE_STEPS_MIN = 1;
export const DEADLINE_STEPS_MAX = 3;
/** The share of steps sent to the unserved queue. */
export const DEADLINE_UNSERVED_PROBABILITY = 0.4;
/** Schedule-to-start timeouts: tight enough that faults make some served steps miss them. */
export const DEADLINE_TIMEOUT_MS_MIN = 300;
export const DEADLINE_TIMEOUT_MS_MAX = 3_000;
/** The outcome of a step that was not started in time. */
export const DEADLINE_TIMED_OUT = "timedOut";

export interface DeadlineStep {
  operation: Operation;
  unserved: boolean;
  scheduleToStartTimeoutMs: number;
}

export interface DeadlineInput {
  steps: DeadlineStep[];
}

export function drawDeadlineInput(prng: Prng): DeadlineInput {
  const count = prng.int(DEADLINE_STEPS_MIN, DEADLINE_STEPS_MAX);
  return {
    steps: Array.from({ length: count }, () => ({
      operation: prng.pick(FORWARD_OPERATIONS),
      unserved: prng.chance(DEADLINE_UNSERVED_PROBABILITY),
      scheduleToStartTimeoutMs: prng.int(DEADLINE_TIMEOUT_MS_MIN, DEADLINE_TIMEOUT_MS_MAX),
    })),
  };
}

/** Each step's receipt, or DEADLINE_TIMED_OUT: one after another, so a timed-out step does not hold the next back. */
export async function deadline(ctx: WorkflowContext, input: DeadlineInput): Promise<string[]> {
  const outcomes: string[] = [];
  for (const [index, step] of input.steps.entries()) {
    const options = { ...STEP_OPTIONS, scheduleToStartTimeoutMs: step.scheduleToStartTimeoutMs, ...(step.unserved ? { taskQueue: UNSERVED_TASK_QUEUE } : {}) };
    try {
      outcomes.push(await ctx.activity<string>(step.operation, { step: index + 1 }, options));
    } catch (err) {
      if (!isScheduleToStartTimeout(err)) throw err;
      outcomes.push(DEADLINE_TIMED_OUT);
    }
  }
  return outcomes;
}

/** ActivityFailure caused by TIMEOUT (scheduleToStart). */
function isScheduleToStartTimeout(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string; timeoutType?: string } } | null)?.cause;
  return cause?.code === "TIMEOUT" && cause.timeoutType === "scheduleToStart";
}
