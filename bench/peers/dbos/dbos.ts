/**
 * DBOS Transact (@dbos-inc/dbos-sdk) as a measured peer.
 *
 * DBOS runs workflows inside the application process and checkpoints them
 * in its system database: a status row when a workflow starts, one output
 * row per step, the status again when it ends. So its workers are
 * `workers` child processes (dbos.child.ts), each launching DBOS and keeping
 * `concurrency` workflows in flight, started by calling the registered
 * workflow function in-process: DBOS executes a workflow where it is started,
 * the path its own scalability benchmark calls the fast one (queues add a
 * polled dequeue; that would be a different, slower measurement).
 *
 * Each run gets a fresh system database (`bench_dbos_<random>` on the server
 * of `databaseUrl`), dropped at the end. Completions are counted by the
 * children (reported over IPC at the window's edges) and cross-checked
 * against DBOS's own tables (dbos.workflow_status, dbos.operation_outputs).
 *
 * Workloads (unit):
 * - one-activity (workflows): workflows of one no-op step.
 * - steps (steps): workflows of 10 sequential no-op steps; a unit is one step checkpoint.
 * - latency (workflows): one worker, one workflow at a time; scheduleToStartMs is
 *   from calling the workflow to its first step's body running (DBOS writes the
 *   workflow's status row in between), endToEndMs to its return.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { BenchSystem, Result, RunRequest, WorkloadName } from "../../model.ts";
import { ChildGroup, type ChildSpec } from "../../baselines/child-group.ts";
import { BenchError, SystemUnavailableError } from "../../baselines/errors.ts";
import { checkDurations, checkWorkload, quoteIdentifier, runIdentifier, Settings } from "../../baselines/settings.ts";
import { measureWindow, windowCount, windowPercentiles } from "../../baselines/window.ts";
import type { DbosChildInit } from "./dbos.child.ts";

const WORKLOADS = ["one-activity", "steps", "latency"] as const satisfies readonly WorkloadName[];
type DbosWorkload = (typeof WORKLOADS)[number];

const CHILD_SCRIPT = fileURLToPath(new URL("./dbos.child.ts", import.meta.url));
const PACKAGE = "@dbos-inc/dbos-sdk";
/** Steps per workflow in the steps workload (the 10-activity workflows). */
export const STEPS_PER_WORKFLOW = 10;
/** DBOS's own default systemDatabasePoolSize. */
const CONNECTIONS_DEFAULT = 10;
/**
 * Workflows in flight per worker. Measured here (one worker, pool 10, 6 s
 * windows, a 2-core machine shared with other work, so runs vary by 2x):
 * one-step workflows: 10 -> 370-685/s, 20 -> 540-930/s, 50 -> 420-585/s,
 * 100 -> 230/s, 200 -> 440/s; 10-step workflows: 10 -> 1.1-2.2k steps/s,
 * 20 -> 1.0-1.4k, 50 -> 1.96k twice. 50 was never the worst and the steadiest.
 */
const CONCURRENCY_DEFAULT = 50;

/** The installed package's version, from its package.json. */
export async function dbosVersion(): Promise<string> {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(PACKAGE);
  } catch (err) {
    throw new SystemUnavailableError("dbos", `${PACKAGE} is not installed (npm install --save-dev ${PACKAGE})`, { cause: err });
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === PACKAGE && pkg.version) return pkg.version;
    } catch {
      // no package.json at this level
    }
  }
  throw new SystemUnavailableError("dbos", `cannot find ${PACKAGE}'s package.json above ${entry}`);
}

export const dbos: BenchSystem = {
  name: "dbos",
  workloads: WORKLOADS,
  version: dbosVersion,
  async run(request) {
    checkWorkload("dbos", request.workload, WORKLOADS);
    checkDurations(request.warmupMs, request.windowMs);
    await dbosVersion(); // unavailable: say so before creating anything
    return runDbos(request, request.workload as DbosWorkload);
  },
};

/** `databaseUrl` pointing at another database on the same server. */
export function withDatabase(databaseUrl: string, database: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new BenchError("INVALID_SETTING", `dbos needs databaseUrl as a postgres:// URL (to point DBOS at its own database on that server); got ${JSON.stringify(databaseUrl)}`);
  }
  url.pathname = `/${database}`;
  return url.toString();
}

async function runDbos(request: RunRequest, workload: DbosWorkload): Promise<Result> {
  const settings = new Settings(request.config);
  const latency = workload === "latency";
  // The latency workload is one workflow at a time on an idle system: one worker, one in flight.
  const workers = latency ? 1 : settings.int("workers", 1, 1, 16);
  const concurrency = latency ? 1 : settings.int("concurrency", CONCURRENCY_DEFAULT, 1, 10_000);
  if (latency) {
    settings.fact("workers", workers);
    settings.fact("concurrency", concurrency);
  }
  const connections = settings.int("connections", CONNECTIONS_DEFAULT, 1, 100);
  const payloadBytes = settings.int("payloadBytes", 0, 0, 1_048_576);
  const synchronousCommit = settings.onOff("synchronousCommit", true);
  const stepsPerWorkflow = workload === "steps" ? STEPS_PER_WORKFLOW : 1;
  settings.fact("stepsPerWorkflow", stepsPerWorkflow);
  settings.fact("start", "in-process call (no queue)");
  const { config, notes } = settings.ignored();
  if (latency) notes.push("latency: one worker, one workflow in flight (workers and concurrency are fixed at 1 for this workload)");

  const database = runIdentifier("bench_dbos");
  const systemDatabaseUrl = withDatabase(request.databaseUrl, database);
  const admin = new pg.Client({ connectionString: request.databaseUrl, application_name: `${database}_admin` });
  await admin.connect();
  let counter: pg.Client | undefined;
  let group: ChildGroup | undefined;
  try {
    await admin.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
    if (!synchronousCommit) await admin.query(`ALTER DATABASE ${quoteIdentifier(database)} SET synchronous_commit = off`);
    const specs: ChildSpec[] = [];
    for (let i = 1; i <= workers; i++) {
      const init: DbosChildInit = {
        systemDatabaseUrl,
        runMigrations: i === 1,
        appName: "ratchet-bench",
        executorId: `bench-worker-${i}`,
        concurrency,
        connections,
        stepsPerWorkflow,
        payloadBytes,
      };
      specs.push({ script: CHILD_SCRIPT, label: `dbos worker ${i}`, init: { ...init } });
    }
    request.progress?.(`${workload}: starting ${workers} DBOS worker(s), ${concurrency} workflows in flight each, pool ${connections}`);
    group = await ChildGroup.start(specs, { firstAlone: true });
    counter = new pg.Client({ connectionString: systemDatabaseUrl, application_name: `${database}_admin` });
    await counter.connect();
    const tables: Record<"start" | "end", { workflows: number; steps: number }> = { start: { workflows: 0, steps: 0 }, end: { workflows: 0, steps: 0 } };
    const m = await measureWindow(group, counter, request.warmupMs, request.windowMs, request.progress, async (phase) => {
      tables[phase] = await dbosCounts(counter!);
    });
    await group.stop();

    const unitKey = workload === "steps" ? "steps" : "workflows";
    const count = windowCount(m, unitKey);
    const tableCount = workload === "steps" ? tables.end.steps - tables.start.steps : tables.end.workflows - tables.start.workflows;
    notes.push(
      `workflows started by calling the registered workflow in the worker process (DBOS runs a workflow where it is started; no queue); ${stepsPerWorkflow} no-op step(s) per workflow`,
      `cross-check: DBOS's tables gained ${tableCount} ${workload === "steps" ? "step outputs (dbos.operation_outputs)" : "SUCCESS workflows (dbos.workflow_status)"} over the window as read from the parent; the workers counted ${count}`,
      "scheduleToStartMs: from calling the workflow to its first step's body running (in-process: includes DBOS's workflow-status write); endToEndMs: to the workflow's return",
      "commits and WAL per unit are of DBOS's own system database (its pg_stat_database row; WAL is server-wide)",
    );
    return {
      system: "dbos",
      workload,
      config,
      perSecond: Math.round((count / (m.windowMs / 1000)) * 10) / 10,
      unit: workload === "steps" ? "steps" : "workflows",
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
    await counter?.end().catch(() => undefined);
    // FORCE ends any session still connected (a killed worker's, our counter's).
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`);
    await admin.end();
  }
}

/** Completed workflows and recorded step outputs, from DBOS's own tables. */
async function dbosCounts(client: pg.Client): Promise<{ workflows: number; steps: number }> {
  const { rows } = await client.query<{ workflows: number; steps: number }>(
    "SELECT (SELECT count(*) FROM dbos.workflow_status WHERE status = 'SUCCESS')::integer AS workflows, (SELECT count(*) FROM dbos.operation_outputs)::integer AS steps",
  );
  return rows[0]!;
}
