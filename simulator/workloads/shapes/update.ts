/**
 * update: an account that takes "deposit" updates for a while, then closes.
 * The validator refuses an amount that is not a whole number in
 * [1, UPDATE_AMOUNT_MAX] (nothing is applied: no step, no change); the
 * handler charges the amount (an activity on the payments service), adds it
 * to the balance and answers with the balance and the receipt. The run
 * sleeps UPDATE_WINDOW_MS (a durable timer), then waits for every handler
 * still running, so an update it accepted is answered before it completes
 * (Temporal's allHandlersFinished), and returns the balance.
 *
 * The driver sends each workflow 1-3 updates during its window, some with
 * amounts the validator refuses (./../update-plan.ts), each under one
 * update id that all its retries share: after a lost reply, a dropped
 * connection or a timeout it asks again, and the engine must apply it once.
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import { ApplicationFailure } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { STEP_OPTIONS } from "../activity-options.ts";

export const DEPOSIT_UPDATE = "deposit";
/** How long a run takes updates before it closes (sends planned later find it closed). */
export const UPDATE_WINDOW_MS = 20_000;
export const UPDATE_AMOUNT_MAX = 1_000;

export interface UpdateInput {
  windowMs: number;
}

export interface DepositArgs {
  amount: number;
}

export interface DepositAnswer {
  balance: number;
  receipt: string;
}

export interface UpdateResult {
  balance: number;
  deposits: number;
}

export function drawUpdateInput(_prng: Prng): UpdateInput {
  return { windowMs: UPDATE_WINDOW_MS };
}

/** Why the validator refuses `args`, or null if it accepts them (the driver plans refusals with the same rule). */
export function depositRefusal(args: unknown): string | null {
  const amount = (args as Partial<DepositArgs> | null)?.amount;
  if (typeof amount !== "number" || !Number.isInteger(amount) || amount < 1 || amount > UPDATE_AMOUNT_MAX) return `amount must be a whole number in [1, ${UPDATE_AMOUNT_MAX}], got ${JSON.stringify(amount)}`;
  return null;
}

export async function update(ctx: WorkflowContext, input: UpdateInput): Promise<UpdateResult> {
  let balance = 0;
  let deposits = 0;
  let running = 0;
  let idle: (() => void) | null = null;
  ctx.setUpdateHandler(
    DEPOSIT_UPDATE,
    async (args): Promise<DepositAnswer> => {
      running += 1;
      try {
        const { amount } = args as DepositArgs;
        const receipt = await ctx.activity<string>("charge", { amount }, STEP_OPTIONS);
        balance += amount;
        deposits += 1;
        return { balance, receipt };
      } finally {
        running -= 1;
        if (running === 0) idle?.();
      }
    },
    {
      validator: (args) => {
        const refusal = depositRefusal(args);
        if (refusal !== null) throw new ApplicationFailure(refusal, { type: "BadAmount", nonRetryable: true });
      },
    },
  );
  await ctx.sleep(input.windowMs);
  // Plain promise, resolved by the last handler to finish: deterministic, as the handlers' order is.
  if (running > 0) await new Promise<void>((resolve) => (idle = resolve));
  return { balance, deposits };
}
