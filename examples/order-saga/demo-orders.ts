/**
 * The demo's cast: four orders, each showing one thing, and the service
 * misbehaviour that sets each one up.
 */
import type { OrderServices } from "./services.ts";
import type { OrderInput } from "./workflows.ts";

export type Scenario = "happyPath" | "workerCrash" | "flakyShipping" | "undeliverable";

export interface DemoOrder {
  scenario: Scenario;
  /** One line for the summary table. */
  story: string;
  /** shipped: completes; compensated: fails with OrderCompensated after undoing its steps. */
  expected: "shipped" | "compensated";
  input: OrderInput;
}

export const DEMO_SKU = "widget";
export const DEMO_INITIAL_STOCK: Record<string, number> = { [DEMO_SKU]: 100 };
/** How many ship calls fail transiently for the flaky-shipping order before the carrier answers. */
export const FLAKY_SHIPPING_FAILURES = 2;
const UNDELIVERABLE_ADDRESS = "1 Atlantis Deep, Ocean Floor";

export const DEMO_ORDERS: readonly DemoOrder[] = [
  {
    scenario: "happyPath",
    story: "happy path",
    expected: "shipped",
    input: { orderId: "order-1", sku: DEMO_SKU, quantity: 1, amountCents: 1_999, card: "4242-0001", address: "12 Market St, Springfield" },
  },
  {
    scenario: "workerCrash",
    story: "worker-a dies after charging",
    expected: "shipped",
    input: { orderId: "order-2", sku: DEMO_SKU, quantity: 2, amountCents: 4_000, card: "4242-0002", address: "7 Harbour Rd, Portsmouth" },
  },
  {
    scenario: "flakyShipping",
    story: `carrier down ${FLAKY_SHIPPING_FAILURES}x`,
    expected: "shipped",
    input: { orderId: "order-3", sku: DEMO_SKU, quantity: 3, amountCents: 5_997, card: "4242-0003", address: "3 Mill Lane, Oxford" },
  },
  {
    scenario: "undeliverable",
    story: "undeliverable address",
    expected: "compensated",
    input: { orderId: "order-4", sku: DEMO_SKU, quantity: 1, amountCents: 1_999, card: "4242-0004", address: UNDELIVERABLE_ADDRESS },
  },
];

export function demoOrder(scenario: Scenario): DemoOrder {
  const found = DEMO_ORDERS.find((o) => o.scenario === scenario);
  if (!found) throw new Error(`no demo order for scenario ${scenario}`);
  return found;
}

/** Tell the services how to misbehave for the orders that need it. */
export function stageServiceFaults(services: OrderServices): void {
  services.shipping.failTransiently(demoOrder("flakyShipping").input.orderId, FLAKY_SHIPPING_FAILURES);
  services.shipping.markUndeliverable(UNDELIVERABLE_ADDRESS);
}
