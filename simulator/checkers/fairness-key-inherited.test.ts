/**
 * fairness-key-inherited catches a run without the key its start asked
 * for, a continued run or a child that did not inherit its run's key, and a
 * task that carried another key than its run; a record whose keyed parent,
 * children, chain and tasks all agree passes, and so does the clean record
 * (no keys).
 */
import { describe, expect, it } from "vitest";
import type { SimRecord } from "../model.ts";
import { fairnessKeyInherited } from "./fairness-key-inherited.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

/** The clean record with tenant keys, as a correct engine leaves them: on the starts, their runs, children, continued runs and tasks. */
function keyedRecord(): SimRecord {
  const record = cleanRecord();
  const keys: Record<string, string> = { "wf-parent": "tenant-a", "wf-chain": "tenant-b" };
  for (const start of record.starts) if (keys[start.workflowId]) start.fairnessKey = keys[start.workflowId];
  for (const run of record.finalRuns) {
    const owner = run.workflowId.split("/")[0]!;
    if (keys[owner]) run.fairnessKey = keys[owner];
  }
  for (const run of record.finalRuns) record.taskKeys.push({ atMs: 10, runId: run.runId, kind: "workflow", fairnessKey: run.fairnessKey });
  return record;
}

function details(record: SimRecord): string[] {
  return fairnessKeyInherited(record).map((v) => v.detail);
}

describe("fairness-key-inherited", () => {
  it("passes keys that agree along starts, children, continued runs and tasks, and a record without keys", () => {
    const record = keyedRecord();
    expect(record.finalRuns.filter((r) => r.fairnessKey !== "").map((r) => r.workflowId)).toEqual(["wf-chain", "wf-chain", "wf-parent", "wf-parent/detached", "wf-parent/child-0"]);
    expect(fairnessKeyInherited(record)).toEqual([]);
    expect(fairnessKeyInherited(cleanRecord())).toEqual([]);
  });

  it("flags a child that did not inherit its parent's key", () => {
    const record = keyedRecord();
    const child = runOf(record, "wf-parent/child-0");
    child.fairnessKey = "";
    const found = fairnessKeyInherited(record);
    expect(found.map((v) => v.detail)).toEqual([
      `child run ${child.runId} has fairness key none, not its parent run ${runOf(record, "wf-parent").runId}'s "tenant-a"`,
      `run ${child.runId} has fairness key none, but 1 of its tasks read during the run carried another`,
    ]);
    expect(found[0]).toMatchObject({ check: "fairness-key-inherited", workflowId: "wf-parent/child-0", runId: child.runId });
    expect(found[0]!.evidence).toEqual([expect.stringMatching(/^#1 WorkflowStarted/)]);
  });

  it("flags a continued run without its predecessor's key, and a start's run without the key asked for", () => {
    const continued = keyedRecord();
    const second = continued.finalRuns.filter((r) => r.workflowId === "wf-chain")[1]!;
    second.fairnessKey = "tenant-a";
    continued.taskKeys = [];
    expect(details(continued)).toEqual([expect.stringMatching(/continued run .* as new, but has fairness key "tenant-a", not its predecessor's "tenant-b"$/)]);

    const started = keyedRecord();
    started.starts.find((s) => s.workflowId === "wf-linear")!.fairnessKey = "tenant-c";
    expect(details(started)).toEqual([`run ${runOf(started, "wf-linear").runId} has fairness key none, but its start asked for "tenant-c"`]);
  });

  it("flags a task that carried another key than its run", () => {
    const record = keyedRecord();
    record.taskKeys.push({ atMs: 20, runId: runOf(record, "wf-parent").runId, kind: "activity", fairnessKey: "" });
    expect(details(record)).toEqual([`run ${runOf(record, "wf-parent").runId} has fairness key "tenant-a", but 1 of its tasks read during the run carried another`]);
    expect(fairnessKeyInherited(record)[0]!.evidence).toEqual(["activity task with key none at 20 ms"]);
  });
});
