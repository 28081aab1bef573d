/**
 * When the driver updates an `update`-shape workflow, and with what. Each
 * workflow gets 1-3 deposits within the first part of its window (the rest
 * is slack for faults that delay it); about one in four carries an amount
 * the validator refuses. Each planned update has its own update id, which
 * every retry of it reuses.
 */
import type { Prng } from "../prng.ts";
import type { PlannedStart } from "./plan.ts";
import { DEPOSIT_UPDATE, UPDATE_AMOUNT_MAX, type DepositArgs, type UpdateInput } from "./shapes/update.ts";

export interface PlannedUpdate {
  atMs: number;
  workflowId: string;
  /** Shared by every retry of this update. */
  updateId: string;
  name: string;
  args: DepositArgs;
}

export const UPDATES_PER_WORKFLOW_MIN = 1;
export const UPDATES_PER_WORKFLOW_MAX = 3;
/** The share of updates whose amount the validator refuses. */
export const UPDATE_REFUSED_PROBABILITY = 0.25;
/** Amounts the validator refuses: none of them a whole number in [1, UPDATE_AMOUNT_MAX]. */
export const REFUSED_AMOUNTS: readonly number[] = [0, -5, 2.5, UPDATE_AMOUNT_MAX + 1];
/** An update is sent at least this long after its workflow's start... */
export const UPDATE_SEND_MS_MIN = 100;
/** ...and within this share of its window. */
export const UPDATE_SEND_WINDOW_SHARE_MAX = 0.5;

/** The update id of a workflow's planned update `index` (0-based). */
export function updateIdOf(workflowId: string, index: number): string {
  return `${workflowId}#update-${index}`;
}

export function planUpdates(prng: Prng, start: PlannedStart, input: UpdateInput): PlannedUpdate[] {
  const count = prng.int(UPDATES_PER_WORKFLOW_MIN, UPDATES_PER_WORKFLOW_MAX);
  return Array.from({ length: count }, (_, index) => {
    const atMs = start.atMs + prng.int(UPDATE_SEND_MS_MIN, Math.floor(input.windowMs * UPDATE_SEND_WINDOW_SHARE_MAX));
    const amount = prng.chance(UPDATE_REFUSED_PROBABILITY) ? prng.pick(REFUSED_AMOUNTS) : prng.int(1, UPDATE_AMOUNT_MAX);
    return { atMs, workflowId: start.workflowId, updateId: updateIdOf(start.workflowId, index), name: DEPOSIT_UPDATE, args: { amount } };
  });
}
