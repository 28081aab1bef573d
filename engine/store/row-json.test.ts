/**
 * The per-step JSON written by hand (see jsonNumber) is the text the generic
 * builders (JSON.stringify, jsonWithRaw) write, character for character:
 * history keeps its data's exact text, and replay and every reader see no
 * difference.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonNumber, jsonWithRaw } from "../history/events.ts";
import { activityScheduledData, type Command } from "../workflow/commands.ts";
import { activityCompletedData, activitySpecJson, workflowTaskCompletedData } from "./store.ts";

/** Strings with quotes, backslashes, control characters, non-ASCII and lone surrogates: what JSON.stringify escapes. */
const text = fc.string({ unit: "binary", maxLength: 40 });
const int = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const ms = fc.integer({ min: 1, max: 10 * 365 * 86_400_000 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const payloadJson = fc.jsonValue().map((v) => JSON.stringify(v));

const scheduleActivity = fc.record({
  seq: int,
  activityType: text,
  inputJson: payloadJson,
  options: fc.record({
    taskQueue: text,
    startToCloseTimeoutMs: ms,
    scheduleToCloseTimeoutMs: fc.option(ms, { nil: null }),
    heartbeatTimeoutMs: fc.option(ms, { nil: null }),
    scheduleToStartTimeoutMs: fc.option(ms, { nil: undefined }),
    retry: fc.record({
      initialIntervalMs: ms,
      backoffCoefficient: fc.double({ min: 1, max: 100, noNaN: true }),
      maximumIntervalMs: ms,
      maximumAttempts: fc.integer({ min: 0, max: 1_000 }),
      nonRetryableErrorTypes: fc.array(text, { maxLength: 3 }),
    }),
  }),
}).map((c) => ({ type: "ScheduleActivity" as const, ...c }) as Extract<Command, { type: "ScheduleActivity" }>);

describe("hand-written row JSON", () => {
  it("jsonNumber writes what JSON.stringify writes for finite numbers and null, and refuses NaN and infinities", () => {
    fc.assert(
      fc.property(fc.option(finite, { nil: null }), (n) => {
        expect(jsonNumber(n)).toBe(JSON.stringify(n));
      }),
    );
    expect(jsonNumber(-0)).toBe(JSON.stringify(-0));
    expect(jsonNumber(undefined)).toBe("null");
    for (const bad of [NaN, Infinity, -Infinity]) expect(() => jsonNumber(bad)).toThrow(/not a finite number/);
  });

  it("ActivityCompleted, WorkflowTaskCompleted and ActivityScheduled data are the generic builders' text", () => {
    fc.assert(
      fc.property(int, int, payloadJson, text, scheduleActivity, (seq, attempt, resultJson, workerId, cmd) => {
        expect(activityCompletedData(seq, attempt, resultJson)).toBe(jsonWithRaw({ seq, attempt }, { result: resultJson }));
        expect(workflowTaskCompletedData(seq, workerId)).toBe(JSON.stringify({ processedUpTo: seq, workerId }));
        expect(activityScheduledData(cmd, JSON.stringify(cmd.options))).toBe(jsonWithRaw({ seq: cmd.seq, activityType: cmd.activityType, options: cmd.options }, { input: cmd.inputJson }));
      }),
    );
  });

  it("activity specs are the generic builders' text", () => {
    fc.assert(
      fc.property(scheduleActivity, text, (cmd, workflowId) => {
        const spec = activitySpecJson(cmd, workflowId, JSON.stringify(cmd.options));
        expect(spec).toBe(jsonWithRaw({ activityType: cmd.activityType, workflowId, options: cmd.options }, { input: cmd.inputJson }));
      }),
    );
  });
});
