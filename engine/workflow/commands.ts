/**
 * Commands: what a workflow task decides. The runtime collects them from
 * workflow code; the store turns them into events and tasks in the one
 * transaction that completes the workflow task. Each maps to exactly one
 * history event of the same meaning.
 */
import type { FailureInfo } from "../errors.ts";
import { jsonNumber, jsonWithRaw, newEvent, type EventType, type NewEvent, type ParentClosePolicy } from "../history/events.ts";
import type { ResolvedActivityOptions } from "./options.ts";

export type Command =
  | { type: "ScheduleActivity"; seq: number; activityType: string; inputJson: string; options: ResolvedActivityOptions }
  | { type: "StartTimer"; seq: number; durationMs: number }
  | { type: "CancelTimer"; seq: number }
  | { type: "CancelActivity"; seq: number }
  /** The child's run id and seed come from the parent run's seeded PRNG, like continue-as-new's. */
  | {
      type: "StartChildWorkflow";
      seq: number;
      workflowId: string;
      workflowType: string;
      taskQueue: string;
      inputJson: string;
      parentClosePolicy: ParentClosePolicy;
      runId: string;
      randomSeed: string;
      /** The child's search attributes, as JSON text; absent when none. */
      searchAttributesJson?: string;
    }
  | { type: "RequestCancelChild"; seq: number; workflowId: string }
  /** Markers take no sequence number: a history recorded before the code called patched() has none to shift. */
  | { type: "RecordPatch"; patchId: string }
  | { type: "UpsertSearchAttributes"; attributesJson: string }
  /** A local activity's outcome, recorded as a marker when it is delivered to the code. */
  | { type: "RecordLocalActivity"; seq: number; activityType: string; attempt: number; resultJson?: string; failure?: FailureInfo }
  | { type: "AcceptUpdate"; updateId: string }
  | { type: "RejectUpdate"; updateId: string; failure: FailureInfo }
  | { type: "CompleteUpdate"; updateId: string; resultJson: string }
  | { type: "FailUpdate"; updateId: string; failure: FailureInfo }
  | { type: "CompleteWorkflow"; resultJson: string }
  | { type: "FailWorkflow"; failure: FailureInfo }
  | { type: "CancelWorkflow"; reason: string }
  /** The new run's id and seed are drawn from the run's seeded PRNG, so replay issues the same command. */
  | { type: "ContinueAsNew"; workflowType: string; taskQueue: string; inputJson: string; newRunId: string; randomSeed: string };

export const COMMAND_EVENT: Record<Command["type"], EventType> = {
  ScheduleActivity: "ActivityScheduled",
  StartTimer: "TimerStarted",
  CancelTimer: "TimerCancelled",
  CancelActivity: "ActivityCancelled",
  StartChildWorkflow: "ChildWorkflowInitiated",
  RequestCancelChild: "ChildWorkflowCancelRequested",
  RecordPatch: "MarkerRecorded",
  UpsertSearchAttributes: "SearchAttributesUpserted",
  RecordLocalActivity: "MarkerRecorded",
  AcceptUpdate: "WorkflowUpdateAccepted",
  RejectUpdate: "WorkflowUpdateRejected",
  CompleteUpdate: "WorkflowUpdateCompleted",
  FailUpdate: "WorkflowUpdateCompleted",
  CompleteWorkflow: "WorkflowCompleted",
  FailWorkflow: "WorkflowFailed",
  CancelWorkflow: "WorkflowCancelled",
  ContinueAsNew: "WorkflowContinuedAsNew",
};

export function isTerminal(command: Command): boolean {
  return command.type === "CompleteWorkflow" || command.type === "FailWorkflow" || command.type === "CancelWorkflow" || command.type === "ContinueAsNew";
}

/**
 * How many events recording `commands` appends after its WorkflowTaskCompleted:
 * one per command, plus, while the run stays open, the ChildWorkflowStarted or
 * ChildWorkflowStartFailed that each child start appends in the same transaction.
 */
export function eventsRecorded(commands: readonly Command[]): number {
  if (commands.some(isTerminal)) return commands.length;
  return commands.length + commands.filter((c) => c.type === "StartChildWorkflow").length;
}

/**
 * ActivityScheduled's data, written by hand (the text jsonWithRaw would
 * write: `{seq, activityType, options}` then the input), with the options'
 * JSON given so a caller that also needs it serialises them once.
 */
export function activityScheduledData(cmd: Extract<Command, { type: "ScheduleActivity" }>, optionsJson: string): string {
  return `{"seq":${jsonNumber(cmd.seq)},"activityType":${JSON.stringify(cmd.activityType)},"options":${optionsJson},"input":${cmd.inputJson}}`;
}

/** The history event recording a command, as the workflow task that issued it at `nowMs` appends it. */
export function commandEvent(cmd: Command, nowMs: number): NewEvent {
  switch (cmd.type) {
    case "ScheduleActivity":
      return { type: "ActivityScheduled", dataJson: activityScheduledData(cmd, JSON.stringify(cmd.options)) };
    case "StartTimer":
      return newEvent("TimerStarted", { seq: cmd.seq, durationMs: cmd.durationMs, fireAtMs: nowMs + cmd.durationMs });
    case "CancelTimer":
      return newEvent("TimerCancelled", { seq: cmd.seq });
    case "CancelActivity":
      return newEvent("ActivityCancelled", { seq: cmd.seq });
    case "StartChildWorkflow":
      return {
        type: "ChildWorkflowInitiated",
        dataJson: jsonWithRaw(
          { seq: cmd.seq, workflowId: cmd.workflowId, runId: cmd.runId, workflowType: cmd.workflowType, taskQueue: cmd.taskQueue, parentClosePolicy: cmd.parentClosePolicy },
          { input: cmd.inputJson, ...(cmd.searchAttributesJson === undefined ? {} : { searchAttributes: cmd.searchAttributesJson }) },
        ),
      };
    case "RequestCancelChild":
      return newEvent("ChildWorkflowCancelRequested", { seq: cmd.seq, workflowId: cmd.workflowId });
    case "RecordPatch":
      return newEvent("MarkerRecorded", { marker: "patch", patchId: cmd.patchId });
    case "RecordLocalActivity": {
      const fields = { marker: "localActivity", seq: cmd.seq, activityType: cmd.activityType, attempt: cmd.attempt };
      return cmd.resultJson === undefined
        ? { type: "MarkerRecorded", dataJson: JSON.stringify({ ...fields, failure: cmd.failure }) }
        : { type: "MarkerRecorded", dataJson: jsonWithRaw(fields, { result: cmd.resultJson }) };
    }
    case "UpsertSearchAttributes":
      return { type: "SearchAttributesUpserted", dataJson: jsonWithRaw({}, { attributes: cmd.attributesJson }) };
    case "AcceptUpdate":
      return newEvent("WorkflowUpdateAccepted", { updateId: cmd.updateId });
    case "RejectUpdate":
      return newEvent("WorkflowUpdateRejected", { updateId: cmd.updateId, failure: cmd.failure });
    case "CompleteUpdate":
      return { type: "WorkflowUpdateCompleted", dataJson: jsonWithRaw({ updateId: cmd.updateId }, { result: cmd.resultJson }) };
    case "FailUpdate":
      return newEvent("WorkflowUpdateCompleted", { updateId: cmd.updateId, failure: cmd.failure });
    case "CompleteWorkflow":
      return { type: "WorkflowCompleted", dataJson: jsonWithRaw({}, { result: cmd.resultJson }) };
    case "FailWorkflow":
      return newEvent("WorkflowFailed", { failure: cmd.failure });
    case "CancelWorkflow":
      return newEvent("WorkflowCancelled", { reason: cmd.reason });
    case "ContinueAsNew":
      return { type: "WorkflowContinuedAsNew", dataJson: jsonWithRaw({ newRunId: cmd.newRunId, workflowType: cmd.workflowType, taskQueue: cmd.taskQueue }, { input: cmd.inputJson }) };
  }
}
