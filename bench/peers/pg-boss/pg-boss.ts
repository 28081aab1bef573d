/**
 * pg-boss (10.4) as a measured peer, at its fastest documented way to
 * consume: `fetch()` batches of 100 (one statement locks and starts 100
 * jobs) and `complete()` of every id of the batch in one call, four such
 * loops per worker process. Jobs are added with `insert()` (one statement
 * per batch) or `send()` (one per job). Every setting can be overridden
 * through the run's config (see options.ts), including `consumer: work`
 * for pg-boss's own work() loop.
 *
 * pg-boss 10 has no LISTEN/NOTIFY: an idle consumer polls, at most every
 * 500 ms (work()'s floor, kept for the fetch loop too by default), so its
 * schedule-to-start on an idle system is about half the poll interval.
 *
 * All five queue workloads apply. `churn` is not offered: sustained load with
 * table sampling belongs to the harness's churn mode, which no peer
 * implements here yet.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import PgBoss from "pg-boss";
import type { BenchSystem, WorkloadName } from "../../model.ts";
import type { JobPayload } from "../graphile-worker/queue-protocol.ts";
import { runQueueWorkload, type QueuePeer, type QueueSession, type Settings } from "../graphile-worker/queue-workloads.ts";
import { PGBOSS_DEFAULT_CONCURRENCY, PGBOSS_QUEUE, pgBossOptions } from "./options.ts";

const WORKLOADS: readonly WorkloadName[] = ["fanout", "one-activity", "steps", "latency", "backlog"];

async function openSession(connectionString: string, schema: string, connections: number): Promise<QueueSession> {
  const boss = new PgBoss({ connectionString, schema, max: Math.max(2, connections), migrate: true, supervise: false, schedule: false });
  let failure: Error | null = null;
  boss.on("error", (err) => (failure ??= err));
  try {
    await boss.start();
    await boss.createQueue(PGBOSS_QUEUE);
  } catch (err) {
    await boss.stop({ graceful: false, close: true }).catch(() => {});
    throw err;
  }
  return {
    async addBatch(payloads: JobPayload[]) {
      await boss.insert(payloads.map((data) => ({ name: PGBOSS_QUEUE, data })));
    },
    async addOne(payload: JobPayload) {
      const id = await boss.send(PGBOSS_QUEUE, payload);
      if (id === null) throw failure ?? new Error("pg-boss send() returned no id");
      return id;
    },
    async close() {
      await boss.stop({ graceful: false, close: true });
    },
  };
}

const peer: QueuePeer = {
  system: "pg-boss",
  workloads: WORKLOADS,
  schemaPrefix: "bench_pgboss",
  workerScript: fileURLToPath(new URL("./worker.ts", import.meta.url)),
  defaultConcurrency: PGBOSS_DEFAULT_CONCURRENCY,
  peerSettings: (config) => pgBossOptions(config),
  // A polling consumer: without a random gap the producer would phase-lock to its poll.
  defaultLatencyGapMsMax: (settings) => Number(settings.idlePollMs),
  open: (connectionString, schema, _settings, connections) => openSession(connectionString, schema, connections),
  notes(workload: WorkloadName, settings: Settings): string[] {
    const notes = [
      settings.consumer === "work"
        ? `consumer: pg-boss work() with batchSize ${settings.batchSize}, pollingIntervalSeconds ${Number(settings.idlePollMs) / 1000}; it completes each batch after the handler returns, unawaited, so endToEndMs is null`
        : `consumer: fetch(batchSize ${settings.batchSize}, priority ${settings.priority}) then complete(all ids) per batch; ${settings.idlePollMs} ms sleep after an empty fetch (pg-boss 10 has no LISTEN/NOTIFY)`,
      "jobs are added with insert() (one statement per batch) for fanout, backlog and chain starts; send() (one statement per job) for one-activity and latency",
      "supervise, schedule (maintenance, cron) off: nothing is archived or expired during a seconds-long window",
    ];
    if (workload === "latency") notes.push(`latency: bounded below by the idle poll: about half of ${settings.idlePollMs} ms on average`);
    if (workload === "steps") notes.push("steps: each fetched batch's successors are added with one insert(), before the batch is completed");
    return notes;
  },
};

export const pgBoss: BenchSystem = {
  name: "pg-boss",
  workloads: WORKLOADS,
  async version() {
    const path = createRequire(import.meta.url).resolve("pg-boss/package.json");
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  },
  run: (request) => runQueueWorkload(peer, request),
};
