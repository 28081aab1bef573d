/**
 * linear: 2-5 activities one after another. Consecutive steps use different
 * operations, so one run touches more than one service.
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { FORWARD_OPERATIONS, type Operation } from "../activities.ts";
import { STEP_OPTIONS } from "../activity-options.ts";

export const LINEAR_STEPS_MIN = 2;
export const LINEAR_STEPS_MAX = 5;

export interface LinearInput {
  steps: Operation[];
}

export function drawLinearInput(prng: Prng): LinearInput {
  const steps: Operation[] = [];
  const count = prng.int(LINEAR_STEPS_MIN, LINEAR_STEPS_MAX);
  while (steps.length < count) steps.push(prng.pick(FORWARD_OPERATIONS.filter((op) => op !== steps.at(-1))));
  return { steps };
}

/** Returns the receipts, in step order. */
export async function linear(ctx: WorkflowContext, input: LinearInput): Promise<string[]> {
  const receipts: string[] = [];
  for (const [index, operation] of input.steps.entries()) receipts.push(await ctx.activity<string>(operation, { step: index + 1 }, STEP_OPTIONS));
  return receipts;
}
