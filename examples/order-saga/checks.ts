/**
 * The invariants the demo claims, checked against what actually happened:
 * the runs' histories and the services' ledgers. Each check names what it
 * saw, so a failure explains itself.
 */
import { FLAKY_SHIPPING_FAILURES, demoOrder } from "./demo-orders.ts";
import { ORDER_COMPENSATED } from "./failures.ts";
import type { Operation } from "./services.ts";
import type { Check, OrderReport, OrderSagaSummary } from "./summary.ts";

type Observed = Omit<OrderSagaSummary, "checks" | "passed" | "narrative">;

export function checkInvariants(observed: Observed): Check[] {
  return [
    everyWorkflowClosed(observed.orders),
    eachOrderEndedAsPlanned(observed.orders),
    effectsMatchHistory(observed, "reserve", "each order's reservation applied exactly once"),
    effectsMatchHistory(observed, "charge", "each order's charge applied exactly once in the payments ledger"),
    effectsMatchHistory(observed, "ship", "each shipped order shipped exactly once; nothing shipped otherwise"),
    compensationsOnlyWhenCompensated(observed),
    crashedChargeDeduplicated(observed),
    crashedChargeRecordedOnce(observed),
    flakyShippingRetried(observed.orders),
    stockAddsUp(observed),
  ];
}

function check(name: string, passed: boolean, detail: string): Check {
  return { name, passed, detail };
}

function everyWorkflowClosed(orders: OrderReport[]): Check {
  const open = orders.filter((o) => o.status === "running").map((o) => o.orderId);
  return check("every workflow closed", open.length === 0, open.length === 0 ? `${orders.length} of ${orders.length} closed` : `still running: ${open.join(", ")}`);
}

function eachOrderEndedAsPlanned(orders: OrderReport[]): Check {
  const wrong = orders.filter((o) => (o.expected === "shipped" ? o.status !== "completed" : o.status !== "failed" || o.failureType !== ORDER_COMPENSATED));
  const ended = orders.map((o) => `${o.orderId} ${o.status}${o.failureType ? ` (${o.failureType})` : ""}`).join(", ");
  return check("shipped orders completed; compensated ones failed with OrderCompensated", wrong.length === 0, ended);
}

/** The ledger holds one effect for each step the history says completed, and none for the rest. */
function effectsMatchHistory(observed: Observed, step: Operation, name: string): Check {
  const mismatches: string[] = [];
  for (const order of observed.orders) {
    const expected = order.steps[step]?.outcome === "completed" ? 1 : 0;
    const effects = observed.ledgers[step][order.orderId]?.effects ?? 0;
    if (effects !== expected) mismatches.push(`${order.orderId}: history says ${expected}, ledger holds ${effects}`);
  }
  const perOrder = observed.orders.map((o) => `${o.orderId}=${observed.ledgers[step][o.orderId]?.effects ?? 0}`).join(" ");
  return check(name, mismatches.length === 0, mismatches.length === 0 ? `effects per order: ${perOrder}` : mismatches.join("; "));
}

function compensationsOnlyWhenCompensated(observed: Observed): Check {
  const problems: string[] = [];
  for (const order of observed.orders) {
    const compensated = order.expected === "compensated";
    // Undo exactly what was done: a refund only if the charge went through, a release only if the reservation did.
    const refundsDue = compensated && order.steps.charge?.outcome === "completed" ? 1 : 0;
    const releasesDue = compensated && order.steps.reserve?.outcome === "completed" ? 1 : 0;
    const refunds = observed.ledgers.refund[order.orderId]?.effects ?? 0;
    const releases = observed.ledgers.release[order.orderId]?.effects ?? 0;
    if (refunds !== refundsDue) problems.push(`${order.orderId}: ${refunds} refund(s), expected ${refundsDue}`);
    if (releases !== releasesDue) problems.push(`${order.orderId}: ${releases} release(s), expected ${releasesDue}`);
  }
  const compensatedIds = observed.orders.filter((o) => o.expected === "compensated").map((o) => o.orderId);
  return check("refunds and releases only for compensated orders", problems.length === 0, problems.length === 0 ? `only ${compensatedIds.join(", ")}` : problems.join("; "));
}

function crashedChargeDeduplicated(observed: Observed): Check {
  const name = "the crashed charge reached payments twice and was applied once";
  const crash = observed.crash;
  if (!crash) return check(name, false, "the planned crash never happened");
  const count = observed.ledgers.charge[crash.orderId] ?? { effects: 0, calls: 0 };
  const recovered = crash.recoveredBy !== null && crash.recoveredBy !== crash.crashedWorker;
  return check(
    name,
    count.calls === 2 && count.effects === 1 && recovered,
    `${crash.orderId}: ${count.calls} call(s), ${count.effects} effect(s); crashed on ${crash.crashedWorker}, recovered by ${crash.recoveredBy ?? "nobody"}`,
  );
}

function crashedChargeRecordedOnce(observed: Observed): Check {
  const name = "the crashed charge's history holds one ActivityCompleted, attempt 2";
  const order = observed.orders.find((o) => o.orderId === observed.crash?.orderId);
  if (!order) return check(name, false, "the planned crash never happened");
  const attempts = order.chargeCompletedAttempts;
  return check(name, attempts.length === 1 && attempts[0] === 2, `${order.orderId}: ActivityCompleted attempts [${attempts.join(", ")}]`);
}

function flakyShippingRetried(orders: OrderReport[]): Check {
  const flaky = orders.find((o) => o.orderId === demoOrder("flakyShipping").input.orderId);
  const ship = flaky?.steps.ship;
  const expectedAttempts = FLAKY_SHIPPING_FAILURES + 1;
  return check(
    `transient shipping failures were retried (completed on attempt ${expectedAttempts})`,
    ship?.outcome === "completed" && ship.attempts === expectedAttempts,
    ship ? `${flaky!.orderId}: ship ${ship.outcome} on attempt ${ship.attempts}` : "no ship step recorded",
  );
}

function stockAddsUp(observed: Observed): Check {
  const shippedUnits = observed.orders.filter((o) => o.status === "completed").reduce((sum, o) => sum + demoOrder(o.scenario).input.quantity, 0);
  const expected = observed.initialStock - shippedUnits;
  return check(
    "stock left = initial stock - units shipped (compensated reservations came back)",
    observed.stockLeft === expected,
    `${observed.initialStock} - ${shippedUnits} = ${expected}; inventory holds ${observed.stockLeft}`,
  );
}
