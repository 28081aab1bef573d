/**
 * Targets are judged on exact ratios (a ratio shown as 10 may be 9.99, and
 * miss), and churn compares the sawtooth's peaks, so a sample that happens
 * to fall after a vacuum neither hides growth nor fakes it.
 */
import { describe, expect, it } from "vitest";
import type { ChurnSample, Result, SystemName, WorkloadName } from "../model.ts";
import { churnTarget, evaluateTargets } from "./targets.ts";

function result(system: SystemName, workload: WorkloadName, perSecond: number): Result {
  return { system, workload, config: {}, perSecond, unit: "workflows", count: perSecond * 10, windowMs: 10_000, scheduleToStartMs: null, endToEndMs: null, commitsPerUnit: null, walBytesPerUnit: null, cpu: null, notes: [] };
}

/** One sample a minute: the table grows `perMinuteMb` between vacuums every `vacuumEvery` minutes; indexes `indexMb` plus `indexGrowthMb` a minute. */
function sawtooth(minutes: number, perMinuteMb: number, vacuumEvery: number, indexMb: number, indexGrowthMb = 0): ChurnSample[] {
  return Array.from({ length: minutes }, (_, i) => ({
    atMs: (i + 1) * 60_000,
    tableBytes: ((i % vacuumEvery) + 1) * perMinuteMb * 1e6,
    indexBytes: (indexMb + indexGrowthMb * i) * 1e6,
    liveTuples: 0,
    deadTuples: 0,
    autovacuumCount: 0,
    perSecond: 1_000,
  }));
}

describe("evaluateTargets", () => {
  it("judges the exact ratio: 9.996 x shows as 10 and is not met", () => {
    const targets = evaluateTargets([result("ratchet", "one-activity", 9_996), result("dbos", "one-activity", 1_000)]);
    expect(targets.find((t) => t.name === "one-activity vs dbos")).toMatchObject({ ratio: 10, required: 10, met: false });
    const met = evaluateTargets([result("ratchet", "one-activity", 10_000), result("dbos", "one-activity", 1_000)]);
    expect(met.find((t) => t.name === "one-activity vs dbos")).toMatchObject({ ratio: 10, met: true });
  });
});

describe("churnTarget", () => {
  it("a steady sawtooth is met whichever phase the five-minute and last samples fall on", () => {
    // Vacuum every 4 minutes: minute 5 is a trough (10 MB of table), minute 60 a peak (40 MB).
    const samples = sawtooth(60, 10, 4, 30);
    expect(samples[4]!.tableBytes).toBe(10e6);
    expect(samples[59]!.tableBytes).toBe(40e6);
    const target = churnTarget(samples);
    expect(target).toMatchObject({ ratio: 1, met: true });
    expect(target.detail).toBe("peaks 70.0 MB (minutes 3-7) and 70.0 MB (last sixth, to 60 min); endpoints 40.0 MB at 300 s and 70.0 MB at 3600 s");
  });

  it("growth past twice the early peak is missed, just past it too", () => {
    expect(churnTarget(sawtooth(60, 10, 4, 30, 2))).toMatchObject({ met: false }); // indexes 30 -> 148 MB
    // Early peak 70 MB; late peak 140.7 MB: 0.4975, shown as 0.5, not met.
    const edge = sawtooth(60, 10, 4, 30);
    edge[59]!.indexBytes = 100.7e6;
    expect(churnTarget(edge)).toMatchObject({ ratio: 0.5, met: false });
  });

  it("a run shorter than an hour says so", () => {
    expect(churnTarget(sawtooth(12, 10, 4, 30)).detail).toContain("(a shorter run than the target's hour)");
  });
});
