/**
 * outbox: the transactional start (Client.startInTransaction). The driver
 * writes a business row, an order in the `orders` table this module
 * defines in the simulation's schema, and starts this workflow in the same
 * transaction; about one order in four it then rolls the transaction back on
 * purpose (an application that changed its mind), so neither may survive.
 * After a lost COMMIT reply or a dropped connection it runs the whole
 * transaction again: the order's insert skips an order already there and
 * the start's request id returns the run already there, so whatever
 * landed, one order has one run. The workflow itself charges the order's
 * amount and returns the receipt.
 */
import type { WorkflowContext } from "../../../engine/index.ts";
import type { Sql } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { STEP_OPTIONS } from "../activity-options.ts";

/** The business table, in the simulation's schema. */
export const ORDERS_TABLE = "orders";
/** The share of orders the driver rolls back on purpose. */
export const OUTBOX_ROLLBACK_PROBABILITY = 0.25;
export const OUTBOX_AMOUNT_MAX = 500;

export interface OutboxInput {
  amount: number;
  /** The driver rolls the order's transaction back after the start (the workflow never sees this). */
  rollback: boolean;
}

export function drawOutboxInput(prng: Prng): OutboxInput {
  return { amount: prng.int(1, OUTBOX_AMOUNT_MAX), rollback: prng.chance(OUTBOX_ROLLBACK_PROBABILITY) };
}

/** The order a workflow id's transactional start writes. */
export function orderIdOf(workflowId: string): string {
  return `order:${workflowId}`;
}

export function createOrdersTable(schema: string): Sql {
  return { text: `CREATE TABLE IF NOT EXISTS "${schema}".${ORDERS_TABLE} (order_id text PRIMARY KEY, workflow_id text NOT NULL, amount integer NOT NULL)`, values: [] };
}

/** The business write: an order already there (an earlier attempt landed) is left as it is. */
export function insertOrder(schema: string, orderId: string, workflowId: string, amount: number): Sql {
  return { text: `INSERT INTO "${schema}".${ORDERS_TABLE} (order_id, workflow_id, amount) VALUES ($1, $2, $3) ON CONFLICT (order_id) DO NOTHING`, values: [orderId, workflowId, amount] };
}

export function selectOrders(schema: string): Sql {
  return { text: `SELECT order_id, workflow_id FROM "${schema}".${ORDERS_TABLE} ORDER BY order_id`, values: [] };
}

export async function outbox(ctx: WorkflowContext, input: OutboxInput): Promise<string> {
  return ctx.activity<string>("charge", { amount: input.amount }, STEP_OPTIONS);
}
