/**
 * `npm start`: the main job, on the embedded database (PGlite) unless
 * DATABASE_URL is set for part 1.
 *
 * 1. The order saga: the engine with two workers, one of which crashes
 *    half-way (examples/order-saga).
 * 2. A guided run of the simulator's flagship scenario: the same engine
 *    through seeded chaos, the checkers' verdict, the same seed again, and
 *    a planted bug caught (simulator/guided.ts).
 *
 * Exits 1 if either part's checks fail.
 */
import { runOrderSagaDemo } from "./order-saga/demo.ts";
import { formatChecks, formatOrderTable } from "./order-saga/report.ts";
import { runGuidedSimulation } from "../simulator/guided.ts";

const print = (line: string) => console.log(line);

print("Part 1 of 2 — the order saga on Ratchet: reserve inventory -> charge payment -> ship; on a final failure, undo in reverse.");
print("Two workers (worker-a, worker-b) serve one task queue in this process. Times are seconds since start.");
const saga = await runOrderSagaDemo({ print });
print("");
for (const line of formatOrderTable(saga.orders)) print(line);
print("");
for (const line of formatChecks(saga)) print(line);
print(`Finished in ${(saga.elapsedMs / 1000).toFixed(1)} s on ${saga.database}.`);

print("");
print("Part 2 of 2 — the deterministic simulator: the same engine on simulated time, network, database and services.");
const guided = await runGuidedSimulation(print);

print("");
print(saga.passed && guided.passed ? "All checks passed." : "Some checks FAILED (see above).");
process.exitCode = saga.passed && guided.passed ? 0 : 1;
