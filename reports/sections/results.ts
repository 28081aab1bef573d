/**
 * One table and one bar chart per workload. The table has a column for each
 * config knob that differs between its rows (the rest are said once above
 * it), and every throughput is shown with its ratio to the workload's
 * reference result, because ratios within a run are what survive a noisy
 * machine.
 */
import type { Result } from "../../bench/model.ts";
import { constantConfig, describeConfig, resultLabel, varyingKeys } from "../config.ts";
import { chartSection, heading, joinSections, left, paragraph, right, table, type Block, type Section, type Text } from "../document.ts";
import { formatBytes, formatConfigValue, formatCount, formatMs, formatRatio, formatShare, formatSignificant, MISSING } from "../format.ts";
import { horizontalBarChart } from "../svg/bar-chart.ts";
import { systemColour } from "../svg/theme.ts";
import { groupByWorkload, ratioTo, REFERENCE_SYSTEM, referenceResult, WORKLOAD_DESCRIPTIONS, type WorkloadGroup } from "../workloads.ts";
import { slug } from "../slug.ts";

/** The unit a group counts in (`steps/s`); `units/s` if its results disagree. */
export function rateUnit(results: readonly Result[]): string {
  const units = new Set(results.map((r) => r.unit));
  return units.size === 1 ? `${[...units][0]}/s` : "units/s";
}

function referenceNote(results: readonly Result[], reference: Result, keys: readonly string[]): string {
  if (reference.system !== REFERENCE_SYSTEM) return `Ratchet did not run this workload; ratios are against ${resultLabel(reference, keys)}.`;
  const config = describeConfig(reference.config, keys);
  const ratchetRuns = results.filter((r) => r.system === REFERENCE_SYSTEM).length;
  return ratchetRuns === 1 || config === "" ? `Ratios are against ${REFERENCE_SYSTEM}.` : `Ratios are against Ratchet's fastest run here (${config}).`;
}

function resultRow(result: Result, keys: readonly string[], reference: Result | undefined): Text[] {
  return [
    result.system,
    ...keys.map((key) => formatConfigValue(result.config[key], key)),
    `${formatCount(result.perSecond)} ${result.unit}/s`,
    formatRatio(ratioTo(result.perSecond, reference)),
    formatMs(result.scheduleToStartMs?.p50),
    formatMs(result.scheduleToStartMs?.p95),
    formatMs(result.scheduleToStartMs?.p99),
    formatMs(result.endToEndMs?.p50),
    formatMs(result.endToEndMs?.p99),
    result.commitsPerUnit === null ? MISSING : formatSignificant(result.commitsPerUnit),
    formatBytes(result.walBytesPerUnit),
    formatShare(result.cpu?.nodeShare),
    result.notes.join("; "),
  ];
}

function resultsTable(results: readonly Result[], keys: readonly string[], reference: Result | undefined): Block {
  const vs = reference === undefined ? "ratio" : `vs ${reference.system}`;
  const columns = [
    left("system"),
    ...keys.map(left),
    right("per second"),
    right(vs),
    right("s2s p50"),
    right("s2s p95"),
    right("s2s p99"),
    right("e2e p50"),
    right("e2e p99"),
    right("commits/unit"),
    right("WAL/unit"),
    right("Node CPU"),
    left("notes"),
  ];
  return table(
    columns,
    results.map((r) => resultRow(r, keys, reference)),
  );
}

/** A bar chart needs two bars: one bar has nothing to be compared with. */
const BARS_MIN = 2;

function throughputChart(group: WorkloadGroup, keys: readonly string[], reference: Result | undefined): Section {
  if (group.results.length < BARS_MIN) return { blocks: [], charts: [] };
  const unit = rateUnit(group.results);
  const title = `${group.workload}: ${unit} by system`;
  const svg = horizontalBarChart({
    title,
    subtitle: reference === undefined ? undefined : `ratio against ${resultLabel(reference, keys)}`,
    axisLabel: unit,
    format: formatCount,
    bars: group.results.map((r) => ({
      label: r.system,
      detail: describeConfig(r.config, keys),
      value: r.perSecond,
      colour: systemColour(r.system),
      valueLabel: `${formatCount(r.perSecond)} · ${formatRatio(ratioTo(r.perSecond, reference))}`,
    })),
  });
  return chartSection(`throughput-${slug(group.workload)}.svg`, title, svg);
}

function workloadSection(group: WorkloadGroup): Section {
  const keys = varyingKeys(group.results);
  const reference = referenceResult(group.results);
  const blocks: Block[] = [heading(3, group.workload)];
  const notes: string[] = [];
  const description = WORKLOAD_DESCRIPTIONS[group.workload];
  if (description !== undefined) notes.push(`${description[0]!.toUpperCase()}${description.slice(1)}.`);
  const constant = constantConfig(group.results);
  if (constant.length > 0) notes.push(`Same in every run: ${describeConfig(Object.fromEntries(constant), constant.map(([k]) => k))}.`);
  if (reference !== undefined) notes.push(referenceNote(group.results, reference, keys));
  blocks.push(paragraph(notes.join(" ")), resultsTable(group.results, keys, reference));
  return joinSections({ blocks, charts: [] }, throughputChart(group, keys, reference));
}

export function resultsSection(results: readonly Result[]): Section {
  const intro: Block[] = [heading(2, "Results")];
  if (results.length === 0) {
    intro.push(paragraph("No throughput results were recorded in this run."));
    return { blocks: intro, charts: [] };
  }
  intro.push(
    paragraph(
      "s2s: schedule-to-start latency (from runnable to a worker beginning it); e2e: end-to-end latency (from start or enqueue to completion); commits and WAL per unit are the server's own counters; Node CPU is the share of CPU time spent in the system's Node processes rather than in PostgreSQL.",
    ),
  );
  return joinSections({ blocks: intro, charts: [] }, ...groupByWorkload(results).map(workloadSection));
}
