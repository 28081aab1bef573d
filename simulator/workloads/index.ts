/**
 * The simulator's workloads: the twelve workflow shapes (linear, saga, fanout,
 * timer, signal, chain, child, update, outbox, schedule, versioned, deadline), the activities they call on the mock services,
 * and the driver's plan of starts and signals drawn from the seed.
 */
import type { WorkflowMap } from "../../engine/index.ts";
import { WORKLOAD_SHAPES } from "../model.ts";
import { EXTRA_WORKFLOWS, SHAPES, shapesAtVersion } from "./shapes/index.ts";
import type { CodeVersion } from "./shapes/versioned.ts";

/** The workflow code of every shape at a code version (1 unless a scenario deployed 2), registered under the shape's name, and the workflows shapes start (children). */
export function workloadWorkflows(version: CodeVersion = 1): WorkflowMap {
  return { ...Object.fromEntries(WORKLOAD_SHAPES.map((shape) => [shape, SHAPES[shape].workflow])), ...shapesAtVersion(version), ...EXTRA_WORKFLOWS };
}

export { workloadActivities, OPERATIONS, OPERATION_NAMES, FORWARD_OPERATIONS, type KeyMode, type Operation, type WorkloadActivityOptions } from "./activities.ts";
export * from "./activity-options.ts";
export { planWorkload, WORKLOAD_WORKFLOWS_MAX, WORKFLOW_ID_DIGITS, type PlanOptions, type PlannedScheduleOp, type PlannedSignal, type PlannedStart, type WorkloadPlan } from "./plan.ts";
export { planSignals, SIGNAL_FATE_WEIGHTS, type SignalFate } from "./signal-plan.ts";
export { EXTRA_WORKFLOWS, SHAPES, type ShapeDefinition } from "./shapes/index.ts";
export { LINEAR_STEPS_MAX, LINEAR_STEPS_MIN, type LinearInput } from "./shapes/linear.ts";
export { SAGA_COMPENSATED, type SagaCompensatedDetails, type SagaInput, type SagaResult } from "./shapes/saga.ts";
export { FANOUT_BRANCHES_MAX, FANOUT_BRANCHES_MIN, FANOUT_JOIN_OPERATION, type FanoutInput, type FanoutResult } from "./shapes/fanout.ts";
export { TIMER_SLEEP_MS_MAX, TIMER_SLEEP_MS_MIN, type TimerInput, type TimerResult } from "./shapes/timer.ts";
export { CHAIN_RUNS_MAX, CHAIN_RUNS_MIN, type ChainInput } from "./shapes/chain.ts";
export {
  CHILD_STEPS_MAX,
  CHILD_STEPS_MIN,
  CHILD_STEPS_WORKFLOW,
  CHILDREN_MAX,
  CHILDREN_MIN,
  SIDECAR_CLOSE_POLICIES,
  SIDECAR_WORKFLOW,
  childWorkflowId,
  detachedChildWorkflowId,
  sidecarWorkflowId,
  type ChildParentInput,
  type ChildParentResult,
  type ChildStepsInput,
} from "./shapes/child.ts";
export { onScheduleGrid, SCHEDULE_OVERLAPS, type ScheduleShapeInput, type ScheduledWorkInput } from "./shapes/schedule.ts";
export { APPROVE_SIGNAL, CONFIRM_SIGNAL, PROGRESS_QUERY, type SignalProgress, SIGNAL_WAIT_TIMEOUT_MS, type SignalInput, type SignalPayload, type SignalResult, type WaitOutcome } from "./shapes/signal.ts";
export { DEPOSIT_UPDATE, UPDATE_AMOUNT_MAX, UPDATE_WINDOW_MS, depositRefusal, type DepositAnswer, type DepositArgs, type UpdateInput, type UpdateResult } from "./shapes/update.ts";
export { planUpdates, updateIdOf, UPDATE_REFUSED_PROBABILITY, UPDATES_PER_WORKFLOW_MAX, UPDATES_PER_WORKFLOW_MIN, type PlannedUpdate } from "./update-plan.ts";
export { OUTBOX_ROLLBACK_PROBABILITY, createOrdersTable, insertOrder, orderIdOf, selectOrders, type OutboxInput } from "./shapes/outbox.ts";
export { CODE_VERSIONS, VERSIONED_PATCH_ID, VERSIONED_PATCHED_STEP, VERSIONED_PAUSE_MS_MAX, VERSIONED_PAUSE_MS_MIN, versioned, versionedPatched, type CodeVersion, type VersionedInput, type VersionedResult } from "./shapes/versioned.ts";
export { DEADLINE_TIMED_OUT, UNSERVED_TASK_QUEUE, type DeadlineInput, type DeadlineStep } from "./shapes/deadline.ts";
export { STAGE_ATTRIBUTE, stageAfter } from "./shapes/stage.ts";
export { planVisibility, visibilityFilters, VISIBILITY_PAGES_MAX, type PlannedVisibilityCall } from "./visibility-plan.ts";
