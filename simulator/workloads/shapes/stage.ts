/**
 * The `stage` search attribute: the chain and child-steps workflows upsert
 * it after each step (`step-<n>`), so the driver's list calls can find runs
 * by it, continued runs included (they inherit their predecessor's).
 */
import type { WorkflowContext } from "../../../engine/index.ts";

export const STAGE_ATTRIBUTE = "stage";

/** The stage a workflow has reached after its `step`th step (1-based). */
export function stageAfter(step: number): string {
  return `step-${step}`;
}

/** Record that the workflow finished its `step`th step (indexed with the decisions that follow it). */
export function markStage(ctx: WorkflowContext, step: number): void {
  ctx.upsertSearchAttributes({ [STAGE_ATTRIBUTE]: stageAfter(step) });
}
