/**
 * Visibility at scale: fill a fresh schema with `runs` runs (default a
 * million: ten types, about 1% each running, failed and cancelled, half with search
 * attributes over a thousand customers, spread over 30 days), then time each
 * list() and count() shape through the Store — median of several runs, as a
 * ratio to a primary-key lookup timed in the same run, since absolute times
 * are noisy here — and record the index each one's plan uses.
 *
 *   npx tsx bench/visibility/measure.ts [--db postgres://...] [--runs N] [--json] [--keep]
 *
 * The schema is dropped at the end unless --keep. Progress goes to stderr on
 * a terminal; --json prints one object: {runs, fillSeconds, baselineMs, results: [{query, kind, matches, medianMs, ratio, indexes}]}.
 */
import { runStandalone } from "../harness/standalone.ts";
import { PgDriver } from "../../engine/db/pg-driver.ts";
import { schemaIdentifier } from "../../engine/names.ts";
import { migrate } from "../../engine/store/migrate.ts";
import { Queries } from "../../engine/store/queries.ts";
import { ATTRIBUTE_CANDIDATES_MAX, Store, listFilter, runIdRange, type RunFilter } from "../../engine/store/store.ts";

/** Runs inserted per statement while filling. */
const FILL_BATCH = 100_000;
/** Timed executions per query (after one warm-up); the median is reported. */
const REPEATS = 7;
const PAGE_SIZE = 100;
const DAY_MS = 86_400_000;
const SPAN_MS = 30 * DAY_MS;
const T0 = Date.UTC(2026, 0, 1);
/** How deep the keyset-pagination query goes. */
const DEEP_PAGE = 50;

export interface VisibilityResult {
  query: string;
  kind: "list" | "count" | "baseline";
  matches: number;
  medianMs: number;
  ratio: number;
  indexes: string[];
}

export interface VisibilityReport {
  runs: number;
  fillSeconds: number;
  baselineMs: number;
  results: VisibilityResult[];
}

interface Shape {
  query: string;
  kind: "list" | "count";
  filter: RunFilter;
  /** List from this page (keyset), 1 by default. */
  page?: number;
}

function shapes(): Shape[] {
  const mid = T0 + SPAN_MS / 2;
  return [
    { query: "newest page, no filter", kind: "list", filter: {} },
    { query: "newest page of a type", kind: "list", filter: { workflowType: "type-3" } },
    { query: "newest page of a type, running", kind: "list", filter: { workflowType: "type-3", status: "running" } },
    { query: "newest page, failed", kind: "list", filter: { status: "failed" } },
    { query: "newest page, attribute customer", kind: "list", filter: { searchAttributesJson: '{"customer":"c42"}' } },
    { query: "newest page, attribute no run has", kind: "list", filter: { searchAttributesJson: '{"customer":"nobody"}' } },
    { query: "newest page, attribute a tenth of runs have", kind: "list", filter: { searchAttributesJson: '{"priority":1}' } },
    { query: "newest page of a type, attribute customer", kind: "list", filter: { workflowType: "type-2", searchAttributesJson: '{"customer":"c42"}' } },
    { query: "newest page of a type, one day", kind: "list", filter: { workflowType: "type-3", startedAfterMs: mid, startedBeforeMs: mid + DAY_MS } },
    { query: `page ${DEEP_PAGE} of a type (keyset)`, kind: "list", filter: { workflowType: "type-3" }, page: DEEP_PAGE },
    { query: "count of a type, running", kind: "count", filter: { workflowType: "type-3", status: "running" } },
    { query: "count, failed", kind: "count", filter: { status: "failed" } },
    { query: "count, attribute customer", kind: "count", filter: { searchAttributesJson: '{"customer":"c42"}' } },
    { query: "count of a type, one day", kind: "count", filter: { workflowType: "type-3", startedAfterMs: mid, startedBeforeMs: mid + DAY_MS } },
    { query: "count of a type", kind: "count", filter: { workflowType: "type-3" } },
  ];
}

export async function measureVisibility(options: { databaseUrl: string; runs: number; keep?: boolean; progress?: (line: string) => void }): Promise<VisibilityReport> {
  const say = options.progress ?? (() => {});
  const db = new PgDriver({ connectionString: options.databaseUrl, maxConnections: 2, applicationName: "ratchet-bench-visibility" });
  const schema = `bench_vis_${Date.now().toString(36)}`;
  const s = schemaIdentifier(schema);
  try {
    await migrate(db, schema);
    const store = new Store(db, { schema });
    const fillStart = performance.now();
    const stepMs = SPAN_MS / options.runs;
    for (let from = 1; from <= options.runs; from += FILL_BATCH) {
      const to = Math.min(options.runs, from + FILL_BATCH - 1);
      say(`filling ${to.toLocaleString("en")} / ${options.runs.toLocaleString("en")} runs`);
      await db.query({
        text: `INSERT INTO ${s}.runs (run_id, workflow_id, workflow_type, task_queue, status, next_event_id, created_at_ms, updated_at_ms, closed_at_ms, search_attributes)
               SELECT (lpad(to_hex(t), 12, '0') || substr(md5(i::text), 1, 20))::uuid, 'vis-' || i, 'type-' || (i % 10), 'vis', st, 12, t, t,
                      CASE WHEN st = 'running' THEN NULL ELSE t + 1000 END,
                      CASE WHEN i % 2 = 0 THEN jsonb_build_object('customer', 'c' || (i % 1000), 'priority', i % 5) END
               FROM (SELECT i, ($3::bigint + floor(i * $4::double precision))::bigint AS t,
                            CASE WHEN i % 101 = 0 THEN 'running' WHEN i % 103 = 0 THEN 'failed' WHEN i % 107 = 0 THEN 'cancelled' ELSE 'completed' END AS st
                     FROM generate_series($1::bigint, $2::bigint) AS i) g`,
        values: [from, to, T0, stepMs],
      });
    }
    say("analyzing");
    await db.query({ text: `VACUUM ANALYZE ${s}.runs`, values: [] });
    const fillSeconds = (performance.now() - fillStart) / 1000;

    const someRun = (await db.query<{ run_id: string }>({ text: `SELECT run_id FROM ${s}.runs OFFSET $1 LIMIT 1`, values: [Math.floor(options.runs / 2)] }))[0]!.run_id;
    say("timing the baseline (primary-key lookup)");
    const baselineMs = await median(() => store.getRun(someRun));
    const q = new Queries(schema);
    const results: VisibilityResult[] = [{ query: "primary-key lookup (baseline)", kind: "baseline", matches: 1, medianMs: baselineMs, ratio: 1, indexes: ["runs_pkey"] }];
    for (const shape of shapes()) {
      say(`timing: ${shape.query}`);
      let token: string | undefined;
      for (let page = 1; page < (shape.page ?? 1); page++) token = (await store.listRuns(shape.filter, PAGE_SIZE, token)).at(-1)?.runId;
      const run = shape.kind === "count" ? () => store.countRuns(shape.filter) : () => store.listRuns(shape.filter, PAGE_SIZE, token);
      const matches = shape.kind === "count" ? await store.countRuns(shape.filter) : (await store.listRuns(shape.filter, PAGE_SIZE, token)).length;
      const medianMs = await median(run);
      const [from, below] = runIdRange(shape.filter, token);
      const filter = listFilter(shape.filter);
      // A list by attributes first reads the matches through the GIN index (capped), and walks the run id order
      // only past the cap: its plans are both statements'.
      const statements = [q.listRuns(filter, from, below, PAGE_SIZE, shape.kind === "count")];
      if (shape.kind === "list" && shape.filter.searchAttributesJson !== undefined) statements.unshift(q.listRuns(filter, from, below, PAGE_SIZE, false, ATTRIBUTE_CANDIDATES_MAX));
      const indexes = new Set<string>();
      for (const sql of statements) {
        const plan = await db.query<{ "QUERY PLAN": unknown }>({ text: `EXPLAIN (FORMAT JSON) ${sql.text}`, values: sql.values });
        for (const index of indexesIn(plan[0]?.["QUERY PLAN"])) indexes.add(index);
      }
      results.push({ query: shape.query, kind: shape.kind, matches, medianMs, ratio: medianMs / baselineMs, indexes: [...indexes].sort() });
    }
    return { runs: options.runs, fillSeconds, baselineMs, results };
  } finally {
    if (!options.keep) await db.query({ text: `DROP SCHEMA IF EXISTS ${s} CASCADE`, values: [] });
    await db.close();
  }
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** The index names an EXPLAIN (FORMAT JSON) plan scans, or "seq scan" for a table scan. */
export function indexesIn(plan: unknown): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== "object" || node === null) return;
    const n = node as Record<string, unknown>;
    if (typeof n["Index Name"] === "string") found.add(n["Index Name"]);
    if (n["Node Type"] === "Seq Scan") found.add("seq scan");
    for (const value of Object.values(n)) if (typeof value === "object") walk(value);
  };
  walk(plan);
  return [...found].sort();
}

async function main(): Promise<void> {
  await runStandalone({
    script: "bench/visibility/measure.ts",
    numbers: { runs: { default: 1_000_000, min: 1_000, max: 100_000_000 } },
    flags: ["keep"],
    measure: ({ databaseUrl, numbers, flags, progress }) => measureVisibility({ databaseUrl, runs: numbers.runs!, keep: flags.keep === true, progress }),
    print: (report) =>
      [
        `${report.runs.toLocaleString("en")} runs, filled in ${report.fillSeconds.toFixed(0)} s; baseline (primary-key lookup) ${report.baselineMs.toFixed(3)} ms\n\n`,
        `| query | matches | median ms | × baseline | plan uses |\n|---|---:|---:|---:|---|\n`,
        ...report.results.map((r) => `| ${r.query} | ${r.matches.toLocaleString("en")} | ${r.medianMs.toFixed(2)} | ${r.ratio.toFixed(1)} | ${r.indexes.join(", ")} |\n`),
      ].join(""),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
