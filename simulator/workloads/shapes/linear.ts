/**
 * linear: 2-5 activities one after another. Consecutive steps use different
 * operations, so one run touches more than one service. About a third of the
 * steps run as local activities (ctx.localActivity): in the workflow task,
 * retried within the task's budget, their outcome recorded as a marker that
 * replay reads back. A local step that fails for good (an outage longer than
 * the budget) fails the run, as it would any workflow that does not catch it.
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { FORWARD_OPERATIONS, type Operation } from "../activities.ts";
import { LOCAL_STEP_OPTIONS, STEP_OPTIONS } from "../activity-options.ts";

export const LINEAR_STEPS_MIN = 2;
export const LINEAR_STEPS_MAX = 5;

/** The share of steps run as local activities. */
export const LINEAR_LOCAL_STEP_PROBABILITY = 0.3;

export interface LinearInput {
  steps: Operation[];
  /** The indices of the steps run as local activities (absent: none). */
  local?: number[];
}

export function drawLinearInput(prng: Prng): LinearInput {
  const steps: Operation[] = [];
  const count = prng.int(LINEAR_STEPS_MIN, LINEAR_STEPS_MAX);
  while (steps.length < count) steps.push(prng.pick(FORWARD_OPERATIONS.filter((op) => op !== steps.at(-1))));
  // Drawn after the steps, so a seed draws the same steps as before local steps existed.
  const local = steps.flatMap((_, index) => (prng.chance(LINEAR_LOCAL_STEP_PROBABILITY) ? [index] : []));
  return { steps, local };
}

/** Returns the receipts, in step order. */
export async function linear(ctx: WorkflowContext, input: LinearInput): Promise<string[]> {
  const receipts: string[] = [];
  const local = new Set(input.local ?? []);
  for (const [index, operation] of input.steps.entries()) {
    const step = { step: index + 1 };
    receipts.push(await (local.has(index) ? ctx.localActivity<string>(operation, step, LOCAL_STEP_OPTIONS) : ctx.activity<string>(operation, step, STEP_OPTIONS)));
  }
  return receipts;
}
