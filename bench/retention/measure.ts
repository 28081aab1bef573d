/**
 * Retention by partition against retention by DELETE, in the same run: fill
 * two day windows of history with the same number of closed runs and events
 * each (the older window first), then remove the older one the way the
 * engine does — HistoryPartitions.retain, which drops its partition and
 * deletes its runs in one transaction — and the newer one the way it would
 * without partitions: DELETE its history rows and its runs in one
 * transaction. Each is followed by the VACUUM it leaves owing (the runs
 * table's, for both; history's too, after the DELETE). Reports each step's
 * time and WAL written, and the ratios.
 *
 *   npx tsx bench/retention/measure.ts [--db postgres://...] [--runs N] [--events N] [--json]
 *
 * --runs is per window (default 100 000), --events per run (default 10).
 * The newer window is filled last, so the DELETE runs on the warmer cache:
 * if anything, the comparison flatters DELETE. The schema is dropped at the end.
 */
import { runStandalone } from "../harness/standalone.ts";
import { PgDriver } from "../../engine/db/pg-driver.ts";
import { schemaIdentifier } from "../../engine/names.ts";
import { HistoryPartitions } from "../../engine/store/history-partitions.ts";
import { migrate } from "../../engine/store/migrate.ts";
import { runIdAtMs } from "../../engine/store/store.ts";

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
/** Runs filled per statement. */
const FILL_BATCH = 20_000;

export interface RetentionMeasurement {
  runsPerWindow: number;
  eventsPerRun: number;
  fillSeconds: number;
  /** retain() with dryRun: the look at every window's runs and tasks alone, which the real call makes too. */
  check: { ms: number };
  drop: { ms: number; walBytes: number; runsRemoved: number };
  vacuumAfterDrop: { ms: number; walBytes: number };
  delete: { ms: number; walBytes: number; historyRows: number; runs: number };
  vacuumAfterDelete: { ms: number; walBytes: number };
  /** DELETE time over DROP time; each with the VACUUM it owes. */
  ratio: number;
  ratioWithVacuum: number;
}

export async function measureRetention(options: { databaseUrl: string; runs: number; events: number; progress?: (line: string) => void }): Promise<RetentionMeasurement> {
  const say = options.progress ?? (() => {});
  const db = new PgDriver({ connectionString: options.databaseUrl, maxConnections: 2, applicationName: "ratchet-bench-retention" });
  const schema = `bench_ret_${Date.now().toString(36)}`;
  const s = schemaIdentifier(schema);
  const partitions = new HistoryPartitions(db, schema);
  try {
    await migrate(db, schema);
    // Day 0 (dropped) and day 1 (deleted), every run closed within a second of its start.
    await partitions.ensure({ nowMs: T0, windowMs: DAY_MS, aheadWindows: 1 });
    const fillStart = performance.now();
    for (const day of [0, 1]) {
      for (let from = 1; from <= options.runs; from += FILL_BATCH) {
        const to = Math.min(options.runs, from + FILL_BATCH - 1);
        say(`filling day ${day}: ${to.toLocaleString("en")} / ${options.runs.toLocaleString("en")} runs`);
        const values = [from, to, T0 + day * DAY_MS, (DAY_MS - 1) / options.runs, options.events, day];
        const runs = `SELECT (lpad(to_hex(t), 12, '0') || substr(md5($6::text || ':' || i::text), 1, 20))::uuid AS run_id, i, t
                      FROM (SELECT i, ($3::bigint + floor(i * $4::double precision))::bigint AS t FROM generate_series($1::bigint, $2::bigint) AS i) g`;
        await db.query({
          text: `INSERT INTO ${s}.runs (run_id, workflow_id, workflow_type, task_queue, status, next_event_id, created_at_ms, updated_at_ms, closed_at_ms)
                 SELECT run_id, 'ret-' || $6::text || '-' || i, 'wf', 'q', 'completed', $5::integer + 1, t, t, t + 1000 FROM (${runs}) r`,
          values,
        });
        await db.query({
          text: `INSERT INTO ${s}.history (run_id, event_id, type, at_ms, data)
                 SELECT run_id, e, CASE WHEN e = 1 THEN 'WorkflowStarted' ELSE 'ActivityCompleted' END, t + e,
                        json_build_object('seq', e, 'result', repeat('x', 64))
                 FROM (${runs}) r CROSS JOIN generate_series(1, $5::integer) AS e`,
          values,
        });
      }
    }
    say("vacuuming the fill");
    await db.query({ text: `VACUUM ANALYZE ${s}.runs, ${s}.history`, values: [] });
    const fillSeconds = (performance.now() - fillStart) / 1000;

    say("retention by DROP (day 0)");
    // The cutoff an hour into day 1: day 0's window is over and its runs closed before it; day 1's is not.
    const retention = { olderThanMs: 39 * DAY_MS - 3_600_000, nowMs: T0 + 40 * DAY_MS };
    const checked = await timed(db, () => partitions.retain({ ...retention, dryRun: true }));
    const dropped = await timed(db, () => partitions.retain(retention));
    const report = dropped.result;
    if (report.dropped.length !== 1 || report.runsRemoved !== options.runs) throw new Error(`retention dropped ${JSON.stringify(report.dropped)}: expected day 0's one partition and ${options.runs} runs`);
    say("vacuum after DROP");
    const vacuumedDrop = await timed(db, () => db.query({ text: `VACUUM ${s}.runs`, values: [] }));

    say("retention by DELETE (day 1)");
    const [from, to] = [runIdAtMs(T0 + DAY_MS), runIdAtMs(T0 + 2 * DAY_MS)];
    const deleted = await timed(db, () =>
      db.transaction(async (tx) => {
        const history = await tx.query<{ n: number }>({ text: `WITH gone AS (DELETE FROM ${s}.history WHERE run_id >= $1::uuid AND run_id < $2::uuid RETURNING 1) SELECT count(*)::integer AS n FROM gone`, values: [from, to] });
        const runs = await tx.query<{ n: number }>({ text: `WITH gone AS (DELETE FROM ${s}.runs WHERE run_id >= $1::uuid AND run_id < $2::uuid RETURNING 1) SELECT count(*)::integer AS n FROM gone`, values: [from, to] });
        return { historyRows: history[0]!.n, runs: runs[0]!.n };
      }),
    );
    say("vacuum after DELETE");
    const vacuumed = await timed(db, () => db.query({ text: `VACUUM ${s}.history, ${s}.runs`, values: [] }));
    return {
      runsPerWindow: options.runs,
      eventsPerRun: options.events,
      fillSeconds,
      check: { ms: checked.ms },
      drop: { ms: dropped.ms, walBytes: dropped.walBytes, runsRemoved: report.runsRemoved },
      vacuumAfterDrop: { ms: vacuumedDrop.ms, walBytes: vacuumedDrop.walBytes },
      delete: { ms: deleted.ms, walBytes: deleted.walBytes, ...deleted.result },
      vacuumAfterDelete: { ms: vacuumed.ms, walBytes: vacuumed.walBytes },
      ratio: deleted.ms / dropped.ms,
      ratioWithVacuum: (deleted.ms + vacuumed.ms) / (dropped.ms + vacuumedDrop.ms),
    };
  } finally {
    await db.query({ text: `DROP SCHEMA IF EXISTS ${s} CASCADE`, values: [] });
    await db.close();
  }
}

/** Wall time and WAL written (the whole server's: keep other load off it) by `fn`. */
async function timed<T>(db: PgDriver, fn: () => Promise<T>): Promise<{ ms: number; walBytes: number; result: T }> {
  const lsn = async () => (await db.query<{ lsn: string }>({ text: "SELECT pg_current_wal_insert_lsn()::text AS lsn", values: [] }))[0]!.lsn;
  const before = await lsn();
  const start = performance.now();
  const result = await fn();
  const ms = performance.now() - start;
  const after = await lsn();
  const diff = await db.query<{ bytes: string }>({ text: "SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint::text AS bytes", values: [after, before] });
  return { ms, walBytes: Number(diff[0]!.bytes), result };
}

async function main(): Promise<void> {
  const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
  await runStandalone({
    script: "bench/retention/measure.ts",
    numbers: { runs: { default: 100_000, min: 100, max: 10_000_000 }, events: { default: 10, min: 1, max: 1_000 } },
    measure: ({ databaseUrl, numbers, progress }) => measureRetention({ databaseUrl, runs: numbers.runs!, events: numbers.events!, progress }),
    print: (m) =>
      [
        `${m.runsPerWindow.toLocaleString("en")} closed runs × ${m.eventsPerRun} events per window, filled in ${m.fillSeconds.toFixed(0)} s\n\n`,
        `| removal of one window | ms | WAL MB |\n|---|---:|---:|\n`,
        `| retain(): DROP the partition + DELETE its runs | ${m.drop.ms.toFixed(0)} | ${mb(m.drop.walBytes)} |\n`,
        `| (of which the look at the window's runs, as a dry run) | ${m.check.ms.toFixed(0)} | |\n`,
        `| VACUUM owed after retain() (runs) | ${m.vacuumAfterDrop.ms.toFixed(0)} | ${mb(m.vacuumAfterDrop.walBytes)} |\n`,
        `| DELETE its history rows + its runs | ${m.delete.ms.toFixed(0)} | ${mb(m.delete.walBytes)} |\n`,
        `| VACUUM owed after the DELETE (history, runs) | ${m.vacuumAfterDelete.ms.toFixed(0)} | ${mb(m.vacuumAfterDelete.walBytes)} |\n\n`,
        `DELETE / DROP: ${m.ratio.toFixed(1)}×; each with the VACUUM it owes: ${m.ratioWithVacuum.toFixed(1)}×\n`,
      ].join(""),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
