/**
 * The workloads' activities: one per service operation. Each makes one call
 * to the mock services and returns the receipt. What a step is about (its
 * input) only shows in history: the services dedup on the idempotency key.
 *
 * `keyMode: "attempt"` is a planted bug: it presents a new key on every
 * attempt, so a retry after an ambiguous call (succeedThenTimeout) applies
 * the effect again. The simulator's exactly-once checker must catch it.
 */
import type { ActivityContext, ActivityFunction, ActivityMap } from "../../engine/index.ts";
import type { ServiceName } from "../model.ts";
import type { MockServices } from "../services/index.ts";

/** Which service each operation calls. */
export const OPERATIONS = {
  reserve: "inventory",
  release: "inventory",
  charge: "payments",
  refund: "payments",
  ship: "shipping",
  notify: "notifications",
} as const satisfies Record<string, ServiceName>;

export type Operation = keyof typeof OPERATIONS;
export const OPERATION_NAMES = Object.keys(OPERATIONS) as Operation[];

/** Operations that move a workflow forward (not undo steps), for shapes that draw their steps. */
export const FORWARD_OPERATIONS: readonly Operation[] = ["reserve", "charge", "ship", "notify"];

/** "step": the engine's key, stable across retries (correct). "attempt": a key per attempt (the planted bug). */
export type KeyMode = "step" | "attempt";

export interface WorkloadActivityOptions {
  keyMode: KeyMode;
}

export function workloadActivities(services: MockServices, options: WorkloadActivityOptions): ActivityMap {
  const activities: ActivityMap = {};
  for (const operation of OPERATION_NAMES) activities[operation] = serviceCall(services, operation, options.keyMode);
  return activities;
}

function serviceCall(services: MockServices, operation: Operation, keyMode: KeyMode): ActivityFunction<unknown, string> {
  return async (_input, ctx) => {
    const reply = await services.call({
      service: OPERATIONS[operation],
      operation,
      key: presentedKey(ctx, keyMode),
      step: `${ctx.runId}:${ctx.seq}`,
      workflowId: ctx.workflowId,
      attempt: ctx.attempt,
      signal: ctx.signal,
    });
    return reply.receipt;
  };
}

function presentedKey(ctx: ActivityContext, keyMode: KeyMode): string {
  return keyMode === "step" ? ctx.idempotencyKey : `${ctx.idempotencyKey}#${ctx.attempt}`;
}
