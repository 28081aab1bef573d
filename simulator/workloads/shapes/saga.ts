/**
 * saga: reserve (inventory), charge (payments), ship (shipping). Forward
 * steps give up after SAGA_FORWARD_ATTEMPTS_MAX attempts, so an outage can
 * make one fail for good; then the steps already done are undone newest
 * first (refund, then release), each retried until it succeeds, and the run
 * ends failed with a SagaCompensated failure that says what failed and what
 * was undone.
 */
import { ActivityFailure, ApplicationFailure, type WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import type { Operation } from "../activities.ts";
import { SAGA_FORWARD_OPTIONS, STEP_OPTIONS } from "../activity-options.ts";

export const SAGA_COMPENSATED = "SagaCompensated";
export const SAGA_AMOUNT_CENTS_MIN = 100;
export const SAGA_AMOUNT_CENTS_MAX = 100_000;

export interface SagaInput {
  amountCents: number;
}

export interface SagaResult {
  reservation: string;
  charge: string;
  shipment: string;
}

/** Carried in the SagaCompensated failure's details. */
export interface SagaCompensatedDetails {
  failedStep: Operation;
  /** The undo steps run, in the order they ran. */
  compensated: Operation[];
}

export function drawSagaInput(prng: Prng): SagaInput {
  return { amountCents: prng.int(SAGA_AMOUNT_CENTS_MIN, SAGA_AMOUNT_CENTS_MAX) };
}

export async function saga(ctx: WorkflowContext, input: SagaInput): Promise<SagaResult> {
  /** Newest first: the order they must run in. */
  const undo: Array<{ operation: Operation; receipt: string }> = [];
  let step: Operation = "reserve";
  try {
    const reservation = await ctx.activity<string>(step, {}, SAGA_FORWARD_OPTIONS);
    undo.unshift({ operation: "release", receipt: reservation });
    step = "charge";
    const charge = await ctx.activity<string>(step, { amountCents: input.amountCents }, SAGA_FORWARD_OPTIONS);
    undo.unshift({ operation: "refund", receipt: charge });
    step = "ship";
    const shipment = await ctx.activity<string>(step, {}, SAGA_FORWARD_OPTIONS);
    return { reservation, charge, shipment };
  } catch (err) {
    // Only a step failing for good is compensated; anything else (a cancellation) ends the run as it is.
    if (!(err instanceof ActivityFailure)) throw err;
    for (const { operation, receipt } of undo) await ctx.activity<string>(operation, { undoes: receipt }, STEP_OPTIONS);
    const details: SagaCompensatedDetails = { failedStep: step, compensated: undo.map((u) => u.operation) };
    throw new ApplicationFailure(`saga compensated: ${step} failed for good; undone: ${details.compensated.join(", ") || "nothing"}`, {
      type: SAGA_COMPENSATED,
      nonRetryable: true,
      details,
      cause: err,
    });
  }
}
