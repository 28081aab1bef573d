/**
 * Axes: a line, ticks, tick labels, light grid lines across the plot (so a
 * value can be read off without a ruler) and the axis label naming the
 * quantity and its unit.
 */
import type { PlotArea } from "./frame.ts";
import type { Scale } from "./scale.ts";
import { AXIS_COLOUR, centredBaseline, CHAR_WIDTH_PX, EDGE_PX, FONT_SIZE_PX, GRID_COLOUR, hangingBaseline, MUTED_TEXT_COLOUR, TICK_LENGTH_PX } from "./theme.ts";
import { element, textElement } from "./xml.ts";

/** Gap between a tick's end and its label. */
const TICK_LABEL_GAP_PX = 3;
/** How far below the plot the x axis label sits (under the tick labels). */
const X_LABEL_OFFSET_PX = 34;
/** Space between the widest tick label and the rotated y axis label. */
const Y_LABEL_GAP_PX = 8;

export interface AxisSpec {
  scale: Scale;
  format: (value: number) => string;
  label: string;
  /** Grid lines across the plot at each tick. */
  grid: boolean;
}

/** From the widest tick label to the tick: where the y axis label goes, left of the plot. */
function tickLabelsWidthPx(ticks: readonly number[], format: (value: number) => string): number {
  const widest = Math.max(0, ...ticks.map((t) => format(t).length));
  return TICK_LENGTH_PX + TICK_LABEL_GAP_PX + widest * CHAR_WIDTH_PX;
}

/** How much room a left axis with these ticks needs, from the chart's edge to the plot. */
export function leftAxisWidthPx(ticks: readonly number[], format: (value: number) => string): number {
  return EDGE_PX + FONT_SIZE_PX + Y_LABEL_GAP_PX + tickLabelsWidthPx(ticks, format);
}

/** The value axis on the left: ticks go up the plot, grid lines go across it. */
export function leftAxis(plot: PlotArea, axis: AxisSpec): string {
  const marks = axis.scale.ticks.map((tick) => {
    const y = axis.scale(tick);
    const grid = axis.grid ? element("line", { x1: plot.left, y1: y, x2: plot.right, y2: y, stroke: GRID_COLOUR }) : "";
    return (
      grid +
      element("line", { x1: plot.left - TICK_LENGTH_PX, y1: y, x2: plot.left, y2: y, stroke: AXIS_COLOUR }) +
      textElement({ x: plot.left - TICK_LENGTH_PX - TICK_LABEL_GAP_PX, y: centredBaseline(y), "text-anchor": "end" }, axis.format(tick))
    );
  });
  // The rotated label's baseline runs up just left of the widest tick label; its glyphs extend further left.
  const labelX = plot.left - tickLabelsWidthPx(axis.scale.ticks, axis.format) - Y_LABEL_GAP_PX;
  const labelY = (plot.top + plot.bottom) / 2;
  return element(
    "g",
    { class: "axis axis-y" },
    ...marks,
    element("line", { x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom, stroke: AXIS_COLOUR }),
    textElement({ x: labelX, y: labelY, "text-anchor": "middle", transform: `rotate(-90 ${labelX} ${labelY})`, fill: MUTED_TEXT_COLOUR }, axis.label),
  );
}

/** The axis along the bottom: ticks go across the plot, grid lines go up it. */
export function bottomAxis(plot: PlotArea, axis: AxisSpec): string {
  const marks = axis.scale.ticks.map((tick) => {
    const x = axis.scale(tick);
    const grid = axis.grid ? element("line", { x1: x, y1: plot.top, x2: x, y2: plot.bottom, stroke: GRID_COLOUR }) : "";
    return (
      grid +
      element("line", { x1: x, y1: plot.bottom, x2: x, y2: plot.bottom + TICK_LENGTH_PX, stroke: AXIS_COLOUR }) +
      textElement({ x, y: hangingBaseline(plot.bottom + TICK_LENGTH_PX + TICK_LABEL_GAP_PX), "text-anchor": "middle" }, axis.format(tick))
    );
  });
  return element("g", { class: "axis axis-x" }, ...marks, baseline(plot), xAxisLabel(plot, axis.label));
}

/** Category names under the plot (grouped columns), at the given x positions. */
export function bottomCategories(plot: PlotArea, categories: ReadonlyArray<{ x: number; label: string }>, label: string): string {
  const marks = categories.map(({ x, label: name }) =>
    textElement({ x, y: hangingBaseline(plot.bottom + TICK_LENGTH_PX + TICK_LABEL_GAP_PX), "text-anchor": "middle" }, name),
  );
  return element("g", { class: "axis axis-x" }, ...marks, baseline(plot), xAxisLabel(plot, label));
}

function baseline(plot: PlotArea): string {
  return element("line", { x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, stroke: AXIS_COLOUR });
}

function xAxisLabel(plot: PlotArea, label: string): string {
  return textElement({ x: (plot.left + plot.right) / 2, y: plot.bottom + X_LABEL_OFFSET_PX, "text-anchor": "middle", fill: MUTED_TEXT_COLOUR }, label);
}
