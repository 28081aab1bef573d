/**
 * termination-final: an acknowledged termination is final and recorded, and
 * nothing else terminates a run.
 *
 * Asserts, over `terminations` and `finalRuns`:
 * 1. the run each acknowledged ("ok") termination names is terminated, with
 *    WorkflowTerminated as its last event — nothing recorded after it;
 * 2. every terminated run is one a termination of its workflow id may have
 *    ended: an acknowledged one naming it, or one whose reply was lost; or
 *    a child's run whose parent run has closed and had started it with
 *    parentClosePolicy terminate (its ChildWorkflowInitiated says so); or
 *    a run a schedule with overlap policy terminateOther started (a later
 *    fire of that schedule terminates it).
 *
 * Why it is sound (no violation on a correct engine): terminate locks the
 * running run, appends WorkflowTerminated, closes it and deletes its tasks in
 * one transaction (README, Termination); everything else that writes to a
 * run first locks it and checks it is running, or is fenced by a lease its
 * task no longer has. The driver is the only caller of terminate, and it
 * never starts with idConflictPolicy terminateExisting; the engine itself
 * terminates only the running children of a closed parent whose policy is
 * terminate (README, Child workflows) and the running workflows of a
 * schedule whose overlap policy is terminateOther (README, Schedules).
 */
import type { CheckName, Checker, FinalRun, Violation } from "../model.ts";
import { describeLastEvents } from "./evidence.ts";
import { childInitiatedAt, groupBy, parentOf, runsById } from "./record-index.ts";

const CHECK: CheckName = "termination-final";

export const terminationFinal: Checker = (record) => {
  const runs = runsById(record);
  const violations: Violation[] = [];
  for (const t of record.terminations) {
    if (t.outcome !== "ok" || t.runId === undefined) continue;
    const run = runs.get(t.runId);
    const last = run?.history.at(-1);
    if (run && run.status === "terminated" && last?.type === "WorkflowTerminated") continue;
    violations.push({
      check: CHECK,
      workflowId: t.workflowId,
      runId: t.runId,
      detail: run
        ? `run ${t.runId} of ${t.workflowId} was terminated at ${t.atMs} ms (acknowledged), but is ${run.status} at the end, its last event ${last ? last.type : "missing"}`
        : `run ${t.runId} of ${t.workflowId} was terminated at ${t.atMs} ms (acknowledged), but is not in the database`,
      evidence: run ? describeLastEvents(run.history).map((e) => `last: ${e}`) : [],
    });
  }
  const terminationsOf = groupBy(record.terminations, (t) => t.workflowId);
  const terminatingSchedules = new Set(record.schedules.filter((op) => op.spec?.overlap === "terminateOther").map((op) => op.scheduleId));
  for (const run of record.finalRuns) {
    if (run.status !== "terminated") continue;
    const tries = terminationsOf.get(run.workflowId) ?? [];
    if (tries.some((t) => (t.outcome === "ok" && t.runId === run.runId) || t.outcome === "info")) continue;
    if (terminatedByParentClose(run, runs) || (run.schedule && terminatingSchedules.has(run.schedule.scheduleId))) continue;
    violations.push({
      check: CHECK,
      workflowId: run.workflowId,
      runId: run.runId,
      detail: `run ${run.runId} of ${run.workflowId} is terminated, but no termination of it was acknowledged or left in doubt`,
      evidence: [...describeLastEvents(run.history).map((e) => `last: ${e}`), ...tries.map((t) => `terminate ${t.outcome} at ${t.atMs} ms${t.runId ? ` (run ${t.runId})` : ""}`)],
    });
  }
  return violations;
};

/** Whether `run` is a child whose parent run has closed, having started it with parentClosePolicy terminate. */
function terminatedByParentClose(run: FinalRun, runs: ReadonlyMap<string, FinalRun>): boolean {
  const parent = parentOf(run);
  const parentRun = parent === undefined ? undefined : runs.get(parent.runId);
  if (parentRun === undefined || parentRun.status === "running") return false;
  return childInitiatedAt(parentRun, parent!.seq)?.data.parentClosePolicy === "terminate";
}
