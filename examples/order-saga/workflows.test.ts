/**
 * Proves the saga undoes exactly what it did, on the path the demo does not
 * show: a declined card (final by the workflow's retry policy, though the
 * activity does not mark it non-retryable) fails the charge on its first
 * attempt, the reservation is released, nothing is refunded or shipped, and
 * the workflow fails with OrderCompensated details naming the failed step.
 * Runs step by step on PGlite with a manual clock: no waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, Worker, WorkflowFailedError, silentLogger, type ApplicationFailure } from "../../engine/index.ts";
import { ManualClock, testDatabase, type TestDatabase } from "../../engine/testing/index.ts";
import { createActivities } from "./activities.ts";
import { OrderServices } from "./services.ts";
import { ORDER_TASK_QUEUE, workflows, type OrderCompensatedDetails, type OrderInput } from "./workflows.ts";

describe("order workflow, declined card", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await testDatabase("pglite", { prefix: "order_saga" });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("releases the reservation, refunds nothing, and fails with OrderCompensated", async () => {
    const clock = new ManualClock();
    const services = new OrderServices({ initialStock: { gadget: 5 } });
    services.payments.declineCard("4000-0002");
    const worker = new Worker({ store: t.store, clock, taskQueue: ORDER_TASK_QUEUE, workflows, activities: createActivities(services), logger: silentLogger });
    const client = new Client({ store: t.store, clock });
    const input: OrderInput = { orderId: "declined-1", sku: "gadget", quantity: 2, amountCents: 2_500, card: "4000-0002", address: "1 High St" };

    await client.start("order", { workflowId: input.orderId, taskQueue: ORDER_TASK_QUEUE, input });
    await worker.runUntilIdle();

    const error = await client.result(input.orderId).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure.type).toBe("OrderCompensated");
    expect(failure.details.details as OrderCompensatedDetails).toMatchObject({ failedStep: "charge", failureType: "CardDeclined", compensated: ["release"] });

    expect(services.inventory.reservations.effectsFor(input.orderId)).toHaveLength(1);
    expect(services.inventory.releases.effectsFor(input.orderId)).toHaveLength(1);
    expect(services.inventory.stockOf("gadget")).toBe(5);
    expect(services.payments.charges.entries()).toEqual([]);
    expect(services.payments.refunds.entries()).toEqual([]);
    expect(services.shipping.shipments.entries()).toEqual([]);

    // One attempt only: CardDeclined is in the policy's nonRetryableErrorTypes.
    const { events } = await client.history(input.orderId);
    const chargeFailed = events.find((e) => e.type === "ActivityFailed");
    expect(chargeFailed?.type === "ActivityFailed" && chargeFailed.data).toMatchObject({ attempt: 1, failure: { type: "CardDeclined" } });
  });
});
