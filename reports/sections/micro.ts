/**
 * tinybench micro-benchmarks of single engine operations, each with its
 * ratio to the suite's baseline round trip measured in the same run.
 */
import type { MicroResult } from "../../bench/model.ts";
import { heading, left, paragraph, right, table, type Section } from "../document.ts";
import { formatCount, formatMs, formatRatio } from "../format.ts";

export function microSection(micro: readonly MicroResult[]): Section {
  const blocks = [heading(2, "Micro-benchmarks")];
  if (micro.length === 0) {
    blocks.push(paragraph("No micro-benchmarks were run."));
    return { blocks, charts: [] };
  }
  const columns = [left("name"), left("database"), right("ops/s"), right("mean"), right("p99"), right("vs baseline"), right("samples")];
  const rows = micro.map((m) => [m.name, m.database, formatCount(m.opsPerSecond), formatMs(m.meanMs), formatMs(m.p99Ms), formatRatio(m.vsBaseline), formatCount(m.samples)]);
  blocks.push(paragraph("vs baseline: ops/s as a ratio of the suite's baseline (a SELECT 1 round trip) measured in the same run."), table(columns, rows));
  return { blocks, charts: [] };
}
