/**
 * The event history: what a run's append-only log holds. Workflow code is
 * re-run against it (replay); the kinds below fall in three groups:
 *
 * - markers: WorkflowStarted (the run's input and random seed),
 *   WorkflowTaskCompleted (a workflow task's boundary: which events it had
 *   seen, and the time its code read), WorkflowTaskFailed;
 * - commands, recorded right after the WorkflowTaskCompleted of the task that
 *   issued them: ActivityScheduled, TimerStarted, TimerCancelled,
 *   ActivityCancelled, ChildWorkflowInitiated, ChildWorkflowCancelRequested,
 *   MarkerRecorded (a version patch the code took), WorkflowUpdateAccepted,
 *   WorkflowUpdateRejected, WorkflowUpdateCompleted, WorkflowCompleted, WorkflowFailed, WorkflowCancelled,
 *   WorkflowContinuedAsNew (the run closed and a new run of the same
 *   workflow id started, in the same transaction);
 * - resolutions, appended by whatever produced them and delivered to the
 *   workflow in order: ActivityCompleted, ActivityFailed, TimerFired,
 *   SignalReceived, WorkflowUpdateRequested, WorkflowCancelRequested, ChildWorkflowStarted and
 *   ChildWorkflowStartFailed (appended right after the decisions that
 *   initiated the child, in their transaction), ChildWorkflowCompleted and
 *   ChildWorkflowFailed (delivered once the child's last run closed).
 */
import type { ChildCloseStatus, FailureInfo } from "../errors.ts";
import type { ResolvedActivityOptions } from "../workflow/options.ts";

export interface EventDataByType {
  /**
   * `continuedFromRunId`: set on a run started by its predecessor's continue-as-new; `parent`: set on a
   * child workflow's runs (kept along a continue-as-new chain).
   */
  WorkflowStarted: {
    workflowId: string;
    workflowType: string;
    taskQueue: string;
    input: unknown;
    randomSeed: string;
    continuedFromRunId?: string;
    parent?: ParentRef;
  };
  WorkflowTaskCompleted: { processedUpTo: number; workerId: string };
  WorkflowTaskFailed: { failure: FailureInfo; attempt: number; workerId: string };
  ActivityScheduled: { seq: number; activityType: string; input: unknown; options: ResolvedActivityOptions };
  ActivityCompleted: { seq: number; result: unknown; attempt: number };
  ActivityFailed: { seq: number; failure: FailureInfo; attempt: number };
  ActivityCancelled: { seq: number };
  TimerStarted: { seq: number; durationMs: number; fireAtMs: number };
  TimerFired: { seq: number };
  TimerCancelled: { seq: number };
  /** The parent's decision to start a child: the child's run (`runId`) commits in the same transaction unless its id is taken. */
  ChildWorkflowInitiated: {
    seq: number;
    workflowId: string;
    runId: string;
    workflowType: string;
    taskQueue: string;
    input: unknown;
    parentClosePolicy: ParentClosePolicy;
  };
  ChildWorkflowStarted: { seq: number; workflowId: string; runId: string };
  /** The child's workflow id had a running run (`runningRunId`): nothing was started. */
  ChildWorkflowStartFailed: { seq: number; workflowId: string; runningRunId: string };
  /** The parent asked for the child's cancellation (its own cancellation reached a child it waits on). */
  ChildWorkflowCancelRequested: { seq: number; workflowId: string };
  /** `runId`: the child's last run (the one that closed, after any continue-as-new). */
  ChildWorkflowCompleted: { seq: number; runId: string; result: unknown };
  ChildWorkflowFailed: { seq: number; runId: string; status: ChildCloseStatus; failure: FailureInfo };
  /**
   * A marker: a fact the code recorded for its replays. `patch`: this run took the new code path of
   * `ctx.patched(patchId)` (or passed `ctx.deprecatePatch(patchId)`), so replays take it too.
   */
  MarkerRecorded:
    | { marker: "patch"; patchId: string }
    /** A local activity's outcome (ctx.localActivity), recorded with the decisions of the task that ran it; replay reads it back. */
    | { marker: "localActivity"; seq: number; activityType: string; attempt: number; result?: unknown; failure?: FailureInfo };
  SignalReceived: { name: string; payload: unknown };
  /** A client's update (client.update): delivered in order with signals; the code validates it, then applies and answers it. */
  WorkflowUpdateRequested: { updateId: string; name: string; args: unknown };
  WorkflowUpdateAccepted: { updateId: string };
  /** ctx.upsertSearchAttributes: merged into the run's indexed attributes with the decisions that record it. */
  SearchAttributesUpserted: { attributes: Record<string, string | number | boolean> };
  /** The validator refused it (or no handler has its name): nothing was applied. */
  WorkflowUpdateRejected: { updateId: string; failure: FailureInfo };
  /** The handler's answer: its result, or its failure. */
  WorkflowUpdateCompleted: { updateId: string; result?: unknown; failure?: FailureInfo };
  WorkflowCancelRequested: { reason: string };
  WorkflowCompleted: { result: unknown };
  WorkflowFailed: { failure: FailureInfo };
  WorkflowCancelled: { reason: string };
  /** Appended by termination (client.terminate, or a start with idConflictPolicy terminateExisting): the run's last event. */
  WorkflowTerminated: { reason: string };
  /** The run's last event: `newRunId` carries the workflow on, with `input`, as `workflowType` on `taskQueue`. */
  WorkflowContinuedAsNew: { newRunId: string; workflowType: string; taskQueue: string; input: unknown };
}

export type EventType = keyof EventDataByType;

/**
 * What a parent's close does to its running children: terminate them (the default, as in Temporal),
 * request their cancellation, or leave them running.
 */
export type ParentClosePolicy = "terminate" | "requestCancel" | "abandon";
export const PARENT_CLOSE_POLICIES: readonly ParentClosePolicy[] = ["terminate", "requestCancel", "abandon"];

/** A child run's parent: the run that initiated it, and the command's sequence number there. */
export interface ParentRef {
  workflowId: string;
  runId: string;
  seq: number;
}

export type HistoryEvent = {
  [K in EventType]: { eventId: number; type: K; atMs: number; data: EventDataByType[K] };
}[EventType];

export type EventOf<K extends EventType> = Extract<HistoryEvent, { type: K }>;

export const COMMAND_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  "ActivityScheduled",
  "TimerStarted",
  "TimerCancelled",
  "ActivityCancelled",
  "ChildWorkflowInitiated",
  "ChildWorkflowCancelRequested",
  "MarkerRecorded",
  "WorkflowUpdateAccepted",
  "WorkflowUpdateRejected",
  "WorkflowUpdateCompleted",
  "SearchAttributesUpserted",
  "WorkflowCompleted",
  "WorkflowFailed",
  "WorkflowCancelled",
  "WorkflowContinuedAsNew",
]);

export const RESOLUTION_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  "ActivityCompleted",
  "ActivityFailed",
  "TimerFired",
  "SignalReceived",
  "WorkflowUpdateRequested",
  "WorkflowCancelRequested",
  "ChildWorkflowStarted",
  "ChildWorkflowStartFailed",
  "ChildWorkflowCompleted",
  "ChildWorkflowFailed",
]);

export const TERMINAL_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(["WorkflowCompleted", "WorkflowFailed", "WorkflowCancelled", "WorkflowContinuedAsNew", "WorkflowTerminated"]);

/**
 * An event ready to append: its data as JSON text, so payloads that were
 * validated and encoded once are embedded as they are, not re-serialised.
 */
export interface NewEvent {
  type: EventType;
  dataJson: string;
}

/**
 * A finite number's JSON text (null's for null). For the hand-written JSON
 * of the per-step hot path (see activityCompletedData): JSON.stringify of a
 * small object costs about a microsecond on a 2-core bench machine, and a
 * step wrote about eight of them. Undefined is written as null. Throws
 * rather than write NaN or Infinity, which JSON.stringify would have turned
 * into null.
 */
export function jsonNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return "null";
  if (!Number.isFinite(n)) throw new TypeError(`not a finite number: ${n}`);
  return String(n);
}

/** Build a JSON object's text from plain fields plus fields whose values are already JSON text. */
export function jsonWithRaw(fields: Record<string, unknown>, encoded: Record<string, string> = {}): string {
  let text = JSON.stringify(fields);
  for (const [key, json] of Object.entries(encoded)) {
    text = `${text.slice(0, -1)}${text.length > 2 ? "," : ""}${JSON.stringify(key)}:${json}}`;
  }
  return text;
}

export function newEvent<K extends EventType>(type: K, data: EventDataByType[K]): NewEvent {
  return { type, dataJson: JSON.stringify(data) };
}
