/**
 * local-activity-recorded-once catches a local activity recorded twice, one
 * recorded on a seq another command took, one that ran and was left out of
 * history though its run moved on (or completed), and a recorded result no
 * call returned; the clean record's local step (run again after a crash,
 * recorded once) passes, and so does a local step still running in an open
 * run, or in one asked to cancel. effect-exactly-once-per-completion counts
 * the marker as the step's completion.
 */
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../engine/index.ts";
import type { FinalRun, SimRecord } from "../model.ts";
import { effectExactlyOncePerCompletion } from "./effect-exactly-once-per-completion.ts";
import { localActivityRecordedOnce } from "./local-activity-recorded-once.ts";
import { localMarkersOf, type LocalMarkerEvent } from "./record-index.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

function localRun(record: SimRecord): FinalRun {
  return runOf(record, "wf-local");
}

function marker(run: FinalRun): LocalMarkerEvent {
  const found = localMarkersOf(run.history)[0];
  if (!found) throw new Error("the clean record's local run has no marker");
  return found;
}

/** The history without the events `drop` picks, renumbered 1..n. */
function without(run: FinalRun, drop: (e: HistoryEvent) => boolean): void {
  run.history = run.history.filter((e) => !drop(e)).map((e, i) => ({ ...e, eventId: i + 1 }));
}

describe("local-activity-recorded-once", () => {
  it("passes the clean record's local step, run again after a crash and recorded once", () => {
    const record = cleanRecord();
    const run = localRun(record);
    expect(marker(run).data).toMatchObject({ marker: "localActivity", seq: 1, attempt: 2 });
    expect(record.effects.filter((e) => e.step === `${run.runId}:1`).map((e) => [e.attempt, e.applied, e.outcome])).toEqual([
      [1, true, "ok"],
      [1, false, "failed"],
      [2, false, "ok"],
    ]);
    expect(localActivityRecordedOnce(record)).toEqual([]);
  });

  it("flags a local activity recorded twice, and one recorded on a seq another command took", () => {
    const twice = cleanRecord();
    const run = localRun(twice);
    run.history.splice(run.history.indexOf(marker(run)) + 1, 0, { ...marker(run) });
    run.history = run.history.map((e, i) => ({ ...e, eventId: i + 1 }));
    const found = localActivityRecordedOnce(twice);
    expect(found.map((v) => v.detail)).toEqual(["local activity seq 1 was recorded 2 times"]);
    expect(found[0]).toMatchObject({ check: "local-activity-recorded-once", workflowId: "wf-local", runId: run.runId });
    expect(found[0]!.evidence).toEqual([expect.stringMatching(/MarkerRecorded\(seq 1, charge, attempt 2\)/), expect.stringMatching(/MarkerRecorded/)]);

    const shared = cleanRecord();
    const sharedMarker = marker(localRun(shared));
    sharedMarker.data = { ...sharedMarker.data, seq: 2 };
    expect(localActivityRecordedOnce(shared).map((v) => v.detail)).toEqual(
      expect.arrayContaining(["local activity seq 2 was recorded on a seq ActivityScheduled also took", expect.stringMatching(/^local activity seq 1 ran .* and the run completed, but no marker/)]),
    );
  });

  it("flags a local step that ran and is not in history once the run moved past it; not while it may still be running", () => {
    const record = cleanRecord();
    const run = localRun(record);
    without(run, (e) => e.type === "MarkerRecorded");
    expect(localActivityRecordedOnce(record).map((v) => v.detail)).toEqual(["local activity seq 1 ran (its service was called) and the run completed, but no marker records its outcome"]);
    // Open, with nothing after the step: its workflow task may still be running it.
    without(run, (e) => e.type !== "WorkflowStarted" && e.type !== "WorkflowTaskCompleted");
    run.history = run.history.slice(0, 2);
    run.status = "running";
    expect(localActivityRecordedOnce(record)).toEqual([]);
    // Open, with a later seq recorded: the code got past the step, so its marker was lost.
    run.history.push({ eventId: 3, type: "ActivityScheduled", atMs: 1, data: { seq: 2, activityType: "charge", input: null, options: {} } } as unknown as HistoryEvent);
    expect(localActivityRecordedOnce(record).map((v) => v.detail)).toEqual([expect.stringMatching(/^local activity seq 1 ran .* and the run went on to seq 2, but no marker records its outcome$/)]);
    // A run asked to cancel may drop a local activity's outcome.
    run.history.push({ eventId: 4, type: "WorkflowCancelRequested", atMs: 1, data: { reason: "test" } });
    expect(localActivityRecordedOnce(record)).toEqual([]);
  });

  it("flags a recorded result that no call of its attempt returned", () => {
    const record = cleanRecord();
    const m = marker(localRun(record));
    m.data = { ...m.data, attempt: 3 };
    const found = localActivityRecordedOnce(record);
    expect(found.map((v) => v.detail)).toEqual(["local activity seq 1 (charge) is recorded with a result at attempt 3, but no call of that attempt was answered ok"]);
    expect(found[0]!.evidence).toHaveLength(4);
    // A recorded failure claims no call.
    m.data = { marker: "localActivity", seq: 1, activityType: "charge", attempt: 3, failure: { type: "ServiceFailed", message: "down" } };
    expect(localActivityRecordedOnce(record)).toEqual([]);
  });

  it("effect-exactly-once-per-completion counts a local step's marker as its completion", () => {
    const record = cleanRecord();
    const step = `${localRun(record).runId}:1`;
    for (const e of record.effects) if (e.step === step) e.applied = false;
    expect(effectExactlyOncePerCompletion(record).map((v) => v.detail)).toEqual([expect.stringMatching(/^payments\.charge of step .*:1 completed \(#\d+ MarkerRecorded\(seq 1, charge, attempt 2\).*no call applied it for this step$/)]);
  });
});
