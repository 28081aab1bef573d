/**
 * One measured window over a group of worker children: start them together,
 * let them warm up, then read every counter at the window's two edges —
 * the children's completions, the server's commits and WAL position, and the
 * CPU time of the children and of PostgreSQL — as close together as the
 * round trips allow. Shared by every system that runs worker children.
 */
import type pg from "pg";
import { cpuShare, cpuSnapshot, perUnit, percentiles, serverCounters } from "../harness/metrics.ts";
import type { CpuShare, LatencyPercentiles } from "../model.ts";
import { delay, type ChildGroup } from "./child-group.ts";
import type { ChildSnapshot } from "./child-protocol.ts";

export interface WindowMeasurement {
  /** The measured window (between the two snapshots), ms. */
  windowMs: number;
  start: ChildSnapshot[];
  end: ChildSnapshot[];
  commitsPerUnit: (units: number) => { commitsPerUnit: number | null; walBytesPerUnit: number | null };
  cpu: CpuShare;
}

export async function measureWindow(
  group: ChildGroup,
  /** A connection to the database whose commits count (pg_stat_database of its current database). */
  counterClient: pg.Client,
  warmupMs: number,
  windowMs: number,
  progress?: (message: string) => void,
  /** Extra readings to take at the window's edges, right after the children's snapshots. */
  atEdge?: (phase: "start" | "end") => Promise<void>,
): Promise<WindowMeasurement> {
  group.go();
  progress?.(`warming up for ${warmupMs} ms`);
  await group.race(delay(warmupMs));
  const serverBefore = await serverCounters(counterClient);
  const cpuBefore = cpuSnapshot(group.pids());
  const t0 = performance.now();
  const start = await group.snapshot("start");
  await atEdge?.("start");
  progress?.(`measuring for ${windowMs} ms`);
  await group.race(delay(windowMs));
  const end = await group.snapshot("end");
  const measuredMs = performance.now() - t0;
  await atEdge?.("end");
  const cpuAfter = cpuSnapshot(group.pids());
  const serverAfter = await serverCounters(counterClient);
  return {
    windowMs: Math.round(measuredMs),
    start,
    end,
    commitsPerUnit: (units) => perUnit(serverBefore, serverAfter, units),
    cpu: cpuShare(cpuBefore, cpuAfter),
  };
}

/** The increase of one counter over the window, summed over children. */
export function windowCount(m: WindowMeasurement, key: string): number {
  let total = 0;
  for (const end of m.end) {
    const start = m.start.find((s) => s.label === end.label);
    total += (end.counts[key] ?? 0) - (start?.counts[key] ?? 0);
  }
  return total;
}

/** Percentiles of one kind of latency sample, over all children (null without samples). */
export function windowPercentiles(m: WindowMeasurement, kind: string): LatencyPercentiles | null {
  return percentiles(m.end.flatMap((s) => s.samples[kind] ?? []));
}
