/**
 * query-reflects-history catches an answer reporting more steps than the
 * history records, a received signal the history lacks, and answers that go
 * back; answers from prefixes of the history pass, failed queries are ignored.
 */
import { describe, expect, it } from "vitest";
import type { QueryRecord, SimRecord } from "../model.ts";
import { queryReflectsHistory } from "./query-reflects-history.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

function withQueries(...answers: Array<QueryRecord["answer"] | "failed">): { record: SimRecord; recorded: number } {
  const record = cleanRecord();
  const recorded = runOf(record, "wf-linear").history.filter((e) => e.type === "ActivityCompleted").length;
  answers.forEach((answer, i) => {
    record.queries.push(answer === "failed" ? { workflowId: "wf-linear", atMs: 10 + i, outcome: "info", error: "connection reset" } : { workflowId: "wf-linear", atMs: 10 + i, outcome: "ok", answer });
  });
  return { record, recorded };
}

const progress = (receipts: number, approve: "received" | "timedOut" | null = null) => ({ receipts, approve, confirm: null });

describe("query-reflects-history", () => {
  it("passes answers from growing prefixes of the history, and ignores failed queries", () => {
    const { recorded } = withQueries();
    expect(recorded).toBe(2);
    expect(queryReflectsHistory(withQueries(progress(0), "failed", progress(1), progress(2)).record)).toEqual([]);
  });

  it("flags an answer with more steps than the history records, or a signal it lacks", () => {
    const found = queryReflectsHistory(withQueries(progress(3), progress(3, "received")).record);
    expect(found.map((v) => v.detail)).toEqual([
      "query at 10 ms: answered 3 completed steps, but the history records 2",
      "query at 11 ms: answered 3 completed steps, but the history records 2",
      "query at 11 ms: answered that the approval was received, but the history has no approve signal",
    ]);
    expect(found[0]).toMatchObject({ check: "query-reflects-history", workflowId: "wf-linear" });
  });

  it("flags answers that go back", () => {
    const found = queryReflectsHistory(withQueries(progress(2, "timedOut"), progress(1, "timedOut"), progress(1, null)).record);
    expect(found.map((v) => v.detail)).toEqual([
      'query at 11 ms: went back: {"receipts":1,"approve":"timedOut","confirm":null} after {"receipts":2,"approve":"timedOut","confirm":null} at 10 ms',
      'query at 12 ms: went back: {"receipts":1,"approve":null,"confirm":null} after {"receipts":1,"approve":"timedOut","confirm":null} at 11 ms',
    ]);
  });
});
