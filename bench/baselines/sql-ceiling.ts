/**
 * The raw SQL ceiling: how many queue tasks per second this server completes
 * when nothing but the statements themselves stands between a task and its
 * completion. Worker processes (`workers`, each with `connections`
 * connections) loop claim-a-batch (FOR UPDATE SKIP LOCKED, bumping a lease)
 * then delete-the-batch (fenced by the lease token), each statement its own
 * transaction, on a copy of Ratchet's tasks table; a producer process keeps
 * the queue filled with bulk inserts. `batch = 1` is the one-row-per-
 * transaction ceiling (two commits per task). See sql-ceiling.queries.ts for
 * the statements and why they are the ones an engine runs.
 *
 * Workloads (unit):
 * - one-activity (tasks): rows of their own run each, inserted `insertRows` per statement.
 * - fanout (tasks): rows inserted 1,000 per statement as one run's fan-out (`fanoutWidth`).
 * - backlog (tasks): as one-activity with `backlog` rows kept waiting (filled before the window).
 * - steps (steps): chains of `stepsDepth` (10): each completion inserts the chain's
 *   next row in the same statement, so the completion and the next task commit together.
 */
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { BenchSystem, Result, RunRequest, WorkloadName } from "../model.ts";
import { ChildGroup, type ChildSpec } from "./child-group.ts";
import { serverVersion, terminateSessions } from "./server.ts";
import { checkDurations, checkWorkload, pgOptions, runIdentifier, Settings } from "./settings.ts";
import type { CeilingProducerInit, CeilingWorkerInit } from "./sql-ceiling.child.ts";
import { CeilingQueries } from "./sql-ceiling.queries.ts";
import { measureWindow, windowCount, windowPercentiles } from "./window.ts";

const WORKLOADS = ["one-activity", "fanout", "backlog", "steps"] as const satisfies readonly WorkloadName[];
type CeilingWorkload = (typeof WORKLOADS)[number];

const CHILD_SCRIPT = fileURLToPath(new URL("./sql-ceiling.child.ts", import.meta.url));

/** Steps per chain in the steps workload (the 10-activity workflows). */
export const STEPS_DEPTH = 10;
/** Rows one workflow fans out in the fanout workload. */
export const FANOUT_WIDTH_DEFAULT = 1_000;
/** Rows waiting in the backlog workload unless `backlog` says otherwise. */
export const BACKLOG_DEFAULT = 100_000;
/** The producer fills the backlog before the children report ready (~60-100k rows/s here), within CHILD_READY_TIMEOUT_MS. */
export const BACKLOG_MAX = 2_000_000;
/**
 * Connections per worker process. Measured here (one worker, batch 100,
 * one-activity, 6 s windows, a 2-core machine shared with other work):
 * 1 -> 23k, 2 -> 19-33k, 4 -> 20-51k, 8 -> 25k tasks/s. More connections than
 * cores hides each connection's round trips; beyond that they only contend.
 */
export const CONNECTIONS_DEFAULT = 4;
/**
 * Rows per producer insert (one-activity, backlog, steps seeds). At 100 the
 * producer could not keep up (a quarter of claims found the queue empty).
 */
export const INSERT_ROWS_DEFAULT = 1_000;

let lastDatabaseUrl: string | undefined;

export const sqlCeiling: BenchSystem = {
  name: "sql-ceiling",
  workloads: WORKLOADS,

  /** "n/a" (raw SQL has no version) and the server it ran on, when one is known (the last run's, or DATABASE_URL). */
  async version() {
    const server = await serverVersion(lastDatabaseUrl ?? process.env.DATABASE_URL);
    return server ? `n/a (raw SQL on ${server})` : "n/a";
  },

  async run(request) {
    checkWorkload("sql-ceiling", request.workload, WORKLOADS);
    checkDurations(request.warmupMs, request.windowMs);
    lastDatabaseUrl = request.databaseUrl;
    return runCeiling(request, request.workload as CeilingWorkload);
  },
};

async function runCeiling(request: RunRequest, workload: CeilingWorkload): Promise<Result> {
  const settings = new Settings(request.config);
  const workers = settings.int("workers", 1, 1, 64);
  const connections = settings.int("connections", CONNECTIONS_DEFAULT, 1, 64);
  const batch = settings.int("batch", 100, 1, 10_000);
  const payloadBytes = settings.int("payloadBytes", 0, 0, 1_048_576);
  const synchronousCommit = settings.onOff("synchronousCommit", true);
  const fanoutWidth = workload === "fanout" ? settings.int("fanoutWidth", FANOUT_WIDTH_DEFAULT, 1, 100_000) : 0;
  const insertRows = workload === "fanout" ? fanoutWidth : settings.int("insertRows", INSERT_ROWS_DEFAULT, 1, 100_000);
  const backlog = workload === "backlog" ? settings.int("backlog", BACKLOG_DEFAULT, 0, BACKLOG_MAX) : 0;
  // Deep enough that no claimer waits for the producer, shallow enough that waits stay short.
  const depthDefault = Math.max(2_000, 4 * workers * connections * batch, 2 * insertRows);
  const queueDepth = workload === "backlog" ? backlog + depthDefault : settings.int("queueDepth", depthDefault, 1, BACKLOG_MAX);
  if (workload === "backlog") settings.fact("queueDepth", queueDepth);
  if (workload === "steps") settings.fact("stepsDepth", STEPS_DEPTH);
  settings.fact("producer", "1 process, 1 connection");
  const { config, notes } = settings.ignored();

  const schema = runIdentifier("bench_sql");
  const q = new CeilingQueries(schema);
  const admin = new pg.Client({ connectionString: request.databaseUrl, application_name: `${schema}_admin` });
  await admin.connect();
  let group: ChildGroup | undefined;
  try {
    await admin.query(q.createSchema());
    const options = pgOptions(synchronousCommit) ?? null;
    const producer: CeilingProducerInit = { role: "producer", databaseUrl: request.databaseUrl, schema, workload, targetDepth: queueDepth, insertRows, payloadBytes, pgOptions: options };
    const specs: ChildSpec[] = [{ script: CHILD_SCRIPT, label: "producer", init: { ...producer } }];
    for (let i = 1; i <= workers; i++) {
      const worker: CeilingWorkerInit = { role: "worker", databaseUrl: request.databaseUrl, schema, workload, batch, connections, stepsDepth: STEPS_DEPTH, pgOptions: options };
      specs.push({ script: CHILD_SCRIPT, label: `worker ${i}`, init: { ...worker } });
    }
    request.progress?.(`${workload}: starting ${workers} worker(s) x ${connections} connection(s), batch ${batch}, queue ${queueDepth} deep`);
    group = await ChildGroup.start(specs);
    const m = await measureWindow(group, admin, request.warmupMs, request.windowMs, request.progress);
    await group.stop();

    const count = windowCount(m, "completed");
    const emptyClaims = windowCount(m, "emptyClaims");
    const claims = windowCount(m, "claims");
    notes.push(
      workload === "steps"
        ? `raw SQL on a copy of Ratchet's tasks table: claim up to ${batch} rows (FOR UPDATE SKIP LOCKED), then delete them and insert each chain's next row in one statement (chains of ${STEPS_DEPTH}); each statement its own transaction`
        : `raw SQL on a copy of Ratchet's tasks table: claim up to ${batch} rows (FOR UPDATE SKIP LOCKED), then delete them fenced by lease token; each statement its own transaction; a producer process inserts ${insertRows} rows per statement`,
      `latencies are queue waits in a queue the producer keeps ~${queueDepth} rows deep: they measure that depth, not the statements`,
    );
    notes.push(`in the window: ${claims} claims (${emptyClaims} found nothing), the producer inserted ${windowCount(m, "inserted")} rows`);
    if (claims > 0 && emptyClaims / claims > 0.01) {
      notes.push(`${emptyClaims} of ${claims} claims found no visible row: the producer, not the claim path, limited part of this window`);
    }
    return {
      system: "sql-ceiling",
      workload,
      config,
      perSecond: round(count / (m.windowMs / 1000)),
      unit: workload === "steps" ? "steps" : "tasks",
      count,
      windowMs: m.windowMs,
      scheduleToStartMs: windowPercentiles(m, "scheduleToStart"),
      endToEndMs: windowPercentiles(m, "endToEnd"),
      ...m.commitsPerUnit(count),
      cpu: m.cpu,
      notes,
    };
  } finally {
    await group?.kill();
    await terminateSessions(admin, schema).catch(() => undefined);
    await admin.query(q.dropSchema());
    await admin.end();
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
