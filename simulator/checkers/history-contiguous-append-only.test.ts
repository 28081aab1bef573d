/**
 * history-contiguous-append-only catches a history with a hole or none at
 * all, and a snapshot the final history does not extend (an event changed,
 * an event gone, a run gone, a read that skips ids); it does not flag
 * snapshots read mid-run, which are strict prefixes. digestEvent is what the
 * recorder must use: stable, 16 hex characters, sensitive to type and data.
 */
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../engine/index.ts";
import { digestEvent, EVENT_DIGEST_HEX_CHARS, historyContiguousAppendOnly } from "./history-contiguous-append-only.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

describe("digestEvent", () => {
  const fired: HistoryEvent = { eventId: 4, type: "TimerFired", atMs: 100, data: { seq: 1 } };

  it("is 16 hex characters of the event's type and data, whatever its id and time", () => {
    expect(digestEvent(fired)).toMatch(new RegExp(`^[0-9a-f]{${EVENT_DIGEST_HEX_CHARS}}$`));
    expect(digestEvent({ ...fired, eventId: 9, atMs: 5 })).toBe(digestEvent(fired));
    expect(digestEvent({ ...fired, data: { seq: 2 } })).not.toBe(digestEvent(fired));
    expect(digestEvent({ ...fired, type: "TimerCancelled" })).not.toBe(digestEvent(fired));
  });
});

describe("history-contiguous-append-only", () => {
  it("flags a history with a hole", () => {
    const record = cleanRecord();
    const linear = runOf(record, "wf-linear");
    linear.history.splice(3, 1);
    const found = historyContiguousAppendOnly(record).filter((v) => v.detail.includes("is not events"));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "history-contiguous-append-only", workflowId: "wf-linear", runId: linear.runId });
    expect(found[0]!.detail).toMatch(/history is not events 1\.\.\d+: position 4 holds event #5/);
  });

  it("flags a run with no events", () => {
    const record = cleanRecord();
    runOf(record, "wf-timer").history = [];
    expect(historyContiguousAppendOnly(record).map((v) => v.detail)).toEqual([expect.stringMatching(/has no events: event 1 \(WorkflowStarted\) is missing/)]);
  });

  it("flags a snapshot that is not a prefix: an event changed since it was read", () => {
    const record = cleanRecord();
    const event = runOf(record, "wf-linear").history[2]!;
    if (event.type === "ActivityScheduled") event.data.activityType = "refund";
    const found = historyContiguousAppendOnly(record);
    expect(found).toHaveLength(2); // both snapshots held event #3
    expect(found[0]!.detail).toMatch(/read at \d+ ms \(3 events\) held event #3 with digest [0-9a-f]{16}, but the final history's is [0-9a-f]{16}: the event changed/);
  });

  it("flags a snapshot holding an event the final history lost, or of a run that is gone", () => {
    const record = cleanRecord();
    runOf(record, "wf-linear").history.length = 2;
    expect(historyContiguousAppendOnly(record).map((v) => v.detail)).toEqual([
      expect.stringMatching(/held event #3, which the final history \(2 events\) does not/),
      expect.stringMatching(/held event #3, which the final history \(2 events\) does not/),
    ]);
    record.finalRuns = record.finalRuns.filter((r) => r.workflowId !== "wf-linear");
    expect(historyContiguousAppendOnly(record).map((v) => [v.workflowId, v.detail])).toEqual([
      ["wf-linear", expect.stringMatching(/is gone: the run is not in the database at the end/)],
      ["wf-linear", expect.stringMatching(/is gone/)],
    ]);
  });

  it("flags a snapshot whose ids jump", () => {
    const record = cleanRecord();
    record.snapshots[1]!.events.splice(1, 1);
    expect(historyContiguousAppendOnly(record).map((v) => v.detail)).toEqual([expect.stringMatching(/jumps from event #1 to #3/)]);
  });

  it("does not flag snapshots read mid-run (strict prefixes)", () => {
    const record = cleanRecord();
    const finalLength = runOf(record, "wf-linear").history.length;
    expect(record.snapshots.map((s) => s.events.length).every((n) => n < finalLength)).toBe(true);
    expect(historyContiguousAppendOnly(record)).toEqual([]);
  });
});
