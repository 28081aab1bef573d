/**
 * The chart primitives (svg/): every chart is well-formed XML with a title,
 * axis labels, legend entries and labels escaped; ticks are nice numbers
 * (byte ticks on binary boundaries); nothing to draw gives no chart (null),
 * not an empty frame; many bars make a taller chart, not thinner bars.
 */
import { describe, expect, it } from "vitest";
import { formatBytes, formatCount } from "./format.ts";
import { horizontalBarChart } from "./svg/bar-chart.ts";
import { groupedColumnChart } from "./svg/column-chart.ts";
import { lineChart } from "./svg/line-chart.ts";
import { byteTicks, niceTicks, pointScale } from "./svg/scale.ts";
import { CHART_HEIGHT_PX, CHART_WIDTH_PX } from "./svg/theme.ts";
import { xmlProblems } from "./testing/well-formed-xml.ts";

function heightOf(svg: string): number {
  return Number(/<svg[^>]* height="([\d.]+)"/.exec(svg)![1]);
}

describe("ticks and scales", () => {
  it("chooses steps of 1, 2, 2.5 or 5 times a power of ten, covering the data", () => {
    expect(niceTicks(0, 12_345)).toEqual([0, 2500, 5000, 7500, 10_000, 12_500]);
    expect(niceTicks(0, 0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 0)).toEqual([0, 1]);
  });

  it("puts byte ticks on whole KiB, MiB or GiB", () => {
    const ticks = byteTicks(12.3 * 1024 * 1024);
    expect(ticks.map(formatBytes)).toEqual(["0 B", "2.5 MiB", "5 MiB", "7.5 MiB", "10 MiB", "12.5 MiB"]);
  });

  it("spaces sweep values evenly, whatever their magnitude", () => {
    const scale = pointScale([0, 100_000, 1_000_000], 0, 200);
    expect(scale(100_000) - scale(0)).toBeCloseTo(scale(1_000_000) - scale(100_000));
  });
});

describe("horizontalBarChart", () => {
  const bars = [
    { label: "ratchet", detail: "workers 4", value: 10_400, colour: "#0072B2", valueLabel: "10.4k · 1×" },
    { label: "graphile-worker", value: 14_000, colour: "#E69F00", valueLabel: "14k · 1.3×" },
  ];

  it("draws well-formed SVG with its labels, values and axis", () => {
    const svg = horizontalBarChart({ title: "steps: steps/s by system", bars, axisLabel: "steps/s", format: formatCount })!;
    expect(xmlProblems(svg)).toEqual([]);
    for (const text of ["steps: steps/s by system", "ratchet", "workers 4", "graphile-worker", "10.4k · 1×", "14k · 1.3×", "steps/s", "15k"]) expect(svg).toContain(text);
    expect(svg).toContain(`viewBox="0 0 ${CHART_WIDTH_PX} ${CHART_HEIGHT_PX}"`);
  });

  it("escapes labels", () => {
    const svg = horizontalBarChart({ title: "a < b & c", bars: [{ label: "x<y>", value: 1, colour: "#000", valueLabel: "1 & more" }], axisLabel: "a/s", format: formatCount })!;
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain("a &lt; b &amp; c");
  });

  it("grows taller for many bars", () => {
    const many = Array.from({ length: 20 }, (_, i) => ({ label: `run ${i}`, detail: "batch 1", value: i, colour: "#000", valueLabel: String(i) }));
    expect(heightOf(horizontalBarChart({ title: "t", bars: many, axisLabel: "a", format: formatCount })!)).toBeGreaterThan(CHART_HEIGHT_PX);
  });

  it("draws nothing without a finite value", () => {
    expect(horizontalBarChart({ title: "t", bars: [], axisLabel: "a", format: formatCount })).toBeNull();
    expect(horizontalBarChart({ title: "t", bars: [{ label: "x", value: Number.NaN, colour: "#000", valueLabel: "" }], axisLabel: "a", format: formatCount })).toBeNull();
  });
});

describe("groupedColumnChart", () => {
  const series = [
    { label: "p50", colour: "#0072B2" },
    { label: "p99", colour: "#D55E00" },
  ];

  it("draws a legend entry per series and a label per group", () => {
    const svg = groupedColumnChart({
      title: "latency",
      series,
      groups: [
        { label: "ratchet", values: [1.6, 7.9] },
        { label: "pg-boss", values: [480, null] },
      ],
      valueLabel: "schedule-to-start (ms)",
      categoryLabel: "system",
      format: formatCount,
    })!;
    expect(xmlProblems(svg)).toEqual([]);
    for (const text of ["p50", "p99", "ratchet", "pg-boss", "schedule-to-start (ms)", "system"]) expect(svg).toContain(text);
  });

  it("draws nothing when no group has a value", () => {
    expect(groupedColumnChart({ title: "t", series, groups: [{ label: "x", values: [null, null] }], valueLabel: "v", categoryLabel: "c", format: formatCount })).toBeNull();
    expect(groupedColumnChart({ title: "t", series, groups: [], valueLabel: "v", categoryLabel: "c", format: formatCount })).toBeNull();
  });
});

describe("lineChart", () => {
  const axes = { x: { label: "worker processes", format: formatCount, kind: "points" as const }, y: { label: "steps/s", format: formatCount } };

  it("draws a path and dots per series, with legend and axis labels", () => {
    const svg = lineChart({
      title: "steps/s vs workers",
      series: [
        { label: "ratchet · batch 100", colour: "#0072B2", points: [{ x: 1, y: 3100 }, { x: 2, y: 5600 }, { x: 4, y: 9800 }] },
        { label: "graphile-worker", colour: "#E69F00", dash: "6 3", points: [{ x: 2, y: 7500 }, { x: 4, y: 14_000 }] },
      ],
      ...axes,
    })!;
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(5);
    for (const text of ["ratchet · batch 100", "graphile-worker", "worker processes", "steps/s", 'stroke-dasharray="6 3"']) expect(svg).toContain(text);
  });

  it("draws a lone point as a dot, and nothing at all without finite points", () => {
    const one = lineChart({ title: "t", series: [{ label: "s", colour: "#000", points: [{ x: 1, y: 2 }] }], ...axes })!;
    expect(one).not.toContain("<path ");
    expect(one).toContain("<circle ");
    expect(lineChart({ title: "t", series: [{ label: "s", colour: "#000", points: [{ x: Number.NaN, y: 1 }] }], ...axes })).toBeNull();
    expect(lineChart({ title: "t", series: [], ...axes })).toBeNull();
  });
});
