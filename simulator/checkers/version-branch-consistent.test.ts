/**
 * version-branch-consistent catches a workflow task failed by
 * non-determinism (reported, or left on the run), a versioned run whose
 * branch and patch marker disagree, a marker recorded after the first task,
 * and, across a deploy, a run begun on version 1 that records the marker or
 * one started on version 2 that lacks it; the clean record's two versioned
 * runs (one per version) pass, and a start retried across the deploy is not
 * held to version 2.
 */
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../engine/index.ts";
import type { FinalRun, SimRecord } from "../model.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";
import { versionBranchConsistent } from "./version-branch-consistent.ts";

const DEPLOY_AT_MS = 5_000;

function details(record: SimRecord): string[] {
  return versionBranchConsistent(record).map((v) => v.detail);
}

/** The history without the events `drop` picks, renumbered 1..n. */
function without(run: FinalRun, drop: (e: HistoryEvent) => boolean): void {
  run.history = run.history.filter((e) => !drop(e)).map((e, i) => ({ ...e, eventId: i + 1 }));
}

const isMarker = (e: HistoryEvent) => e.type === "MarkerRecorded";
const isNotify = (e: HistoryEvent) => e.type === "ActivityScheduled" && e.data.activityType === "notify";

/** The clean record, with a deploy at DEPLOY_AT_MS: wf-versioned-old's first task committed before it, wf-versioned-new started after it. */
function deployed(): SimRecord {
  const record = cleanRecord();
  record.scenario = { ...record.scenario, deploy: { atMs: DEPLOY_AT_MS, restartAfterMs: 100 } };
  const old = runOf(record, "wf-versioned-old");
  record.observations.push({ atMs: DEPLOY_AT_MS - 1, worker: "worker-1", incarnation: 1, observation: { type: "workflowTaskCompleted", taskId: 900, runId: old.runId, commands: 1 } });
  for (const s of record.starts) if (s.workflowId === "wf-versioned-new") s.atMs = DEPLOY_AT_MS + 1;
  return record;
}

describe("version-branch-consistent", () => {
  it("passes the clean record's two versioned runs, with or without a deploy between them", () => {
    const record = cleanRecord();
    expect(runOf(record, "wf-versioned-new").history.some(isMarker)).toBe(true);
    expect(runOf(record, "wf-versioned-old").history.some(isMarker)).toBe(false);
    expect(versionBranchConsistent(record)).toEqual([]);
    expect(versionBranchConsistent(deployed())).toEqual([]);
  });

  it("flags a workflow task failed by non-determinism, reported by a worker or left on the run", () => {
    const record = cleanRecord();
    const run = runOf(record, "wf-linear");
    const failure = { type: "NonDeterminismError", message: "history records ActivityScheduled(seq 2, notify), the code issued charge" };
    record.observations.push({ atMs: 1, worker: "worker-2", incarnation: 1, observation: { type: "workflowTaskFailed", taskId: 7, runId: run.runId, failure } });
    record.observations.push({ atMs: 2, worker: "worker-2", incarnation: 1, observation: { type: "workflowTaskFailed", taskId: 7, runId: run.runId, failure } });
    const found = versionBranchConsistent(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "version-branch-consistent", workflowId: "wf-linear", runId: run.runId, detail: `a workflow task failed with non-determinism (2 times): ${failure.message}` });
    expect(found[0]!.evidence).toEqual([expect.stringMatching(/^worker-2#1 workflowTaskFailed task 7 at 1 ms$/), expect.stringMatching(/at 2 ms$/)]);

    const stuck = cleanRecord();
    runOf(stuck, "wf-timer").taskFailure = failure;
    expect(details(stuck)).toEqual([`a workflow task failed with non-determinism: ${failure.message}`]);
    // Another task failure is not this check's business.
    runOf(stuck, "wf-timer").taskFailure = { type: "ApplicationFailure", message: "bug in the code" };
    expect(details(stuck)).toEqual([]);
  });

  it("flags a branch its marker does not explain: the new branch without it, the old branch with it", () => {
    const lost = cleanRecord();
    without(runOf(lost, "wf-versioned-new"), isMarker);
    expect(details(lost)).toEqual(["took the new branch (notify) without the patch marker notify-before-charge in its history"]);

    const ignored = cleanRecord();
    without(runOf(ignored, "wf-versioned-new"), isNotify);
    expect(details(ignored)).toEqual(["records the patch marker notify-before-charge but took the old branch"]);
    // Still running before the branch: nothing to judge yet.
    const open = runOf(ignored, "wf-versioned-new");
    open.history = open.history.slice(0, 6);
    open.status = "running";
    expect(details(ignored)).toEqual([]);
  });

  it("flags a marker recorded after the run's first workflow task", () => {
    const record = cleanRecord();
    const run = runOf(record, "wf-versioned-new");
    const marker = run.history.find(isMarker)!;
    without(run, isMarker);
    const lastTask = run.history.findLastIndex((e) => e.type === "WorkflowTaskCompleted");
    run.history.splice(lastTask + 1, 0, marker);
    run.history = run.history.map((e, i) => ({ ...e, eventId: i + 1 }));
    expect(details(record)).toEqual(["recorded the patch marker after its first workflow task"]);
  });

  it("across a deploy: flags a run begun on version 1 with the marker, and one started on version 2 without it", () => {
    const early = deployed();
    const old = runOf(early, "wf-versioned-old");
    old.history.splice(2, 0, { eventId: 0, type: "MarkerRecorded", atMs: 1, data: { marker: "patch", patchId: "notify-before-charge" } });
    old.history = old.history.map((e, i) => ({ ...e, eventId: i + 1 }));
    expect(details(early)).toEqual(
      expect.arrayContaining([`its first workflow task was committed at ${DEPLOY_AT_MS - 1} ms, before the deploy at ${DEPLOY_AT_MS} ms (version 1, which has no patch), yet it records the patch marker`]),
    );

    const late = deployed();
    const fresh = runOf(late, "wf-versioned-new");
    without(fresh, (e) => isMarker(e) || isNotify(e));
    expect(details(late)).toEqual([`was started after the deploy at ${DEPLOY_AT_MS} ms (only version 2 ran it), yet it has no patch marker`]);
    // A start first tried before the deploy may have made its run then: it is not held to version 2.
    late.starts.push({ workflowId: "wf-versioned-new", workflowType: "versioned", atMs: DEPLOY_AT_MS - 10, outcome: "info", error: "connection reset" });
    expect(details(late)).toEqual([]);
  });
});
