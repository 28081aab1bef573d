/**
 * The order-saga demo, in three acts on one task queue with two workers in
 * this process:
 *
 * 1. worker-a alone takes order-1 down the happy path.
 * 2. order-2 on worker-a, which dies right after the payment service applied
 *    the charge and before Ratchet recorded it (the "activity.afterRun" fault
 *    point), the window where naive exactly-once breaks.
 * 3. worker-b starts, orders 3 (carrier down twice) and 4 (undeliverable
 *    address) arrive, and once worker-a's lease on order-2's charge expires,
 *    worker-b runs attempt 2, which payments deduplicates by idempotency key.
 *
 * worker-b starts only after the crash so that the charge is worker-a's
 * every run (with both polling, either could claim it), and so that the
 * crash cannot catch worker-a in the middle of another order's step. Real
 * time throughout (the default SystemClock): about 3 s, plus PGlite's start.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { AbandonTask, Ratchet, defaultDatabase, type FaultHook, type Worker } from "../../engine/index.ts";
import { createActivities } from "./activities.ts";
import { checkInvariants } from "./checks.ts";
import { DEMO_INITIAL_STOCK, DEMO_SKU, demoOrder, stageServiceFaults, type DemoOrder } from "./demo-orders.ts";
import { Narrator } from "./narrator.ts";
import { OrderServices } from "./services.ts";
import { countLedgers, readOrderReport, type CrashReport, type OrderReport, type OrderSagaSummary } from "./summary.ts";
import { ORDER_TASK_QUEUE, workflows } from "./workflows.ts";

export interface OrderSagaDemoOptions {
  /** postgres://..., pglite, or pglite:<dir>. Default: DATABASE_URL, else the embedded PGlite. */
  database?: string;
  /** Schema for Ratchet's tables. Default: a fresh order_saga_<random>, dropped at the end. */
  schema?: string;
  /** Receives each narrative line as it happens. Default: none (the lines are in the summary too). */
  print?: (line: string) => void;
}

/** Longest the demo waits for any one order to close; far above the ~3 s it needs, so a hang shows as a failed check. */
const ORDER_CLOSE_TIMEOUT_MS = 30_000;
const WORKER_SHUTDOWN_GRACE_MS = 2_000;

interface Crash {
  runId: string;
  seq: number;
  workerId: string;
  attempt: number;
}

export async function runOrderSagaDemo(options: OrderSagaDemoOptions = {}): Promise<OrderSagaSummary> {
  const startedMs = performance.now();
  const narrator = new Narrator(options.print ?? (() => {}));
  const services = new OrderServices({ initialStock: DEMO_INITIAL_STOCK });
  stageServiceFaults(services);
  const stopListening = services.onCall((call) => narrator.onServiceCall(call));

  const ownsSchema = options.schema === undefined;
  const schema = options.schema ?? `order_saga_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const ratchet = await Ratchet.connect({ database: options.database ?? defaultDatabase(), schema, migrate: true, logger: narrator.logger("ratchet") });
  narrator.say(`connected to ${ratchet.db.description}, schema "${schema}"`);

  const client = ratchet.client({ workflows });
  const activities = createActivities(services);
  const crashOrder = demoOrder("workerCrash");
  let crashRunId: string | undefined;
  let reportCrash: (crash: Crash) => void = () => {};
  const crashed = new Promise<Crash>((resolve) => (reportCrash = resolve));

  const crashAfterCharge: FaultHook = (point, context) => {
    if (point === "activity.beforeRun") narrator.noteAttemptStarting(context);
    if (point !== "activity.afterRun" || context.activityType !== "chargePayment" || context.runId !== crashRunId || context.attempt !== 1) return;
    narrator.say(`${context.workerId} crashed after the charge's effect, before recording it (${crashOrder.input.orderId}, attempt ${context.attempt})`);
    reportCrash({ runId: context.runId, seq: context.seq, workerId: context.workerId, attempt: context.attempt });
    workerA.kill();
    throw new AbandonTask(`planned crash of ${context.workerId} after ${crashOrder.input.orderId}'s charge`);
  };
  const narrateAttempts: FaultHook = (point, context) => {
    if (point === "activity.beforeRun") narrator.noteAttemptStarting(context);
  };
  const makeWorker = (identity: string, faultHook: FaultHook): Worker =>
    ratchet.worker({ identity, taskQueue: ORDER_TASK_QUEUE, workflows, activities, faultHook, observer: narrator.observer(identity), logger: narrator.logger(identity) });
  const workerA = makeWorker("worker-a", crashAfterCharge);
  const workerB = makeWorker("worker-b", narrateAttempts);

  const reports = new Map<string, OrderReport>();
  const startOrder = async (order: DemoOrder): Promise<void> => {
    const handle = await client.start("order", { workflowId: order.input.orderId, taskQueue: ORDER_TASK_QUEUE, input: order.input });
    narrator.registerRun(handle.runId!, order.input.orderId);
    if (order === crashOrder) crashRunId = handle.runId;
  };
  const awaitClosed = async (order: DemoOrder): Promise<void> => {
    await client.result(order.input.orderId, { timeoutMs: ORDER_CLOSE_TIMEOUT_MS }).catch(() => {});
    const report = await readOrderReport(client, order);
    reports.set(order.input.orderId, report);
    narrator.say(`${report.orderId} closed: ${report.status} (${report.outcome})`);
  };

  let crash: Crash | undefined;
  try {
    narrator.heading("Act 1: worker-a alone takes order-1 down the happy path");
    await workerA.start();
    narrator.say(`worker-a started, polling task queue "${ORDER_TASK_QUEUE}"`);
    const happy = demoOrder("happyPath");
    await startOrder(happy);
    await awaitClosed(happy);

    narrator.heading("Act 2: order-2 on worker-a, which dies after the charge's effect and before recording it");
    await startOrder(crashOrder);
    crash = await withTimeout(crashed, ORDER_CLOSE_TIMEOUT_MS);

    narrator.heading("Act 3: worker-b starts; orders 3 and 4 arrive; worker-b takes over order-2 once worker-a's lease expires");
    await workerB.start();
    narrator.say(`worker-b started, polling task queue "${ORDER_TASK_QUEUE}"`);
    const later = [demoOrder("flakyShipping"), demoOrder("undeliverable")];
    for (const order of later) await startOrder(order);
    await Promise.all([crashOrder, ...later].map(awaitClosed));
  } finally {
    stopListening();
    await workerB.shutdown({ graceMs: WORKER_SHUTDOWN_GRACE_MS });
    if (!workerA.killed) await workerA.shutdown({ graceMs: WORKER_SHUTDOWN_GRACE_MS });
    if (ownsSchema) await ratchet.db.query({ text: `DROP SCHEMA IF EXISTS "${schema}" CASCADE`, values: [] });
    await ratchet.close();
  }

  const orders = [demoOrder("happyPath"), crashOrder, demoOrder("flakyShipping"), demoOrder("undeliverable")]
    .map((o) => reports.get(o.input.orderId))
    .filter((r): r is OrderReport => r !== undefined);
  const observed = {
    database: ratchet.db.kind,
    schema,
    elapsedMs: Math.round(performance.now() - startedMs),
    orders,
    ledgers: countLedgers(services),
    initialStock: DEMO_INITIAL_STOCK[DEMO_SKU]!,
    stockLeft: services.inventory.stockOf(DEMO_SKU),
    crash: crash ? describeCrash(crash, orders, narrator) : null,
  };
  const checks = checkInvariants(observed);
  return { ...observed, checks, passed: checks.every((c) => c.passed), narrative: narrator.lines };
}

/** The promise's value, or undefined after `timeoutMs`; the timer is cleared either way so it cannot hold the process open. */
async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise, sleep(timeoutMs, undefined, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}

function describeCrash(crash: Crash, orders: OrderReport[], narrator: Narrator): CrashReport {
  const idempotencyKey = `${crash.runId}:${crash.seq}`;
  const order = orders.find((o) => o.chargeKey === idempotencyKey);
  const recordedAttempt = order?.chargeCompletedAttempts[0];
  const recoveredBy = narrator.attemptsOf(idempotencyKey).find((a) => a.attempt === recordedAttempt)?.workerId ?? null;
  return { orderId: demoOrder("workerCrash").input.orderId, idempotencyKey, crashedWorker: crash.workerId, crashedAttempt: crash.attempt, recoveredBy };
}
