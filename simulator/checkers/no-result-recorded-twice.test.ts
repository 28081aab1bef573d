/**
 * no-result-recorded-twice catches a duplicated ActivityCompleted (a stale
 * attempt's completion recorded too, as without the lease-token check), a
 * timer fired twice, a result after its cancellation or for no command, a
 * second terminal event, events after the terminal one, and a status that
 * disagrees with the history; it does not flag a result recorded before its
 * cancellation (it arrived while the cancelling workflow task ran).
 */
import { describe, expect, it } from "vitest";
import { noResultRecordedTwice } from "./no-result-recorded-twice.ts";
import { cleanRecord, runOf, WORKER_1, WORKER_2 } from "./testing/clean-record.ts";

describe("no-result-recorded-twice", () => {
  it("flags a duplicated ActivityCompleted", () => {
    const record = cleanRecord((sim) => {
      const run = sim.startWorkflow("wf-unfenced");
      run.scheduleActivities(1);
      const stale = run.claim("activity", 1, WORKER_1);
      run.runActivity(1, WORKER_2);
      run.recordCompletion(1, stale); // the stale attempt's late result
    });
    const found = noResultRecordedTwice(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "no-result-recorded-twice", workflowId: "wf-unfenced" });
    expect(found[0]!.detail).toMatch(/activity seq 1 has 2 results recorded/);
    expect(found[0]!.evidence).toEqual([expect.stringMatching(/ActivityCompleted\(seq 1, attempt 2\)/), expect.stringMatching(/ActivityCompleted\(seq 1, attempt 1\)/)]);
  });

  it("flags a timer fired twice", () => {
    const record = cleanRecord((sim) => {
      const run = sim.startWorkflow("wf-timer-twice", "timer");
      run.startTimer(1);
      run.fireTimer(1);
      run.fireTimer(1);
    });
    expect(noResultRecordedTwice(record).map((v) => v.detail)).toEqual([expect.stringMatching(/timer seq 1 has 2 results recorded/)]);
  });

  it("flags a result after its cancellation, and a result for no command", () => {
    const record = cleanRecord((sim) => {
      const run = sim.startWorkflow("wf-cancelled");
      run.scheduleActivities(1);
      run.decide({ type: "ActivityCancelled", data: { seq: 1 } });
      run.runActivity(1);
      run.append("TimerFired", { seq: 7 });
    });
    expect(noResultRecordedTwice(record).map((v) => v.detail)).toEqual([
      expect.stringMatching(/activity seq 1 has a result recorded after its cancellation/),
      expect.stringMatching(/timer seq 7 has a result recorded for a command issued never/),
    ]);
  });

  it("does not flag a result recorded before its cancellation", () => {
    const record = cleanRecord((sim) => {
      const run = sim.startWorkflow("wf-raced");
      run.scheduleActivities(1);
      run.runActivity(1);
      run.decide({ type: "ActivityCancelled", data: { seq: 1 } });
    });
    expect(noResultRecordedTwice(record)).toEqual([]);
  });

  it("flags a second terminal event, and events after the terminal one", () => {
    const record = cleanRecord();
    const timer = runOf(record, "wf-timer");
    const saga = runOf(record, "wf-saga");
    timer.history.push({ eventId: timer.history.length + 1, type: "WorkflowFailed", atMs: 1, data: { failure: { type: "Error", message: "again" } } });
    saga.history.push({ eventId: saga.history.length + 1, type: "SignalReceived", atMs: 1, data: { name: "late", payload: null } });
    const details = noResultRecordedTwice(record).map((v) => `${v.workflowId}: ${v.detail}`);
    expect(details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^wf-timer: .*2 terminal events recorded/),
        expect.stringMatching(/^wf-saga: .*events recorded after the terminal WorkflowFailed/),
        expect.stringMatching(/^wf-saga: .*status is failed, but the history does not end with WorkflowFailed/),
      ]),
    );
  });

  it("flags a status that disagrees with the history", () => {
    const record = cleanRecord();
    runOf(record, "wf-timer").status = "running";
    runOf(record, "wf-landed-running").status = "completed";
    expect(noResultRecordedTwice(record).map((v) => `${v.workflowId}: ${v.detail}`)).toEqual([
      expect.stringMatching(/^wf-timer: .*status is running, but the history is closed/),
      expect.stringMatching(/^wf-landed-running: .*status is completed, but the history does not end with WorkflowCompleted/),
    ]);
  });
});
