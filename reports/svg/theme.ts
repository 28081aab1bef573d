/**
 * Sizes, fonts and colours every chart shares, in one place.
 *
 * Colours are from the Okabe–Ito palette (distinguishable with the common
 * colour-vision deficiencies) minus its yellow, which is unreadable on white.
 * Each system keeps its colour in every chart, so a reader learns it once.
 */

/** The size charts are drawn for: readable in a README column and on a laptop screen. */
export const CHART_WIDTH_PX = 640;
export const CHART_HEIGHT_PX = 360;

export const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
export const FONT_SIZE_PX = 12;
export const TITLE_FONT_SIZE_PX = 15;
export const SUBTITLE_FONT_SIZE_PX = 11;
export const VALUE_FONT_SIZE_PX = 10;
/** A rough average glyph width at FONT_SIZE_PX, for laying out labels without measuring text. */
export const CHAR_WIDTH_PX = 6.6;

/** Space around the plot area, before the title, legend and labels add theirs. */
export const MARGIN_PX = { top: 12, right: 24, bottom: 44, left: 64 } as const;
/** Where the title, subtitle and legend start, from the chart's left and right edges. */
export const EDGE_PX = 12;
export const TITLE_HEIGHT_PX = 22;
export const SUBTITLE_HEIGHT_PX = 16;
export const LEGEND_ROW_HEIGHT_PX = 18;
export const LEGEND_SWATCH_PX = 12;
export const TICK_LENGTH_PX = 5;
/** How many ticks an axis aims for; nice steps may give one or two more or fewer. */
export const TICK_COUNT_TARGET = 5;

export const BACKGROUND = "#ffffff";
export const TEXT_COLOUR = "#222222";
export const MUTED_TEXT_COLOUR = "#555555";
export const AXIS_COLOUR = "#444444";
export const GRID_COLOUR = "#e4e4e4";

const OKABE_ITO = {
  blue: "#0072B2",
  orange: "#E69F00",
  green: "#009E73",
  vermillion: "#D55E00",
  purple: "#CC79A7",
  sky: "#56B4E9",
  black: "#000000",
} as const;

/** Series colours in order, for charts whose series are not systems. */
export const SERIES_COLOURS: readonly string[] = [
  OKABE_ITO.blue,
  OKABE_ITO.orange,
  OKABE_ITO.vermillion,
  OKABE_ITO.green,
  OKABE_ITO.purple,
  OKABE_ITO.sky,
  OKABE_ITO.black,
];

const SYSTEM_COLOURS: Record<string, string> = {
  ratchet: OKABE_ITO.blue,
  "graphile-worker": OKABE_ITO.orange,
  "pg-boss": OKABE_ITO.green,
  dbos: OKABE_ITO.purple,
  "sql-ceiling": "#666666",
  pgbench: "#999999",
};

/** A system's colour; systems the palette does not know get a fixed fallback. */
export function systemColour(system: string): string {
  return SYSTEM_COLOURS[system] ?? OKABE_ITO.sky;
}

export function seriesColour(index: number): string {
  return SERIES_COLOURS[index % SERIES_COLOURS.length]!;
}

/** Dash patterns that tell apart several series drawn in one colour (e.g. one system at two batch sizes). */
export const DASH_PATTERNS: readonly (string | undefined)[] = [undefined, "6 3", "2 3", "8 3 2 3"];

/** The share of a font's size from its baseline to the middle of lower-case letters and digits. */
const CENTRE_OFFSET = 0.35;
/** The share of a font's size from the top of capitals and digits to the baseline. */
const CAP_HEIGHT = 0.8;

/**
 * The baseline that centres a line of text on `y`, and the one that hangs
 * it just below `y`. `dominant-baseline` would say this, but some SVG
 * renderers (librsvg, which many image viewers and converters use) ignore
 * it, so the baseline is computed.
 */
export function centredBaseline(y: number, fontSizePx = FONT_SIZE_PX): number {
  return y + fontSizePx * CENTRE_OFFSET;
}

export function hangingBaseline(y: number, fontSizePx = FONT_SIZE_PX): number {
  return y + fontSizePx * CAP_HEIGHT;
}
