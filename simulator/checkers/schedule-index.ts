/**
 * Lookups over a recorded run's schedules (the schedule shape): what the
 * driver created and did to each, the runs each started, which of those a
 * trigger started, and when a run was certainly running in true virtual
 * time. Pure functions of the record; none of them judges anything.
 */
import type { FinalRun, ScheduleDescriptionRecord, ScheduleOpRecord, SimRecord, SimScheduleSpec } from "../model.ts";
import { continuedFromOf, groupBy, observationsOfType, stepId, stepsOf } from "./record-index.ts";

export interface SimSchedule {
  scheduleId: string;
  spec: SimScheduleSpec;
  /** When the driver first and last sent its create (a retry may be the one that landed). */
  firstCreateAtMs: number;
  lastCreateAtMs: number;
  /** Every call the driver made on it, create included, in order. */
  ops: ScheduleOpRecord[];
  /** The first runs (not continued from another) of the workflows it started, in the order they were inserted (run_seq). */
  runs: FinalRun[];
  /** The last describe that answered, if any (the driver describes at the liveness deadline). */
  finalDescription: { atMs: number; description: ScheduleDescriptionRecord } | undefined;
}

/** Every schedule whose create the driver sent and that may exist (a create answered ok or ambiguously). */
export function schedulesOf(record: SimRecord): SimSchedule[] {
  const runsBySchedule = groupBy(
    record.finalRuns.filter((r) => r.schedule !== undefined && continuedFromOf(r) === undefined),
    (r) => r.schedule!.scheduleId,
  );
  const schedules: SimSchedule[] = [];
  for (const [scheduleId, ops] of groupBy(record.schedules, (op) => op.scheduleId)) {
    const creates = ops.filter((op) => op.op === "create");
    const spec = creates[0]?.spec;
    if (!spec || !creates.some((op) => op.outcome !== "fail")) continue;
    const described = ops.filter((op) => op.op === "describe" && op.outcome === "ok" && op.description).at(-1);
    schedules.push({
      scheduleId,
      spec,
      firstCreateAtMs: creates[0]!.atMs,
      lastCreateAtMs: creates.at(-1)!.atMs,
      ops,
      runs: runsBySchedule.get(scheduleId) ?? [],
      finalDescription: described ? { atMs: described.atMs, description: described.description! } : undefined,
    });
  }
  return schedules;
}

/** Whether virtual time `atMs` is one of the spec's interval fire times (bounds aside). */
export function onGrid(spec: Pick<SimScheduleSpec, "everyMs" | "phaseMs">, atMs: number): boolean {
  return (((atMs - spec.phaseMs) % spec.everyMs) + spec.everyMs) % spec.everyMs === 0;
}

/** The ranges of the backfills the driver sent that may have run (answered ok or ambiguously), virtual ms. */
export function backfillRangesOf(schedule: Pick<SimSchedule, "ops">): Array<{ startAtMs: number; endAtMs: number }> {
  return schedule.ops.filter((op) => op.op === "backfill" && op.outcome !== "fail" && op.range).map((op) => op.range!);
}

/** The spec's fire times (up to its end) in [startAtMs, endAtMs). */
export function gridFiresIn(spec: SimScheduleSpec, range: { startAtMs: number; endAtMs: number }): number[] {
  return gridFiresAfter(spec, range.startAtMs - 1).filter((t) => t < range.endAtMs);
}

/** The spec's fire times in (afterMs, endAtMs]. */
export function gridFiresAfter(spec: SimScheduleSpec, afterMs: number): number[] {
  const fires: number[] = [];
  const first = Math.floor((afterMs - spec.phaseMs) / spec.everyMs + 1) * spec.everyMs + spec.phaseMs;
  for (let t = first; t <= spec.endAtMs; t += spec.everyMs) fires.push(t);
  return fires;
}

/**
 * The workflow id the engine gives a schedule's fire (its id prefix is the
 * schedule id here): `<schedule id>-<fire time, ISO 8601>`, and for a manual
 * trigger's fire `<schedule id>-<fire time>-trigger-<n>`, n its trigger's
 * number (1-based, in the order the schedule's triggers landed).
 */
export function fireWorkflowId(schedule: Pick<SimSchedule, "scheduleId" | "spec">, fireAtMs: number, trigger?: number): string {
  const time = `${schedule.scheduleId}-${new Date(schedule.spec.epochMs + fireAtMs).toISOString()}`;
  return trigger === undefined ? time : `${time}-trigger-${trigger}`;
}

/** The trigger number a run's workflow id names (`...-trigger-<n>`), or undefined for a scheduled fire's id. */
export function triggerNumberOf(run: FinalRun): number | undefined {
  const match = /-trigger-(\d+)$/.exec(run.workflowId);
  return match ? Number(match[1]) : undefined;
}

/**
 * How long after the driver sent a trigger whose answer was lost its fire
 * may be timed: on real PostgreSQL the client reads its own clock when the
 * trigger's transaction runs, a little after the recorder's send time.
 */
export const TRIGGER_SLACK_MS = 2_000;

/**
 * The driver's trigger that explains a run of the schedule started for
 * `fireAtMs` as `workflowId`, if any: the trigger whose answer named that
 * workflow; else one sent at exactly that time (virtual time on PGlite, where
 * the client's clock is the recorder's); else, for a trigger whose answer was
 * lost, one sent at most TRIGGER_SLACK_MS before it.
 */
export function triggerFor(schedule: SimSchedule, workflowId: string, fireAtMs: number): ScheduleOpRecord | undefined {
  const triggers = schedule.ops.filter((op) => op.op === "trigger");
  return (
    triggers.find((op) => op.started?.workflowId === workflowId) ??
    triggers.find((op) => op.atMs === fireAtMs) ??
    triggers.find((op) => op.outcome !== "ok" && op.atMs <= fireAtMs && fireAtMs <= op.atMs + TRIGGER_SLACK_MS)
  );
}

/**
 * True virtual times (the recorder's, never a skewed worker's) that bound
 * when runs were running. `startedBeforeMs`: the first claim of any of the
 * run's tasks was reported then, so its insert committed before. `runningAtMs`:
 * the latest service call of an attempt whose result the run's history
 * records: its close committed after that call.
 */
export interface RunTimes {
  startedBeforeMs: number | undefined;
  runningAtMs: number | undefined;
}

export function runTimesOf(record: SimRecord): (run: FinalRun) => RunTimes {
  const firstClaim = new Map<string, number>();
  for (const o of observationsOfType(record, "claimed")) {
    const seen = firstClaim.get(o.observation.runId);
    if (seen === undefined || o.atMs < seen) firstClaim.set(o.observation.runId, o.atMs);
  }
  const effectsByStep = groupBy(
    record.effects.filter((e) => e.outcome === "ok"),
    (e) => e.step,
  );
  return (run) => {
    let runningAtMs: number | undefined;
    for (const step of stepsOf(run.history)) {
      for (const result of step.results) {
        if (result.type !== "ActivityCompleted") continue;
        const calls = (effectsByStep.get(stepId(run.runId, step.seq)) ?? []).filter((e) => e.attempt === result.data.attempt);
        // The earliest call of that attempt number: the recorded one made it, or one before it.
        const atMs = calls.length > 0 ? Math.min(...calls.map((e) => e.atMs)) : undefined;
        if (atMs !== undefined && (runningAtMs === undefined || atMs > runningAtMs)) runningAtMs = atMs;
      }
    }
    return { startedBeforeMs: firstClaim.get(run.runId), runningAtMs };
  };
}
