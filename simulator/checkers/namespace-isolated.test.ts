/**
 * namespace-isolated passes a second namespace that ran its copy of a start
 * apart (same workflow id, its own run, worker and schema), and catches a
 * worker of either namespace touching the other's run, an acknowledged
 * start whose run is missing from its schema or sits in the first's, and a
 * run still open at the liveness deadline; an ambiguous start is not held.
 */
import { describe, expect, it } from "vitest";
import type { ObservationRecord, SimRecord } from "../model.ts";
import { namespaceIsolated } from "./namespace-isolated.ts";
import { NAMESPACE_B_RUN as B_RUN, cleanRecord, runOf } from "./testing/clean-record.ts";

function claimOf(worker: string, runId: string, workflowId: string): ObservationRecord {
  return { atMs: 1_000, worker, incarnation: 1, observation: { type: "claimed", kind: "workflow", taskId: 900, runId, seq: 0, attempt: 1, leaseToken: 1, workflowId } };
}

/** The clean record: its second namespace started wf-linear too, ran it on its own worker and closed it. */
function twoNamespaces(): SimRecord {
  const record = cleanRecord();
  expect(record.namespaceB.finalRuns).toEqual([{ workflowId: "wf-linear", runId: B_RUN, status: "completed" }]);
  return record;
}

describe("namespace-isolated", () => {
  it("passes two namespaces that kept apart, and an ambiguous start in the second that never landed", () => {
    const record = twoNamespaces();
    record.namespaceB.starts.push({ workflowId: "wf-timer", workflowType: "timer", atMs: 200, outcome: "info", error: "connection reset", requestId: "wf-timer#start" });
    expect(record.finalRuns.some((r) => r.workflowId === "wf-linear")).toBe(true);
    expect(namespaceIsolated(record)).toEqual([]);
  });

  it("flags a second-namespace worker that claimed a run of the first", () => {
    const record = twoNamespaces();
    const a = runOf(record, "wf-timer");
    record.namespaceB.observations.push(claimOf("ns-b-worker-1", a.runId, a.workflowId));
    const found = namespaceIsolated(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "namespace-isolated", workflowId: "wf-timer", runId: a.runId });
    expect(found[0]!.detail).toBe(`ns-b-worker-1#1, a worker of the second namespace, reported claimed for run ${a.runId} of the other namespace`);
  });

  it("flags a first-namespace worker that claimed a run of the second", () => {
    const record = twoNamespaces();
    record.observations.push(claimOf("worker-2", B_RUN, "wf-linear"));
    expect(namespaceIsolated(record).map((v) => v.detail)).toEqual([`worker-2#1, a worker of the first namespace, reported claimed for run ${B_RUN} of the other namespace`]);
  });

  it("flags an acknowledged start whose run is not in the second schema", () => {
    const record = twoNamespaces();
    record.namespaceB.finalRuns = [];
    record.namespaceB.observations = [];
    expect(namespaceIsolated(record).map((v) => v.detail)).toEqual([`the start of wf-linear in sim_b was acknowledged at 120 ms with run ${B_RUN}, which at the end is not in sim_b`]);
  });

  it("flags an acknowledged start whose run landed in the first schema (the start leaked)", () => {
    const record = twoNamespaces();
    // As a store running the first namespace's statements would: the request id found the first namespace's run.
    const a = runOf(record, "wf-linear");
    record.namespaceB.starts[0]!.runId = a.runId;
    const found = namespaceIsolated(record);
    expect(found.map((v) => v.detail)).toContain(`the start of wf-linear in sim_b was acknowledged at 120 ms with run ${a.runId}, which at the end is not in sim_b and is in the first namespace's schema`);
  });

  it("flags a second-namespace run open at the liveness deadline, or still running at the end when that read failed", () => {
    const atDeadline = twoNamespaces();
    atDeadline.namespaceB.openAtDeadline = [B_RUN];
    expect(namespaceIsolated(atDeadline)).toEqual([expect.objectContaining({ runId: B_RUN, detail: expect.stringContaining("still running at the liveness deadline") })]);

    const unread = twoNamespaces();
    unread.namespaceB.openAtDeadline = null;
    unread.namespaceB.finalRuns[0]!.status = "running";
    expect(namespaceIsolated(unread)).toHaveLength(1);
    unread.namespaceB.finalRuns[0]!.status = "failed";
    expect(namespaceIsolated(unread)).toEqual([]);
  });
});
