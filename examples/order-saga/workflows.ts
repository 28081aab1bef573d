/**
 * The order workflow, as a saga: reserve inventory, charge the card, ship.
 * Each step that succeeds pushes the step that undoes it; when a later step
 * fails for good, the undo steps run newest first (refund, then release) and
 * the workflow fails with an OrderCompensated failure.
 *
 * Why fail rather than return a "compensated" result: the order was not
 * fulfilled, and the run's status should say so to anyone who looks (a
 * dashboard, `ratchet describe`, a caller awaiting the result) without them
 * having to parse a result. The failure's type and details carry the story:
 * which step failed, why, and what was undone, so the caller can tell a
 * cleanly compensated order from a workflow that broke.
 *
 * Workflow code only acts through `ctx` (replay re-runs it against its
 * history), and imports nothing from the activities but their types.
 */
import { ActivityFailure, ApplicationFailure, CancelledError, type ActivityOptions, type WorkflowContext, type WorkflowMap } from "../../engine/index.ts";
import type { OrderActivities } from "./activities.ts";
import { CARD_DECLINED, ORDER_COMPENSATED, OUT_OF_STOCK } from "./failures.ts";
import { formatUsd } from "./money.ts";
import type { Charge, Reservation, Shipment } from "./services.ts";

export const ORDER_TASK_QUEUE = "orders";

/**
 * Short on purpose so the demo's crash recovery takes about two seconds:
 * an attempt whose worker died is re-run once its lease (this timeout)
 * runs out, plus the first retry interval. A real shop would allow longer.
 */
export const STEP_START_TO_CLOSE_MS = 1_500;
export const STEP_RETRY_INITIAL_MS = 200;
const STEP_ATTEMPTS_MAX = 5;
const COMPENSATION_RETRY_INTERVAL_MS_MAX = 10_000;

export interface OrderInput {
  orderId: string;
  sku: string;
  quantity: number;
  amountCents: number;
  card: string;
  address: string;
}

export interface OrderShipped {
  orderId: string;
  reservationId: string;
  chargeId: string;
  trackingNumber: string;
}

export type ForwardStep = "reserve" | "charge" | "ship";
export type CompensationStep = "release" | "refund";

/** Carried in the OrderCompensated failure's details. */
export interface OrderCompensatedDetails {
  failedStep: ForwardStep;
  /** The step's failure type, e.g. AddressUndeliverable. */
  failureType: string;
  reason: string;
  compensated: CompensationStep[];
}

const FORWARD_STEP_OPTIONS: ActivityOptions = {
  startToCloseTimeoutMs: STEP_START_TO_CLOSE_MS,
  retry: {
    initialIntervalMs: STEP_RETRY_INITIAL_MS,
    backoffCoefficient: 2,
    maximumAttempts: STEP_ATTEMPTS_MAX,
    // The workflow decides these answers are final for this order. (An undeliverable address is
    // marked non-retryable by the activity that raises it: the other way to say the same thing.)
    nonRetryableErrorTypes: [OUT_OF_STOCK, CARD_DECLINED],
  },
};

/** Compensations must eventually happen: retried without an attempt limit, the backoff capped. */
const COMPENSATION_OPTIONS: ActivityOptions = {
  startToCloseTimeoutMs: STEP_START_TO_CLOSE_MS,
  retry: { initialIntervalMs: STEP_RETRY_INITIAL_MS, backoffCoefficient: 2, maximumIntervalMs: COMPENSATION_RETRY_INTERVAL_MS_MAX, maximumAttempts: 0 },
};

export async function order(ctx: WorkflowContext, input: OrderInput): Promise<OrderShipped> {
  const steps = ctx.activities<OrderActivities>(FORWARD_STEP_OPTIONS);
  const undo = ctx.activities<OrderActivities>(COMPENSATION_OPTIONS);
  const { orderId, sku, quantity } = input;
  /** Newest first: the order they must run in. */
  const compensations: Array<{ step: CompensationStep; run: () => Promise<unknown> }> = [];
  let step: ForwardStep = "reserve";

  ctx.log(`order received: ${quantity} x ${sku} for ${formatUsd(input.amountCents)}, to "${input.address}"`);
  try {
    const reservation: Reservation = await steps.reserveInventory({ orderId, sku, quantity });
    compensations.unshift({ step: "release", run: () => undo.releaseInventory({ orderId, reservationId: reservation.reservationId }) });

    step = "charge";
    const charge: Charge = await steps.chargePayment({ orderId, amountCents: input.amountCents, card: input.card });
    compensations.unshift({ step: "refund", run: () => undo.refundPayment({ orderId, chargeId: charge.chargeId }) });

    step = "ship";
    const shipment: Shipment = await steps.shipOrder({ orderId, sku, quantity, address: input.address });
    ctx.log(`order fulfilled: reserved ${reservation.reservationId}, charged ${charge.chargeId}, tracking ${shipment.trackingNumber}`);
    return { orderId, reservationId: reservation.reservationId, chargeId: charge.chargeId, trackingNumber: shipment.trackingNumber };
  } catch (err) {
    const failure = failureOf(err);
    const reason = `${failure.type}: ${failure.message}`;
    const plan = compensations.map((c) => c.step);
    ctx.log(`${step} failed for good (${reason}); compensating: ${plan.length > 0 ? plan.join(", then ") : "nothing to undo"}`);
    for (const compensation of compensations) {
      await compensation.run();
      ctx.log(`compensation done: ${compensation.step}`);
    }
    // A cancelled order is compensated too, and then ends cancelled rather than failed.
    if (err instanceof CancelledError) throw err;
    const details: OrderCompensatedDetails = { failedStep: step, failureType: failure.type, reason, compensated: plan };
    throw new ApplicationFailure(`order ${orderId} not fulfilled: ${step} failed (${reason}); undone: ${plan.join(", ") || "nothing"}`, {
      type: ORDER_COMPENSATED,
      nonRetryable: true,
      details,
    });
  }
}

/** What made a step fail for good: the activity's own failure, under the ActivityFailure wrapper. */
function failureOf(err: unknown): { type: string; message: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { type: cause.type, message: cause.message };
  return cause instanceof Error ? { type: cause.name, message: cause.message } : { type: typeof cause, message: String(cause) };
}

export const workflows = { order } satisfies WorkflowMap;
