// Proves the human renderings of describe and history: a stuck run says why
// (task failure, an activity's attempts and last failure, timers), failures
// show their cause chain, every event type gets a compact summary, and a
// huge payload is cut short instead of flooding the terminal.
import { describe, expect, it } from "vitest";
import type { WorkflowDescription } from "../../client/client.ts";
import type { HistoryEvent } from "../../history/events.ts";
import { INLINE_JSON_CHARS_MAX } from "../cli-limits.ts";
import { describeLines } from "./describe.ts";
import { eventSummary, historyLine } from "./history.ts";
import { failureLines, inlineJson } from "./values.ts";

const T0 = Date.UTC(2030, 0, 2, 3, 4, 5, 6);

const stuck: WorkflowDescription = {
  workflowId: "order-9",
  runId: "run-9",
  workflowType: "checkout",
  taskQueue: "shop",
  status: "running",
  createdAtMs: T0,
  closedAtMs: null,
  historyLength: 7,
  cancelRequested: false,
  taskFailure: { type: "NonDeterminismError", code: "NON_DETERMINISM", message: "command 2 was StartTimer, history has ActivityScheduled" },
  workflowTask: { state: "backingOff", attempt: 3, visibleAtMs: T0 + 4_000 },
  pendingActivities: [
    {
      seq: 1,
      activityType: "charge",
      taskQueue: "shop",
      state: "backingOff",
      attempt: 2,
      maximumAttempts: 5,
      nextAttemptAtMs: T0 + 2_000,
      leaseExpiresAtMs: null,
      lastFailure: { type: "CardDeclined", message: "insufficient funds", cause: { type: "HttpError", message: "402" } },
      heartbeatDetails: null,
    },
    {
      seq: 2,
      activityType: "ship",
      taskQueue: "shop",
      state: "scheduled",
      attempt: 0,
      maximumAttempts: 0,
      nextAttemptAtMs: T0,
      leaseExpiresAtMs: null,
      lastFailure: null,
      heartbeatDetails: { parcels: 2 },
    },
  ],
  pendingTimers: [{ seq: 3, fireAtMs: T0 + 60_000 }],
  children: [],
  searchAttributes: null,
};

describe("describeLines", () => {
  it("says why a running workflow is stuck", () => {
    expect(describeLines(stuck)).toEqual([
      "workflow   order-9",
      "run        run-9",
      "type       checkout",
      "queue      shop",
      "status     running",
      "created    2030-01-02T03:04:05.006Z",
      "history    7 events",
      "workflow task  backingOff, attempt 3, retries at 2030-01-02T03:04:09.006Z",
      "task failure (the workflow code cannot make progress; it is retried)",
      "  NonDeterminismError [NON_DETERMINISM]: command 2 was StartTimer, history has ActivityScheduled",
      "pending activities (2)",
      "  #1 charge on shop: backingOff, attempt 2 of 5, next attempt 2030-01-02T03:04:07.006Z",
      "    last failure: CardDeclined: insufficient funds",
      "  #2 ship on shop: scheduled, not yet attempted (unlimited attempts)",
      '    heartbeat: {"parcels":2}',
      "pending timers (1)",
      "  #3 fires 2030-01-02T03:05:05.006Z",
    ]);
  });

  it("shows a closed run's failure with its causes", () => {
    const failed: WorkflowDescription = {
      ...stuck,
      status: "failed",
      closedAtMs: T0 + 1,
      taskFailure: null,
      workflowTask: null,
      pendingActivities: [],
      pendingTimers: [],
      failure: { type: "ActivityFailure", code: "ACTIVITY_FAILED", message: "charge failed", cause: { type: "CardDeclined", message: "insufficient funds" } },
    };
    expect(describeLines(failed).slice(4)).toEqual([
      "status     failed",
      "created    2030-01-02T03:04:05.006Z",
      "closed     2030-01-02T03:04:05.007Z",
      "history    7 events",
      "failure",
      "  ActivityFailure [ACTIVITY_FAILED]: charge failed",
      "    caused by CardDeclined: insufficient funds",
    ]);
  });
});

describe("failureLines", () => {
  it("stops after a bounded number of causes", () => {
    let failure = { type: "E0", message: "m0" } as { type: string; message: string; cause?: unknown };
    for (let i = 1; i <= 10; i++) failure = { type: `E${i}`, message: `m${i}`, cause: failure };
    const lines = failureLines(failure as never);
    expect(lines[0]).toBe("E10: m10");
    expect(lines.at(-1)).toBe("  (further causes omitted; see --json)");
    expect(lines.length).toBeLessThan(10);
  });
});

describe("history lines", () => {
  const at = (eventId: number, event: Omit<HistoryEvent, "eventId" | "atMs">) => ({ eventId, atMs: T0, ...event }) as HistoryEvent;

  it("print id, ISO time, type and a summary", () => {
    expect(historyLine(at(12, { type: "SignalReceived", data: { name: "approve", payload: { by: "ops" } } }))).toBe(
      '   12  2030-01-02T03:04:05.006Z  SignalReceived           approve, payload {"by":"ops"}',
    );
  });

  it("summarise each event type", () => {
    const failure = { type: "Boom", message: "bad" };
    expect(eventSummary(at(1, { type: "TimerStarted", data: { seq: 4, durationMs: 500, fireAtMs: T0 + 500 } }))).toBe("#4 500 ms, fires 2030-01-02T03:04:05.506Z");
    expect(eventSummary(at(2, { type: "ActivityFailed", data: { seq: 1, attempt: 3, failure } }))).toBe("#1 attempt 3: Boom: bad");
    expect(eventSummary(at(3, { type: "WorkflowTaskFailed", data: { attempt: 2, workerId: "w", failure } }))).toBe("attempt 2 by w: Boom: bad");
    expect(eventSummary(at(4, { type: "WorkflowCancelled", data: { reason: "stop" } }))).toBe('reason "stop"');
    expect(eventSummary(at(5, { type: "TimerFired", data: { seq: 4 } }))).toBe("#4");
    expect(eventSummary(at(6, { type: "WorkflowCompleted", data: { result: undefined } }))).toBe("result null");
    expect(eventSummary({ eventId: 7, atMs: T0, type: "SomethingNew", data: { x: 1 } } as unknown as HistoryEvent)).toBe('{"x":1}');
  });

  it("cut a large payload short", () => {
    const text = inlineJson({ blob: "z".repeat(10_000) });
    expect(text.length).toBeLessThan(INLINE_JSON_CHARS_MAX + 30);
    expect(text).toMatch(/… \(\d+ chars\)$/);
  });
});
