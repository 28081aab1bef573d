/**
 * outbox-atomic catches a run left by an order rolled back on purpose or
 * never committed (a start outside the application's transaction), an
 * order committed without its run or with two, an acknowledged commit whose
 * order or run is missing, and an order no start wrote; the clean record's
 * transactional starts (committed, retried after a lost reply into the same
 * order and run, never landed, rolled back) pass.
 */
import { describe, expect, it } from "vitest";
import type { FinalRun, SimRecord } from "../model.ts";
import { outboxAtomic } from "./outbox-atomic.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

function details(record: SimRecord): string[] {
  return outboxAtomic(record).map((v) => v.detail);
}

/** A run of `workflowId` that the transactional start made although its order did not commit. */
function strayRun(record: SimRecord, workflowId: string): FinalRun {
  const run: FinalRun = { ...structuredClone(runOf(record, "wf-order-ok")), workflowId, runId: `run-${workflowId}` };
  record.finalRuns.push(run);
  return run;
}

describe("outbox-atomic", () => {
  it("passes the clean record: committed, retried into one order and run, never landed, rolled back", () => {
    const record = cleanRecord();
    expect(record.orders.map((o) => o.orderId)).toEqual(["order:wf-order-ok", "order:wf-order-retried"]);
    expect(outboxAtomic(record)).toEqual([]);
  });

  it("flags a run whose order was rolled back on purpose, naming the attempts", () => {
    const record = cleanRecord();
    strayRun(record, "wf-order-rolled-back");
    const found = outboxAtomic(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "outbox-atomic", workflowId: "wf-order-rolled-back", runId: "run-wf-order-rolled-back" });
    expect(found[0]!.detail).toBe("order order:wf-order-rolled-back was rolled back on purpose, yet its workflow has a run: the start did not roll back with it");
    expect(found[0]!.evidence).toEqual(expect.arrayContaining([expect.stringMatching(/\(rolled back on purpose\): fail/)]));
  });

  it("flags a run whose order never committed (an ambiguous commit that landed half)", () => {
    const record = cleanRecord();
    strayRun(record, "wf-order-lost");
    expect(details(record)).toEqual(["order order:wf-order-lost never committed, yet its workflow has a run: the start did not roll back with it"]);
  });

  it("flags a committed order without its run, and one with two", () => {
    const missing = cleanRecord();
    missing.finalRuns = missing.finalRuns.filter((r) => r.workflowId !== "wf-order-ok");
    expect(details(missing)).toEqual([
      "order order:wf-order-ok committed with 0 runs started with it, not exactly one",
      `the driver was told order order:wf-order-ok committed with run ${runOf(cleanRecord(), "wf-order-ok").runId}, but that run is not in the database`,
    ]);

    const twice = cleanRecord();
    strayRun(twice, "wf-order-retried");
    expect(details(twice)).toEqual(["order order:wf-order-retried committed with 2 runs started with it, not exactly one"]);
  });

  it("flags an acknowledged commit whose order is missing, and a rolled-back order that is there", () => {
    const lost = cleanRecord();
    lost.orders = lost.orders.filter((o) => o.workflowId !== "wf-order-ok");
    const run = runOf(lost, "wf-order-ok");
    expect(details(lost)).toEqual([
      "order order:wf-order-ok never committed, yet its workflow has a run: the start did not roll back with it",
      `the driver was told order order:wf-order-ok committed (run ${run.runId}), but the order is not in the database`,
    ]);

    const kept = cleanRecord();
    kept.orders.push({ orderId: "order:wf-order-rolled-back", workflowId: "wf-order-rolled-back" });
    expect(details(kept)).toEqual([
      "order order:wf-order-rolled-back was rolled back on purpose, but it is in the database",
      "order order:wf-order-rolled-back committed with 0 runs started with it, not exactly one",
    ]);
  });

  it("flags an order no transactional start wrote", () => {
    const record = cleanRecord();
    record.orders.push({ orderId: "order:wf-linear", workflowId: "wf-linear" });
    expect(details(record)).toEqual(["order order:wf-linear is in the database, but no transactional start wrote it"]);
  });
});
