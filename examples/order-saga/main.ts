/**
 * `npm start`: the order-saga demo on the embedded database (or on
 * DATABASE_URL when set). Prints the narrative as it happens, then a table
 * per order and the invariants it checked; exits 1 if any check failed.
 */
import { pathToFileURL } from "node:url";
import { runOrderSagaDemo } from "./demo.ts";
import { formatChecks, formatOrderTable } from "./report.ts";

export { runOrderSagaDemo, type OrderSagaDemoOptions } from "./demo.ts";
export type { OrderSagaSummary } from "./summary.ts";

async function main(): Promise<void> {
  console.log("Ratchet order saga: reserve inventory -> charge payment -> ship; on a final failure, undo in reverse.");
  console.log("Two workers (worker-a, worker-b) serve one task queue in this process. Times are seconds since start.");
  const summary = await runOrderSagaDemo({ print: (line) => console.log(line) });
  console.log("");
  for (const line of formatOrderTable(summary.orders)) console.log(line);
  console.log("");
  for (const line of formatChecks(summary)) console.log(line);
  console.log(`Finished in ${(summary.elapsedMs / 1000).toFixed(1)} s on ${summary.database}.`);
  process.exitCode = summary.passed ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(`order saga demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  });
}
