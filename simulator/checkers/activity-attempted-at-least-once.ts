/**
 * activity-attempted-at-least-once: every recorded activity outcome comes
 * from an attempt a worker really made, every outcome a worker saw committed
 * is in the history, and no scheduled activity is dropped while its run
 * still needs it.
 *
 * Asserts, over `finalRuns` and `observations`:
 * 1. backed by a claim: for every ActivityCompleted or ActivityFailed of
 *    (run, seq) in a final history, some worker reported claiming the
 *    activity task of (run, seq); for ActivityCompleted, a claim of the very
 *    attempt it records (a schedule-to-start timeout is the one result no
 *    attempt makes: schedule-to-start-unstarted checks it was never claimed);
 * 2. acknowledged, so recorded: for every "activityCompleted" observation,
 *    and every "activityFailed" one with final: true, the run's final
 *    history holds ActivityCompleted / ActivityFailed of that seq and attempt;
 * 3. not dropped: an ActivityScheduled with neither a result nor an
 *    ActivityCancelled is excused only by its run being closed by a terminal
 *    event recorded after it, being "terminated" (an operator stop, which has
 *    no event), or still running (then the activity is still queued: whether
 *    it finished in time is terminal-after-heal's question, which lists the
 *    pending activities and their claims).
 *
 * Why it is sound:
 * 1. Only a worker holding the task's lease can write its result (the write
 *    deletes the task row by lease token), and a worker reports "claimed"
 *    synchronously when its claim returns, before it runs anything (the
 *    worker's dispatch). A completion records the attempt number of the claim
 *    that ran it; a final failure settled at claim time (schedule-to-close
 *    passed, attempts used up) records the previous attempt, so failures are
 *    matched by step only.
 * 2. A worker reports a completion or final failure only after the store
 *    call returned, that is, after its transaction committed; history is
 *    append-only. (A lost commit reply makes the retry fail with LEASE_LOST:
 *    the worker then reports leaseLost, not a completion.)
 * 3. An activity task is deleted only with its result, its cancellation, or
 *    its run's close (README, Guarantees 1 and 3), so nothing else may leave
 *    one unresolved. Workflows may legitimately stop waiting: a terminal
 *    command while activities are pending (a race, a saga giving up)
 *    deletes their tasks, so a pending activity in a completed run is fine.
 *    Whether a workflow *needed* the result is a property of its code,
 *    which this checker does not know.
 */
import { TERMINAL_EVENT_TYPES } from "../../engine/history/events.ts";
import type { CheckName, Checker, FinalRun, SimRecord, Violation } from "../model.ts";
import { describeEvent, describeObservation, listOf } from "./evidence.ts";
import { isScheduleToStartTimeout } from "./schedule-to-start-unstarted.ts";
import { activityClaimsByStep, isPending, observationsOfType, runsById, stepId, stepsOf, type ClaimsByStep, type ObservationOf, type Step, type StepEvent } from "./record-index.ts";

const CHECK: CheckName = "activity-attempted-at-least-once";

export const activityAttemptedAtLeastOnce: Checker = (record) => {
  const claims = activityClaimsByStep(record);
  return [
    ...record.finalRuns.flatMap((run) => {
      const activities = stepsOf(run.history).filter((step) => step.kind === "activity");
      return [...activities.flatMap((step) => resultsWithoutClaim(run, step, claims)), ...activities.filter(isPending).flatMap((step) => droppedActivity(run, step))];
    }),
    ...acknowledgedButUnrecorded(record),
  ];
};

function resultsWithoutClaim(run: FinalRun, step: Step, claims: ClaimsByStep): Violation[] {
  const stepClaims = claims.get(stepId(run.runId, step.seq)) ?? [];
  return step.results.flatMap((result) => {
    const problem = claimProblem(result, stepClaims);
    if (problem === undefined) return [];
    return [
      {
        check: CHECK,
        workflowId: run.workflowId,
        runId: run.runId,
        detail: `run ${run.runId} records ${describeEvent(result)}, but ${problem}`,
        evidence: [describeEvent(result), ...stepClaims.map(describeObservation)],
      },
    ];
  });
}

/** Why no reported claim can have produced `result`, or undefined if one can. */
function claimProblem(result: StepEvent, stepClaims: ReadonlyArray<ObservationOf<"claimed">>): string | undefined {
  if (isScheduleToStartTimeout(result)) return undefined;
  if (stepClaims.length === 0) return `no worker ever reported claiming activity seq ${result.data.seq}`;
  if (result.type !== "ActivityCompleted") return undefined;
  if (stepClaims.some((c) => c.observation.attempt === result.data.attempt)) return undefined;
  const attempts = stepClaims.map((c) => c.observation.attempt);
  return `no worker reported claiming attempt ${result.data.attempt} (claimed attempts: ${listOf(attempts)})`;
}

function droppedActivity(run: FinalRun, step: Step): Violation[] {
  const scheduled = step.command;
  if (!scheduled || run.status === "running" || run.status === "terminated") return [];
  const closedAfter = run.history.some((e) => TERMINAL_EVENT_TYPES.has(e.type) && e.eventId > scheduled.eventId);
  if (closedAfter) return [];
  return [
    {
      check: CHECK,
      workflowId: run.workflowId,
      runId: run.runId,
      detail: `run ${run.runId} is ${run.status} without a terminal event after ${describeEvent(scheduled)}, which has no result and no cancellation: its task was dropped`,
      evidence: [describeEvent(scheduled), ...run.history.slice(-1).map(describeEvent)],
    },
  ];
}

function acknowledgedButUnrecorded(record: SimRecord): Violation[] {
  const runs = runsById(record);
  const finalFailures = observationsOfType(record, "activityFailed").filter((o) => o.observation.final);
  const acknowledged = [...observationsOfType(record, "activityCompleted"), ...finalFailures];
  return acknowledged.flatMap((ack) => {
    const o = ack.observation;
    const expected = o.type === "activityCompleted" ? "ActivityCompleted" : "ActivityFailed";
    const run = runs.get(o.runId);
    const recorded = run?.history.some((e) => e.type === expected && e.data.seq === o.seq && e.data.attempt === o.attempt);
    if (recorded) return [];
    const where = run ? `the final history of run ${o.runId} has no ${expected} of seq ${o.seq}, attempt ${o.attempt}` : `run ${o.runId} is not in the database at the end`;
    return [
      {
        check: CHECK,
        workflowId: o.workflowId,
        runId: o.runId,
        detail: `${ack.worker} saw ${o.activityType} (seq ${o.seq}, attempt ${o.attempt}) recorded at ${ack.atMs} ms, but ${where}`,
        evidence: [describeObservation(ack)],
      },
    ];
  });
}
