/**
 * The twelve workload shapes: for each, the workflow code and how the driver
 * draws its input (the input carries every drawn parameter, so the code
 * itself stays deterministic). EXTRA_WORKFLOWS are the workflow types that
 * shapes start themselves (a child shape's children), never the driver.
 */
import type { WorkflowFunction } from "../../../engine/index.ts";
import type { WorkloadShape } from "../../model.ts";
import type { Prng } from "../../prng.ts";
import { chain, drawChainInput } from "./chain.ts";
import { CHILD_STEPS_WORKFLOW, SIDECAR_WORKFLOW, childParent, childSteps, drawChildInput, sidecar } from "./child.ts";
import { deadline, drawDeadlineInput } from "./deadline.ts";
import { drawFanoutInput, fanout } from "./fanout.ts";
import { drawLinearInput, linear } from "./linear.ts";
import { drawOutboxInput, outbox } from "./outbox.ts";
import { drawSagaInput, saga } from "./saga.ts";
import { drawScheduleInput, scheduled } from "./schedule.ts";
import { drawSignalInput, signal } from "./signal.ts";
import { drawTimerInput, timer } from "./timer.ts";
import { drawUpdateInput, update } from "./update.ts";
import { drawVersionedInput, versioned, versionedPatched, type CodeVersion } from "./versioned.ts";

export interface ShapeDefinition {
  workflow: WorkflowFunction;
  drawInput(prng: Prng): unknown;
}

export const SHAPES: Readonly<Record<WorkloadShape, ShapeDefinition>> = {
  linear: { workflow: linear, drawInput: drawLinearInput },
  saga: { workflow: saga, drawInput: drawSagaInput },
  fanout: { workflow: fanout, drawInput: drawFanoutInput },
  timer: { workflow: timer, drawInput: drawTimerInput },
  signal: { workflow: signal, drawInput: drawSignalInput },
  chain: { workflow: chain, drawInput: drawChainInput },
  child: { workflow: childParent, drawInput: drawChildInput },
  update: { workflow: update, drawInput: drawUpdateInput },
  outbox: { workflow: outbox, drawInput: drawOutboxInput },
  // The driver creates a schedule from the drawn input; this is the workflow each of its fires starts.
  schedule: { workflow: scheduled, drawInput: drawScheduleInput },
  versioned: { workflow: versioned, drawInput: drawVersionedInput },
  deadline: { workflow: deadline, drawInput: drawDeadlineInput },
};

/** The shapes whose code changes in version `version` (a scenario's deploy), by shape. */
export function shapesAtVersion(version: CodeVersion): Partial<Record<WorkloadShape, WorkflowFunction>> {
  return version === 2 ? { versioned: versionedPatched } : {};
}

export const EXTRA_WORKFLOWS: Readonly<Record<string, WorkflowFunction>> = {
  [CHILD_STEPS_WORKFLOW]: childSteps,
  [SIDECAR_WORKFLOW]: sidecar,
};
