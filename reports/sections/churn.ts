/**
 * Sustained load over time (the `churn` workload): table and index size and
 * dead tuples against time, per churn result, and a table of how much each
 * grew from the first sample to the last. Unbounded growth here is bloat a
 * user would meet after a week in production.
 */
import type { ChurnSample, Result } from "../../bench/model.ts";
import { describeConfig, varyingKeys } from "../config.ts";
import { chartSection, heading, joinSections, left, paragraph, right, table, type Section } from "../document.ts";
import { formatBytes, formatCount, formatMs, formatRatio, MISSING } from "../format.ts";
import { slug } from "../slug.ts";
import { lineChart } from "../svg/line-chart.ts";
import { byteTicks } from "../svg/scale.ts";
import { seriesColour } from "../svg/theme.ts";

const CHURN_WORKLOAD = "churn";
/** Two samples make a line. */
const SAMPLES_MIN = 2;
const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60_000;
/** Runs at least this long get a time axis in minutes rather than seconds. */
const MINUTES_AXIS_FROM_MS = 2 * MS_PER_MINUTE;

interface TimeAxis {
  divisor: number;
  label: string;
}

function timeAxis(samples: readonly ChurnSample[]): TimeAxis {
  const spanMs = samples[samples.length - 1]!.atMs - samples[0]!.atMs;
  return spanMs >= MINUTES_AXIS_FROM_MS ? { divisor: MS_PER_MINUTE, label: "minutes since start" } : { divisor: MS_PER_SECOND, label: "seconds since start" };
}

function sortedSamples(result: Result): ChurnSample[] {
  return [...(result.samples ?? [])].filter((s) => Number.isFinite(s.atMs)).sort((a, b) => a.atMs - b.atMs);
}

function sizeChart(name: string, label: string, samples: readonly ChurnSample[]): Section {
  const time = timeAxis(samples);
  const title = `Table and index size over time: ${label}`;
  const svg = lineChart({
    title,
    series: [
      { label: "table", colour: seriesColour(0), points: samples.map((s) => ({ x: s.atMs / time.divisor, y: s.tableBytes })) },
      { label: "indexes", colour: seriesColour(1), points: samples.map((s) => ({ x: s.atMs / time.divisor, y: s.indexBytes })) },
    ],
    x: { label: time.label, format: formatCount, kind: "linear" },
    y: { label: "size on disk", format: formatBytes, ticks: byteTicks },
  });
  return chartSection(`churn-size-${name}.svg`, title, svg);
}

function deadTuplesChart(name: string, label: string, samples: readonly ChurnSample[]): Section {
  const time = timeAxis(samples);
  const title = `Dead tuples over time: ${label}`;
  const svg = lineChart({
    title,
    subtitle: "vacuum (autovacuum or the workers' queue maintenance) removes them; a line that keeps climbing means it cannot keep up",
    series: [{ label: "dead tuples", colour: seriesColour(2), points: samples.map((s) => ({ x: s.atMs / time.divisor, y: s.deadTuples })) }],
    x: { label: time.label, format: formatCount, kind: "linear" },
    y: { label: "dead tuples", format: formatCount },
  });
  return chartSection(`churn-dead-tuples-${name}.svg`, title, svg);
}

function growth(first: number, last: number): string {
  return first > 0 ? formatRatio(last / first) : MISSING;
}

function summaryRow(label: string, samples: readonly ChurnSample[]): string[] {
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  return [
    label,
    formatMs(last.atMs - first.atMs),
    `${formatBytes(first.tableBytes)} → ${formatBytes(last.tableBytes)}`,
    growth(first.tableBytes, last.tableBytes),
    `${formatBytes(first.indexBytes)} → ${formatBytes(last.indexBytes)}`,
    growth(first.indexBytes, last.indexBytes),
    formatCount(Math.max(...samples.map((s) => s.deadTuples))),
    formatCount(last.autovacuumCount - first.autovacuumCount),
    last.vacuumCount === undefined || first.vacuumCount === undefined ? MISSING : formatCount(last.vacuumCount - first.vacuumCount),
  ];
}

export function churnSection(results: readonly Result[]): Section {
  const churn = results.filter((r) => r.workload === CHURN_WORKLOAD && sortedSamples(r).length >= SAMPLES_MIN);
  if (churn.length === 0) return { blocks: [], charts: [] };
  const keys = varyingKeys(churn);
  const charts: Section[] = [];
  const rows: string[][] = [];
  churn.forEach((result, i) => {
    const samples = sortedSamples(result);
    const config = describeConfig(result.config, keys);
    const label = config === "" ? result.system : `${result.system} (${config})`;
    // Several churn runs of one system need distinct file names; the position in the report keeps them stable.
    const name = churn.length === 1 ? slug(result.system) : `${slug(result.system)}-${i + 1}`;
    charts.push(sizeChart(name, label, samples), deadTuplesChart(name, label, samples));
    rows.push(summaryRow(label, samples));
  });
  const columns = [left("run"), right("sampled for"), right("table"), right("growth"), right("indexes"), right("growth"), right("dead tuples max"), right("autovacuum runs"), right("engine vacuums")];
  return joinSections(
    {
      blocks: [heading(3, "Table and index size over time"), paragraph("From the first sample to the last of each churn run:"), table(columns, rows)],
      charts: [],
    },
    ...charts,
  );
}
