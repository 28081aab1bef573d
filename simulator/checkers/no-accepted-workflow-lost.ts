/**
 * no-accepted-workflow-lost: what start() acknowledged is in the database at
 * the end, and nothing is there that no start can explain.
 *
 * Asserts, over `starts` and `finalRuns`:
 * 1. every start with outcome "ok" has its run in finalRuns: the run id
 *    start() returned, of the same workflow id, with a history that begins
 *    with WorkflowStarted naming that workflow id;
 * 2. every run in finalRuns is explained by a start of its workflow id with
 *    outcome "ok" or "info" that names that run (or names no run), by
 *    continue-as-new: its WorkflowStarted names a run of the same workflow
 *    id whose last event, WorkflowContinuedAsNew, names it back (whether
 *    that chain is sound is continue-as-new-chain's to check), or by a
 *    parent: its WorkflowStarted names a parent run whose
 *    ChildWorkflowInitiated of that seq names this run and workflow id
 *    (whether the child started as asked is child-workflow-linkage's), or
 *    by a schedule the driver created (create ok or ambiguous) that its
 *    runs.schedule_id names (what a schedule starts is schedule-fires-once's).
 *
 * Why it is sound (no violation on a correct engine): start() returns only
 * after one transaction committed the run row, its WorkflowStarted event and
 * its first task (README, Guarantees 1), and nothing deletes runs during a
 * simulation, so an "ok" start's run is there. An "info" start (ambiguous: the
 * reply was lost) may or may not have committed, so it is never required, but
 * it may explain a run. A "fail" start was refused without committing (the
 * recorder's contract, as in Jepsen: "fail" means it certainly did not
 * happen), and the client, continue-as-new, a parent's decision to start
 * a child (which commits the child's run with ChildWorkflowInitiated naming
 * it) and a schedule's round (which stamps the run with its schedule) are
 * the only code that creates runs, so a run that none explains came
 * from nowhere.
 */
import type { CheckName, Checker, FinalRun, SimRecord, StartRecord, Violation } from "../model.ts";
import { describeEvent, listOf } from "./evidence.ts";
import { childInitiatedAt, continuedAsOf, continuedFromOf, groupBy, parentOf, runOfStart, runsById, schedulesCreated } from "./record-index.ts";

const CHECK: CheckName = "no-accepted-workflow-lost";

export const noAcceptedWorkflowLost: Checker = (record) => {
  const runs = runsById(record);
  const startsOf = groupBy(record.starts, (start) => start.workflowId);
  const accepted = record.starts.filter((start) => start.outcome === "ok");
  const schedules = schedulesCreated(record, ["ok", "info"]);
  return [
    ...accepted.flatMap((start) => acceptedStartLost(start, runs, record)),
    ...record.finalRuns
      .filter((run) => !continuedByPredecessor(run, runs) && !startedByParent(run, runs) && !(run.schedule && schedules.has(run.schedule.scheduleId)))
      .flatMap((run) => runUnexplained(run, startsOf.get(run.workflowId) ?? [])),
  ];
};

function acceptedStartLost(start: StartRecord, runs: ReadonlyMap<string, FinalRun>, record: SimRecord): Violation[] {
  const asRun = start.runId === undefined ? "" : ` as run ${start.runId}`;
  const base = { check: CHECK, workflowId: start.workflowId, ...(start.runId === undefined ? {} : { runId: start.runId }) };
  const run = runOfStart(start, runs, record.finalRuns);
  if (!run) {
    const ofWorkflow = record.finalRuns.filter((r) => r.workflowId === start.workflowId).map((r) => `${r.runId} (${r.status})`);
    return [
      {
        ...base,
        detail: `start of ${start.workflowId} was accepted at ${start.atMs} ms${asRun}, but that run is not in the database at the end`,
        evidence: [`runs of ${start.workflowId} at the end: ${ofWorkflow.length > 0 ? listOf(ofWorkflow) : "none"}`],
      },
    ];
  }
  const problem = notStartedAs(run, start.workflowId);
  if (problem === undefined) return [];
  const first = run.history[0];
  return [
    {
      ...base,
      runId: run.runId,
      detail: `start of ${start.workflowId} was accepted at ${start.atMs} ms${asRun}, but ${problem}`,
      evidence: first ? [describeEvent(first)] : [],
    },
  ];
}

/** Why `run` is not the start of `workflowId`, or undefined if it is. */
function notStartedAs(run: FinalRun, workflowId: string): string | undefined {
  if (run.workflowId !== workflowId) return `run ${run.runId} belongs to workflow ${run.workflowId}`;
  const first = run.history[0];
  if (!first) return `run ${run.runId} has no events`;
  if (first.type !== "WorkflowStarted") return `the history of run ${run.runId} begins with ${first.type}, not WorkflowStarted`;
  if (first.data.workflowId !== workflowId) return `the WorkflowStarted of run ${run.runId} names workflow ${first.data.workflowId}`;
  return undefined;
}

/** Whether `run` was started by a continue-as-new of its workflow's run that names it. */
function continuedByPredecessor(run: FinalRun, runs: ReadonlyMap<string, FinalRun>): boolean {
  const from = continuedFromOf(run);
  const predecessor = from === undefined ? undefined : runs.get(from);
  return predecessor !== undefined && predecessor.workflowId === run.workflowId && continuedAsOf(predecessor) === run.runId;
}

/** Whether `run` is a child's run that its parent's ChildWorkflowInitiated names (a child's continued runs are continuedByPredecessor's). */
function startedByParent(run: FinalRun, runs: ReadonlyMap<string, FinalRun>): boolean {
  const parent = parentOf(run);
  const parentRun = parent === undefined ? undefined : runs.get(parent.runId);
  const initiated = parentRun === undefined ? undefined : childInitiatedAt(parentRun, parent!.seq);
  return initiated !== undefined && initiated.data.runId === run.runId && initiated.data.workflowId === run.workflowId;
}

/** `starts`: every start of the run's workflow id. */
function runUnexplained(run: FinalRun, starts: readonly StartRecord[]): Violation[] {
  const explains = (s: StartRecord) => s.outcome !== "fail" && (s.runId === undefined || s.runId === run.runId);
  if (starts.some(explains)) return [];
  const seen = starts.map((s) => `${s.outcome} at ${s.atMs} ms${s.runId === undefined ? "" : ` (run ${s.runId})`}${s.error === undefined ? "" : `: ${s.error}`}`);
  return [
    {
      check: CHECK,
      workflowId: run.workflowId,
      runId: run.runId,
      detail: `run ${run.runId} of ${run.workflowId} exists at the end (${run.status}), but no accepted or ambiguous start created it`,
      evidence: seen.length > 0 ? seen.map((s) => `start ${s}`) : ["no start of this workflow id was recorded"],
    },
  ];
}
