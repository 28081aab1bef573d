/**
 * start-idempotent catches a second run made by a start repeated with its
 * request id, and repeats acknowledged with different runs; it does not
 * flag a lost reply retried under the same request id, runs continue-as-new
 * started, or runs of starts that carried no request id.
 */
import { describe, expect, it } from "vitest";
import type { FinalRun, SimRecord } from "../model.ts";
import { startIdempotent } from "./start-idempotent.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

/** The clean record, its wf-linear start keyed, then its reply lost and retried under the same key. */
function keyedRecord(): SimRecord {
  const record = cleanRecord();
  const start = record.starts.find((s) => s.workflowId === "wf-linear" && s.outcome === "ok")!;
  start.requestId = "wf-linear#start";
  record.starts.push({ workflowId: start.workflowId, workflowType: start.workflowType, atMs: start.atMs - 1, outcome: "info", error: "connection reset", requestId: start.requestId! });
  return record;
}

describe("start-idempotent", () => {
  it("passes a lost reply retried under its request id, continue-as-new runs, and unkeyed starts", () => {
    const record = keyedRecord();
    expect(record.starts.filter((s) => s.workflowId === "wf-linear" && s.requestId === "wf-linear#start")).toHaveLength(2);
    expect(record.finalRuns.filter((r) => r.workflowId === "wf-chain")).toHaveLength(2);
    expect(startIdempotent(record)).toEqual([]);
  });

  it("flags a second run made under one request id", () => {
    const record = keyedRecord();
    const twin: FinalRun = { ...structuredClone(runOf(record, "wf-linear")), runId: "run-twin" };
    record.finalRuns.push(twin);
    const found = startIdempotent(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "start-idempotent", workflowId: "wf-linear", runId: "run-twin" });
    expect(found[0]!.detail).toBe("wf-linear has 2 runs that starts created, but its starts carried 1 request id(s): a repeated start made another run");
  });

  it("flags repeats of one request id acknowledged with different runs", () => {
    const record = keyedRecord();
    const start = record.starts.find((s) => s.workflowId === "wf-linear" && s.outcome === "ok")!;
    record.starts.push({ ...start, atMs: start.atMs + 5, runId: "run-other" });
    const found = startIdempotent(record);
    expect(found.map((v) => v.detail)).toEqual([`starts of wf-linear with request id wf-linear#start were acknowledged with 2 different runs: ${start.runId}, run-other`]);
  });
});
