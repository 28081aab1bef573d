/**
 * termination-final catches an acknowledged termination whose run went on
 * to another end (or vanished), and a terminated run no termination
 * explains; a termination whose reply was lost explains the run it ended,
 * and so does a closed parent whose close policy for the child is
 * terminate (but not abandon, nor a parent still running).
 */
import { describe, expect, it } from "vitest";
import { terminationFinal } from "./termination-final.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

describe("termination-final", () => {
  it("passes the clean record's terminated workflow, activity in flight included", () => {
    const record = cleanRecord();
    expect(runOf(record, "wf-terminated").status).toBe("terminated");
    expect(record.terminations.map((t) => t.workflowId)).toEqual(["wf-terminated", "wf-parent-cut"]);
    expect(terminationFinal(record)).toEqual([]);
  });

  it("flags an acknowledged termination whose run recorded more after it, or is gone", () => {
    const record = cleanRecord();
    const run = runOf(record, "wf-terminated");
    run.history.push({ eventId: run.history.length + 1, type: "WorkflowCompleted", atMs: 1, data: { result: "late" } });
    run.status = "completed";
    const found = terminationFinal(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "termination-final", workflowId: "wf-terminated", runId: run.runId });
    expect(found[0]!.detail).toMatch(/was terminated at \d+ ms \(acknowledged\), but is completed at the end, its last event WorkflowCompleted$/);

    record.finalRuns = record.finalRuns.filter((r) => r !== run);
    expect(terminationFinal(record).map((v) => v.detail)).toEqual([expect.stringMatching(/but is not in the database$/)]);
  });

  it("flags a terminated run no termination explains, and accepts one whose termination reply was lost", () => {
    const record = cleanRecord();
    const timer = runOf(record, "wf-timer");
    timer.status = "terminated";
    const found = terminationFinal(record);
    expect(found.map((v) => [v.workflowId, v.detail])).toEqual([["wf-timer", `run ${timer.runId} of wf-timer is terminated, but no termination of it was acknowledged or left in doubt`]]);
    record.terminations.push({ workflowId: "wf-timer", atMs: 5, outcome: "info", error: "connection reset" });
    expect(terminationFinal(record)).toEqual([]);
  });

  it("accepts a child terminated by its closed parent's policy terminate; flags it under abandon, or while the parent runs", () => {
    const record = cleanRecord();
    const child = runOf(record, "wf-parent-cut/child-0");
    expect(child.status).toBe("terminated");
    expect(terminationFinal(record)).toEqual([]);

    const parent = runOf(record, "wf-parent-cut");
    const initiated = parent.history.find((e) => e.type === "ChildWorkflowInitiated");
    if (initiated?.type !== "ChildWorkflowInitiated") throw new Error("unreachable");
    initiated.data.parentClosePolicy = "abandon";
    const expected = [["wf-parent-cut/child-0", `run ${child.runId} of wf-parent-cut/child-0 is terminated, but no termination of it was acknowledged or left in doubt`]];
    expect(terminationFinal(record).map((v) => [v.workflowId, v.detail])).toEqual(expected);

    initiated.data.parentClosePolicy = "terminate";
    parent.status = "running";
    expect(terminationFinal(record).map((v) => [v.workflowId, v.detail])).toEqual(expect.arrayContaining(expected));
  });
});
