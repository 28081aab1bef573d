/**
 * no-accepted-workflow-lost catches an accepted start whose run is missing,
 * begins with the wrong event or belongs to another workflow, and a run that
 * only a refused start (or none) could have created; it does not flag a lost
 * start reply whose run never landed, nor a refused start of an id another
 * start accepted.
 */
import { describe, expect, it } from "vitest";
import { noAcceptedWorkflowLost } from "./no-accepted-workflow-lost.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

describe("no-accepted-workflow-lost", () => {
  it("flags an accepted start missing from finalRuns", () => {
    const record = cleanRecord();
    const lost = runOf(record, "wf-timer");
    record.finalRuns = record.finalRuns.filter((r) => r !== lost);
    const found = noAcceptedWorkflowLost(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "no-accepted-workflow-lost", workflowId: "wf-timer", runId: lost.runId });
    expect(found[0]!.detail).toMatch(/accepted at \d+ ms as run run-\d+, but that run is not in the database/);
    expect(found[0]!.evidence).toEqual(["runs of wf-timer at the end: none"]);
  });

  it("flags an accepted run whose history does not begin with WorkflowStarted", () => {
    const record = cleanRecord();
    runOf(record, "wf-timer").history.shift();
    const found = noAcceptedWorkflowLost(record);
    expect(found.map((v) => v.workflowId)).toEqual(["wf-timer"]);
    expect(found[0]!.detail).toMatch(/begins with WorkflowTaskCompleted, not WorkflowStarted/);
  });

  it("flags an accepted start whose run id belongs to another workflow", () => {
    const record = cleanRecord();
    const start = record.starts.find((s) => s.workflowId === "wf-timer")!;
    start.runId = runOf(record, "wf-saga").runId;
    const found = noAcceptedWorkflowLost(record).filter((v) => v.workflowId === "wf-timer");
    expect(found.map((v) => v.detail)).toEqual(expect.arrayContaining([expect.stringMatching(/belongs to workflow wf-saga/)]));
  });

  it("flags a run that only a refused start, or no start, explains", () => {
    const record = cleanRecord();
    const phantom = { ...runOf(record, "wf-timer"), workflowId: "wf-refused", runId: "run-refused" };
    const orphan = { ...runOf(record, "wf-timer"), workflowId: "wf-nobody", runId: "run-nobody" };
    record.finalRuns.push(phantom, orphan);
    record.starts.push({ workflowId: "wf-refused", workflowType: "linear", atMs: 5, outcome: "fail", error: "INVALID_ARGUMENT" });
    const found = noAcceptedWorkflowLost(record);
    expect(found.map((v) => [v.workflowId, v.runId])).toEqual([
      ["wf-refused", "run-refused"],
      ["wf-nobody", "run-nobody"],
    ]);
    expect(found[0]!.evidence).toEqual(["start fail at 5 ms: INVALID_ARGUMENT"]);
    expect(found[1]!.evidence).toEqual(["no start of this workflow id was recorded"]);
  });

  it("does not flag an ambiguous start that never landed, nor a refused start of an accepted id", () => {
    const record = cleanRecord();
    expect(record.starts.filter((s) => s.outcome === "info" && s.workflowId === "wf-reply-lost")).toHaveLength(1);
    expect(record.starts.filter((s) => s.outcome === "fail" && s.workflowId === "wf-linear")).toHaveLength(1);
    expect(noAcceptedWorkflowLost(record)).toEqual([]);
  });
});
