/**
 * terminal-after-heal catches an accepted run still running at the end, and
 * its report says why it may be stuck: last events, the workflow task
 * failure, pending steps with their claims, signals sent. It does not flag a
 * running run that only an ambiguous start created, nor an accepted run that
 * is missing (no-accepted-workflow-lost reports that).
 */
import { describe, expect, it } from "vitest";
import { terminalAfterHeal } from "./terminal-after-heal.ts";
import { cleanRecord, runOf, WORKER_1 } from "./testing/clean-record.ts";
import { HEAL_AT_MS, WITHIN_MS } from "./testing/record-builder.ts";

describe("terminal-after-heal", () => {
  it("flags an accepted run still running after heal, with why it may be stuck", () => {
    const record = cleanRecord((sim) => {
      // The step's task was lost after its only claim (as when it is deleted before its result is recorded).
      const stuck = sim.startWorkflow("wf-stuck");
      stuck.scheduleActivities(1);
      stuck.crashAfterEffect(1, WORKER_1);
      stuck.startTimer(2, 500);
      stuck.final.taskFailure = { type: "NonDeterminismError", message: "history records ActivityScheduled(seq 3)" };
    });
    record.signals.push({ workflowId: "wf-stuck", name: "go", atMs: 5, outcome: "fail", error: "reset" });
    const found = terminalAfterHeal(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "terminal-after-heal", workflowId: "wf-stuck", runId: runOf(record, "wf-stuck").runId });
    expect(found[0]!.detail).toBe(
      `run ${runOf(record, "wf-stuck").runId} of wf-stuck was still running at ${HEAL_AT_MS + WITHIN_MS} ms, ${WITHIN_MS} ms after the faults healed at ${HEAL_AT_MS} ms ` +
        `(bound ${WITHIN_MS} ms), with 2 step(s) pending; its workflow task fails with NonDeterminismError: history records ActivityScheduled(seq 3)`,
    );
    expect(found[0]!.evidence).toEqual([
      expect.stringMatching(/^last: #3 ActivityScheduled\(seq 1, charge\)/),
      expect.stringMatching(/^last: #4 WorkflowTaskCompleted/),
      expect.stringMatching(/^last: #5 TimerStarted\(seq 2\)/),
      expect.stringMatching(/^pending: activity seq 1 \(charge\), scheduled at \d+ ms, claimed 1 time\(s\), last: worker-1#1 claimed activity task \d+ seq 1 attempt 1 token 1/),
      expect.stringMatching(/^pending: timer seq 2, due at \d+ ms$/),
      "signals sent: 1 fail",
    ]);
  });

  it("judges by the runs open at the liveness deadline when that was read: closing later than it is too late", () => {
    const record = cleanRecord();
    const late = record.finalRuns.find((r) => r.status === "completed" && record.starts.some((s) => s.outcome === "ok" && s.runId === r.runId))!;
    record.openAtDeadline = [late.runId];
    const found = terminalAfterHeal(record);
    expect(found.map((v) => v.runId)).toEqual([late.runId]);
    // And a run open at the end but closed by the deadline cannot exist; an empty list means none was open.
    record.openAtDeadline = [];
    expect(terminalAfterHeal(record)).toEqual([]);
  });

  it("does not flag a running run that only an ambiguous start created, nor a missing accepted run", () => {
    const record = cleanRecord();
    expect(runOf(record, "wf-landed-running").status).toBe("running");
    record.finalRuns = record.finalRuns.filter((r) => r.workflowId !== "wf-timer");
    expect(terminalAfterHeal(record)).toEqual([]);
  });
});
