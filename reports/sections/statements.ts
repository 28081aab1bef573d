/**
 * Where the server's time went: for each result that carries a
 * pg_stat_statements profile (Ratchet's, when the server preloads the
 * extension), its heaviest statements — calls per unit of work, mean time,
 * rows per call and share of all statement time. This is the profile a
 * missed target is explained with: a statement with a high mean or many
 * calls per unit is where the next round of work goes.
 */
import type { Result } from "../../bench/model.ts";
import { describeConfig, varyingKeys } from "../config.ts";
import { heading, joinSections, left, paragraph, right, table, type Section } from "../document.ts";
import { formatShare, formatSignificant, MISSING } from "../format.ts";

/** How many statements each result's table lists. */
const STATEMENTS_SHOWN_MAX = 8;

export function statementsSection(results: readonly Result[]): Section {
  const profiled = results.filter((r) => r.statements !== undefined && r.statements.length > 0);
  if (profiled.length === 0) return { blocks: [], charts: [] };
  const intro: Section = {
    blocks: [
      heading(2, "Where Postgres time goes"),
      paragraph(
        "Per-statement execution time from pg_stat_statements over each measured window (the difference of two snapshots; the server must preload the extension). Engine statements are named by their leading comment. Calls are per unit of work (step, task or workflow).",
      ),
    ],
    charts: [],
  };
  const parts = profiled.map((result): Section => {
    const keys = varyingKeys(results.filter((r) => r.system === result.system && r.workload === result.workload));
    const config = describeConfig(result.config, keys);
    const title = `${result.system}, ${result.workload}${config === "" ? "" : ` (${config})`}`;
    const rows = result.statements!.slice(0, STATEMENTS_SHOWN_MAX).map((s) => [
      { code: s.statement },
      s.callsPerUnit === null ? MISSING : formatSignificant(s.callsPerUnit),
      formatSignificant(s.meanMs),
      formatSignificant(s.rowsPerCall),
      formatShare(s.share),
    ]);
    return {
      blocks: [heading(3, title), table([left("statement"), right("calls/unit"), right("mean ms"), right("rows/call"), right("share of time")], rows)],
      charts: [],
    };
  });
  return joinSections(intro, ...parts);
}
