/**
 * What the demo hands back: per order, its run's status and each step's
 * attempts (read from the workflow's history, the source of truth), plus the
 * services' ledgers and the story of the crashed charge. Tests assert on it;
 * main.ts prints it.
 */
import type { Client, RunStatus, WorkflowDescription } from "../../engine/index.ts";
import { STEP_OF_ACTIVITY } from "./activities.ts";
import type { DemoOrder, Scenario } from "./demo-orders.ts";
import { ORDER_COMPENSATED } from "./failures.ts";
import type { LedgerEntry } from "./ledger.ts";
import type { Operation, OrderServices } from "./services.ts";
import type { OrderCompensatedDetails, OrderShipped } from "./workflows.ts";

export const STEP_NAMES = ["reserve", "charge", "ship", "refund", "release"] as const satisfies readonly Operation[];

export interface StepReport {
  /** The attempt that settled the step (1 = first try). */
  attempts: number;
  outcome: "completed" | "failed";
}

export interface OrderReport {
  orderId: string;
  scenario: Scenario;
  story: string;
  expected: DemoOrder["expected"];
  status: RunStatus;
  /** The workflow's failure type when it failed (OrderCompensated for a compensated order). */
  failureType: string | null;
  /** "shipped, tracking TRK-3", "ship failed (AddressUndeliverable); undone: refund, release", or the failure's message. */
  outcome: string;
  steps: Partial<Record<Operation, StepReport>>;
  /** The attempt of every ActivityCompleted event the history holds for the charge. */
  chargeCompletedAttempts: number[];
  /** Idempotency key of the charge (`runId:seq`), when it was scheduled. */
  chargeKey: string | null;
}

export interface LedgerCount {
  /** Effects applied: one per idempotency key. */
  effects: number;
  /** Requests received, duplicates included. */
  calls: number;
}

/** Per operation, per order. */
export type LedgerCounts = Record<Operation, Record<string, LedgerCount>>;

export interface CrashReport {
  orderId: string;
  idempotencyKey: string;
  crashedWorker: string;
  crashedAttempt: number;
  /** The worker that ran the attempt whose result was recorded. */
  recoveredBy: string | null;
}

export interface Check {
  name: string;
  passed: boolean;
  /** What was observed, so a failure explains itself. */
  detail: string;
}

export interface OrderSagaSummary {
  database: "pglite" | "postgres";
  schema: string;
  elapsedMs: number;
  orders: OrderReport[];
  ledgers: LedgerCounts;
  initialStock: number;
  stockLeft: number;
  crash: CrashReport | null;
  checks: Check[];
  passed: boolean;
  narrative: string[];
}

export async function readOrderReport(client: Client, order: DemoOrder): Promise<OrderReport> {
  const description = await client.describe(order.input.orderId);
  const { events } = await client.history(order.input.orderId);
  const activityAt = new Map<number, string>();
  const steps: Partial<Record<Operation, StepReport>> = {};
  const chargeCompletedAttempts: number[] = [];
  let chargeKey: string | null = null;
  for (const event of events) {
    if (event.type === "ActivityScheduled") {
      activityAt.set(event.data.seq, event.data.activityType);
      if (event.data.activityType === "chargePayment") chargeKey = `${description.runId}:${event.data.seq}`;
    }
    if (event.type === "ActivityCompleted" || event.type === "ActivityFailed") {
      const activityType = activityAt.get(event.data.seq) ?? "";
      const step = (STEP_OF_ACTIVITY as Record<string, Operation | undefined>)[activityType];
      if (step) steps[step] = { attempts: event.data.attempt, outcome: event.type === "ActivityCompleted" ? "completed" : "failed" };
      if (event.type === "ActivityCompleted" && activityType === "chargePayment") chargeCompletedAttempts.push(event.data.attempt);
    }
  }
  return {
    orderId: order.input.orderId,
    scenario: order.scenario,
    story: order.story,
    expected: order.expected,
    status: description.status,
    failureType: description.failure?.type ?? null,
    outcome: describeOutcome(description),
    steps,
    chargeCompletedAttempts,
    chargeKey,
  };
}

function describeOutcome(description: WorkflowDescription): string {
  if (description.status === "completed") return `shipped, tracking ${(description.result as OrderShipped).trackingNumber}`;
  const failure = description.failure;
  if (failure?.type === ORDER_COMPENSATED) {
    const details = failure.details as OrderCompensatedDetails;
    return `${details.failedStep} failed (${details.failureType}); undone: ${details.compensated.join(", ") || "nothing"}`;
  }
  return failure ? `${failure.type}: ${failure.message}` : description.status;
}

export function countLedgers(services: OrderServices): LedgerCounts {
  const { inventory, payments, shipping } = services;
  return {
    reserve: countByOrder(inventory.reservations.entries()),
    release: countByOrder(inventory.releases.entries()),
    charge: countByOrder(payments.charges.entries()),
    refund: countByOrder(payments.refunds.entries()),
    ship: countByOrder(shipping.shipments.entries()),
  };
}

function countByOrder(entries: LedgerEntry<unknown>[]): Record<string, LedgerCount> {
  const counts: Record<string, LedgerCount> = {};
  for (const entry of entries) {
    const count = (counts[entry.orderId] ??= { effects: 0, calls: 0 });
    count.effects += 1;
    count.calls += entry.calls;
  }
  return counts;
}
