/**
 * Mapping data values to pixels, and choosing tick values people can read
 * (steps of 1, 2 or 5 times a power of ten).
 */
import { TICK_COUNT_TARGET } from "./theme.ts";

/** How far a point scale's first and last values sit inside the plot. */
const POINT_INSET_PX = 24;

export interface Scale {
  (value: number): number;
  /** The tick values, in data units, for the axis. */
  readonly ticks: readonly number[];
}

/** Steps of 1, 2, 2.5 and 5 times a power of ten, so tick labels stay short. */
const NICE_STEPS = [1, 2, 2.5, 5, 10] as const;

/** A step close to span / count, rounded to a nice value. */
export function niceStep(span: number, count = TICK_COUNT_TARGET): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = NICE_STEPS.find((s) => s * power >= rough) ?? 10;
  return step * power;
}

/**
 * Ticks from a nice value at or below `min` to one at or above `max`. A span
 * of zero (every value equal) still gets an axis, around the value.
 */
export function niceTicks(min: number, max: number, count = TICK_COUNT_TARGET): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    if (max === 0) return [0, 1];
    const pad = Math.abs(max) / 2;
    return niceTicks(Math.min(0, min - pad), max + pad, count);
  }
  const step = niceStep(max - min, count);
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  // Bounded: (max - min) / step is about `count`, plus the two rounded ends.
  for (let i = 0; i <= count * 3; i++) {
    // Multiply rather than accumulate so 0.1 + 0.2 noise cannot creep into labels.
    const tick = Number((first + i * step).toPrecision(12));
    ticks.push(tick);
    if (tick >= max) break;
  }
  return ticks;
}

/**
 * Byte ticks on binary boundaries: nice steps of KiB, MiB or GiB, so an axis
 * reads `0, 2 MiB, 4 MiB` rather than `0, 1.91 MiB, 3.81 MiB`.
 */
export function byteTicks(maxBytes: number, count = TICK_COUNT_TARGET): number[] {
  let unit = 1;
  while (maxBytes / unit >= 1024 && unit < 1024 ** 4) unit *= 1024;
  return niceTicks(0, maxBytes / unit, count).map((t) => t * unit);
}

/** A linear scale from the extent of `ticks` onto [from, to] pixels. */
export function linearScale(ticks: readonly number[], from: number, to: number): Scale {
  const lo = ticks[0] ?? 0;
  const hi = ticks[ticks.length - 1] ?? 1;
  const span = hi - lo || 1;
  const scale = (value: number) => from + ((value - lo) / span) * (to - from);
  return Object.assign(scale, { ticks });
}

/**
 * Evenly spaced points for distinct x values, in order. Sweeps are geometric
 * (batch 1, 10, 100; backlog 0, 100k, 1M): a linear axis would crush the
 * small values together and a log axis cannot place 0, so each measured
 * value gets its own evenly spaced position instead.
 */
export function pointScale(values: readonly number[], from: number, to: number): Scale {
  // Inset from the ends so the first and last dots and their tick labels are not cut by the plot's edge.
  const inset = Math.min(POINT_INSET_PX, (to - from) / 4);
  from += inset;
  to -= inset;
  const ticks = [...new Set(values)].sort((a, b) => a - b);
  // One value sits in the middle.
  const start = ticks.length > 1 ? from : (from + to) / 2;
  const gap = ticks.length > 1 ? (to - from) / (ticks.length - 1) : 0;
  const scale = (value: number) => {
    const index = ticks.indexOf(value);
    return start + (index < 0 ? 0 : index) * gap;
  };
  return Object.assign(scale, { ticks });
}
