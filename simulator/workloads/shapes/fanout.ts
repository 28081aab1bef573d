/**
 * fanout: 3-8 activities in parallel (one workflow task schedules them all),
 * then a join step once every branch has finished.
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { FORWARD_OPERATIONS, type Operation } from "../activities.ts";
import { STEP_OPTIONS } from "../activity-options.ts";

export const FANOUT_BRANCHES_MIN = 3;
export const FANOUT_BRANCHES_MAX = 8;
/** The step that runs after every branch. */
export const FANOUT_JOIN_OPERATION: Operation = "notify";

export interface FanoutInput {
  branches: Operation[];
}

export interface FanoutResult {
  branches: string[];
  join: string;
}

export function drawFanoutInput(prng: Prng): FanoutInput {
  const count = prng.int(FANOUT_BRANCHES_MIN, FANOUT_BRANCHES_MAX);
  return { branches: Array.from({ length: count }, () => prng.pick(FORWARD_OPERATIONS)) };
}

export async function fanout(ctx: WorkflowContext, input: FanoutInput): Promise<FanoutResult> {
  const branches = await Promise.all(input.branches.map((operation, index) => ctx.activity<string>(operation, { branch: index + 1 }, STEP_OPTIONS)));
  const join = await ctx.activity<string>(FANOUT_JOIN_OPERATION, { joins: branches.length }, STEP_OPTIONS);
  return { branches, join };
}
