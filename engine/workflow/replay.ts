/**
 * Deterministic replay: run a workflow function against its history and
 * return the decisions of the current workflow task.
 *
 * The history is cut into activations at WorkflowTaskCompleted events. Each
 * records `processedUpTo`, the last event its task had seen, so activation k
 * is the resolution events (activity results, timers, signals, cancellation)
 * with ids in (processedUpTo[k-1], processedUpTo[k]], and the commands
 * recorded right after WorkflowTaskCompleted k are what the code decided in
 * it. Replay delivers each activation's events in history order, lets the
 * code run until it blocks, and checks the commands it issued against the
 * recorded ones: a difference is a non-determinism error, reported, never
 * silently mixed. The last activation (events after the last recorded one)
 * is live: its commands are the new decisions.
 *
 * Events that arrive while a task runs land after its processedUpTo and
 * belong to the next activation, which is why a workflow task never has to
 * conflict with concurrent activity completions.
 */
import { assert } from "../assert.ts";
import { NonDeterminismError, type FailureInfo, type RatchetError } from "../errors.ts";
import { COMMAND_EVENT_TYPES, RESOLUTION_EVENT_TYPES, type EventOf, type HistoryEvent } from "../history/events.ts";
import type { Logger } from "../ports/logger.ts";
import { COMMAND_EVENT, type Command } from "./commands.ts";
import { WorkflowRuntime, type LocalActivityRequest, type LocalOutcome, type RecordedDecisions } from "./runtime.ts";
import { settle } from "./settle.ts";
import type { WorkflowFunction, WorkflowInfo } from "./types.ts";

export interface ReplayInput {
  info: WorkflowInfo;
  fn: WorkflowFunction;
  history: HistoryEvent[];
  /** The time the live activation's code reads (recorded with its WorkflowTaskCompleted). */
  nowMs: number;
  /** Activities this worker runs on the workflow's own queue, to reject typos before they are scheduled. */
  knownActivityTypes?: ReadonlySet<string>;
  logger?: Logger;
  /**
   * Resolves once workflow code has run until it blocks. Default: one turn of
   * the event loop (settle.ts). The simulator passes one that resolves as an
   * event of its own scheduler, so it knows when the code is done.
   */
  settle?: () => Promise<void>;
  /**
   * Runs the local activities the live activation's code asks for (the worker
   * passes one); without it they stay pending. Replayed activations never
   * run them: their recorded markers answer.
   */
  runLocalActivities?: LocalActivityExecutor;
}

/** Runs local activity requests; resolves with one outcome per request, in order. */
export type LocalActivityExecutor = (requests: readonly LocalActivityRequest[]) => Promise<LocalOutcome[]>;

/**
 * Deliver local activity outcomes until the code asks for no more: each
 * batch of requests is answered (by `answer`: the executor live, the
 * recorded markers on replay), then delivered one at a time in sequence
 * order, the code running on after each — the same order live and replayed.
 */
async function settleLocalActivities(runtime: WorkflowRuntime, settleFn: () => Promise<void>, answer: ((requests: readonly LocalActivityRequest[]) => Promise<LocalOutcome[]>) | undefined): Promise<void> {
  for (;;) {
    if (!answer || runtime.fatal || runtime.terminal) return;
    const requests = runtime.takeLocalRequests();
    if (requests.length === 0) return;
    const outcomes = await answer(requests);
    for (const [i, request] of requests.entries()) {
      runtime.resolveLocal(request, outcomes[i]!);
      await settleFn();
      if (runtime.fatal) return;
    }
  }
}

export type ReplayOutcome =
  | { kind: "decided"; commands: Command[]; processedUpTo: number; execution: WorkflowExecution }
  | { kind: "taskFailed"; error: RatchetError };

/**
 * A workflow's code, alive: its runtime after the activations it has seen.
 * A worker may keep one after a workflow task (a sticky cache, as Temporal's
 * workers do) and, for the run's next task, deliver only the events that
 * came after `processedUpTo` instead of replaying the whole history. That is
 * only sound when nothing but this execution's own decisions and new
 * resolutions were written since: the caller checks the run's version.
 */
export class WorkflowExecution {
  /** The last history event this execution's code has seen (its activation boundary). */
  processedUpTo: number;
  private terminated = false;

  constructor(
    readonly runtime: WorkflowRuntime,
    processedUpTo: number,
    private readonly settleFn: () => Promise<void>,
  ) {
    this.processedUpTo = processedUpTo;
  }

  /** True once the code ended or failed the task: such an execution cannot continue. */
  get finished(): boolean {
    return this.terminated || this.runtime.terminal || this.runtime.fatal !== undefined;
  }

  /**
   * The next activation, live: deliver the resolution events in `events`
   * after processedUpTo (the caller's delta of the history, which may also
   * hold this execution's own recorded decisions), and return the commands
   * the code issues.
   */
  async continueWith(events: readonly HistoryEvent[], nowMs: number, runLocal?: LocalActivityExecutor): Promise<ReplayOutcome> {
    assert(!this.finished, "continuing a finished workflow execution");
    const last = events.at(-1)?.eventId ?? this.processedUpTo;
    this.runtime.beginActivation(nowMs, false, last);
    for (const event of events) if (event.eventId > this.processedUpTo && RESOLUTION_EVENT_TYPES.has(event.type)) this.runtime.deliver(event);
    await this.settleFn();
    await settleLocalActivities(this.runtime, this.settleFn, runLocal);
    if (this.runtime.fatal) {
      this.terminated = true;
      return { kind: "taskFailed", error: this.runtime.fatal };
    }
    this.processedUpTo = last;
    return { kind: "decided", commands: this.runtime.takeCommands(), processedUpTo: last, execution: this };
  }
}

interface Activation {
  atMs: number;
  /** The history's length as the activation's code saw it (its task's processedUpTo). */
  historyLength: number;
  events: HistoryEvent[];
  /** Commands recorded for this activation; undefined for the live one. */
  recorded?: HistoryEvent[];
  /** The WorkflowTaskCompleted event that closed it. */
  boundaryEventId?: number;
}

export function splitActivations(history: HistoryEvent[], nowMs: number): Activation[] {
  const activations: Activation[] = [];
  let seenUpTo = 1; // event 1 is WorkflowStarted
  for (let i = 0; i < history.length; i++) {
    const event = history[i]!;
    assert(event.eventId === i + 1, `history is not contiguous at index ${i}: event id ${event.eventId}`);
    if (event.type !== "WorkflowTaskCompleted") continue;
    const upTo = event.data.processedUpTo;
    assert(upTo >= seenUpTo && upTo < event.eventId, `WorkflowTaskCompleted ${event.eventId} has processedUpTo ${upTo} out of order`);
    const recorded: HistoryEvent[] = [];
    for (let j = i + 1; j < history.length && COMMAND_EVENT_TYPES.has(history[j]!.type); j++) recorded.push(history[j]!);
    activations.push({ atMs: event.atMs, historyLength: upTo, events: resolutionsIn(history, seenUpTo, upTo), recorded, boundaryEventId: event.eventId });
    seenUpTo = upTo;
  }
  activations.push({ atMs: nowMs, historyLength: history.length, events: resolutionsIn(history, seenUpTo, history.length) });
  return activations;
}

function resolutionsIn(history: HistoryEvent[], afterId: number, upToId: number): HistoryEvent[] {
  return history.slice(afterId, upToId).filter((e) => RESOLUTION_EVENT_TYPES.has(e.type));
}

export async function replayWorkflowTask(input: ReplayInput): Promise<ReplayOutcome> {
  const first = input.history[0];
  assert(first !== undefined && first.type === "WorkflowStarted", "history must begin with WorkflowStarted");
  const started = first as EventOf<"WorkflowStarted">;
  const activations = splitActivations(input.history, input.nowMs);
  const from = started.data.continuedFromRunId;
  const parent = started.data.parent;
  const info = { ...input.info, ...(from === undefined ? {} : { continuedFromRunId: from }), ...(parent === undefined ? {} : { parent }) };
  const runtime = new WorkflowRuntime(info, started.data.randomSeed, input.knownActivityTypes, input.logger);

  for (let k = 0; k < activations.length; k++) {
    const activation = activations[k]!;
    const recorded = activation.recorded === undefined ? undefined : recordedDecisions(activation.recorded);
    runtime.beginActivation(activation.atMs, recorded !== undefined, activation.historyLength, recorded);
    if (k === 0) runtime.start(input.fn, started.data.input);
    for (const event of activation.events) runtime.deliver(event);
    await (input.settle ?? settle)();
    await settleLocalActivities(runtime, input.settle ?? settle, recorded === undefined ? input.runLocalActivities : (requests) => Promise.resolve(recordedOutcomes(requests, recorded, input.info, runtime)));
    if (runtime.fatal) return { kind: "taskFailed", error: runtime.fatal };
    const issued = runtime.takeCommands();
    if (activation.recorded === undefined) {
      const execution = new WorkflowExecution(runtime, input.history.length, input.settle ?? settle);
      return { kind: "decided", commands: issued, processedUpTo: input.history.length, execution };
    }
    const mismatch = compareCommands(issued, activation.recorded, input.info, activation.boundaryEventId!);
    if (mismatch) return { kind: "taskFailed", error: mismatch };
  }
  throw new Error("unreachable: the last activation is always live");
}

/** A replayed activation's local activity outcomes, from its markers; one the code asks for that it lacks is non-determinism. */
function recordedOutcomes(requests: readonly LocalActivityRequest[], recorded: RecordedDecisions, info: WorkflowInfo, runtime: WorkflowRuntime): LocalOutcome[] {
  return requests.map((r) => {
    const outcome = recorded.localActivities.get(r.seq);
    if (outcome) return outcome;
    runtime.fatal ??= new NonDeterminismError(`replaying the workflow code ran local activity ${r.activityType} (seq ${r.seq}), which the history does not record`, {
      workflowId: info.workflowId,
      runId: info.runId,
      seq: r.seq,
    });
    return { attempt: 0, failure: { type: "NonDeterminismError", message: "not recorded" } };
  });
}

/** What a replayed activation recorded that the code must follow rather than decide again: patches taken, updates accepted or rejected. */
function recordedDecisions(recorded: HistoryEvent[]): RecordedDecisions {
  const patches = new Set<string>();
  const updates = new Map<string, { accepted: true } | { accepted: false; failure: FailureInfo }>();
  const localActivities = new Map<number, LocalOutcome>();
  for (const e of recorded) {
    if (e.type === "MarkerRecorded" && e.data.marker === "patch") patches.add(e.data.patchId);
    if (e.type === "MarkerRecorded" && e.data.marker === "localActivity") {
      const d = e.data;
      localActivities.set(d.seq, d.failure === undefined ? { attempt: d.attempt, resultJson: JSON.stringify(d.result ?? null) } : { attempt: d.attempt, failure: d.failure });
    }
    if (e.type === "WorkflowUpdateAccepted") updates.set(e.data.updateId, { accepted: true });
    if (e.type === "WorkflowUpdateRejected") updates.set(e.data.updateId, { accepted: false, failure: e.data.failure });
  }
  return { patches, updates, localActivities };
}

function describeCommand(c: Command): string {
  switch (c.type) {
    case "ScheduleActivity":
      return `ScheduleActivity(seq ${c.seq}, ${c.activityType})`;
    case "StartTimer":
    case "CancelTimer":
    case "CancelActivity":
    case "RequestCancelChild":
      return `${c.type}(seq ${c.seq})`;
    case "StartChildWorkflow":
      return `StartChildWorkflow(seq ${c.seq}, ${c.workflowType}, ${JSON.stringify(c.workflowId)})`;
    case "RecordPatch":
      return `RecordPatch(${JSON.stringify(c.patchId)})`;
    case "RecordLocalActivity":
      return `RecordLocalActivity(seq ${c.seq}, ${c.activityType})`;
    case "AcceptUpdate":
    case "RejectUpdate":
    case "CompleteUpdate":
    case "FailUpdate":
      return `${c.type}(${JSON.stringify(c.updateId)})`;
    default:
      return c.type;
  }
}

function describeEvent(e: HistoryEvent): string {
  switch (e.type) {
    case "ActivityScheduled":
      return `${e.type}(seq ${e.data.seq}, ${e.data.activityType}) at event ${e.eventId}`;
    case "TimerStarted":
    case "TimerCancelled":
    case "ActivityCancelled":
    case "ChildWorkflowCancelRequested":
      return `${e.type}(seq ${e.data.seq}) at event ${e.eventId}`;
    case "ChildWorkflowInitiated":
      return `${e.type}(seq ${e.data.seq}, ${e.data.workflowType}, ${JSON.stringify(e.data.workflowId)}) at event ${e.eventId}`;
    case "MarkerRecorded":
      return e.data.marker === "patch"
        ? `${e.type}(patch ${JSON.stringify(e.data.patchId)}) at event ${e.eventId}`
        : `${e.type}(localActivity seq ${e.data.seq}, ${e.data.activityType}) at event ${e.eventId}`;
    case "WorkflowUpdateAccepted":
    case "WorkflowUpdateRejected":
    case "WorkflowUpdateCompleted":
      return `${e.type}(${JSON.stringify(e.data.updateId)}) at event ${e.eventId}`;
    default:
      return `${e.type} at event ${e.eventId}`;
  }
}

function sameCommand(c: Command, e: HistoryEvent): boolean {
  if (COMMAND_EVENT[c.type] !== e.type) return false;
  switch (c.type) {
    case "ScheduleActivity":
      return e.type === "ActivityScheduled" && e.data.seq === c.seq && e.data.activityType === c.activityType;
    case "StartTimer":
      return e.type === "TimerStarted" && e.data.seq === c.seq;
    case "CancelTimer":
      return e.type === "TimerCancelled" && e.data.seq === c.seq;
    case "CancelActivity":
      return e.type === "ActivityCancelled" && e.data.seq === c.seq;
    case "StartChildWorkflow":
      return e.type === "ChildWorkflowInitiated" && e.data.seq === c.seq && e.data.workflowType === c.workflowType && e.data.workflowId === c.workflowId;
    case "RequestCancelChild":
      return e.type === "ChildWorkflowCancelRequested" && e.data.seq === c.seq;
    case "UpsertSearchAttributes":
      return e.type === "SearchAttributesUpserted";
    case "RecordLocalActivity":
      return e.type === "MarkerRecorded" && e.data.marker === "localActivity" && e.data.seq === c.seq && e.data.activityType === c.activityType;
    case "RecordPatch":
      return e.type === "MarkerRecorded" && e.data.marker === "patch" && e.data.patchId === c.patchId;
    case "AcceptUpdate":
    case "RejectUpdate":
      return (e.type === "WorkflowUpdateAccepted" || e.type === "WorkflowUpdateRejected") && e.data.updateId === c.updateId;
    case "CompleteUpdate":
      return e.type === "WorkflowUpdateCompleted" && e.data.updateId === c.updateId && e.data.failure === undefined;
    case "FailUpdate":
      return e.type === "WorkflowUpdateCompleted" && e.data.updateId === c.updateId && e.data.failure !== undefined;
    default:
      return true;
  }
}

/**
 * Compare the commands replay issued with those recorded, in order. A
 * recorded patch marker the code did not issue is passed over: the code no
 * longer calls deprecatePatch() for it, which is how a patch is retired.
 */
function compareCommands(issued: Command[], recorded: HistoryEvent[], info: WorkflowInfo, boundaryEventId: number): NonDeterminismError | undefined {
  for (let i = 0, j = 0; i < issued.length || j < recorded.length; i++, j++) {
    const c = issued[i];
    let e = recorded[j];
    while (e?.type === "MarkerRecorded" && e.data.marker === "patch" && !(c && sameCommand(c, e))) e = recorded[++j];
    if (!c && !e) return undefined;
    const ids = { workflowId: info.workflowId, runId: info.runId, workflowTaskEventId: boundaryEventId };
    if (c && e && sameCommand(c, e)) continue;
    if (!c) {
      return new NonDeterminismError(`history records ${describeEvent(e!)}, but replaying the workflow code did not issue it`, { ...ids, eventId: e!.eventId, expected: e!.type });
    }
    if (!e) {
      return new NonDeterminismError(`replaying the workflow code issued ${describeCommand(c)}, which the history does not record after workflow task event ${boundaryEventId}`, {
        ...ids,
        actual: describeCommand(c),
      });
    }
    return new NonDeterminismError(`history records ${describeEvent(e)}, but replaying the workflow code issued ${describeCommand(c)}`, {
      ...ids,
      eventId: e.eventId,
      expected: describeEvent(e),
      actual: describeCommand(c),
    });
  }
  return undefined;
}
