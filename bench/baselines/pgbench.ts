/**
 * pgbench: PostgreSQL's own commit rate for one durable-queue step per
 * transaction, on the same server in the same run — the ceiling for any
 * design that commits once per step.
 *
 * The script (scriptText) is one step of a queue as one transaction: lease a
 * task row (UPDATE, bumping its token), complete it (DELETE) and enqueue the
 * next (INSERT), in a table of the run's own schema. Each client works on its
 * own `rowsPerClient` rows (`:client_id` picks the range), so clients never
 * wait on each other's row locks and a delete-then-insert never collides
 * with another client's: what is measured is the server's commit path, not
 * contention.
 *
 * Run: `pgbench -n -M <queryMode> -f script -c clients -j threads -T seconds
 * -P 1 -l`: a warm-up run first (no logs), then the measured run. perSecond
 * is pgbench's tps without initial connection time; latencies come from the
 * per-transaction log (-l). pgbench is not Node: the Result's
 * cpu.nodeCpuSeconds holds the pgbench client's CPU.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { cpuShare, percentiles, perUnit, postgresCpuSeconds, round, serverCounters } from "../harness/metrics.ts";
import type { BenchSystem, Result, RunRequest } from "../model.ts";
import { delay } from "./child-group.ts";
import { BenchError, SystemUnavailableError } from "./errors.ts";
import { parsePgbenchLog, parsePgbenchProgress, parsePgbenchSummary } from "./pgbench-output.ts";
import { terminateSessions } from "./server.ts";
import { checkDurations, checkWorkload, pgOptions, quoteIdentifier, runIdentifier, Settings } from "./settings.ts";

const WORKLOADS = ["commits"] as const;
/** Linux USER_HZ, as in metrics.ts. */
const CLOCK_TICKS_PER_SECOND = 100;
/** How long after pgbench exits its backends are given to exit and be reaped before CPU is read. */
const BACKENDS_EXIT_MS = 200;
const QUERY_MODES = ["prepared", "extended", "simple"] as const;

/** Where pgbench is looked for: only $RATCHET_PGBENCH when it is set; else /usr/bin/pgbench, then $PATH. */
export function pgbenchCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.RATCHET_PGBENCH) return [env.RATCHET_PGBENCH];
  return ["/usr/bin/pgbench", ...(env.PATH ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, "pgbench"))];
}

/** The first executable pgbench among the candidates, or null. */
export function findPgbench(candidates: readonly string[] = pgbenchCandidates()): string | null {
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there
    }
  }
  return null;
}

function requirePgbench(): string {
  const binary = findPgbench();
  if (!binary) throw new SystemUnavailableError("pgbench", `no pgbench binary (looked at ${pgbenchCandidates().join(", ")}); install the PostgreSQL client tools`);
  return binary;
}

export const pgbench: BenchSystem = {
  name: "pgbench",
  workloads: WORKLOADS,

  /** The binary's own `--version` line, e.g. "pgbench (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)". */
  async version() {
    const out = await runProcess(requirePgbench(), ["--version"], {});
    return out.stdout.trim();
  },

  async run(request) {
    checkWorkload("pgbench", request.workload, WORKLOADS);
    checkDurations(request.warmupMs, request.windowMs);
    return runPgbench(request, requirePgbench());
  },
};

/** One durable-queue step as one transaction, on the run's schema. */
export function scriptText(schema: string): string {
  const s = quoteIdentifier(schema);
  return `-- one durable-queue step: lease a task, complete it, enqueue the next
\\set id :client_id * :rows_per_client + random(1, :rows_per_client)
BEGIN;
UPDATE ${s}.tasks SET lease_token = lease_token + 1, claimed_at_ms = :id WHERE task_id = :id;
DELETE FROM ${s}.tasks WHERE task_id = :id;
INSERT INTO ${s}.tasks (task_id, lease_token, claimed_at_ms, payload) VALUES (:id, 0, NULL, repeat('x', :payload_bytes));
END;
`;
}

async function runPgbench(request: RunRequest, binary: string): Promise<Result> {
  const settings = new Settings(request.config);
  const clients = settings.int("clients", 4, 1, 256);
  const threads = Math.min(settings.int("threads", 2, 1, 64), clients);
  settings.fact("threads", threads);
  const rowsPerClient = settings.int("rowsPerClient", 1_000, 1, 1_000_000);
  const payloadBytes = settings.int("payloadBytes", 0, 0, 1_048_576);
  const queryMode = settings.choice("queryMode", "prepared", QUERY_MODES);
  const synchronousCommit = settings.onOff("synchronousCommit", true);
  const warmupSeconds = request.warmupMs > 0 ? Math.max(1, Math.round(request.warmupMs / 1000)) : 0;
  const seconds = Math.max(1, Math.round(request.windowMs / 1000));
  settings.fact("warmupSeconds", warmupSeconds);
  settings.fact("seconds", seconds);
  const { config, notes } = settings.ignored();

  const schema = runIdentifier("bench_pgbench");
  const s = quoteIdentifier(schema);
  const dir = await mkdtemp(path.join(tmpdir(), "ratchet-pgbench-"));
  const admin = new pg.Client({ connectionString: request.databaseUrl, application_name: `${schema}_admin` });
  await admin.connect();
  const running = new Set<ChildProcess>();
  try {
    await admin.query(`CREATE SCHEMA ${s};
      CREATE TABLE ${s}.tasks (task_id integer PRIMARY KEY, lease_token bigint NOT NULL DEFAULT 0, claimed_at_ms bigint, payload text);
      INSERT INTO ${s}.tasks (task_id) SELECT g FROM generate_series(0, ${clients * rowsPerClient + clients}) g;
      ANALYZE ${s}.tasks;`);
    const script = path.join(dir, "step.sql");
    await writeFile(script, scriptText(schema));
    const env = { PGAPPNAME: schema, ...(pgOptions(synchronousCommit) ? { PGOPTIONS: pgOptions(synchronousCommit) } : {}) };
    const args = (T: number) => ["-n", "-M", queryMode, "-f", script, "-c", String(clients), "-j", String(threads), "-T", String(T), "-D", `rows_per_client=${rowsPerClient}`, "-D", `payload_bytes=${payloadBytes}`];

    if (warmupSeconds > 0) {
      request.progress?.(`warming up for ${warmupSeconds} s`);
      await runProcess(binary, [...args(warmupSeconds), request.databaseUrl], env, running);
    }

    request.progress?.(`measuring for ${seconds} s (${clients} clients, ${threads} threads, ${queryMode})`);
    const serverBefore = await serverCounters(admin);
    const cpuBefore = { node: reapedChildrenCpuSeconds(), postgres: postgresCpuSeconds() };
    const out = await runProcess(binary, [...args(seconds), "-P", "1", "-l", "--log-prefix", path.join(dir, "tx"), request.databaseUrl], env, running);
    // pgbench's backends exit with it; give the postmaster a moment to reap them (their CPU counts then).
    await delay(BACKENDS_EXIT_MS);
    const cpu = cpuShare(cpuBefore, { node: reapedChildrenCpuSeconds(), postgres: postgresCpuSeconds() });
    const serverAfter = await serverCounters(admin);

    const summary = parsePgbenchSummary(out.stdout);
    const logs = (await readdir(dir)).filter((f) => f.startsWith("tx"));
    const latencies = (await Promise.all(logs.map((f) => readFile(path.join(dir, f), "utf8")))).flatMap(parsePgbenchLog);
    const perSecondTps = parsePgbenchProgress(out.stderr);

    notes.push(
      "one durable-queue step per transaction: UPDATE a task row (lease), DELETE it (complete), INSERT the next; each client on its own rows",
      `pgbench latency average ${summary.latencyAverageMs} ms${summary.latencyStddevMs === null ? "" : `, stddev ${summary.latencyStddevMs} ms`}; initial connection ${summary.initialConnectionMs ?? "?"} ms (excluded from tps)`,
      "endToEndMs: per-transaction latency from pgbench's -l log; scheduleToStartMs: not applicable (no queue wait)",
      "cpu.nodeCpuSeconds is the pgbench client's CPU (not Node); both CPU figures cover the whole measured pgbench run, connections included",
    );
    if (perSecondTps.length > 0) notes.push(`tps each second: ${perSecondTps.map((t) => Math.round(t)).join(", ")}`);
    if (summary.failed > 0) notes.push(`${summary.failed} transactions failed`);

    return {
      system: "pgbench",
      workload: "commits",
      config,
      perSecond: round(summary.tps, 1),
      unit: "commits",
      count: summary.processed,
      windowMs: Math.round((summary.processed / summary.tps) * 1000),
      scheduleToStartMs: null,
      endToEndMs: percentiles(latencies),
      ...perUnit(serverBefore, serverAfter, summary.processed),
      cpu,
      notes,
    };
  } finally {
    for (const p of running) p.kill("SIGKILL");
    await terminateSessions(admin, schema).catch(() => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * CPU seconds of this process's exited and reaped children (cutime +
 * cstime): around one pgbench run, that is the pgbench client's CPU (its
 * /proc entry is gone once it exits).
 */
function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

interface ProcessOutput {
  stdout: string;
  stderr: string;
}

/** Run a binary to completion (no shell); a non-zero exit is a BenchError with its stderr. */
function runProcess(binary: string, args: string[], env: NodeJS.ProcessEnv, running?: Set<ChildProcess>): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    running?.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err) => {
      running?.delete(child);
      reject(new SystemUnavailableError("pgbench", `could not run ${binary}: ${err.message}`, { cause: err }));
    });
    child.on("close", (code, signal) => {
      running?.delete(child);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new BenchError("CHILD_FAILED", `${binary} exited with code ${code}${signal ? ` (${signal})` : ""}:\n${stderr.trim() || stdout.trim()}`, { code, signal }));
    });
  });
}
