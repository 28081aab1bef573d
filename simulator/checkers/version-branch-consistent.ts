/**
 * version-branch-consistent: workflow code changed the patched way
 * (ctx.patched) replays every history it meets, and each run follows the
 * branch its history says.
 *
 * Asserts:
 * 1. no workflow task of any run failed with non-determinism (a worker's
 *    report, or the run's failure at the end): the deploy swaps the code of
 *    every worker, so histories begun on one version are replayed on the next;
 * 2. a versioned-shape run took the new branch (scheduled the patched step)
 *    exactly when its history records the patch marker, and the marker, if
 *    any, came with its first workflow task's decisions (the code asks
 *    before its first command);
 * 3. with a deploy in the scenario: a run whose first workflow task a worker
 *    saw committed before the deploy kept the old branch (version 1 cannot
 *    record the marker, and replay must not add it), and a run the driver
 *    started after the deploy took the new one (only version 2 ran it).
 *
 * Why it is sound: ctx.patched answers true live and, on replay, only if the
 * replayed activation recorded the marker; the deploy kills every worker of
 * version 1 (fenced, as in a crash) before any of version 2 boots.
 */
import type { HistoryEvent } from "../../engine/index.ts";
import type { CheckName, Checker, FinalRun, SimRecord, Violation } from "../model.ts";
import { VERSIONED_PATCH_ID, VERSIONED_PATCHED_STEP } from "../workloads/shapes/versioned.ts";
import { describeEvent, describeObservation } from "./evidence.ts";
import { observationsOfType, runOfStart, runsById } from "./record-index.ts";

const CHECK: CheckName = "version-branch-consistent";
const NON_DETERMINISM = "NonDeterminismError";
export const VERSIONED_WORKFLOW = "versioned";

export const versionBranchConsistent: Checker = (record) => [...nonDeterminism(record), ...record.finalRuns.filter((r) => r.workflowType === VERSIONED_WORKFLOW).flatMap((run) => branchProblems(run, record))];

function nonDeterminism(record: SimRecord): Violation[] {
  const workflowOf = new Map(record.finalRuns.map((r) => [r.runId, r.workflowId]));
  const reported = observationsOfType(record, "workflowTaskFailed").filter((o) => o.observation.failure.type === NON_DETERMINISM);
  const byRun = new Map<string, typeof reported>();
  for (const o of reported) byRun.set(o.observation.runId, [...(byRun.get(o.observation.runId) ?? []), o]);
  for (const run of record.finalRuns) if (run.taskFailure?.type === NON_DETERMINISM && !byRun.has(run.runId)) byRun.set(run.runId, []);
  return [...byRun.entries()].map(([runId, seen]) => {
    const run = record.finalRuns.find((r) => r.runId === runId);
    const message = seen[0]?.observation.failure.message ?? run?.taskFailure?.message ?? "";
    return {
      check: CHECK,
      workflowId: workflowOf.get(runId) ?? "(unknown)",
      runId,
      detail: `a workflow task failed with non-determinism${seen.length > 1 ? ` (${seen.length} times)` : ""}: ${message}`,
      evidence: seen.map(describeObservation),
    };
  });
}

function branchProblems(run: FinalRun, record: SimRecord): Violation[] {
  const violation = (detail: string, evidence: HistoryEvent[]): Violation => ({ check: CHECK, workflowId: run.workflowId, runId: run.runId, detail, evidence: evidence.map(describeEvent) });
  const marker = run.history.find((e) => e.type === "MarkerRecorded" && e.data.marker === "patch" && e.data.patchId === VERSIONED_PATCH_ID);
  const patchedStep = run.history.find((e) => e.type === "ActivityScheduled" && e.data.activityType === VERSIONED_PATCHED_STEP);
  const problems: Violation[] = [];
  if (patchedStep && !marker) problems.push(violation(`took the new branch (${VERSIONED_PATCHED_STEP}) without the patch marker ${VERSIONED_PATCH_ID} in its history`, [patchedStep]));
  const closed = run.status !== "running";
  const pastBranch = run.history.some((e) => e.type === "ActivityScheduled" && e.data.activityType === "charge");
  if (marker && !patchedStep && (pastBranch || run.history.at(-1)?.type === "WorkflowCompleted") && closed) {
    problems.push(violation(`records the patch marker ${VERSIONED_PATCH_ID} but took the old branch`, [marker]));
  }
  const firstTaskEnd = run.history.findIndex((e, i) => i > 0 && e.type === "WorkflowTaskCompleted");
  const secondTask = run.history.findIndex((e, i) => i > firstTaskEnd && e.type === "WorkflowTaskCompleted");
  if (marker && secondTask >= 0 && run.history.indexOf(marker) > secondTask) problems.push(violation("recorded the patch marker after its first workflow task", [marker]));

  const deployAtMs = record.scenario.deploy?.atMs;
  if (deployAtMs === undefined) return problems;
  const firstCommit = observationsOfType(record, "workflowTaskCompleted").find((o) => o.observation.runId === run.runId);
  if (marker && firstCommit && firstCommit.atMs < deployAtMs) {
    problems.push(violation(`its first workflow task was committed at ${firstCommit.atMs} ms, before the deploy at ${deployAtMs} ms (version 1, which has no patch), yet it records the patch marker`, [marker]));
  }
  // Every attempt to start it came after the deploy (a retry after it may return a run an earlier attempt made before it).
  const starts = record.starts.filter((s) => s.workflowId === run.workflowId);
  const runs = runsById(record);
  const startedAfter = starts.every((s) => s.atMs >= deployAtMs) && starts.some((s) => s.outcome === "ok" && runOfStart(s, runs, record.finalRuns)?.runId === run.runId);
  if (startedAfter && !marker && run.history.some((e) => e.type === "WorkflowTaskCompleted")) {
    problems.push(violation(`was started after the deploy at ${deployAtMs} ms (only version 2 ran it), yet it has no patch marker`, run.history.slice(0, 3)));
  }
  return problems;
}
