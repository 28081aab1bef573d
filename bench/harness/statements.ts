/**
 * Where the server's time goes, statement by statement: the difference of
 * two pg_stat_statements snapshots taken around a measured window. It is the
 * profile a result needs when it misses a target ("Postgres CPU per
 * statement"). The extension must be preloaded by the server
 * (shared_preload_libraries) and created in the database; where it is not,
 * snapshots are null and results simply carry no profile — the harness never
 * installs or resets anything on a server it does not own.
 *
 * Ratchet's statements open with a `/* name *\/` comment (engine/store/queries.ts),
 * so a row is named by it; other statements by their first words.
 */
import type pg from "pg";
import type { StatementProfile } from "../model.ts";
import { round } from "./metrics.ts";

/** How many statements a result's profile keeps (by total execution time). */
export const STATEMENTS_PROFILED_MAX = 12;
/** How much of an unnamed statement's text names it. */
const STATEMENT_LABEL_CHARS = 80;

interface Counters {
  query: string;
  calls: number;
  totalMs: number;
  rows: number;
}

export type StatementSnapshot = Map<string, Counters>;

/** Per-statement counters of the current database, or null where pg_stat_statements cannot be read. */
export async function statementSnapshot(client: pg.Pool | pg.Client): Promise<StatementSnapshot | null> {
  try {
    const { rows } = await client.query<{ id: string; query: string; calls: string; total_ms: number; rows: string }>(
      `SELECT queryid::text || ':' || toplevel::text AS id, query, calls::text AS calls, total_exec_time AS total_ms, rows::text AS rows
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND query NOT LIKE '%FROM pg_stat_statements%'`,
    );
    return new Map(rows.map((r) => [r.id, { query: r.query, calls: Number(r.calls), totalMs: Number(r.total_ms), rows: Number(r.rows) }]));
  } catch {
    return null;
  }
}

/** A statement's name: its leading `/* name *\/` comment, else its first words. */
export function statementLabel(query: string): string {
  const named = /^\s*\/\*\s*([\w.:-]+)\s*\*\//.exec(query);
  if (named) return named[1]!;
  const flat = query.replace(/\s+/g, " ").trim();
  return flat.length > STATEMENT_LABEL_CHARS ? `${flat.slice(0, STATEMENT_LABEL_CHARS - 3)}...` : flat;
}

/**
 * What ran between two snapshots, grouped by label (one engine statement
 * prepared in several sessions or schemas is one row), heaviest first.
 * `units` is what the window counted, for calls per unit.
 */
export function statementProfile(before: StatementSnapshot | null, after: StatementSnapshot | null, units: number): StatementProfile[] | undefined {
  if (before === null || after === null) return undefined;
  const byLabel = new Map<string, { calls: number; totalMs: number; rows: number }>();
  for (const [id, now] of after) {
    const then = before.get(id);
    const calls = now.calls - (then?.calls ?? 0);
    if (calls <= 0) continue;
    const label = statementLabel(now.query);
    const sum = byLabel.get(label) ?? { calls: 0, totalMs: 0, rows: 0 };
    sum.calls += calls;
    sum.totalMs += now.totalMs - (then?.totalMs ?? 0);
    sum.rows += now.rows - (then?.rows ?? 0);
    byLabel.set(label, sum);
  }
  const total = [...byLabel.values()].reduce((s, x) => s + x.totalMs, 0);
  return [...byLabel]
    .sort((a, b) => b[1].totalMs - a[1].totalMs)
    .slice(0, STATEMENTS_PROFILED_MAX)
    .map(([statement, x]) => ({
      statement,
      calls: x.calls,
      callsPerUnit: units > 0 ? round(x.calls / units, 3) : null,
      meanMs: round(x.totalMs / x.calls, 3),
      rowsPerCall: round(x.rows / x.calls, 1),
      totalMs: round(x.totalMs, 1),
      share: total > 0 ? round(x.totalMs / total, 3) : 0,
    }));
}
