/**
 * A Ratchet worker process for the throughput harness: serves the bench
 * workflows and activities on one or more queues of a schema, and reports to
 * its parent over IPC: activities completed (a running count) and
 * schedule-to-start latency samples. The parent sends "stop" for a graceful
 * shutdown.
 */
import { PgDriver, Store, Worker, silentLogger } from "../../engine/index.ts";
import { benchActivities, benchWorkflows } from "./workloads.ts";

export interface WorkerProcessConfig {
  databaseUrl: string;
  schema: string;
  queues: string[];
  concurrency: number;
  workflowConcurrency: number;
  batch: number;
  /** Recording transactions of one kind in flight per worker (WorkerOptions.completionsInFlight). */
  completionsInFlight: number;
  connections: number;
  notify: boolean;
  eager: boolean;
  inline: boolean;
  pollMs: number;
  identity: string;
}

export type WorkerMessage = { type: "ready" } | { type: "stats"; activitiesCompleted: number; latencies: number[] } | { type: "stopped" };

/** Latency samples kept per report; beyond it, every nth is kept (the rate is what matters, not every sample). */
const SAMPLES_PER_REPORT_MAX = 2_000;
const REPORT_INTERVAL_MS = 50;

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]!) as WorkerProcessConfig;
  const send = (message: WorkerMessage) => process.send?.(message);
  const db = new PgDriver({ connectionString: config.databaseUrl, maxConnections: config.connections, applicationName: `ratchet-bench-${config.identity}` });
  const store = new Store(db, { schema: config.schema, notify: config.notify });
  let completed = 0;
  let latencies: number[] = [];
  let seen = 0;
  const worker = new Worker({
    store,
    taskQueue: config.queues,
    workflows: benchWorkflows,
    activities: benchActivities((ms) => {
      seen += 1;
      if (latencies.length < SAMPLES_PER_REPORT_MAX) latencies.push(ms);
      else if (seen % 10 === 0) latencies[seen % SAMPLES_PER_REPORT_MAX] = ms;
    }),
    identity: config.identity,
    maxConcurrentActivities: config.concurrency,
    maxConcurrentWorkflowTasks: config.workflowConcurrency,
    claimBatchSize: config.batch,
    completionsInFlight: config.completionsInFlight,
    pollIntervalMs: config.pollMs,
    listen: config.notify,
    eagerActivities: config.eager,
    inlineDecisions: config.inline,
    logger: silentLogger,
    observer: (o) => {
      if (o.type === "activityCompleted") completed += 1;
    },
  });
  await worker.start();
  const report = setInterval(() => {
    send({ type: "stats", activitiesCompleted: completed, latencies });
    latencies = [];
  }, REPORT_INTERVAL_MS);
  send({ type: "ready" });
  process.on("message", async (message: { type?: string }) => {
    if (message?.type !== "stop") return;
    clearInterval(report);
    send({ type: "stats", activitiesCompleted: completed, latencies });
    await worker.shutdown({ graceMs: 2_000 });
    // RATCHET_BENCH_WORKER_STATS=1 prints each worker's counters (claims, eager dispatches, inlined decisions) at the end.
    if (process.env.RATCHET_BENCH_WORKER_STATS) process.stderr.write(`${config.identity} ${JSON.stringify(worker.stats)}\n`);
    await db.close();
    send({ type: "stopped" });
    process.exit(0);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
