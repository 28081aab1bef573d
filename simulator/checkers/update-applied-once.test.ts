/**
 * update-applied-once catches a retried update appended again, an update
 * decided twice (or both ways), answered twice, answered though rejected or
 * without an acceptance, an accepted update a completed run never answered,
 * and a caller told other than history records; the clean record's updates
 * (one asked twice and applied once, one refused) pass, and so does one
 * update id taken by two runs of a workflow (once per run).
 */
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../engine/index.ts";
import type { FinalRun, SimRecord } from "../model.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";
import { updateAppliedOnce } from "./update-applied-once.ts";

const ACCEPTED_ID = "wf-update#update-0";
const REJECTED_ID = "wf-update#update-1";

function account(record: SimRecord): FinalRun {
  return runOf(record, "wf-update");
}

/** Insert `event` (renumbered) before the run's last event, keeping ids contiguous. */
function insertBeforeEnd(run: FinalRun, type: HistoryEvent["type"], data: unknown): void {
  const end = run.history.pop()!;
  run.history.push({ eventId: run.history.length + 1, type, atMs: end.atMs, data } as HistoryEvent, { ...end, eventId: run.history.length + 2 });
}

function details(record: SimRecord): string[] {
  return updateAppliedOnce(record).map((v) => v.detail);
}

describe("update-applied-once", () => {
  it("passes the clean record: an update asked twice under one id, applied once; one refused", () => {
    const record = cleanRecord();
    expect(record.updates.filter((u) => u.updateId === ACCEPTED_ID).map((u) => u.outcome)).toEqual(["info", "ok"]);
    expect(account(record).history.map((e) => e.type)).toContain("WorkflowUpdateRejected");
    expect(updateAppliedOnce(record)).toEqual([]);
  });

  it("flags a retried request appended again, and names the run and its events", () => {
    const record = cleanRecord();
    const run = account(record);
    insertBeforeEnd(run, "WorkflowUpdateRequested", { updateId: ACCEPTED_ID, name: "deposit", args: { amount: 5 } });
    const found = updateAppliedOnce(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "update-applied-once", workflowId: "wf-update", runId: run.runId });
    expect(found[0]!.detail).toBe(`update ${ACCEPTED_ID}: requested 2 times in one run: a repeated request was appended again`);
    expect(found[0]!.evidence).toEqual(expect.arrayContaining([expect.stringMatching(/WorkflowUpdateRequested\(deposit\)/), expect.stringMatching(/WorkflowUpdateCompleted/)]));
  });

  it("flags an update decided twice, or both accepted and rejected", () => {
    const twice = cleanRecord();
    insertBeforeEnd(account(twice), "WorkflowUpdateAccepted", { updateId: ACCEPTED_ID });
    expect(details(twice)).toEqual([`update ${ACCEPTED_ID}: decided 2 times (2 accepted, 0 rejected)`]);

    const both = cleanRecord();
    insertBeforeEnd(account(both), "WorkflowUpdateAccepted", { updateId: REJECTED_ID });
    expect(details(both)).toEqual([`update ${REJECTED_ID}: decided 2 times (1 accepted, 1 rejected)`]);
  });

  it("flags a handler applied twice, a rejected update answered, an answer without acceptance", () => {
    const twice = cleanRecord();
    insertBeforeEnd(account(twice), "WorkflowUpdateCompleted", { updateId: ACCEPTED_ID, result: { balance: 10 } });
    expect(details(twice)).toEqual([`update ${ACCEPTED_ID}: answered 2 times: its handler was applied more than once`]);

    const rejectedRan = cleanRecord();
    insertBeforeEnd(account(rejectedRan), "WorkflowUpdateCompleted", { updateId: REJECTED_ID, result: { balance: 5 } });
    expect(details(rejectedRan)).toEqual([`update ${REJECTED_ID}: rejected, yet its handler ran and answered (WorkflowUpdateCompleted)`]);

    const unaccepted = cleanRecord();
    const run = account(unaccepted);
    run.history = run.history.filter((e) => e.type !== "WorkflowUpdateAccepted").map((e, i) => ({ ...e, eventId: i + 1 }));
    expect(details(unaccepted)).toEqual([`update ${ACCEPTED_ID}: answered without an acceptance before it`]);
  });

  it("flags an accepted update a completed run never answered; not one of a run still running or terminated", () => {
    const record = cleanRecord();
    const run = account(record);
    run.history = run.history.filter((e) => !(e.type === "WorkflowUpdateCompleted")).map((e, i) => ({ ...e, eventId: i + 1 }));
    record.updates = record.updates.filter((u) => u.outcome !== "ok");
    expect(details(record)).toEqual([`update ${ACCEPTED_ID}: accepted, but the run completed without answering it`]);
    const end = run.history.at(-1)!;
    run.history[run.history.length - 1] = { ...end, type: "WorkflowTerminated", data: { reason: "planned by the driver" } } as HistoryEvent;
    expect(details(record)).toEqual([]);
  });

  it("flags a caller told a result, a rejection or a failure that history does not record", () => {
    const record = cleanRecord();
    const ok = record.updates.find((u) => u.outcome === "ok")!;
    ok.result = { balance: 6, receipt: "payments-charge-1" };
    const rejected = record.updates.find((u) => u.errorCode === "UPDATE_REJECTED")!;
    rejected.updateId = ACCEPTED_ID;
    record.updates.push({ ...rejected, errorCode: "UPDATE_FAILED" });
    const found = updateAppliedOnce(record);
    expect(found.map((v) => v.detail)).toEqual([
      expect.stringMatching(new RegExp(`^update ${ACCEPTED_ID}: the client was answered \\{"balance":6,"receipt":"payments-charge-1"\\} at \\d+ ms, but no run of the workflow recorded that outcome$`)),
      expect.stringMatching(/the client was told UPDATE_REJECTED at \d+ ms, but no run/),
      expect.stringMatching(/the client was told UPDATE_FAILED at \d+ ms, but no run/),
    ]);
    expect(found[0]!.evidence).toEqual([expect.stringMatching(/WorkflowUpdateCompleted/)]);
    // Attempts that got no answer, or another error, assert nothing.
    record.updates = [{ ...ok, outcome: "info", errorCode: "TIMEOUT" }, { ...ok, outcome: "fail", errorCode: "WORKFLOW_NOT_RUNNING", updateId: "never-landed" }];
    expect(updateAppliedOnce(record)).toEqual([]);
  });

  it("accepts one update id taken once by each of two runs of a workflow", () => {
    const record = cleanRecord();
    const run = account(record);
    record.finalRuns.push({ ...structuredClone(run), runId: `${run.runId}-next` });
    expect(updateAppliedOnce(record)).toEqual([]);
  });
});
