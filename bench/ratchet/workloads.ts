/**
 * The workflows and activities Ratchet is benchmarked with: no-op
 * activities (optionally carrying a payload of a given size), in the shapes
 * the workloads name.
 */
import type { ActivityContext, WorkflowContext } from "../../engine/index.ts";

/** Steps in the `steps` workload's workflows, and activities in a `fanout` workflow. */
export const STEPS_PER_WORKFLOW = 10;
export const FANOUT_WIDTH = 1_000;

export interface BenchInput {
  /** A string of payloadBytes characters carried by every activity input and result. */
  payload: string;
}

/** Activity options for benchmarks: a generous timeout (nothing should time out), retries as defaults. */
const OPTIONS = { startToCloseTimeoutMs: 60_000 };

export const benchWorkflows = {
  async tenSteps(ctx: WorkflowContext, input: BenchInput) {
    for (let i = 0; i < STEPS_PER_WORKFLOW; i++) await ctx.activity("noop", input, OPTIONS);
    return null;
  },
  async oneActivity(ctx: WorkflowContext, input: BenchInput) {
    await ctx.activity("noop", input, OPTIONS);
    return null;
  },
  async fanout(ctx: WorkflowContext, input: BenchInput) {
    await Promise.all(Array.from({ length: FANOUT_WIDTH }, () => ctx.activity("noop", input, OPTIONS)));
    return null;
  },
};

/** `onStart` sees each first attempt's schedule-to-start latency (ms, wall clock). */
export function benchActivities(onStart: (scheduleToStartMs: number) => void) {
  return {
    async noop(input: BenchInput, ctx: ActivityContext) {
      if (ctx.attempt === 1) onStart(Date.now() - ctx.scheduledAtMs);
      return input.payload.length > 0 ? input.payload : null;
    },
  };
}
