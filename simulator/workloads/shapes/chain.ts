/**
 * chain: 2-4 steps, one per run. Each run performs its step and continues as
 * new with the steps left and the receipts so far, so the workflow's last run
 * returns every receipt. Under faults this checks continue-as-new's promise:
 * the run closes and its successor starts in one transaction, never one
 * without the other, and each step's effect applies once across the chain.
 * Each run sets the `stage` search attribute after its step (stage.ts), so
 * a continued run carries its predecessor's stage until its own step ends.
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { FORWARD_OPERATIONS, type Operation } from "../activities.ts";
import { STEP_OPTIONS } from "../activity-options.ts";
import { markStage } from "./stage.ts";

export const CHAIN_RUNS_MIN = 2;
export const CHAIN_RUNS_MAX = 4;

export interface ChainInput {
  /** The steps still to run, one per run. */
  steps: Operation[];
  /** The receipts of the runs before this one. */
  receipts: string[];
}

export function drawChainInput(prng: Prng): ChainInput {
  const steps: Operation[] = [];
  const count = prng.int(CHAIN_RUNS_MIN, CHAIN_RUNS_MAX);
  while (steps.length < count) steps.push(prng.pick(FORWARD_OPERATIONS));
  return { steps, receipts: [] };
}

/** Returns the receipts of every run, in step order. */
export async function chain(ctx: WorkflowContext, input: ChainInput): Promise<string[]> {
  const [operation, ...rest] = input.steps;
  const receipts = [...input.receipts, await ctx.activity<string>(operation!, { step: input.receipts.length + 1 }, STEP_OPTIONS)];
  // Indexed with the continue-as-new: the next run starts with this stage and keeps it through its own step.
  markStage(ctx, receipts.length);
  if (rest.length === 0) return receipts;
  return ctx.continueAsNew({ steps: rest, receipts } satisfies ChainInput);
}
