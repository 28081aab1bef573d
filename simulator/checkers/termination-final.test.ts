/**
 * termination-final catches an acknowledged termination whose run went on
 * to another end (or vanished), and a terminated run no termination
 * explains; a termination whose reply was lost explains the run it ended.
 */
import { describe, expect, it } from "vitest";
import { terminationFinal } from "./termination-final.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

describe("termination-final", () => {
  it("passes the clean record's terminated workflow, activity in flight included", () => {
    const record = cleanRecord();
    expect(runOf(record, "wf-terminated").status).toBe("terminated");
    expect(record.terminations).toHaveLength(1);
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
});
