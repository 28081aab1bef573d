/**
 * Proves the demo's checks can fail: starting from an observation where
 * every invariant holds, breaking one (a charge applied twice, a refund for
 * an order that shipped, a crashed charge recorded twice, an order still
 * running) fails exactly the check that guards it, with a detail naming the
 * order. Without this, "all checks passed" could be a checker that never
 * looks.
 */
import { describe, expect, it } from "vitest";
import { checkInvariants } from "./checks.ts";
import type { OrderReport, OrderSagaSummary } from "./summary.ts";

type Observed = Parameters<typeof checkInvariants>[0];

const done = (attempts = 1) => ({ attempts, outcome: "completed" as const });

function shippedOrder(orderId: string, scenario: OrderReport["scenario"], overrides: Partial<OrderReport> = {}): OrderReport {
  return {
    orderId,
    scenario,
    story: scenario,
    expected: "shipped",
    status: "completed",
    failureType: null,
    outcome: "shipped",
    steps: { reserve: done(), charge: done(), ship: done() },
    chargeCompletedAttempts: [1],
    chargeKey: `${orderId}-run:2`,
    ...overrides,
  };
}

function healthyObservation(): Observed {
  const once = { effects: 1, calls: 1 };
  return {
    database: "pglite",
    schema: "s",
    elapsedMs: 0,
    orders: [
      shippedOrder("order-1", "happyPath"),
      shippedOrder("order-2", "workerCrash", { steps: { reserve: done(), charge: done(2), ship: done() }, chargeCompletedAttempts: [2] }),
      shippedOrder("order-3", "flakyShipping", { steps: { reserve: done(), charge: done(), ship: done(3) } }),
      {
        ...shippedOrder("order-4", "undeliverable"),
        expected: "compensated",
        status: "failed",
        failureType: "OrderCompensated",
        steps: { reserve: done(), charge: done(), ship: { attempts: 1, outcome: "failed" }, refund: done(), release: done() },
      },
    ],
    ledgers: {
      reserve: { "order-1": once, "order-2": once, "order-3": once, "order-4": once },
      charge: { "order-1": once, "order-2": { effects: 1, calls: 2 }, "order-3": once, "order-4": once },
      ship: { "order-1": once, "order-2": once, "order-3": once },
      refund: { "order-4": once },
      release: { "order-4": once },
    },
    initialStock: 100,
    stockLeft: 94,
    crash: { orderId: "order-2", idempotencyKey: "order-2-run:2", crashedWorker: "worker-a", crashedAttempt: 1, recoveredBy: "worker-b" },
  };
}

function failedChecks(observed: Observed): OrderSagaSummary["checks"] {
  return checkInvariants(observed).filter((c) => !c.passed);
}

describe("order saga checks", () => {
  it("all pass when every invariant holds", () => {
    expect(failedChecks(healthyObservation())).toEqual([]);
  });

  it("catch a charge applied twice", () => {
    const observed = healthyObservation();
    observed.ledgers.charge["order-1"] = { effects: 2, calls: 2 };
    expect(failedChecks(observed)).toEqual([expect.objectContaining({ name: expect.stringContaining("charge applied exactly once"), detail: expect.stringContaining("order-1") })]);
  });

  it("catch a refund for an order that shipped", () => {
    const observed = healthyObservation();
    observed.ledgers.refund["order-1"] = { effects: 1, calls: 1 };
    expect(failedChecks(observed)).toEqual([expect.objectContaining({ name: expect.stringContaining("only for compensated"), detail: expect.stringContaining("order-1") })]);
  });

  it("catch a crashed charge recorded twice", () => {
    const observed = healthyObservation();
    observed.orders[1]!.chargeCompletedAttempts = [1, 2];
    expect(failedChecks(observed).map((c) => c.name)).toEqual(["the crashed charge's history holds one ActivityCompleted, attempt 2"]);
  });

  it("catch an order that never closed, and a crash that never happened", () => {
    const observed = healthyObservation();
    observed.orders[0]!.status = "running";
    observed.crash = null;
    const names = failedChecks(observed).map((c) => c.name);
    expect(names).toContain("every workflow closed");
    expect(names).toContain("the crashed charge reached payments twice and was applied once");
  });
});
