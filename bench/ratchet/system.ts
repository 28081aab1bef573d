/**
 * Ratchet as a benchmarked system: worker processes (both cores) serving
 * the bench workflows, a producer in this process keeping a steady number
 * of workflows in flight (bulk starts), and measurements over a window after
 * a warm-up: units completed, schedule-to-start latency (from the workers),
 * end-to-end latency (from the runs' created and closed times), commits and
 * WAL per unit, and CPU split between Node and PostgreSQL.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Client, PgDriver, Store, migrate } from "../../engine/index.ts";
import { START_BATCH_MAX } from "../../engine/limits.ts";
import { BENCH_NODE_FLAGS } from "../harness/node-flags.ts";
import { cpuShare, cpuSnapshot, percentiles, perUnit, serverCounters } from "../harness/metrics.ts";
import { statementProfile, statementSnapshot } from "../harness/statements.ts";
import type { BenchSystem, Result, RunRequest, Unit, WorkloadName } from "../model.ts";
import type { WorkerMessage, WorkerProcessConfig } from "./worker-process.ts";
import { FANOUT_WIDTH, STEPS_PER_WORKFLOW } from "./workloads.ts";
import pg from "pg";

const WORKER_SCRIPT = fileURLToPath(new URL("./worker-process.ts", import.meta.url));

/** Defaults, each overridable through RunRequest.config. */
export const RATCHET_BENCH_DEFAULTS = {
  workers: 2,
  concurrency: 1_000,
  workflowConcurrency: 100,
  batch: 100,
  /** Recording transactions of one kind in flight per worker (WorkerOptions.completionsInFlight). */
  completionsInFlight: 2,
  connections: 8,
  partitions: 1,
  payloadBytes: 100,
  notify: true,
  /** Eager activity dispatch (WorkerOptions.eagerActivities). */
  eager: true,
  /** Inline decisions (WorkerOptions.inlineDecisions). */
  inline: true,
  pollMs: 100,
  synchronousCommit: "on",
  /** Workflows kept open by the producer (steps, one-activity, churn). */
  inflight: 1_000,
  backlog: 0,
} as const;

const PRODUCER_INTERVAL_MS = 20;
/** Fan-outs kept open; more than two, so the producer's view (stats every REPORT_INTERVAL_MS) never drains the pipeline. */
const FANOUTS_IN_FLIGHT = 4;
const END_TO_END_SAMPLES_MAX = 20_000;
const BACKLOG_PRELOAD_BATCH = START_BATCH_MAX;

type Config = { -readonly [K in keyof typeof RATCHET_BENCH_DEFAULTS]: (typeof RATCHET_BENCH_DEFAULTS)[K] extends string ? string : (typeof RATCHET_BENCH_DEFAULTS)[K] extends boolean ? boolean : number };

export const ratchet: BenchSystem = {
  name: "ratchet",
  workloads: ["steps", "fanout", "one-activity", "latency", "backlog", "churn"],
  async version() {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    return pkg.version;
  },
  run: runRatchet,
};

function resolveConfig(raw: Record<string, string | number | boolean>): Config {
  const config = { ...RATCHET_BENCH_DEFAULTS, ...raw } as unknown as Config;
  if (raw.workload === "latency") config.inflight = 1;
  return config;
}

/** The connection string with a per-session synchronous_commit setting. */
function withSynchronousCommit(url: string, value: string): string {
  if (value === "on") return url;
  const u = new URL(url);
  u.searchParams.set("options", `-c synchronous_commit=${value}`);
  return u.toString();
}

interface WorkerHandle {
  child: ChildProcess;
  completed: number;
  latencies: number[];
  stopped: Promise<void>;
}

async function startWorkers(config: Config, url: string, schema: string, queues: string[]): Promise<WorkerHandle[]> {
  const handles: WorkerHandle[] = [];
  for (let i = 0; i < config.workers; i++) {
    const workerConfig: WorkerProcessConfig = {
      databaseUrl: withSynchronousCommit(url, config.synchronousCommit),
      schema,
      queues,
      concurrency: config.concurrency,
      workflowConcurrency: config.workflowConcurrency,
      batch: config.batch,
      completionsInFlight: config.completionsInFlight,
      connections: config.connections,
      notify: config.notify,
      eager: config.eager,
      inline: config.inline,
      pollMs: config.pollMs,
      identity: `bench-worker-${i + 1}`,
    };
    // RATCHET_BENCH_CPU_PROFILE_DIR=<dir> writes a V8 CPU profile per worker process (for "where the time goes").
    const profileDir = process.env.RATCHET_BENCH_CPU_PROFILE_DIR;
    const execArgv = [...BENCH_NODE_FLAGS, "--import", "tsx", ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [])];
    const child = fork(WORKER_SCRIPT, [JSON.stringify(workerConfig)], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let ready!: () => void;
    let failed!: (err: Error) => void;
    const readyPromise = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    let markStopped!: () => void;
    const handle: WorkerHandle = { child, completed: 0, latencies: [], stopped: new Promise((resolve) => (markStopped = resolve)) };
    child.on("message", (message: WorkerMessage) => {
      if (message.type === "ready") ready();
      if (message.type === "stats") {
        handle.completed = message.activitiesCompleted;
        handle.latencies.push(...message.latencies);
      }
    });
    child.on("exit", (code) => {
      markStopped();
      failed(new Error(`bench worker ${i + 1} exited with ${code} before it was ready`));
    });
    handles.push(handle);
    await readyPromise;
  }
  return handles;
}

async function stopWorkers(handles: WorkerHandle[]): Promise<void> {
  for (const h of handles) if (h.child.connected) h.child.send({ type: "stop" });
  const deadline = new Promise((resolve) => setTimeout(resolve, 10_000));
  await Promise.race([Promise.all(handles.map((h) => h.stopped)), deadline]);
  for (const h of handles) if (h.child.exitCode === null) h.child.kill("SIGKILL");
}

const activitiesOf = (handles: WorkerHandle[]) => handles.reduce((sum, h) => sum + h.completed, 0);

async function runRatchet(request: RunRequest): Promise<Result> {
  const config = resolveConfig({ ...request.config, workload: request.workload });
  const schema = `bench_ratchet_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Pool({ connectionString: request.databaseUrl, max: 2 });
  const driver = new PgDriver({ connectionString: request.databaseUrl, maxConnections: 4, applicationName: "ratchet-bench-producer" });
  const notes: string[] = [];
  let workers: WorkerHandle[] = [];
  let producing = true;
  try {
    await migrate(driver, schema);
    const store = new Store(driver, { schema, notify: config.notify });
    const client = new Client({ store });
    // As a deployment would before its first start: the history partition of now exists, so no run lands in
    // the DEFAULT partition to be moved out (under a lock every recording transaction waits on) mid-window.
    await client.ensureHistoryPartitions();
    const queues = Array.from({ length: config.partitions }, (_, i) => `bench-${i + 1}`);
    const payload = "x".repeat(config.payloadBytes);
    let started = 0;
    const startBatch = async (type: string, n: number) => {
      for (let done = 0; done < n; ) {
        const size = Math.min(n - done, START_BATCH_MAX);
        await client.startMany(
          type,
          Array.from({ length: size }, (_, i) => ({ workflowId: `wf-${started + i}`, taskQueue: queues[(started + i) % queues.length]!, input: { payload } })),
        );
        started += size;
        done += size;
      }
    };

    if (request.workload === "backlog" && config.backlog > 0) {
      request.progress?.(`preloading ${config.backlog} waiting workflows`);
      for (let done = 0; done < config.backlog; done += BACKLOG_PRELOAD_BATCH) await startBatch("oneActivity", Math.min(BACKLOG_PRELOAD_BATCH, config.backlog - done));
      // Fresh statistics, as the queue peers get after their preload: autovacuum would analyze a table
      // that grew by a million rows within a minute or so, but not before a seconds-long window starts.
      for (const table of ["runs", "history", "tasks"]) await admin.query(`ANALYZE "${schema}".${table}`);
    }

    workers = await startWorkers(config, request.databaseUrl, schema, queues);
    const shape = shapeOf(request.workload);
    // Producer: keep the pipeline full without being part of what is measured.
    const producer = (async () => {
      while (producing) {
        const finished = Math.floor(activitiesOf(workers) / shape.activitiesPerWorkflow);
        const open = started - finished;
        const want = request.workload === "latency" ? 1 : request.workload === "fanout" ? FANOUTS_IN_FLIGHT : request.workload === "backlog" ? 0 : config.inflight;
        if (open < want) await startBatch(shape.workflowType, Math.min(want - open, START_BATCH_MAX));
        await new Promise((resolve) => setTimeout(resolve, request.workload === "latency" ? 2 : PRODUCER_INTERVAL_MS));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, request.warmupMs));
    for (const w of workers) w.latencies = [];
    const t0 = Date.now();
    const measure = async () => ({
      activities: activitiesOf(workers),
      workflows: await closedRuns(admin, schema),
      server: await serverCounters(admin),
      statements: await statementSnapshot(admin),
      cpu: cpuSnapshot(workers.map((w) => w.child.pid!)),
    });
    const before = await measure();
    const samples: Result["samples"] = [];
    if (request.workload === "churn") {
      const { rows: av } = await admin.query<{ on: string }>("SELECT current_setting('autovacuum') AS on");
      if (av[0]!.on !== "on") {
        notes.push("autovacuum is off on this server (the table's own autovacuum settings cannot override that): only the workers' queue maintenance (Worker queueMaintenance, counted as vacuumCount) reclaims the tasks table's dead tuples");
      }
      const sampleEveryMs = Math.max(1_000, Math.floor(request.windowMs / 60));
      let last = { at: Date.now(), workflows: before.workflows };
      while (Date.now() - t0 < request.windowMs) {
        await new Promise((resolve) => setTimeout(resolve, sampleEveryMs));
        const now = Date.now();
        const workflows = await closedRuns(admin, schema);
        samples.push({ atMs: now - t0, ...(await tableStats(admin, schema)), perSecond: ((workflows - last.workflows) * 1000) / (now - last.at) });
        last = { at: now, workflows };
        request.progress?.(`churn: ${Math.round((now - t0) / 1000)} s of ${Math.round(request.windowMs / 1000)} s`);
      }
    } else {
      await new Promise((resolve) => setTimeout(resolve, request.windowMs));
    }
    const t1 = Date.now();
    const after = await measure();
    producing = false;
    await producer;
    const windowMs = t1 - t0;
    const count = shape.unit === "workflows" ? after.workflows - before.workflows : after.activities - before.activities;
    const latencies = workers.flatMap((w) => w.latencies);
    const endToEnd = await endToEndLatencies(admin, schema, t0, t1);
    const statements = statementProfile(before.statements, after.statements, count);
    if (count === 0) notes.push("nothing completed in the window");
    return {
      system: "ratchet",
      workload: request.workload,
      config: { ...config },
      perSecond: Math.round((count * 1000 * 10) / windowMs) / 10,
      unit: shape.unit,
      count,
      windowMs,
      scheduleToStartMs: percentiles(latencies),
      endToEndMs: percentiles(endToEnd),
      ...perUnit(before.server, after.server, count),
      cpu: cpuShare(before.cpu, after.cpu),
      ...(request.workload === "churn" ? { samples } : {}),
      ...(statements === undefined ? {} : { statements }),
      notes,
    };
  } finally {
    producing = false;
    await stopWorkers(workers);
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await admin.end();
    await driver.close();
  }
}

function shapeOf(workload: WorkloadName): { workflowType: string; activitiesPerWorkflow: number; unit: Unit } {
  switch (workload) {
    case "steps":
      return { workflowType: "tenSteps", activitiesPerWorkflow: STEPS_PER_WORKFLOW, unit: "steps" };
    case "fanout":
      return { workflowType: "fanout", activitiesPerWorkflow: FANOUT_WIDTH, unit: "tasks" };
    case "latency":
      return { workflowType: "oneActivity", activitiesPerWorkflow: 1, unit: "tasks" };
    default:
      return { workflowType: "oneActivity", activitiesPerWorkflow: 1, unit: "workflows" };
  }
}

async function closedRuns(admin: pg.Pool, schema: string): Promise<number> {
  const { rows } = await admin.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${schema}".runs WHERE status <> 'running'`);
  return Number(rows[0]!.n);
}

async function endToEndLatencies(admin: pg.Pool, schema: string, fromMs: number, toMs: number): Promise<number[]> {
  const { rows } = await admin.query<{ ms: string }>(
    `SELECT (closed_at_ms - created_at_ms)::text AS ms FROM "${schema}".runs WHERE closed_at_ms BETWEEN $1 AND $2 LIMIT ${END_TO_END_SAMPLES_MAX}`,
    [fromMs, toMs],
  );
  return rows.map((r) => Number(r.ms));
}

async function tableStats(admin: pg.Pool, schema: string) {
  const { rows } = await admin.query<{ table_bytes: string; index_bytes: string; live: string; dead: string; autovacuums: string; vacuums: string }>(
    `SELECT pg_table_size(c.oid)::text AS table_bytes, pg_indexes_size(c.oid)::text AS index_bytes,
            s.n_live_tup::text AS live, s.n_dead_tup::text AS dead, s.autovacuum_count::text AS autovacuums,
            s.vacuum_count::text AS vacuums
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_stat_user_tables s ON s.relid = c.oid
     WHERE n.nspname = $1 AND c.relname = 'tasks'`,
    [schema],
  );
  const r = rows[0]!;
  return { tableBytes: Number(r.table_bytes), indexBytes: Number(r.index_bytes), liveTuples: Number(r.live), deadTuples: Number(r.dead), autovacuumCount: Number(r.autovacuums), vacuumCount: Number(r.vacuums) };
}

