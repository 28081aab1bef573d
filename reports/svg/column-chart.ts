/**
 * Grouped columns: one group per category (a system), one column per series
 * (p50, p95, p99), each column labelled with its value, because percentiles
 * of different systems can differ by orders of magnitude and a short column
 * is otherwise unreadable.
 */
import { bottomCategories, leftAxis, leftAxisWidthPx } from "./axis.ts";
import { frame, layoutFrame, truncateToWidth, type FrameSpec, type LegendItem } from "./frame.ts";
import { linearScale, niceTicks } from "./scale.ts";
import { CHAR_WIDTH_PX, CHART_HEIGHT_PX, CHART_WIDTH_PX, FONT_SIZE_PX, VALUE_FONT_SIZE_PX } from "./theme.ts";
import { element, textElement, tooltip } from "./xml.ts";

export interface ColumnSeries {
  label: string;
  colour: string;
}

export interface ColumnGroup {
  label: string;
  /** One value per series, in series order; null where it was not measured. */
  values: ReadonlyArray<number | null>;
}

export interface ColumnChartSpec {
  title: string;
  subtitle?: string;
  series: readonly ColumnSeries[];
  groups: readonly ColumnGroup[];
  /** The value axis (left), with its unit. */
  valueLabel: string;
  /** The category axis (bottom). */
  categoryLabel: string;
  format: (value: number) => string;
}

/** The share of a group's slot its columns fill; the rest separates groups. */
const GROUP_FILL = 0.8;
const COLUMN_WIDTH_MAX_PX = 36;
const VALUE_LABEL_GAP_PX = 3;
const VALUE_CHAR_WIDTH_PX = (CHAR_WIDTH_PX * VALUE_FONT_SIZE_PX) / FONT_SIZE_PX;

function measured(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** The chart's SVG, or null when no group has a measured value. */
export function groupedColumnChart(spec: ColumnChartSpec): string | null {
  const groups = spec.groups.filter((g) => g.values.some(measured));
  if (groups.length === 0 || spec.series.length === 0) return null;

  const max = Math.max(...groups.flatMap((g) => g.values.filter(measured)));
  const ticks = niceTicks(0, max);
  const legend: LegendItem[] = spec.series.map((s) => ({ label: s.label, colour: s.colour }));
  const frameSpec: FrameSpec = { title: spec.title, width: CHART_WIDTH_PX, height: CHART_HEIGHT_PX, legend, leftPx: leftAxisWidthPx(ticks, spec.format) };
  if (spec.subtitle !== undefined) frameSpec.subtitle = spec.subtitle;
  const plot = layoutFrame(frameSpec);
  const scale = linearScale(ticks, plot.bottom, plot.top);

  const slot = (plot.right - plot.left) / groups.length;
  const column = Math.min(COLUMN_WIDTH_MAX_PX, (slot * GROUP_FILL) / spec.series.length);
  const groupWidth = column * spec.series.length;

  const marks = groups.map((group, g) => {
    const groupLeft = plot.left + slot * g + (slot - groupWidth) / 2;
    const columns = spec.series.map((series, s) => {
      const value = group.values[s];
      if (!measured(value)) return "";
      const x = groupLeft + column * s;
      const top = scale(value);
      const label = spec.format(value);
      // A label wider than its column would run into the next one: the tooltip still has it.
      const valueText =
        label.length * VALUE_CHAR_WIDTH_PX <= column + VALUE_LABEL_GAP_PX * 2
          ? textElement({ x: x + column / 2, y: top - VALUE_LABEL_GAP_PX, "text-anchor": "middle", "font-size": VALUE_FONT_SIZE_PX }, label)
          : "";
      return element(
        "g",
        { class: "column" },
        tooltip(`${group.label} ${series.label}: ${label}`),
        element("rect", { x, y: top, width: column, height: Math.max(0, plot.bottom - top), fill: series.colour }),
        valueText,
      );
    });
    return element("g", { class: "group" }, ...columns);
  });
  const categories = groups.map((group, g) => ({ x: plot.left + slot * g + slot / 2, label: truncateToWidth(group.label, slot) }));
  const axes = leftAxis(plot, { scale, format: spec.format, label: spec.valueLabel, grid: true }) + bottomCategories(plot, categories, spec.categoryLabel);
  return frame(frameSpec, axes + element("g", { class: "columns" }, ...marks));
}
