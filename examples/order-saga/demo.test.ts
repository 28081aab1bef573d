/**
 * Proves the order-saga demo does what it narrates, end to end on the real
 * engine: three orders ship and one (undeliverable address) is compensated
 * by a refund and a release; worker-a dies after order-2's charge took
 * effect and before it was recorded, worker-b re-runs the charge as attempt
 * 2, payments deduplicates it by idempotency key (two calls, one effect),
 * and the history records the charge once, from attempt 2. Assertions read
 * the returned summary (histories and ledgers), not the demo's own checks
 * alone. Runs on PGlite always, and on real Postgres in a throwaway schema
 * when DATABASE_URL is set.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../engine/index.ts";
import { runOrderSagaDemo } from "./main.ts";
import type { OrderSagaSummary } from "./summary.ts";

function expectDemoOutcome(summary: OrderSagaSummary): void {
  expect(summary.checks.filter((c) => !c.passed)).toEqual([]);
  expect(summary.passed).toBe(true);

  const byId = Object.fromEntries(summary.orders.map((o) => [o.orderId, o]));
  expect(Object.fromEntries(summary.orders.map((o) => [o.orderId, o.status]))).toEqual({
    "order-1": "completed",
    "order-2": "completed",
    "order-3": "completed",
    "order-4": "failed",
  });
  expect(byId["order-4"]!.failureType).toBe("OrderCompensated");

  // Every order charged exactly once; only the crashed charge was asked twice.
  expect(summary.ledgers.charge).toEqual({
    "order-1": { effects: 1, calls: 1 },
    "order-2": { effects: 1, calls: 2 },
    "order-3": { effects: 1, calls: 1 },
    "order-4": { effects: 1, calls: 1 },
  });
  expect(Object.keys(summary.ledgers.ship).sort()).toEqual(["order-1", "order-2", "order-3"]);

  // Compensations only for the undeliverable order, each applied once.
  expect(summary.ledgers.refund).toEqual({ "order-4": { effects: 1, calls: 1 } });
  expect(summary.ledgers.release).toEqual({ "order-4": { effects: 1, calls: 1 } });
  expect(byId["order-4"]!.steps).toEqual({
    reserve: { attempts: 1, outcome: "completed" },
    charge: { attempts: 1, outcome: "completed" },
    ship: { attempts: 1, outcome: "failed" },
    refund: { attempts: 1, outcome: "completed" },
    release: { attempts: 1, outcome: "completed" },
  });
  expect(summary.stockLeft).toBe(summary.initialStock - (1 + 2 + 3));

  // The crash: on worker-a at attempt 1, recovered by worker-b, recorded once with attempt 2.
  expect(summary.crash).toMatchObject({ orderId: "order-2", crashedWorker: "worker-a", crashedAttempt: 1, recoveredBy: "worker-b" });
  expect(byId["order-2"]!.chargeCompletedAttempts).toEqual([2]);
  expect(byId["order-2"]!.steps.charge).toEqual({ attempts: 2, outcome: "completed" });

  // Transient carrier failures were retried until the third attempt went through.
  expect(byId["order-3"]!.steps.ship).toEqual({ attempts: 3, outcome: "completed" });

  const narrative = summary.narrative.join("\n");
  // Undone in reverse: the refund (of the later step) before the release.
  expect(narrative.indexOf("order-4: refund applied")).toBeGreaterThan(-1);
  expect(narrative.indexOf("order-4: refund applied")).toBeLessThan(narrative.indexOf("order-4: release applied"));
  expect(narrative).toContain("worker-a crashed after the charge's effect, before recording it (order-2, attempt 1)");
  expect(narrative).toMatch(/order-2: charge on worker-b \(attempt 2\) deduplicated by idempotency key \S+:\d+/);
}

describe("order saga demo on PGlite", () => {
  it("ships three orders, compensates the undeliverable one, and applies the crashed charge once", async () => {
    const summary = await runOrderSagaDemo({ database: "pglite" });
    expect(summary.database).toBe("pglite");
    expectDemoOutcome(summary);
  });
});

describe.skipIf(!process.env.DATABASE_URL)("order saga demo on PostgreSQL (skipped without DATABASE_URL)", () => {
  it("does the same on a real server, in its own schema", async () => {
    const url = process.env.DATABASE_URL!;
    const schema = `demo_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    try {
      const summary = await runOrderSagaDemo({ database: url, schema });
      expect(summary.database).toBe("postgres");
      expect(summary.schema).toBe(schema);
      expectDemoOutcome(summary);
    } finally {
      const db = await openDatabase(url);
      await db.query({ text: `DROP SCHEMA IF EXISTS "${schema}" CASCADE`, values: [] });
      await db.close();
    }
  });
});
