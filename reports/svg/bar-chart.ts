/**
 * Horizontal bars, one per result, each labelled with its value and ratio.
 * Horizontal because the category names are long: the system on one line
 * and, under it in smaller type, the config that tells its runs apart
 * (`workers 4, batch 100`). A chart with many bars grows taller rather than
 * squeezing them.
 */
import { bottomAxis } from "./axis.ts";
import { frame, layoutFrame, truncateToWidth, type FrameSpec } from "./frame.ts";
import { linearScale, niceTicks } from "./scale.ts";
import {
  centredBaseline,
  CHAR_WIDTH_PX,
  CHART_HEIGHT_PX,
  CHART_WIDTH_PX,
  EDGE_PX,
  FONT_SIZE_PX,
  MARGIN_PX,
  MUTED_TEXT_COLOUR,
  VALUE_FONT_SIZE_PX,
} from "./theme.ts";
import { element, textElement, tooltip } from "./xml.ts";

export interface Bar {
  label: string;
  /** A second, smaller line under the label (the config of this run), if any. */
  detail?: string;
  value: number;
  colour: string;
  /** Printed past the bar's end, e.g. `12.3k · 0.52×`. */
  valueLabel: string;
}

export interface BarChartSpec {
  title: string;
  subtitle?: string;
  bars: readonly Bar[];
  /** Names the value axis, with its unit (`steps/s`). */
  axisLabel: string;
  format: (value: number) => string;
}

/** Category labels wider than this are cut (the full label stays in the tooltip); the plot keeps the rest. */
const CATEGORY_LABEL_WIDTH_MAX_PX = 280;
const CATEGORY_LABEL_GAP_PX = 8;
/** Each bar's row: at least this tall (the chart grows past CHART_HEIGHT_PX to keep it); taller with a detail line. */
const ROW_HEIGHT_MIN_PX = 22;
const TWO_LINE_ROW_HEIGHT_MIN_PX = 30;
const BAR_THICKNESS_MAX_PX = 28;
/** The share of its row a bar fills; the rest separates it from its neighbours. */
const BAR_FILL = 0.7;
const VALUE_LABEL_GAP_PX = 4;
const SMALL_CHAR_WIDTH_PX = (CHAR_WIDTH_PX * VALUE_FONT_SIZE_PX) / FONT_SIZE_PX;
/** How far the label and its detail line sit above and below the bar's middle. */
const TWO_LINE_OFFSET_PX = 6;

function labelWidthPx(bar: Bar): number {
  return Math.max(bar.label.length * CHAR_WIDTH_PX, (bar.detail?.length ?? 0) * SMALL_CHAR_WIDTH_PX);
}

function categoryLabel(bar: Bar, x: number, middle: number, widthPx: number): string {
  if (!bar.detail) return textElement({ x, y: centredBaseline(middle), "text-anchor": "end" }, truncateToWidth(bar.label, widthPx));
  return (
    textElement({ x, y: centredBaseline(middle - TWO_LINE_OFFSET_PX), "text-anchor": "end" }, truncateToWidth(bar.label, widthPx)) +
    textElement(
      { x, y: centredBaseline(middle + TWO_LINE_OFFSET_PX, VALUE_FONT_SIZE_PX), "text-anchor": "end", "font-size": VALUE_FONT_SIZE_PX, fill: MUTED_TEXT_COLOUR },
      truncateToWidth(bar.detail, widthPx, SMALL_CHAR_WIDTH_PX),
    )
  );
}

/** The chart's SVG, or null when there is nothing to draw (no bars, or no finite values). */
export function horizontalBarChart(spec: BarChartSpec): string | null {
  const bars = spec.bars.filter((bar) => Number.isFinite(bar.value) && bar.value >= 0);
  if (bars.length === 0) return null;

  const labelWidth = Math.min(CATEGORY_LABEL_WIDTH_MAX_PX, Math.max(...bars.map(labelWidthPx)));
  const valueLabelWidth = Math.max(...bars.map((b) => b.valueLabel.length)) * SMALL_CHAR_WIDTH_PX + VALUE_LABEL_GAP_PX;
  const base: FrameSpec = {
    title: spec.title,
    width: CHART_WIDTH_PX,
    height: CHART_HEIGHT_PX,
    legend: [],
    leftPx: EDGE_PX + labelWidth + CATEGORY_LABEL_GAP_PX,
    extraRightPx: Math.max(0, valueLabelWidth - MARGIN_PX.right),
  };
  if (spec.subtitle !== undefined) base.subtitle = spec.subtitle;
  const rowMin = bars.some((b) => b.detail) ? TWO_LINE_ROW_HEIGHT_MIN_PX : ROW_HEIGHT_MIN_PX;
  const neededHeight = layoutFrame(base).top + bars.length * rowMin + MARGIN_PX.bottom;
  const frameSpec: FrameSpec = { ...base, height: Math.max(CHART_HEIGHT_PX, neededHeight) };
  const plot = layoutFrame(frameSpec);

  const scale = linearScale(niceTicks(0, Math.max(...bars.map((b) => b.value))), plot.left, plot.right);
  const row = (plot.bottom - plot.top) / bars.length;
  const thickness = Math.min(BAR_THICKNESS_MAX_PX, row * BAR_FILL);

  const marks = bars.map((bar, i) => {
    const middle = plot.top + row * i + row / 2;
    const end = scale(bar.value);
    const name = bar.detail ? `${bar.label} · ${bar.detail}` : bar.label;
    return element(
      "g",
      { class: "bar" },
      tooltip(`${name}: ${bar.valueLabel}`),
      categoryLabel(bar, plot.left - CATEGORY_LABEL_GAP_PX, middle, labelWidth),
      element("rect", { x: plot.left, y: middle - thickness / 2, width: Math.max(0, end - plot.left), height: thickness, fill: bar.colour }),
      textElement({ x: end + VALUE_LABEL_GAP_PX, y: centredBaseline(middle, VALUE_FONT_SIZE_PX), "font-size": VALUE_FONT_SIZE_PX }, bar.valueLabel),
    );
  });
  const axis = bottomAxis(plot, { scale, format: spec.format, label: spec.axisLabel, grid: true });
  return frame(frameSpec, axis + element("g", { class: "bars" }, ...marks));
}
