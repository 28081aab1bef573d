/**
 * What every chart has around its plot: the root element with a white
 * background (so the chart reads the same on a dark page), a title, an
 * optional subtitle and a legend that wraps onto as many rows as it needs.
 * `layoutFrame` says where the plot area goes once those are placed.
 */
import { element, escapeXml, textElement } from "./xml.ts";
import {
  BACKGROUND,
  centredBaseline,
  CHAR_WIDTH_PX,
  EDGE_PX,
  FONT_FAMILY,
  FONT_SIZE_PX,
  LEGEND_ROW_HEIGHT_PX,
  LEGEND_SWATCH_PX,
  MARGIN_PX,
  MUTED_TEXT_COLOUR,
  SUBTITLE_FONT_SIZE_PX,
  SUBTITLE_HEIGHT_PX,
  TEXT_COLOUR,
  TITLE_FONT_SIZE_PX,
  TITLE_HEIGHT_PX,
} from "./theme.ts";

export interface LegendItem {
  label: string;
  colour: string;
  /** A line sample (with this dash pattern, or solid) instead of a filled square. */
  line?: { dash: string | undefined };
}

export interface FrameSpec {
  title: string;
  subtitle?: string;
  width: number;
  height: number;
  legend: readonly LegendItem[];
  /** Room the chart needs left of the plot (axis, category labels); MARGIN_PX.left if less. */
  leftPx?: number;
  /** Extra room the chart needs beyond MARGIN_PX on the right (value labels past the bars). */
  extraRightPx?: number;
}

export interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface PlacedLegendItem extends LegendItem {
  x: number;
  y: number;
}

const LEGEND_GAP_PX = 16;
const SWATCH_LABEL_GAP_PX = 5;

function legendItemWidth(item: LegendItem): number {
  return LEGEND_SWATCH_PX + SWATCH_LABEL_GAP_PX + item.label.length * CHAR_WIDTH_PX;
}

/** Left to right, wrapping to a new row when the next item would pass the right margin. */
function placeLegend(items: readonly LegendItem[], top: number, width: number): { placed: PlacedLegendItem[]; height: number } {
  const placed: PlacedLegendItem[] = [];
  let x = EDGE_PX;
  let row = 0;
  for (const item of items) {
    const itemWidth = legendItemWidth(item);
    if (x > EDGE_PX && x + itemWidth > width - EDGE_PX) {
      row += 1;
      x = EDGE_PX;
    }
    placed.push({ ...item, x, y: top + row * LEGEND_ROW_HEIGHT_PX });
    x += itemWidth + LEGEND_GAP_PX;
  }
  return { placed, height: items.length === 0 ? 0 : (row + 1) * LEGEND_ROW_HEIGHT_PX };
}

function headerHeight(spec: FrameSpec): number {
  return MARGIN_PX.top + TITLE_HEIGHT_PX + (spec.subtitle ? SUBTITLE_HEIGHT_PX : 0);
}

export function layoutFrame(spec: FrameSpec): PlotArea {
  const legend = placeLegend(spec.legend, headerHeight(spec), spec.width);
  return {
    left: Math.max(MARGIN_PX.left, spec.leftPx ?? 0),
    top: headerHeight(spec) + legend.height + MARGIN_PX.top,
    right: spec.width - MARGIN_PX.right - (spec.extraRightPx ?? 0),
    bottom: spec.height - MARGIN_PX.bottom,
  };
}

function legendMarkup(items: readonly PlacedLegendItem[]): string {
  return items
    .map((item) => {
      const middle = item.y + LEGEND_SWATCH_PX / 2;
      const swatch = item.line
        ? element("line", { x1: item.x, y1: middle, x2: item.x + LEGEND_SWATCH_PX, y2: middle, stroke: item.colour, "stroke-width": 2.5, "stroke-dasharray": item.line.dash })
        : element("rect", { x: item.x, y: item.y, width: LEGEND_SWATCH_PX, height: LEGEND_SWATCH_PX, fill: item.colour });
      const label = textElement({ x: item.x + LEGEND_SWATCH_PX + SWATCH_LABEL_GAP_PX, y: centredBaseline(middle) }, item.label);
      return element("g", { class: "legend-item" }, swatch, label);
    })
    .join("");
}

/** The whole chart: root, background, title, subtitle, legend, then `body` (axes and marks). */
export function frame(spec: FrameSpec, body: string): string {
  const legend = placeLegend(spec.legend, headerHeight(spec), spec.width);
  const titleY = MARGIN_PX.top + TITLE_FONT_SIZE_PX;
  const parts = [
    element("title", {}, escapeXml(spec.title)),
    element("rect", { x: 0, y: 0, width: spec.width, height: spec.height, fill: BACKGROUND }),
    textElement({ x: EDGE_PX, y: titleY, "font-size": TITLE_FONT_SIZE_PX, "font-weight": "bold" }, spec.title),
  ];
  if (spec.subtitle) {
    parts.push(textElement({ x: EDGE_PX, y: titleY + SUBTITLE_HEIGHT_PX, "font-size": SUBTITLE_FONT_SIZE_PX, fill: MUTED_TEXT_COLOUR }, spec.subtitle));
  }
  parts.push(element("g", { class: "legend" }, legendMarkup(legend.placed)), body);
  return element(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width: spec.width,
      height: spec.height,
      viewBox: `0 0 ${spec.width} ${spec.height}`,
      role: "img",
      "font-family": FONT_FAMILY,
      "font-size": FONT_SIZE_PX,
      fill: TEXT_COLOUR,
    },
    ...parts,
  );
}

/** Text cut to fit `widthPx` at `charWidthPx` per glyph, ending in an ellipsis when cut. */
export function truncateToWidth(text: string, widthPx: number, charWidthPx = CHAR_WIDTH_PX): string {
  const fits = Math.max(1, Math.floor(widthPx / charWidthPx));
  return text.length <= fits ? text : `${text.slice(0, Math.max(1, fits - 1))}…`;
}
