/**
 * timer: step, durable sleep, step, durable sleep, step. Nothing is held
 * while a sleep waits, so worker crashes and database restarts during one
 * must not lose it or fire it early.
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import type { Operation } from "../activities.ts";
import { STEP_OPTIONS } from "../activity-options.ts";

export const TIMER_SLEEP_MS_MIN = 1_000;
/** Short enough that a timer workflow started just before heal still ends within the shipped scenarios' liveness bounds. */
export const TIMER_SLEEP_MS_MAX = 10_000;
const TIMER_STEPS: readonly Operation[] = ["reserve", "charge", "notify"];

export interface TimerInput {
  /** One sleep between each pair of steps. */
  sleepsMs: [number, number];
  /**
   * The first sleep lasts at least `sleepsMs[0]` and on until this workflow
   * time (epoch ms): for a run that must be open at a known moment and closed
   * soon after it, however late its first step finishes.
   */
  firstSleepUntilMs?: number;
}

export interface TimerResult {
  receipts: string[];
  /** How long each sleep took, by workflow time (`ctx.now()`): never less than asked (nor, for the first, than until `firstSleepUntilMs`). */
  sleptMs: number[];
}

export function drawTimerInput(prng: Prng): TimerInput {
  return { sleepsMs: [prng.int(TIMER_SLEEP_MS_MIN, TIMER_SLEEP_MS_MAX), prng.int(TIMER_SLEEP_MS_MIN, TIMER_SLEEP_MS_MAX)] };
}

export async function timer(ctx: WorkflowContext, input: TimerInput): Promise<TimerResult> {
  const receipts = [await ctx.activity<string>(TIMER_STEPS[0]!, { step: 1 }, STEP_OPTIONS)];
  const sleptMs: number[] = [];
  for (const [index, asked] of input.sleepsMs.entries()) {
    const before = ctx.now();
    const ms = index === 0 && input.firstSleepUntilMs !== undefined ? Math.max(asked, input.firstSleepUntilMs - before) : asked;
    await ctx.sleep(ms);
    sleptMs.push(ctx.now() - before);
    receipts.push(await ctx.activity<string>(TIMER_STEPS[index + 1]!, { step: index + 2 }, STEP_OPTIONS));
  }
  return { receipts, sleptMs };
}
