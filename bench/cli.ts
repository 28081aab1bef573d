/**
 * `ratchet bench <suite|all> [--quick] [--json] [--db <url>] [--out FILE] [--report DIR] [--duration 60m]`
 *
 * Runs the suite's measurements one after another against the server (a
 * real PostgreSQL: DATABASE_URL or --db), evaluates the targets as
 * ratios of results from this same run, and prints a table (or, with
 * --json, one BenchReport object). Progress goes to stderr on a terminal.
 * Exit codes: 0 done (whether or not targets are met), 1 a run failed, 2 bad input.
 */
import { BENCH_NODE_FLAGS } from "./harness/node-flags.ts";
import { cpus, hostname, platform, release, totalmem } from "node:os";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { describeConnectionString } from "../engine/db/pg-driver.ts";
import { evaluateTargets } from "./harness/targets.ts";
import { plan, SUITES, type SuiteName } from "./harness/suites.ts";
import { runMicroSuite } from "./micro/suite.ts";
import type { BenchReport, MicroResult, Result } from "./model.ts";

export interface BenchIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

class UsageError extends Error {}

const DURATION_MS_DEFAULT = 60 * 60_000;
const QUICK_DURATION_MS = 20_000;

const HELP = `ratchet bench <suite|all> [--quick] [--json] [--db postgres://...] [--out results.json] [--report DIR] [--duration 60m]

suites: ${SUITES.join(", ")}, all (all but churn, which is long: run it on its own)
  --quick      short windows and fewer runs (about a minute): a smoke test, not numbers to compare
  --json       print one BenchReport object (machine, versions, settings, results[], micro[], targets[])
  --db         the server (default: DATABASE_URL); the harness creates and drops its own schemas
  --out        also write the BenchReport JSON to this file
  --report     also render the report (markdown + SVG + HTML) into this directory
  --duration   churn mode's length (e.g. 60m, 300s; default 60m, quick 20s)
`;

export async function benchMain(argv: string[], io: BenchIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`ratchet bench: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text);
  if (!m) throw new UsageError(`invalid --duration ${JSON.stringify(text)}: expected e.g. 300s, 60m or 1h`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * unit;
}

async function run(argv: string[], io: BenchIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { quick: { type: "boolean" }, json: { type: "boolean" }, db: { type: "string" }, out: { type: "string" }, report: { type: "string" }, duration: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    io.stdout.write(HELP);
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  const suite = positionals[0]!;
  if (suite !== "all" && !SUITES.includes(suite as SuiteName)) throw new UsageError(`unknown suite ${JSON.stringify(suite)}: expected ${SUITES.join(", ")} or all`);
  const databaseUrl = values.db ?? io.env.DATABASE_URL;
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new UsageError("benchmarks need a PostgreSQL server: set DATABASE_URL or pass --db postgres://...");
  const quick = values.quick === true;
  const durationMs = values.duration ? parseDuration(values.duration) : quick ? QUICK_DURATION_MS : DURATION_MS_DEFAULT;
  const showProgress = !values.json && io.stderr.isTTY === true;
  const say = (line: string) => {
    if (showProgress) io.stderr.write(`\r\x1b[2K${line}`);
  };

  const runs = plan(suite as SuiteName | "all", { quick, durationMs });
  // When the first run starts, not when the report is assembled after the last (an hour later for churn).
  const startedAt = new Date().toISOString();
  const results: Result[] = [];
  let failed = 0;
  for (const [i, r] of runs.entries()) {
    const label = `[${i + 1}/${runs.length}] ${r.system.name} ${r.workload} ${JSON.stringify(r.config)}`;
    say(label);
    try {
      const result = await r.system.run({ databaseUrl, workload: r.workload, config: r.config, warmupMs: r.warmupMs, windowMs: r.windowMs, progress: (m) => say(`${label}: ${m}`) });
      results.push(result);
    } catch (err) {
      failed += 1;
      results.push(failedResult(r.system.name, r.workload, r.config, err));
    }
  }
  let micro: MicroResult[] = [];
  if (suite === "micro" || suite === "all") {
    say("micro-benchmarks");
    micro = await runMicroSuite({ database: databaseUrl, quick, progress: (line) => say(`micro: ${line}`) });
  }
  if (showProgress) io.stderr.write("\r\x1b[2K");

  const report: BenchReport = {
    machine: await machine(databaseUrl),
    versions: await versions(databaseUrl, runs.map((r) => r.system)),
    settings: { ...(await serverSettings(databaseUrl)), quick, suite, nodeFlags: BENCH_NODE_FLAGS.join(" ") },
    command: `npx ratchet bench ${argv.map((a) => (/^postgres/.test(a) ? describeConnectionString(a) : a)).join(" ")}`,
    startedAt,
    results,
    micro,
    targets: evaluateTargets(results),
  };
  if (values.out) writeFileSync(resolve(io.cwd, values.out), `${JSON.stringify(report, null, 2)}\n`);
  if (values.report) {
    const { writeReport } = await import("../reports/render.ts");
    await writeReport(report, resolve(io.cwd, values.report));
  }
  io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : summary(report));
  return failed > 0 ? 1 : 0;
}

function failedResult(system: Result["system"], workload: Result["workload"], config: Result["config"], err: unknown): Result {
  return {
    system,
    workload,
    config,
    perSecond: 0,
    unit: "tasks",
    count: 0,
    windowMs: 0,
    scheduleToStartMs: null,
    endToEndMs: null,
    commitsPerUnit: null,
    walBytesPerUnit: null,
    cpu: null,
    notes: [`could not run: ${(err as Error).message?.split("\n")[0] ?? String(err)}`],
  };
}

async function withServer<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function machine(url: string): Promise<BenchReport["machine"]> {
  const host = new URL(url).hostname;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryBytes: totalmem(),
    platform: `${platform()} ${release()} (${hostname()})`,
    databaseHost: ["127.0.0.1", "localhost", "::1", ""].includes(host) ? "this machine" : `${host} (remote: CPU shares count only this machine's processes)`,
  };
}

async function versions(url: string, systems: ReadonlyArray<{ name: string; version(): Promise<string> }>): Promise<Record<string, string>> {
  const out: Record<string, string> = { node: process.version };
  out.postgresql = await withServer(url, async (c) => (await c.query<{ v: string }>("SELECT version() AS v")).rows[0]!.v);
  for (const system of new Map(systems.map((s) => [s.name, s])).values()) {
    try {
      out[system.name] = await system.version();
    } catch (err) {
      out[system.name] = `unknown (${(err as Error).message})`;
    }
  }
  return out;
}

const SETTINGS = ["shared_buffers", "synchronous_commit", "fsync", "wal_level", "max_connections", "work_mem", "checkpoint_timeout", "max_wal_size", "autovacuum"];

async function serverSettings(url: string): Promise<Record<string, string>> {
  return withServer(url, async (c) => {
    const out: Record<string, string> = {};
    for (const name of SETTINGS) out[name] = (await c.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0]!.v;
    return out;
  });
}

function summary(report: BenchReport): string {
  const lines = [`${report.results.length} measurements on ${report.machine.cpus} CPUs (${report.machine.cpuModel}), PostgreSQL ${report.versions.postgresql?.split(" ")[1] ?? "?"}`, ""];
  const header = ["system", "workload", "config", "per second", "s2s p50", "s2s p99", "commits/unit", "node cpu"];
  const rows = report.results.map((r) => [
    r.system,
    r.workload,
    Object.entries(r.config)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
    `${r.perSecond} ${r.unit}`,
    r.scheduleToStartMs ? `${r.scheduleToStartMs.p50} ms` : "-",
    r.scheduleToStartMs ? `${r.scheduleToStartMs.p99} ms` : "-",
    r.commitsPerUnit === null ? "-" : String(r.commitsPerUnit),
    r.cpu ? `${Math.round(r.cpu.nodeShare * 100)}%` : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  lines.push(line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), "");
  for (const r of report.results) for (const note of r.notes) lines.push(`note: ${r.system} ${r.workload}: ${note}`);
  for (const m of report.micro) lines.push(`micro ${m.name}: ${Math.round(m.opsPerSecond)} ops/s, mean ${m.meanMs.toFixed(3)} ms`);
  lines.push("", "targets:");
  for (const t of report.targets) lines.push(`  ${t.met === null ? "n/a " : t.met ? "met " : "MISS"}  ${t.name}: ${t.ratio ?? "-"} (required ${t.required}) — ${t.detail}`);
  return `${lines.join("\n")}\n`;
}
