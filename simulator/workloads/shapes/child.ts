/**
 * child: a parent that runs 1-3 child workflows, each performing 1-2
 * forward steps, awaits them and returns their receipts. Some parents also
 * start, before those, a detached child (parentClosePolicy abandon: it runs
 * its steps whatever becomes of the parent) and some a sidecar, a child that
 * waits for a signal nobody sends, so only its parent's close ends it
 * (parentClosePolicy terminate or requestCancel, as drawn). The awaited
 * children are started either all at once (startChild, then each handle's
 * result) or one after another (executeChild), as drawn. Under faults this
 * checks child workflows' promises: the child's run commits with the
 * parent's decision to start it, its close reaches the parent exactly as it
 * closed, and a parent's close ends the children its policies say to (the
 * sidecar always; the awaited ones when the driver terminates the parent).
 *
 * Children have explicit ids (`<parent id>/child-<i>`, `/detached`,
 * `/sidecar`) so a trace or a violation names them readably, and run the
 * workflow types CHILD_STEPS_WORKFLOW and SIDECAR_WORKFLOW, registered
 * beside the shapes (no shapes of their own: the driver never starts them).
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { FORWARD_OPERATIONS, type Operation } from "../activities.ts";
import { STEP_OPTIONS } from "../activity-options.ts";
import { markStage } from "./stage.ts";

export const CHILDREN_MIN = 1;
export const CHILDREN_MAX = 3;
export const CHILD_STEPS_MIN = 1;
export const CHILD_STEPS_MAX = 2;
/** The share of parents that start their awaited children all at once (the rest: one after another). */
export const PARALLEL_CHILDREN_PROBABILITY = 0.5;
/** The share of parents that also start a detached child. */
export const DETACHED_CHILD_PROBABILITY = 0.3;
/** The share of parents that also start a sidecar child, ended by their close. */
export const SIDECAR_CHILD_PROBABILITY = 0.3;
/** The workflow type the awaited and detached children run. */
export const CHILD_STEPS_WORKFLOW = "child-steps";
/** The workflow type of a sidecar: it waits for SIDECAR_SIGNAL, which nobody sends. */
export const SIDECAR_WORKFLOW = "child-sidecar";
export const SIDECAR_SIGNAL = "release";
/** How a parent's close ends its sidecar. */
export const SIDECAR_CLOSE_POLICIES = ["terminate", "requestCancel"] as const;
export type SidecarClosePolicy = (typeof SIDECAR_CLOSE_POLICIES)[number];

export interface ChildParentInput {
  /** The awaited children: each one's steps, in order. */
  children: Operation[][];
  /** true: start every child, then await each; false: start and await one at a time. */
  parallel: boolean;
  /** The steps of a detached child (abandon: the parent neither awaits it nor ends it), or null for none. */
  detached: Operation[] | null;
  /** The close policy of a sidecar child (never awaited, ended by the parent's close), or null for none. */
  sidecar: SidecarClosePolicy | null;
}

export interface ChildStepsInput {
  steps: Operation[];
}

export interface ChildParentResult {
  /** Each awaited child's receipts, in child order. */
  receipts: string[][];
  /** The detached child's workflow id, or null. */
  detached: string | null;
}

/** The workflow id of a parent's awaited child `index` (0-based). */
export function childWorkflowId(parentWorkflowId: string, index: number): string {
  return `${parentWorkflowId}/child-${index}`;
}

/** The workflow id of a parent's detached child. */
export function detachedChildWorkflowId(parentWorkflowId: string): string {
  return `${parentWorkflowId}/detached`;
}

/** The workflow id of a parent's sidecar child. */
export function sidecarWorkflowId(parentWorkflowId: string): string {
  return `${parentWorkflowId}/sidecar`;
}

export function drawChildInput(prng: Prng): ChildParentInput {
  const drawSteps = () => Array.from({ length: prng.int(CHILD_STEPS_MIN, CHILD_STEPS_MAX) }, () => prng.pick(FORWARD_OPERATIONS));
  const children = Array.from({ length: prng.int(CHILDREN_MIN, CHILDREN_MAX) }, drawSteps);
  const parallel = prng.chance(PARALLEL_CHILDREN_PROBABILITY);
  const detached = prng.chance(DETACHED_CHILD_PROBABILITY) ? drawSteps() : null;
  const sidecar = prng.chance(SIDECAR_CHILD_PROBABILITY) ? prng.pick(SIDECAR_CLOSE_POLICIES) : null;
  return { children, parallel, detached, sidecar };
}

export async function childParent(ctx: WorkflowContext, input: ChildParentInput): Promise<ChildParentResult> {
  const parentId = ctx.info.workflowId;
  let detached: string | null = null;
  if (input.detached) {
    const handle = await ctx.startChild(CHILD_STEPS_WORKFLOW, { steps: input.detached } satisfies ChildStepsInput, {
      workflowId: detachedChildWorkflowId(parentId),
      parentClosePolicy: "abandon",
    });
    detached = handle.workflowId;
  }
  if (input.sidecar) await ctx.startChild(SIDECAR_WORKFLOW, null, { workflowId: sidecarWorkflowId(parentId), parentClosePolicy: input.sidecar });
  const options = (index: number) => ({ workflowId: childWorkflowId(parentId, index), parentClosePolicy: "terminate" as const });
  let receipts: string[][];
  if (input.parallel) {
    const handles = await Promise.all(input.children.map((steps, i) => ctx.startChild<string[]>(CHILD_STEPS_WORKFLOW, { steps } satisfies ChildStepsInput, options(i))));
    receipts = await Promise.all(handles.map((handle) => handle.result()));
  } else {
    receipts = [];
    for (const [i, steps] of input.children.entries()) receipts.push(await ctx.executeChild<string[]>(CHILD_STEPS_WORKFLOW, { steps } satisfies ChildStepsInput, options(i)));
  }
  return { receipts, detached };
}

/** A child: its steps in order, setting the `stage` search attribute after each; returns their receipts. */
export async function childSteps(ctx: WorkflowContext, input: ChildStepsInput): Promise<string[]> {
  const receipts: string[] = [];
  for (const [index, operation] of input.steps.entries()) {
    receipts.push(await ctx.activity<string>(operation, { step: index + 1 }, STEP_OPTIONS));
    markStage(ctx, index + 1);
  }
  return receipts;
}

/** A sidecar: lives until its parent's close ends it (terminated, or cancelled: the wait then rejects). */
export async function sidecar(ctx: WorkflowContext): Promise<never> {
  await ctx.waitForSignal(SIDECAR_SIGNAL);
  throw new Error(`sidecar ${ctx.info.workflowId} got ${SIDECAR_SIGNAL}, which nobody sends`);
}
