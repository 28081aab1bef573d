/**
 * The order saga as a worker module: what `npx ratchet worker
 * examples/order-saga/module.ts` loads and serves. The services are this
 * process's in-memory mocks, so effects are deduplicated per worker process
 * here; a real deployment would point the activities at shared services.
 */
import { createActivities } from "./activities.ts";
import { OrderServices } from "./services.ts";
import { ORDER_TASK_QUEUE, workflows } from "./workflows.ts";
import { DEMO_INITIAL_STOCK } from "./demo-orders.ts";

export const taskQueue = ORDER_TASK_QUEUE;
export { workflows };
export const services = new OrderServices({ initialStock: DEMO_INITIAL_STOCK });
export const activities = createActivities(services);
