/**
 * Lookups over a recorded run that several checkers share: grouping, runs by
 * id, the workflow a run belongs to, the run an accepted start created, the
 * runs a continue-as-new or a child start carried on to, the activity and
 * timer steps of a history, and worker observations by type.
 * All pure functions of the record; none of them judges anything.
 */
import type { EventType, HistoryEvent, ParentRef, WorkerObservation } from "../../engine/index.ts";
import type { FinalRun, ObservationRecord, SimRecord, StartRecord } from "../model.ts";

/** Shown where a violation must name a workflow but nothing in the record says which one. */
export const UNKNOWN_WORKFLOW_ID = "(unknown workflow)";

export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** The name a step goes by in idempotency keys and effect records: `runId:seq` (the engine's ctx.idempotencyKey). */
export function stepId(runId: string, seq: number): string {
  return `${runId}:${seq}`;
}

/** The run id inside a step id (run ids are UUIDs: the last colon separates the seq). */
export function runIdOfStep(step: string): string {
  const colon = step.lastIndexOf(":");
  return colon < 0 ? step : step.slice(0, colon);
}

/** The seq of a step id (NaN if it has none). */
export function seqOfStep(step: string): number {
  return Number(step.slice(step.lastIndexOf(":") + 1));
}

export function runsById(record: SimRecord): Map<string, FinalRun> {
  return new Map(record.finalRuns.map((run) => [run.runId, run]));
}

/**
 * The run an accepted start created: the one with the runId start() returned;
 * if the recorder kept no runId, any run of the workflow id.
 */
export function runOfStart(start: StartRecord, runs: ReadonlyMap<string, FinalRun>, finalRuns: readonly FinalRun[]): FinalRun | undefined {
  if (start.runId !== undefined) return runs.get(start.runId);
  const ofWorkflow = finalRuns.filter((run) => run.workflowId === start.workflowId);
  // A start creates a chain's first run, never one that continue-as-new started.
  return ofWorkflow.find((run) => continuedFromOf(run) === undefined) ?? ofWorkflow[0];
}

/** The run whose continue-as-new started `run`, as its WorkflowStarted names it; undefined for a started run. */
export function continuedFromOf(run: FinalRun): string | undefined {
  const first = run.history[0];
  return first?.type === "WorkflowStarted" ? first.data.continuedFromRunId : undefined;
}

/** The run `run` continued as, as its last event names it; undefined unless it closed by continuing as new. */
export function continuedAsOf(run: FinalRun): string | undefined {
  const last = run.history.at(-1);
  return last?.type === "WorkflowContinuedAsNew" ? last.data.newRunId : undefined;
}

/** `run` and the runs that carry its workflow on after it (continue-as-new), as far as they are in `runs`. */
export function chainFrom(run: FinalRun, runs: ReadonlyMap<string, FinalRun>): FinalRun[] {
  const chain = [run];
  const seen = new Set([run.runId]);
  for (let next = continuedAsOf(run); next !== undefined && !seen.has(next); ) {
    const successor = runs.get(next);
    if (!successor) break;
    chain.push(successor);
    seen.add(next);
    next = continuedAsOf(successor);
  }
  return chain;
}

/** The parent a child workflow's run names in its WorkflowStarted (kept along a continue-as-new chain); undefined for any other run. */
export function parentOf(run: FinalRun): ParentRef | undefined {
  const first = run.history[0];
  return first?.type === "WorkflowStarted" ? first.data.parent : undefined;
}

export type ChildInitiatedEvent = Extract<HistoryEvent, { type: "ChildWorkflowInitiated" }>;

/** A parent's decision to start a child, and whether its history says the start failed (the child's id was taken). */
export interface ChildInitiation {
  initiated: ChildInitiatedEvent;
  startFailed: boolean;
}

/** The children a run decided to start, in history order. */
export function childInitiationsOf(run: FinalRun): ChildInitiation[] {
  const failed = new Set(run.history.flatMap((e) => (e.type === "ChildWorkflowStartFailed" ? [e.data.seq] : [])));
  return run.history.flatMap((e) => (e.type === "ChildWorkflowInitiated" ? [{ initiated: e, startFailed: failed.has(e.data.seq) }] : []));
}

/** The ChildWorkflowInitiated of `seq` in `parent`'s history, if any. */
export function childInitiatedAt(parent: FinalRun, seq: number): ChildInitiatedEvent | undefined {
  return parent.history.find((e): e is ChildInitiatedEvent => e.type === "ChildWorkflowInitiated" && e.data.seq === seq);
}

/** The runs of the child an initiation started, its continue-as-new chain whole as far as it is in `runs`; none if the start failed or the run is missing. */
export function childChainOf(initiation: ChildInitiation, runs: ReadonlyMap<string, FinalRun>): FinalRun[] {
  const first = initiation.startFailed ? undefined : runs.get(initiation.initiated.data.runId);
  return first ? chainFrom(first, runs) : [];
}

/** The runs of every child `run` started, each child's chain whole (see childChainOf). */
export function childRunsOf(run: FinalRun, runs: ReadonlyMap<string, FinalRun>): FinalRun[] {
  return childInitiationsOf(run).flatMap((initiation) => childChainOf(initiation, runs));
}

/** The ids of the schedules the driver created with a create of one of these outcomes. */
export function schedulesCreated(record: SimRecord, outcomes: ReadonlyArray<StartRecord["outcome"]>): Set<string> {
  return new Set(record.schedules.filter((op) => op.op === "create" && outcomes.includes(op.outcome)).map((op) => op.scheduleId));
}

/**
 * Every distinct run that a start with outcome "ok" created (two starts may
 * share one run: useExisting), the runs that continued it as new, and the
 * runs of the child workflows any of these started (and theirs, and so on),
 * and the runs that schedules the driver created (create ok) started.
 */
export function acceptedRuns(record: SimRecord): FinalRun[] {
  const runs = runsById(record);
  const accepted = new Map<string, FinalRun>();
  const toVisit: FinalRun[] = [];
  const add = (r: FinalRun) => {
    if (accepted.has(r.runId)) return;
    accepted.set(r.runId, r);
    toVisit.push(r);
  };
  for (const start of record.starts) {
    if (start.outcome !== "ok") continue;
    const run = runOfStart(start, runs, record.finalRuns);
    if (run) chainFrom(run, runs).forEach(add);
  }
  const created = schedulesCreated(record, ["ok"]);
  for (const run of record.finalRuns) if (run.schedule && created.has(run.schedule.scheduleId)) add(run);
  // Each run is visited once (accepted holds it before it is queued), so this ends within finalRuns.length steps.
  for (let next = toVisit.pop(); next !== undefined; next = toVisit.pop()) childRunsOf(next, runs).forEach(add);
  return [...accepted.values()];
}

/** Which workflow a run id belongs to, from whatever in the record says so (final runs first). */
export function workflowIdLookup(record: SimRecord): (runId: string) => string {
  const byRun = new Map<string, string>();
  for (const o of record.observations) {
    if ("workflowId" in o.observation && o.observation.workflowId !== undefined) byRun.set(o.observation.runId, o.observation.workflowId);
  }
  for (const start of record.starts) if (start.runId !== undefined) byRun.set(start.runId, start.workflowId);
  for (const run of record.finalRuns) byRun.set(run.runId, run.workflowId);
  return (runId) => byRun.get(runId) ?? UNKNOWN_WORKFLOW_ID;
}

// ---------------------------------------------------------------------------
// Steps: what happened to each activity and timer command of a run.

export type StepKind = "activity" | "timer";
/** The events that belong to one command by its seq. */
export type StepEvent = Extract<HistoryEvent, { data: { seq: number } }>;

type StepRole = "command" | "result" | "cancellation";

/** Which step, and which part of it, each seq-carrying event type records. */
const STEP_ROLE: Partial<Record<EventType, { kind: StepKind; role: StepRole }>> = {
  ActivityScheduled: { kind: "activity", role: "command" },
  ActivityCompleted: { kind: "activity", role: "result" },
  ActivityFailed: { kind: "activity", role: "result" },
  ActivityCancelled: { kind: "activity", role: "cancellation" },
  TimerStarted: { kind: "timer", role: "command" },
  TimerFired: { kind: "timer", role: "result" },
  TimerCancelled: { kind: "timer", role: "cancellation" },
};

export interface Step {
  kind: StepKind;
  seq: number;
  /** ActivityScheduled / TimerStarted (the first, if a broken history holds several). */
  command: StepEvent | undefined;
  /** ActivityCompleted and ActivityFailed / TimerFired, in history order. */
  results: StepEvent[];
  /** ActivityCancelled / TimerCancelled, in history order. */
  cancellations: StepEvent[];
}

/** The activity and timer steps of a history, in order of their first event. */
export function stepsOf(history: readonly HistoryEvent[]): Step[] {
  const steps = new Map<string, Step>();
  for (const event of history) {
    const place = STEP_ROLE[event.type];
    if (!place) continue;
    const seqEvent = event as StepEvent;
    const key = `${place.kind}:${seqEvent.data.seq}`;
    let step = steps.get(key);
    if (!step) {
      step = { kind: place.kind, seq: seqEvent.data.seq, command: undefined, results: [], cancellations: [] };
      steps.set(key, step);
    }
    if (place.role === "command") step.command ??= seqEvent;
    else if (place.role === "result") step.results.push(seqEvent);
    else step.cancellations.push(seqEvent);
  }
  return [...steps.values()];
}

type MarkerEvent = Extract<HistoryEvent, { type: "MarkerRecorded" }>;
export type LocalMarkerEvent = MarkerEvent & { data: Extract<MarkerEvent["data"], { marker: "localActivity" }> };

/** The local activity markers of a history (ctx.localActivity's recorded outcomes), in history order. */
export function localMarkersOf(history: readonly HistoryEvent[]): LocalMarkerEvent[] {
  return history.filter((e): e is LocalMarkerEvent => e.type === "MarkerRecorded" && e.data.marker === "localActivity");
}

/** A step with a command but neither a result nor a cancellation: still owed an outcome, or abandoned by its run's close. */
export function isPending(step: Step): boolean {
  return step.command !== undefined && step.results.length === 0 && step.cancellations.length === 0;
}

// ---------------------------------------------------------------------------
// Observations.

export type ObservationType = WorkerObservation["type"];
export type ObservationOf<T extends ObservationType> = ObservationRecord & { observation: Extract<WorkerObservation, { type: T }> };

export function observationsOfType<T extends ObservationType>(record: SimRecord, type: T): Array<ObservationOf<T>> {
  return record.observations.filter((o): o is ObservationOf<T> => o.observation.type === type);
}

/** Who reported an observation: one worker process (a restart starts a new incarnation). */
export function incarnationOf(o: ObservationRecord): string {
  return `${o.worker}#${o.incarnation}`;
}

/** Activity claims by step id (`runId:seq`), in record order. */
export type ClaimsByStep = ReadonlyMap<string, ReadonlyArray<ObservationOf<"claimed">>>;

export function activityClaimsByStep(record: SimRecord): ClaimsByStep {
  const claims = observationsOfType(record, "claimed").filter((c) => c.observation.kind === "activity");
  return groupBy(claims, (c) => stepId(c.observation.runId, c.observation.seq));
}
