/**
 * signal: a step, then a wait for an "approve" signal with a timeout. An
 * approval leads to a charge; a timeout takes the fallback path (release
 * the reservation). Some runs then wait for a "confirm" signal the same
 * way. A final step ends every run.
 *
 * The driver sends signals in time, late (after the wait timed out: they
 * stay buffered, unread) or twice (the copy stays buffered too); see
 * ../signal-plan.ts. Whatever arrives, the run reaches its final step.
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { STEP_OPTIONS } from "../activity-options.ts";

export const APPROVE_SIGNAL = "approve";
export const CONFIRM_SIGNAL = "confirm";
export const SIGNAL_WAIT_TIMEOUT_MS = 20_000;
/** Share of runs that wait for a second signal. */
export const SIGNAL_CONFIRM_PROBABILITY = 0.5;

export interface SignalInput {
  timeoutMs: number;
  /** Wait for a "confirm" signal after the approval (or its timeout). */
  confirm: boolean;
}

/** What the driver sends: `copy` 2 marks a duplicate. */
export interface SignalPayload {
  copy: number;
}

export type WaitOutcome = "received" | "timedOut";

export interface SignalResult {
  approve: WaitOutcome;
  confirm: WaitOutcome | null;
  receipts: string[];
}

export function drawSignalInput(prng: Prng): SignalInput {
  return { timeoutMs: SIGNAL_WAIT_TIMEOUT_MS, confirm: prng.chance(SIGNAL_CONFIRM_PROBABILITY) };
}

/** The query the driver asks after each signal it sends: how far the workflow got. */
export const PROGRESS_QUERY = "progress";

export interface SignalProgress {
  receipts: number;
  approve: WaitOutcome | null;
  confirm: WaitOutcome | null;
}

export async function signal(ctx: WorkflowContext, input: SignalInput): Promise<SignalResult> {
  const receipts: string[] = [];
  let approve: WaitOutcome | null = null;
  let confirm: WaitOutcome | null = null;
  ctx.setQueryHandler(PROGRESS_QUERY, (): SignalProgress => ({ receipts: receipts.length, approve, confirm }));
  receipts.push(await ctx.activity<string>("reserve", {}, STEP_OPTIONS));
  approve = await waitFor(ctx, APPROVE_SIGNAL, input.timeoutMs);
  // Approved: take the payment. Timed out: the fallback path gives the reservation back.
  receipts.push(await ctx.activity<string>(approve === "received" ? "charge" : "release", {}, STEP_OPTIONS));
  confirm = input.confirm ? await waitFor(ctx, CONFIRM_SIGNAL, input.timeoutMs) : null;
  receipts.push(await ctx.activity<string>("notify", { approve, confirm }, STEP_OPTIONS));
  return { approve, confirm, receipts };
}

async function waitFor(ctx: WorkflowContext, name: string, timeoutMs: number): Promise<WaitOutcome> {
  const payload = await ctx.waitForSignal<SignalPayload>(name, { timeoutMs });
  return payload === undefined ? "timedOut" : "received";
}
