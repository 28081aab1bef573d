/**
 * local-activity-recorded-once: a local activity (ctx.localActivity) runs
 * inside a workflow task and its outcome is recorded once, as a marker
 * committed with that task's decisions, which replay reads back instead of
 * running it again.
 *
 * Asserts, per run:
 * 1. at most one MarkerRecorded{localActivity} per seq, and none on a seq
 *    another command took (ActivityScheduled, TimerStarted,
 *    ChildWorkflowInitiated): a replay that ran a step again and recorded it
 *    again, or two decisions on one seq, shows here;
 * 2. a local step that ran is recorded once the run has moved past it: when
 *    a service saw a call for step `runId:seq` that no ActivityScheduled
 *    explains (so a local activity made it), and the run records a later
 *    seq or completed, its marker is there. The code awaits a local activity
 *    within the task that runs it and the runtime records its marker before
 *    the task's later commands, so a later command (or the close) without
 *    the marker means the marker was lost from history, and the next replay
 *    would run the step again or stop on non-determinism. Runs asked to
 *    cancel are left out (a cancelled local activity's outcome is dropped);
 * 3. a marker that records a result records one that happened: a call for
 *    its step, of its activity type, answered ok at the attempt it names.
 *
 * Effects of local steps are held to exactly once per step by
 * effect-exactly-once-per-completion (the marker counts as the completion).
 * What no check here can tell apart is a replay that re-ran a step whose
 * marker it had from a workflow task retried before the marker committed:
 * both make a second call under the step's key, which the service
 * deduplicates, and the record holds no commit times to order them by.
 */
import type { HistoryEvent } from "../../engine/index.ts";
import type { CheckName, Checker, EffectRecord, FinalRun, Violation } from "../model.ts";
import { describeEffect, describeEvent } from "./evidence.ts";
import { groupBy, localMarkersOf, runIdOfStep, seqOfStep } from "./record-index.ts";

const CHECK: CheckName = "local-activity-recorded-once";

/** Commands that take a seq of their own, besides a local activity's marker. */
const SEQ_COMMANDS: ReadonlySet<HistoryEvent["type"]> = new Set(["ActivityScheduled", "TimerStarted", "ChildWorkflowInitiated"]);

export const localActivityRecordedOnce: Checker = (record) => {
  const callsByRun = groupBy(record.effects, (e) => runIdOfStep(e.step));
  return record.finalRuns.flatMap((run) => runProblems(run, callsByRun.get(run.runId) ?? []));
};

function runProblems(run: FinalRun, calls: readonly EffectRecord[]): Violation[] {
  const violation = (detail: string, evidence: string[]): Violation => ({ check: CHECK, workflowId: run.workflowId, runId: run.runId, detail, evidence });
  const markers = localMarkersOf(run.history);
  const markersBySeq = groupBy(markers, (m) => m.data.seq);
  const commandSeqs = new Map<number, HistoryEvent>();
  for (const e of run.history) if (SEQ_COMMANDS.has(e.type)) commandSeqs.set((e.data as { seq: number }).seq, e);
  const callsBySeq = groupBy(calls, (c) => seqOfStep(c.step));
  const violations: Violation[] = [];

  for (const [seq, recorded] of markersBySeq) {
    if (recorded.length > 1) violations.push(violation(`local activity seq ${seq} was recorded ${recorded.length} times`, recorded.map(describeEvent)));
    const other = commandSeqs.get(seq);
    if (other) violations.push(violation(`local activity seq ${seq} was recorded on a seq ${other.type} also took`, [describeEvent(other), ...recorded.map(describeEvent)]));
    const marker = recorded[0]!;
    if (marker.data.failure !== undefined) continue;
    const stepCalls = callsBySeq.get(seq) ?? [];
    if (!stepCalls.some((c) => c.operation === marker.data.activityType && c.attempt === marker.data.attempt && c.outcome === "ok")) {
      violations.push(
        violation(`local activity seq ${seq} (${marker.data.activityType}) is recorded with a result at attempt ${marker.data.attempt}, but no call of that attempt was answered ok`, [
          describeEvent(marker),
          ...stepCalls.map(describeEffect),
        ]),
      );
    }
  }

  const lastSeq = Math.max(0, ...commandSeqs.keys(), ...markersBySeq.keys());
  const completed = run.history.at(-1)?.type === "WorkflowCompleted";
  const cancelAsked = run.history.some((e) => e.type === "WorkflowCancelRequested");
  if (!cancelAsked) {
    const unrecorded = [...callsBySeq.keys()].filter((seq) => !commandSeqs.has(seq) && !markersBySeq.has(seq) && (seq < lastSeq || completed)).sort((a, b) => a - b);
    for (const seq of unrecorded) {
      const moved = completed ? "completed" : `went on to seq ${lastSeq}`;
      violations.push(violation(`local activity seq ${seq} ran (its service was called) and the run ${moved}, but no marker records its outcome`, (callsBySeq.get(seq) ?? []).map(describeEffect)));
    }
  }
  return violations;
}
