/**
 * V8 flags for every Node process the harness starts (Ratchet's workers,
 * the queue peers' workers, DBOS and the SQL ceiling), so each system gets
 * the same runtime.
 *
 * A durable-execution worker allocates a short-lived object graph per step
 * (rows parsed, JSON built, promises settled); with V8's default 16 MiB
 * young-generation semi-spaces those die in frequent scavenges: 15% of a
 * Ratchet worker's CPU on the steps workload was the garbage collector.
 * 64 MiB semi-spaces took steps/s from 8.0-8.7k to 9.3k in the same hour.
 * Run production workers with the same flag (`node --max-semi-space-size=64`
 * or NODE_OPTIONS).
 */
export const BENCH_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64"];
