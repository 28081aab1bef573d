/**
 * The order's activities: each calls one service operation, passing the
 * attempt's idempotency key (stable across retries and across workers), so
 * the service applies the effect once however often Ratchet delivers it.
 *
 * They also turn a service's refusal into what the retry policy acts on:
 * an ApplicationFailure whose `type` names the business failure.
 */
import { ApplicationFailure, type ActivityContext, type ActivityMap } from "../../engine/index.ts";
import { ADDRESS_UNDELIVERABLE, CARD_DECLINED, OUT_OF_STOCK, SHIPPING_UNAVAILABLE, UNKNOWN_REFERENCE } from "./failures.ts";
import { ServiceError, type ChargeRequest, type Operation, type OrderServices, type ReleaseRequest, type RefundRequest, type ReserveRequest, type ShipRequest } from "./services.ts";

export function createActivities(services: OrderServices) {
  return {
    async reserveInventory(request: ReserveRequest, ctx: ActivityContext) {
      return callService(() => services.inventory.reserve(request, ctx.idempotencyKey));
    },
    async chargePayment(request: ChargeRequest, ctx: ActivityContext) {
      return callService(() => services.payments.charge(request, ctx.idempotencyKey));
    },
    async shipOrder(request: ShipRequest, ctx: ActivityContext) {
      return callService(() => services.shipping.ship(request, ctx.idempotencyKey));
    },
    async refundPayment(request: RefundRequest, ctx: ActivityContext) {
      return callService(() => services.payments.refund(request, ctx.idempotencyKey));
    },
    async releaseInventory(request: ReleaseRequest, ctx: ActivityContext) {
      return callService(() => services.inventory.release(request, ctx.idempotencyKey));
    },
  } satisfies ActivityMap;
}

export type OrderActivities = ReturnType<typeof createActivities>;
export type ActivityName = keyof OrderActivities;

/** The saga step each activity performs, as the narrative and the summary name it. */
export const STEP_OF_ACTIVITY: Record<ActivityName, Operation> = {
  reserveInventory: "reserve",
  chargePayment: "charge",
  shipOrder: "ship",
  refundPayment: "refund",
  releaseInventory: "release",
};

async function callService<R>(call: () => R): Promise<R> {
  try {
    return call();
  } catch (err) {
    throw err instanceof ServiceError ? toApplicationFailure(err) : err;
  }
}

function toApplicationFailure(err: ServiceError): ApplicationFailure {
  switch (err.code) {
    case "OUT_OF_STOCK":
      return new ApplicationFailure(err.message, { type: OUT_OF_STOCK, cause: err });
    case "CARD_DECLINED":
      return new ApplicationFailure(err.message, { type: CARD_DECLINED, cause: err });
    case "ADDRESS_UNDELIVERABLE":
      return new ApplicationFailure(err.message, { type: ADDRESS_UNDELIVERABLE, nonRetryable: true, cause: err });
    case "SHIPPING_UNAVAILABLE":
      return new ApplicationFailure(err.message, { type: SHIPPING_UNAVAILABLE, cause: err });
    case "UNKNOWN_RESERVATION":
    case "UNKNOWN_CHARGE":
      return new ApplicationFailure(err.message, { type: UNKNOWN_REFERENCE, nonRetryable: true, cause: err });
  }
}
