/**
 * activity-attempted-at-least-once catches a result no worker claimed, a
 * completion of an attempt nobody claimed, a completion a worker saw
 * committed but the history lacks, and a pending activity in a run closed
 * without a terminal event; it does not flag an activity left pending by a
 * workflow that completed (its task deleted with the run's close), nor one
 * pending in a run that is still running.
 */
import { describe, expect, it } from "vitest";
import { activityAttemptedAtLeastOnce } from "./activity-attempted-at-least-once.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

describe("activity-attempted-at-least-once", () => {
  it("flags a result that no worker reported claiming", () => {
    const record = cleanRecord();
    const run = runOf(record, "wf-linear");
    record.observations = record.observations.filter((o) => !(o.observation.type === "claimed" && o.observation.runId === run.runId && o.observation.seq === 2));
    const found = activityAttemptedAtLeastOnce(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "activity-attempted-at-least-once", workflowId: "wf-linear", runId: run.runId });
    expect(found[0]!.detail).toMatch(/records #\d+ ActivityCompleted\(seq 2, attempt 1\) .*, but no worker ever reported claiming activity seq 2/);
  });

  it("flags a completion of an attempt that no worker claimed", () => {
    const record = cleanRecord();
    const completed = runOf(record, "wf-fanout").history.find((e) => e.type === "ActivityCompleted")!;
    if (completed.type === "ActivityCompleted") completed.data.attempt = 3;
    const details = activityAttemptedAtLeastOnce(record).map((v) => v.detail);
    expect(details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/no worker reported claiming attempt 3 \(claimed attempts: 1\)/),
        // The worker's report of attempt 1's completion no longer matches the history either.
        expect.stringMatching(/saw charge \(seq 1, attempt 1\) recorded .* has no ActivityCompleted of seq 1, attempt 1/),
      ]),
    );
  });

  it("flags a completion a worker saw committed that the history does not hold", () => {
    const record = cleanRecord();
    const saga = runOf(record, "wf-saga");
    record.observations.push({
      atMs: 1,
      worker: "worker-2",
      incarnation: 1,
      observation: { type: "activityCompleted", taskId: 99, runId: saga.runId, seq: 1, attempt: 1, leaseToken: 1, activityType: "charge", workflowId: "wf-saga" },
    });
    const found = activityAttemptedAtLeastOnce(record);
    expect(found.map((v) => v.workflowId)).toEqual(["wf-saga"]);
    expect(found[0]!.detail).toMatch(/worker-2 saw charge \(seq 1, attempt 1\) recorded at 1 ms, but the final history of run .* has no ActivityCompleted/);
  });

  it("flags a pending activity in a run closed without a terminal event", () => {
    const record = cleanRecord();
    const fanout = runOf(record, "wf-fanout");
    fanout.history.pop(); // WorkflowCompleted gone, status still "completed"
    const found = activityAttemptedAtLeastOnce(record);
    expect(found.map((v) => v.workflowId)).toEqual(["wf-fanout"]);
    expect(found[0]!.detail).toMatch(/is completed without a terminal event after #\d+ ActivityScheduled\(seq 2, charge\)/);
  });

  it("does not flag an activity left pending by a completed workflow, nor one in a running run", () => {
    const record = cleanRecord();
    const pendingIn = (workflowId: string) => runOf(record, workflowId).history.filter((e) => e.type === "ActivityScheduled").length - runOf(record, workflowId).history.filter((e) => e.type === "ActivityCompleted").length;
    expect(pendingIn("wf-fanout")).toBe(1);
    expect(runOf(record, "wf-fanout").status).toBe("completed");
    expect(pendingIn("wf-landed-running")).toBe(1);
    expect(activityAttemptedAtLeastOnce(record)).toEqual([]);
  });
});
