/**
 * Throughput against the knobs the harness sweeps: worker processes, claim
 * batch size and backlog depth. One line per system (per workload, since
 * steps/s and tasks/s do not share an axis).
 *
 * A harness sweeps one knob while holding the others, and may run several
 * sweeps through one point (a batch sweep at 4 workers and a workers sweep
 * at batch 100 both run workers 4, batch 100). So a system's results are
 * split into series by the other knobs that take more than one value at the
 * same x (batch, in the workers chart), and knobs that simply move with x
 * (concurrency = 10 × workers) do not split it. Only series with two or more
 * points are drawn: a line needs two.
 */
import type { Result } from "../../bench/model.ts";
import { describeConfig } from "../config.ts";
import { chartSection, heading, joinSections, type Section } from "../document.ts";
import { formatCount } from "../format.ts";
import { slug } from "../slug.ts";
import { lineChart, type LineSeries, type Point } from "../svg/line-chart.ts";
import { DASH_PATTERNS, systemColour } from "../svg/theme.ts";
import { groupByWorkload, type WorkloadGroup } from "../workloads.ts";
import { rateUnit } from "./results.ts";

/** The swept knobs that get a chart, with the axis label that names each. */
export const SWEEP_KEYS: ReadonlyArray<{ key: string; label: string; title: string }> = [
  { key: "workers", label: "worker processes", title: "workers" },
  { key: "batch", label: "claim batch size", title: "claim batch size" },
  { key: "backlog", label: "tasks already waiting (backlog)", title: "backlog depth" },
];

/** A line needs two points. */
const POINTS_PER_SERIES_MIN = 2;

/** Keys other than `xKey` that take more than one value at some x: these split a system into series. */
export function seriesKeys(results: readonly Result[], xKey: string): string[] {
  const keys = new Set(results.flatMap((r) => Object.keys(r.config)));
  keys.delete(xKey);
  return [...keys].filter((key) => {
    const valuesAtX = new Map<string, Set<string>>();
    for (const r of results) {
      const x = JSON.stringify(r.config[xKey]);
      const values = valuesAtX.get(x) ?? new Set<string>();
      values.add(JSON.stringify(r.config[key]));
      valuesAtX.set(x, values);
    }
    return [...valuesAtX.values()].some((values) => values.size > 1);
  });
}

/** Points by x; repeats of one config keep the best run (the tables list every run). */
function points(results: readonly Result[], xKey: string): Point[] {
  const best = new Map<number, number>();
  for (const r of results) {
    const x = r.config[xKey] as number;
    best.set(x, Math.max(best.get(x) ?? -Infinity, r.perSecond));
  }
  return [...best.entries()].map(([x, y]) => ({ x, y }));
}

function systemSeries(system: string, results: readonly Result[], xKey: string): LineSeries[] {
  const keys = seriesKeys(results, xKey);
  const bySplit = new Map<string, Result[]>();
  for (const r of results) {
    const split = JSON.stringify(keys.map((k) => r.config[k]));
    bySplit.set(split, [...(bySplit.get(split) ?? []), r]);
  }
  const drawn = [...bySplit.values()]
    .map((members) => ({ held: describeConfig(members[0]!.config, keys), points: points(members, xKey) }))
    .filter((s) => s.points.length >= POINTS_PER_SERIES_MIN);
  return drawn.map((s, i) => ({
    label: s.held === "" ? system : `${system} · ${s.held}`,
    colour: systemColour(system),
    // One colour per system, so its series differ by dash.
    dash: DASH_PATTERNS[i % DASH_PATTERNS.length],
    points: s.points,
  }));
}

function sweepChart(group: WorkloadGroup, sweep: (typeof SWEEP_KEYS)[number]): Section {
  const swept = group.results.filter((r) => typeof r.config[sweep.key] === "number" && Number.isFinite(r.config[sweep.key]));
  const systems = [...new Set(swept.map((r) => r.system))];
  const series = systems.flatMap((system) =>
    systemSeries(
      system,
      swept.filter((r) => r.system === system),
      sweep.key,
    ),
  );
  if (series.length === 0) return { blocks: [], charts: [] };
  const unit = rateUnit(swept);
  const title = `${group.workload}: ${unit} vs ${sweep.title}`;
  const svg = lineChart({
    title,
    series,
    x: { label: sweep.label, format: formatCount, kind: "points" },
    y: { label: unit, format: formatCount },
  });
  return chartSection(`${slug(group.workload)}-vs-${slug(sweep.key)}.svg`, title, svg);
}

export function sweepsSection(results: readonly Result[]): Section {
  const charts = groupByWorkload(results).flatMap((group) => SWEEP_KEYS.map((sweep) => sweepChart(group, sweep)));
  const body = joinSections(...charts);
  if (body.charts.length === 0) return body;
  return joinSections({ blocks: [heading(3, "Throughput against workers, batch size and backlog")], charts: [] }, body);
}
