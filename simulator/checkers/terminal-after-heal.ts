/**
 * terminal-after-heal: once every fault has healed, every accepted workflow
 * finishes within the liveness bound.
 *
 * Asserts: every run that a start with outcome "ok" created, every run that
 * carried such a workflow on (continue-as-new), every run of a child
 * workflow one of these started, and every run a schedule the driver
 * created started, is no longer running at the liveness
 * deadline, healAtMs + liveness.withinMs. The recorder reads which runs are
 * open at exactly that instant (`openAtDeadline`); if that read failed, the
 * final status (read at the end of the run, which may be later) stands in.
 * A violation shows why the run may be stuck: its last events, its workflow task failure (a
 * non-determinism error, an unknown type), every step still pending with how
 * often it was claimed (a step claimed and then never again points at a lost
 * task), and the signals sent to the workflow.
 *
 * Why it is sound, given the bound: after healAtMs nothing interferes, every
 * pending task is claimable once its lease lapses (no reaper needed: README,
 * Guarantees 3), and every workload waits on nothing the driver does not
 * deliver (a schedule's workflows run steps and sleeps, its fires end before
 * the heal, and a bufferAll backlog runs one at a time: the schedule shape
 * bounds it to fit; a child shape's children run activities, or, a sidecar, wait
 * for the parent's close to end them; a parent waits for its children, whose
 * closes are delivered to it as tasks of its own, and its close reaches its
 * children as a task too: one more task to run within the bound).
 * The bound itself is the scenario's promise, not the engine's: a
 * skewed clock can leave leases up to its offset in the future at heal time,
 * so withinMs must exceed the largest skew plus the longest lease. Runs that
 * only an ambiguous ("info") start created are not held to it: the driver
 * does not know of them and may never send the signals they wait for.
 * Accepted starts whose run is missing are no-accepted-workflow-lost's to
 * report, not this checker's.
 */
import type { CheckName, Checker, FinalRun, SimRecord, Violation } from "../model.ts";
import { describeLastEvents, describeObservation } from "./evidence.ts";
import { acceptedRuns, activityClaimsByStep, groupBy, isPending, stepId, stepsOf, type ClaimsByStep, type Step } from "./record-index.ts";

const CHECK: CheckName = "terminal-after-heal";

export const terminalAfterHeal: Checker = (record) => {
  const claims = activityClaimsByStep(record);
  const openAtDeadline = record.openAtDeadline === null ? null : new Set(record.openAtDeadline);
  return acceptedRuns(record)
    .filter((run) => (openAtDeadline ? openAtDeadline.has(run.runId) : run.status === "running"))
    .map((run) => stuckRun(run, record, claims));
};

function stuckRun(run: FinalRun, record: SimRecord, claims: ClaimsByStep): Violation {
  const { healAtMs } = record;
  const deadlineMs = healAtMs + record.scenario.liveness.withinMs;
  const failure = run.taskFailure ? `; its workflow task fails with ${run.taskFailure.type}: ${run.taskFailure.message}` : "";
  const pending = stepsOf(run.history).filter(isPending);
  return {
    check: CHECK,
    workflowId: run.workflowId,
    runId: run.runId,
    detail:
      `run ${run.runId} of ${run.workflowId} was still running at ${deadlineMs} ms, ${deadlineMs - healAtMs} ms after the faults healed at ${healAtMs} ms ` +
      `(bound ${record.scenario.liveness.withinMs} ms), with ${pending.length} step(s) pending${failure}`,
    evidence: [
      ...describeLastEvents(run.history).map((e) => `last: ${e}`),
      ...pending.map((step) => describePending(run, step, claims)),
      ...describeSignals(record, run.workflowId),
    ],
  };
}

function describePending(run: FinalRun, step: Step, claims: ClaimsByStep): string {
  const command = step.command!;
  if (step.kind === "timer") {
    const fireAtMs = command.type === "TimerStarted" ? command.data.fireAtMs : undefined;
    return `pending: timer seq ${step.seq}, due at ${fireAtMs} ms`;
  }
  const activityType = command.type === "ActivityScheduled" ? command.data.activityType : "activity";
  const stepClaims = claims.get(stepId(run.runId, step.seq)) ?? [];
  const last = stepClaims.at(-1);
  const claimed = last ? `claimed ${stepClaims.length} time(s), last: ${describeObservation(last)}` : "never claimed";
  return `pending: activity seq ${step.seq} (${activityType}), scheduled at ${command.atMs} ms, ${claimed}`;
}

/** `signals sent: 2 ok, 1 fail` — only when the driver signalled the workflow. */
function describeSignals(record: SimRecord, workflowId: string): string[] {
  const sent = record.signals.filter((s) => s.workflowId === workflowId);
  if (sent.length === 0) return [];
  const byOutcome = groupBy(sent, (s) => s.outcome);
  return [`signals sent: ${[...byOutcome.entries()].map(([outcome, list]) => `${list.length} ${outcome}`).join(", ")}`];
}
