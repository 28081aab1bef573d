/**
 * Named fault points and observations: where tests and the simulator look
 * into a worker and inject faults, without the worker knowing it is tested.
 *
 * A fault hook runs at each named point and may delay (return a promise),
 * or throw to abandon the task right there, as a crash would: nothing more
 * is written for it, its lease is not released, and it expires.
 */
import type { FailureInfo } from "../errors.ts";
import type { TaskKind } from "../store/queries.ts";

export type FaultPoint =
  | "task.afterClaim"
  | "activity.beforeRun"
  | "activity.afterRun"
  | "workflowTask.beforeComplete"
  | "timer.beforeFire";

export interface FaultContext {
  workerId: string;
  kind: TaskKind;
  taskId: number;
  runId: string;
  seq: number;
  attempt: number;
  leaseToken: number;
  activityType?: string;
}

export type FaultHook = (point: FaultPoint, context: FaultContext) => void | Promise<void>;

export type WorkerObservation =
  | { type: "claimed"; kind: TaskKind; taskId: number; runId: string; seq: number; attempt: number; leaseToken: number; activityType?: string; workflowId?: string }
  | { type: "activityCompleted"; taskId: number; runId: string; seq: number; attempt: number; leaseToken: number; activityType: string; workflowId: string }
  | { type: "activityFailed"; taskId: number; runId: string; seq: number; attempt: number; final: boolean; failure: FailureInfo; activityType: string; workflowId: string }
  | { type: "workflowTaskCompleted"; taskId: number; runId: string; commands: number }
  /** An activity's result recorded with the decisions its workflow made on it (inline decisions); taskId is the activity's. */
  | { type: "decisionsInlined"; taskId: number; runId: string; seq: number; commands: number }
  | { type: "workflowTaskFailed"; taskId: number; runId: string; failure: FailureInfo }
  | { type: "timerFired"; taskId: number; runId: string; seq: number }
  | { type: "leaseLost"; kind: TaskKind; taskId: number; runId: string; leaseToken: number }
  | { type: "abandoned"; kind: TaskKind; taskId: number; runId: string; reason: string };

export type WorkerObserver = (observation: WorkerObservation) => void;

/** Thrown by a fault hook to abandon the task, as a crash at that point would. */
export class AbandonTask extends Error {
  override name = "AbandonTask";
}
