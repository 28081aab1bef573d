/**
 * graphile-worker (0.17) as a measured peer, at the settings its performance
 * page documents as fastest: a local queue of 500 jobs per worker process
 * (one statement fetches and locks 500), completions batched
 * (`completeJobBatchDelay: 0`: one statement completes every job that
 * finished meanwhile), 24 concurrent jobs per process. Every setting can be
 * overridden through the run's config, under graphile-worker's own names
 * (see options.ts); its defaults are `localQueueSize: -1,
 * completeJobBatchDelay: -1, failJobBatchDelay: -1, concurrency: 1`.
 *
 * Adding jobs one call at a time is bounded by PostgreSQL, not by
 * graphile-worker's Node side: add_job NOTIFYs 'jobs:insert', and the server
 * serializes the commits of notifying transactions (a cluster-wide lock
 * held across the commit's WAL flush), so they never share a flush. Measured
 * here (2 cores, synchronous_commit on): 16 concurrent addJob callers ~430
 * jobs/s against ~8k/s for a plain INSERT; one-activity 364-1,050 jobs/s
 * across runs, and 2.9k/s with synchronous_commit off. The steps workload
 * (each handler's addJob) hits the same bound: 560-1,980 steps/s across
 * runs, swinging with the fsync latency of a shared disk.
 *
 * All five queue workloads apply. `churn` is not offered: sustained load with
 * table sampling belongs to the harness's churn mode, which no peer
 * implements here yet.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { makeWorkerUtils } from "graphile-worker";
import { schemaIdentifier } from "../../../engine/names.ts";
import type { BenchSystem, WorkloadName } from "../../model.ts";
import type { JobPayload } from "./queue-protocol.ts";
import { delay } from "./queue-processes.ts";
import { runQueueWorkload, type QueuePeer, type QueueSession, type Settings } from "./queue-workloads.ts";
import { GRAPHILE_DEFAULT_CONCURRENCY, GRAPHILE_TASK, graphileOptions, quietLogger } from "./options.ts";

/** A latency job not seen completed within this after its handler returned is a failure. */
const COMPLETION_TIMEOUT_MS = 30_000;
/** Pause between the parent's polls of the jobs table for a latency job's completion. */
const COMPLETION_POLL_MS = 1;

const WORKLOADS: readonly WorkloadName[] = ["fanout", "one-activity", "steps", "latency", "backlog"];

async function openSession(connectionString: string, schema: string, connections: number): Promise<QueueSession> {
  const utils = await makeWorkerUtils({ connectionString, schema, logger: quietLogger, maxPoolSize: Math.max(2, connections) });
  let poller: pg.Client | null = null;
  try {
    await utils.migrate();
  } catch (err) {
    await utils.release();
    throw err;
  }
  return {
    async addBatch(payloads: JobPayload[]) {
      await utils.addJobs(payloads.map((payload) => ({ identifier: GRAPHILE_TASK, payload })));
    },
    async addOne(payload: JobPayload) {
      return (await utils.addJob(GRAPHILE_TASK, payload)).id;
    },
    // graphile-worker deletes a job when it completes it; its worker does so after the handler returns.
    async observeCompletion(jobId: string) {
      if (!poller) {
        poller = new pg.Client({ connectionString });
        poller.on("error", () => {});
        await poller.connect();
      }
      const deadline = performance.now() + COMPLETION_TIMEOUT_MS;
      while (performance.now() < deadline) {
        const { rowCount } = await poller.query(`SELECT 1 FROM ${schemaIdentifier(schema)}._private_jobs WHERE id = $1`, [jobId]);
        if (rowCount === 0) return Date.now();
        await delay(COMPLETION_POLL_MS);
      }
      throw new Error(`graphile-worker job ${jobId} was not completed within ${COMPLETION_TIMEOUT_MS} ms of its handler returning`);
    },
    async close() {
      await Promise.allSettled([utils.release(), poller?.end()]);
    },
  };
}

const peer: QueuePeer = {
  system: "graphile-worker",
  workloads: WORKLOADS,
  schemaPrefix: "bench_gw",
  workerScript: fileURLToPath(new URL("./worker.ts", import.meta.url)),
  defaultConcurrency: GRAPHILE_DEFAULT_CONCURRENCY,
  // NOTIFY wakes it, so it is not phase-sensitive: a small gap only keeps the samples independent.
  defaultLatencyGapMsMax: () => 5,
  peerSettings: (config) => graphileOptions(config),
  open: (connectionString, schema, _settings, connections) => openSession(connectionString, schema, connections),
  notes(workload: WorkloadName, settings: Settings): string[] {
    const notes = [
      `settings: localQueue.size ${settings.localQueueSize}, completeJobBatchDelay ${settings.completeJobBatchDelay}, failJobBatchDelay ${settings.failJobBatchDelay}, maxPoolSize ${settings.maxPoolSize} (graphile-worker's documented performance configuration unless overridden)`,
      "jobs are added with WorkerUtils: addJobs (one statement per batch) for fanout, backlog and chain starts; addJob (one statement per job) for one-activity and latency",
    ];
    if (workload === "latency") {
      notes.push(
        "latency: jobs reach the worker by LISTEN/NOTIFY ('jobs:insert'); end-to-end is when the parent saw the job row deleted, polling every ~1 ms once the handler returned (those read-only polls count in commitsPerUnit)",
      );
    } else {
      notes.push("endToEndMs: null: graphile-worker completes jobs after the handler returns, batched, out of the handler's sight (measured in the latency workload only)");
    }
    if (workload === "steps") notes.push("steps: each handler adds its successor with helpers.addJob (its own statement), before graphile-worker completes the job");
    if (workload === "one-activity" || workload === "steps") {
      notes.push(
        "add_job NOTIFYs, and PostgreSQL serializes the commits of notifying transactions (no shared WAL flush): one-job-per-call enqueue is bounded by the flush rate under synchronous_commit=on",
      );
    }
    return notes;
  },
};

export const graphileWorker: BenchSystem = {
  name: "graphile-worker",
  workloads: WORKLOADS,
  async version() {
    const path = createRequire(import.meta.url).resolve("graphile-worker/package.json");
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  },
  run: (request) => runQueueWorkload(peer, request),
};
