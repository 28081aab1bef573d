/**
 * Fair claiming, measured: tenant A's backlog of `backlog` one-activity
 * workflows is waiting when tenant B starts `small` of its own, on the same
 * queue; one worker (in this process) drains the queue, claiming oldest
 * first and then fairly (Worker.fairness), each on a fresh schema. Reported
 * per mode: B's end-to-end latency (start to close, percentiles), and the
 * queue's throughput over the time B took, in workflows per second; then
 * fair as a ratio of oldest-first, both measured in the same run (absolute
 * times are noisy here).
 *
 *   npx tsx bench/fairness/measure.ts [--db postgres://...] [--backlog N] [--small N] [--json]
 *
 * --json prints {backlog, small, modes: [{mode, bLatencyMs: {p50, p95, max}, aCompletedWhileB, throughputPerSecond}], ratios: {bP50, throughput}}.
 */
import { runStandalone } from "../harness/standalone.ts";
import { Client } from "../../engine/client/client.ts";
import { PgDriver } from "../../engine/db/pg-driver.ts";
import { START_BATCH_MAX } from "../../engine/limits.ts";
import { schemaIdentifier } from "../../engine/names.ts";
import { silentLogger } from "../../engine/ports/logger.ts";
import { Store } from "../../engine/store/store.ts";
import { Worker } from "../../engine/worker/worker.ts";
import type { WorkflowContext } from "../../engine/workflow/types.ts";

const QUEUE = "fair-bench";
/** How often the harness checks whether B is done. */
const POLL_MS = 50;
/** Give up on a mode after this long (B never finishing would be the bug being measured). */
const MODE_TIMEOUT_MS = 10 * 60_000;

export interface ModeResult {
  mode: "oldest-first" | "fair";
  bLatencyMs: { p50: number; p95: number; max: number };
  /** A's workflows completed by the time B's last one closed. */
  aCompletedWhileB: number;
  /** Every workflow (A's and B's) / the time from B's start to the last close: the whole queue drained. */
  throughputPerSecond: number;
}

export interface FairnessReport {
  backlog: number;
  small: number;
  modes: ModeResult[];
  /** fair / oldest-first. */
  ratios: { bP50: number; throughput: number };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measureMode(databaseUrl: string, mode: ModeResult["mode"], backlog: number, small: number, progress: (line: string) => void): Promise<ModeResult> {
  const schema = `bench_fair_${mode === "fair" ? "f" : "o"}_${process.pid}`;
  const db = new PgDriver({ connectionString: databaseUrl, maxConnections: 8, applicationName: `ratchet-bench-${schema}` });
  const q = schemaIdentifier(schema);
  await db.query({ text: `DROP SCHEMA IF EXISTS ${q} CASCADE`, values: [] });
  const store = await Store.open(db, { schema, migrate: true });
  const client = new Client({ store });
  const workflows = { job: async (ctx: WorkflowContext) => ctx.activity("noop", null) };
  const worker = new Worker({
    store,
    taskQueue: QUEUE,
    workflows,
    activities: { noop: async () => null },
    logger: silentLogger,
    fairness: mode === "fair",
    maxConcurrentWorkflowTasks: 20,
    maxConcurrentActivities: 20,
    claimBatchSize: 20,
    // Eager activities would run A's activities in the worker that decided them, skipping the queue being measured.
    eagerActivities: false,
  });
  try {
    for (let i = 0; i < backlog; i += START_BATCH_MAX) {
      const n = Math.min(START_BATCH_MAX, backlog - i);
      await client.startMany("job", Array.from({ length: n }, (_, j) => ({ workflowId: `a-${i + j}`, taskQueue: QUEUE, fairnessKey: "tenant-a" })));
      progress(`${mode}: A's backlog ${Math.min(backlog, i + n).toLocaleString("en")} / ${backlog.toLocaleString("en")}`);
    }
    const bStart = Date.now();
    await client.startMany("job", Array.from({ length: small }, (_, j) => ({ workflowId: `b-${j}`, taskQueue: QUEUE, fairnessKey: "tenant-b" })));
    await worker.start();
    const countSql = { text: `SELECT fairness_key, count(*)::int AS n FROM ${q}.runs WHERE status = 'completed' GROUP BY fairness_key`, values: [] };
    for (;;) {
      const rows = await db.query<{ fairness_key: string; n: number }>(countSql);
      const done = new Map(rows.map((r) => [r.fairness_key, Number(r.n)]));
      progress(`${mode}: B ${done.get("tenant-b") ?? 0} / ${small} done, A ${done.get("tenant-a") ?? 0} done, ${((Date.now() - bStart) / 1000).toFixed(1)} s`);
      if ((done.get("tenant-b") ?? 0) >= small && (done.get("tenant-a") ?? 0) >= backlog) break;
      if (Date.now() - bStart > MODE_TIMEOUT_MS) throw new Error(`${mode}: the queue did not drain within ${MODE_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const b = await db.query<{ latency: number }>({ text: `SELECT (closed_at_ms - created_at_ms)::float8 AS latency FROM ${q}.runs WHERE fairness_key = 'tenant-b' ORDER BY 1`, values: [] });
    const lastClose = await db.query<{ at: number; all: number }>({
      text: `SELECT max(closed_at_ms) FILTER (WHERE fairness_key = 'tenant-b')::float8 AS at, max(closed_at_ms)::float8 AS all FROM ${q}.runs`,
      values: [],
    });
    const aDone = await db.query<{ n: number }>({ text: `SELECT count(*)::int AS n FROM ${q}.runs WHERE fairness_key = 'tenant-a' AND status = 'completed' AND closed_at_ms <= $1`, values: [lastClose[0]!.at] });
    const latencies = b.map((r) => Number(r.latency));
    const seconds = (Number(lastClose[0]!.all) - bStart) / 1000;
    return {
      mode,
      bLatencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1)! },
      aCompletedWhileB: Number(aDone[0]!.n),
      throughputPerSecond: (backlog + small) / Math.max(seconds, 0.001),
    };
  } finally {
    await worker.shutdown({ graceMs: 5_000 });
    await db.query({ text: `DROP SCHEMA IF EXISTS ${q} CASCADE`, values: [] });
    await db.close();
  }
}

export async function measureFairness(options: { databaseUrl: string; backlog: number; small: number; progress?: (line: string) => void }): Promise<FairnessReport> {
  const progress = options.progress ?? (() => {});
  const modes: ModeResult[] = [];
  for (const mode of ["oldest-first", "fair"] as const) modes.push(await measureMode(options.databaseUrl, mode, options.backlog, options.small, progress));
  const [fifo, fair] = modes as [ModeResult, ModeResult];
  return {
    backlog: options.backlog,
    small: options.small,
    modes,
    ratios: { bP50: fair.bLatencyMs.p50 / fifo.bLatencyMs.p50, throughput: fair.throughputPerSecond / fifo.throughputPerSecond },
  };
}

async function main(): Promise<void> {
  await runStandalone({
    script: "bench/fairness/measure.ts",
    numbers: { backlog: { default: 10_000, min: 1, max: 1_000_000 }, small: { default: 100, min: 1, max: 10_000 } },
    measure: ({ databaseUrl, numbers, progress }) => measureFairness({ databaseUrl, backlog: numbers.backlog!, small: numbers.small!, progress }),
    print: (report, { backlog, small }) =>
      [
        `A's backlog ${backlog!.toLocaleString("en")} workflows, then B starts ${small}; one worker, claim batch 20, concurrency 20\n\n`,
        `| claiming | B p50 ms | B p95 ms | B max ms | A done meanwhile | workflows/s |\n|---|---:|---:|---:|---:|---:|\n`,
        ...report.modes.map(
          (m) =>
            `| ${m.mode} | ${m.bLatencyMs.p50.toFixed(0)} | ${m.bLatencyMs.p95.toFixed(0)} | ${m.bLatencyMs.max.toFixed(0)} | ${m.aCompletedWhileB.toLocaleString("en")} | ${m.throughputPerSecond.toFixed(0)} |\n`,
        ),
        `\nfair / oldest-first: B p50 latency ${report.ratios.bP50.toFixed(3)}×, throughput ${report.ratios.throughput.toFixed(2)}×\n`,
      ].join(""),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
