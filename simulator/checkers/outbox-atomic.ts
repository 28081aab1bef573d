/**
 * outbox-atomic: a transactional start (Client.startInTransaction) commits or
 * rolls back with the application's own write. The outbox shape writes an
 * order and starts its workflow in one transaction, sometimes rolling it
 * back on purpose; the database at the end must hold both or neither.
 *
 * Asserts, per workflow id the driver started transactionally (`starts`
 * with `order`), over `orders` and `finalRuns`:
 * 1. a committed order has exactly one run started with it (runs a
 *    continue-as-new or a parent started are not starts);
 * 2. no run exists without its order: not for an order rolled back on
 *    purpose, nor for one whose commit never landed;
 * 3. what the driver was told holds: an acknowledged commit ("ok") left the
 *    order and the very run the start returned; an attempt rolled back on
 *    purpose left nothing, unless another attempt committed (they never
 *    share an id: each order is rolled back on every attempt or on none);
 * and every order at the end was written by one of these starts.
 *
 * Why it is sound: the order's insert and the start's writes (run row,
 * WorkflowStarted, first task) run on one session inside one transaction,
 * so Postgres commits them together or not at all. An ambiguous commit
 * ("info": the reply was lost) is judged by what the database holds, which
 * must be both or neither. A retry runs the whole transaction again: the
 * insert skips an order already there and the start's request id returns
 * the run already there (idempotent start), so a landed first attempt and
 * its retry still make one order and one run. Nothing deletes orders or
 * runs during a simulation.
 */
import type { CheckName, Checker, FinalRun, StartRecord, Violation } from "../model.ts";
import { listOf } from "./evidence.ts";
import { continuedFromOf, groupBy, parentOf } from "./record-index.ts";

const CHECK: CheckName = "outbox-atomic";

export const outboxAtomic: Checker = (record) => {
  const orders = groupBy(record.orders, (o) => o.workflowId);
  const startedRuns = groupBy(
    record.finalRuns.filter((run) => continuedFromOf(run) === undefined && parentOf(run) === undefined),
    (run) => run.workflowId,
  );
  const transactional = groupBy(
    record.starts.filter((s) => s.order !== undefined),
    (s) => s.workflowId,
  );
  const violations: Violation[] = [];
  for (const [workflowId, starts] of transactional) {
    violations.push(...orderAndRuns(workflowId, starts, orders.get(workflowId)?.length ?? 0, startedRuns.get(workflowId) ?? []));
  }
  for (const order of record.orders) {
    if (transactional.has(order.workflowId)) continue;
    violations.push({ check: CHECK, workflowId: order.workflowId, detail: `order ${order.orderId} is in the database, but no transactional start wrote it` });
  }
  return violations;
};

function orderAndRuns(workflowId: string, starts: readonly StartRecord[], orderRows: number, runs: readonly FinalRun[]): Violation[] {
  const orderId = starts[0]!.order!.orderId;
  const evidence = [...starts.map(describeAttempt), `runs started at the end: ${runs.length > 0 ? listOf(runs.map((r) => `${r.runId} (${r.status})`)) : "none"}`];
  const found = (detail: string, runId?: string): Violation => ({ check: CHECK, workflowId, ...(runId === undefined ? {} : { runId }), detail, evidence });
  const violations: Violation[] = [];
  const rolledBack = starts.every((s) => s.order!.rollback);
  if (orderRows > 0 && rolledBack) violations.push(found(`order ${orderId} was rolled back on purpose, but it is in the database`));
  if (orderRows > 0 && runs.length !== 1) violations.push(found(`order ${orderId} committed with ${runs.length} runs started with it, not exactly one`));
  if (orderRows === 0 && runs.length > 0) {
    const why = rolledBack ? "was rolled back on purpose" : "never committed";
    violations.push(found(`order ${orderId} ${why}, yet its workflow has ${runs.length === 1 ? "a run" : `${runs.length} runs`}: the start did not roll back with it`, runs[0]!.runId));
  }
  for (const told of starts.filter((s) => s.outcome === "ok")) {
    if (orderRows === 0) violations.push(found(`the driver was told order ${orderId} committed (run ${told.runId}), but the order is not in the database`, told.runId));
    else if (!runs.some((r) => r.runId === told.runId)) violations.push(found(`the driver was told order ${orderId} committed with run ${told.runId}, but that run is not in the database`, told.runId));
  }
  return violations;
}

function describeAttempt(s: StartRecord): string {
  const intent = s.order!.rollback ? "rolled back on purpose" : "commit";
  return `attempt at ${s.atMs} ms (${intent}): ${s.outcome}${s.runId === undefined ? "" : ` run ${s.runId}`}${s.error === undefined ? "" : `: ${s.error}`}`;
}

