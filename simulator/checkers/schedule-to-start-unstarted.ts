/**
 * schedule-to-start-unstarted: an activity that failed with TIMEOUT
 * (scheduleToStart) was never started, and one that was started never
 * failed that way. (The deadline shape sends steps to a queue nobody serves,
 * and others to the workers' queue with a tight deadline.)
 *
 * Asserts, for every ActivityFailed of (run, seq) in a final history whose
 * failure is TIMEOUT with timeoutType scheduleToStart:
 * 1. it is the activity's only result, recorded as attempt 0 (no attempt
 *    began);
 * 2. no worker reported claiming, completing or failing an attempt of
 *    (run, seq);
 * 3. no service call belongs to the step (`runId:seq`) in the effect
 *    ledger, applied or not;
 * 4. its ActivityScheduled asked for a scheduleToStartTimeoutMs.
 *
 * Why it is sound: the timeout is a timer task that, in one transaction
 * with the run locked, deletes the activity's task only if its attempt is
 * still 0, and records the failure only if it deleted it (Store.fireTimer).
 * A claim sets the attempt to 1 or more in the transaction that leases the
 * task (and an eager activity is inserted already claimed), and the worker
 * reports "claimed", runs the activity and calls the service only after
 * that transaction committed. On real Postgres the two writes meet on the
 * task's row lock, and the DELETE re-checks its attempt after the claim
 * commits. So a task whose claim committed is never timed out this way,
 * and one timed out was never claimed: no report, no service call. A claim
 * whose COMMIT reply was lost reports nothing, but it did raise the
 * attempt, so that activity is not timed out either. Clock skew changes
 * when the timer fires, never this.
 */
import type { HistoryEvent } from "../../engine/index.ts";
import type { CheckName, Checker, EffectRecord, FinalRun, ObservationRecord, Violation } from "../model.ts";
import { describeEffect, describeEvent, describeObservation } from "./evidence.ts";
import { groupBy, stepId, stepsOf } from "./record-index.ts";

const CHECK: CheckName = "schedule-to-start-unstarted";

type ActivityFailedEvent = Extract<HistoryEvent, { type: "ActivityFailed" }>;

/** Whether `event` records a schedule-to-start timeout. */
export function isScheduleToStartTimeout(event: HistoryEvent): event is ActivityFailedEvent {
  return event.type === "ActivityFailed" && event.data.failure.code === "TIMEOUT" && event.data.failure.timeoutType === "scheduleToStart";
}

export const scheduleToStartUnstarted: Checker = (record) => {
  const reports = groupBy(
    record.observations.filter((o) => activityStepOf(o) !== undefined),
    (o) => activityStepOf(o)!,
  );
  const calls = groupBy(record.effects, (e) => e.step);
  return record.finalRuns.flatMap((run) => stepsOf(run.history).flatMap((step) => {
    const timeout = step.results.find(isScheduleToStartTimeout);
    if (step.kind !== "activity" || timeout === undefined) return [];
    const id = stepId(run.runId, step.seq);
    return startedThoughTimedOut(run, step.command, step.results, timeout, reports.get(id) ?? [], calls.get(id) ?? []);
  }));
};

/** The step of an activity attempt a worker reported (claimed, completed, failed), if the observation is one. */
function activityStepOf(o: ObservationRecord): string | undefined {
  const obs = o.observation;
  if (obs.type === "claimed" && obs.kind === "activity") return stepId(obs.runId, obs.seq);
  if (obs.type === "activityCompleted" || obs.type === "activityFailed") return stepId(obs.runId, obs.seq);
  return undefined;
}

function startedThoughTimedOut(
  run: FinalRun,
  scheduled: HistoryEvent | undefined,
  results: readonly HistoryEvent[],
  timeout: ActivityFailedEvent,
  reports: readonly ObservationRecord[],
  calls: readonly EffectRecord[],
): Violation[] {
  const seq = timeout.data.seq;
  const what = `activity seq ${seq} of run ${run.runId} timed out (scheduleToStart) at ${timeout.atMs} ms`;
  const found = (detail: string, evidence: string[]): Violation => ({ check: CHECK, workflowId: run.workflowId, runId: run.runId, detail, evidence: [describeEvent(timeout), ...evidence] });
  const violations: Violation[] = [];
  if (timeout.data.attempt !== 0 || results.length > 1) {
    violations.push(found(`${what}, but as attempt ${timeout.data.attempt} among ${results.length} results: a timeout of an activity not yet started is its only result, attempt 0`, results.filter((r) => r !== timeout).map(describeEvent)));
  }
  if (reports.length > 0) violations.push(found(`${what}, but a worker had started it: ${reports.length} attempt report(s)`, reports.map(describeObservation)));
  if (calls.length > 0) violations.push(found(`${what}, but it had called its service ${calls.length} time(s)`, calls.map(describeEffect)));
  const asked = scheduled?.type === "ActivityScheduled" ? scheduled.data.options.scheduleToStartTimeoutMs : undefined;
  if (asked === undefined) violations.push(found(`${what}, but its ActivityScheduled asked for no schedule-to-start timeout`, scheduled ? [describeEvent(scheduled)] : []));
  return violations;
}
