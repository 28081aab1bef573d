/**
 * Schedule-to-start percentiles on an idle system (the `latency` workload):
 * p50, p95 and p99 side by side for each system, since a NOTIFY path and a
 * polling path differ most in the tail.
 */
import type { Result } from "../../bench/model.ts";
import { resultLabel, varyingKeys } from "../config.ts";
import { chartSection, heading, joinSections, type Section } from "../document.ts";
import { formatMsNumber } from "../format.ts";
import { groupedColumnChart } from "../svg/column-chart.ts";
import { seriesColour } from "../svg/theme.ts";

const LATENCY_WORKLOAD = "latency";
const PERCENTILES = ["p50", "p95", "p99"] as const;

export function latencySection(results: readonly Result[]): Section {
  const measured = results.filter((r) => r.workload === LATENCY_WORKLOAD && r.scheduleToStartMs !== null);
  const keys = varyingKeys(measured);
  const title = "Schedule-to-start latency on an idle system";
  const svg = groupedColumnChart({
    title,
    subtitle: "one workflow or job at a time; lower is better",
    series: PERCENTILES.map((p, i) => ({ label: p, colour: seriesColour(i) })),
    groups: measured.map((r) => ({ label: resultLabel(r, keys), values: PERCENTILES.map((p) => r.scheduleToStartMs![p]) })),
    valueLabel: "schedule-to-start (ms)",
    categoryLabel: "system",
    format: formatMsNumber,
  });
  const chart = chartSection("latency-schedule-to-start.svg", title, svg);
  if (chart.charts.length === 0) return chart;
  return joinSections({ blocks: [heading(3, "Latency percentiles")], charts: [] }, chart);
}
