/**
 * Lines through measured points: throughput against a swept knob (evenly
 * spaced points, see pointScale) or a quantity over time (a linear x axis).
 * Every point is drawn as a dot with a tooltip, so a series of one point
 * still shows, and a reader can hover for the exact value.
 */
import { bottomAxis, leftAxis, leftAxisWidthPx } from "./axis.ts";
import { frame, layoutFrame, type FrameSpec, type LegendItem } from "./frame.ts";
import { linearScale, niceTicks, pointScale } from "./scale.ts";
import { CHART_HEIGHT_PX, CHART_WIDTH_PX } from "./theme.ts";
import { element, px, tooltip } from "./xml.ts";

export interface Point {
  x: number;
  y: number;
}

export interface LineSeries {
  label: string;
  colour: string;
  /** A dash pattern, to tell apart series sharing a colour; solid when undefined. */
  dash?: string | undefined;
  points: readonly Point[];
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  series: readonly LineSeries[];
  x: {
    label: string;
    format: (value: number) => string;
    /** `points`: each distinct x evenly spaced (sweeps); `linear`: proportional (time). */
    kind: "points" | "linear";
  };
  y: {
    label: string;
    format: (value: number) => string;
    /** Tick values for the y axis from its largest value; nice ticks from 0 by default. */
    ticks?: (max: number) => number[];
  };
}

const LINE_WIDTH_PX = 2;
const DOT_RADIUS_PX = 3;

function finite(point: Point): boolean {
  return Number.isFinite(point.x) && Number.isFinite(point.y);
}

/** The chart's SVG, or null when no series has a finite point. */
export function lineChart(spec: LineChartSpec): string | null {
  const series = spec.series
    .map((s) => ({ ...s, points: s.points.filter(finite).sort((a, b) => a.x - b.x) }))
    .filter((s) => s.points.length > 0);
  if (series.length === 0) return null;

  const all = series.flatMap((s) => s.points);
  const yMax = Math.max(0, ...all.map((p) => p.y));
  const yTicks = spec.y.ticks ? spec.y.ticks(yMax) : niceTicks(0, yMax);
  const legend: LegendItem[] = series.map((s) => ({ label: s.label, colour: s.colour, line: { dash: s.dash } }));
  const frameSpec: FrameSpec = { title: spec.title, width: CHART_WIDTH_PX, height: CHART_HEIGHT_PX, legend, leftPx: leftAxisWidthPx(yTicks, spec.y.format) };
  if (spec.subtitle !== undefined) frameSpec.subtitle = spec.subtitle;
  const plot = layoutFrame(frameSpec);

  const xs = all.map((p) => p.x);
  const xScale =
    spec.x.kind === "points"
      ? pointScale(xs, plot.left, plot.right)
      : linearScale(niceTicks(Math.min(...xs), Math.max(...xs)), plot.left, plot.right);
  const yScale = linearScale(yTicks, plot.bottom, plot.top);

  const lines = series.map((s) => {
    const path = s.points.map((p, i) => `${i === 0 ? "M" : "L"}${px(xScale(p.x))} ${px(yScale(p.y))}`).join(" ");
    const dots = s.points.map((p) =>
      element("circle", { cx: xScale(p.x), cy: yScale(p.y), r: DOT_RADIUS_PX, fill: s.colour }, tooltip(`${s.label}: ${spec.y.format(p.y)} at ${spec.x.format(p.x)}`)),
    );
    const line = s.points.length > 1 ? element("path", { d: path, fill: "none", stroke: s.colour, "stroke-width": LINE_WIDTH_PX, "stroke-dasharray": s.dash }) : "";
    return element("g", { class: "series" }, line, ...dots);
  });
  const axes =
    leftAxis(plot, { scale: yScale, format: spec.y.format, label: spec.y.label, grid: true }) +
    bottomAxis(plot, { scale: xScale, format: spec.x.format, label: spec.x.label, grid: spec.x.kind === "linear" });
  return frame(frameSpec, axes + element("g", { class: "lines" }, ...lines));
}
