/**
 * What `ratchet bench <suite>` runs: each suite is a list of (system,
 * workload, config) runs, executed one after another (the machine is shared
 * with the database; two measurements at once would measure each other).
 * Quick mode shortens every window and drops the slow runs, for CI smoke
 * tests (its numbers are not meant to be compared).
 */
import type { BenchSystem, WorkloadName } from "../model.ts";
import { pgbench } from "../baselines/pgbench.ts";
import { sqlCeiling } from "../baselines/sql-ceiling.ts";
import { dbos } from "../peers/dbos/dbos.ts";
import { graphileWorker } from "../peers/graphile-worker/graphile-worker.ts";
import { pgBoss } from "../peers/pg-boss/pg-boss.ts";
import { ratchet } from "../ratchet/system.ts";

export interface PlannedRun {
  system: BenchSystem;
  workload: WorkloadName;
  config: Record<string, string | number | boolean>;
  warmupMs: number;
  windowMs: number;
}

export const SUITES = ["throughput", "sweep", "backlog", "churn", "baseline", "micro"] as const;
export type SuiteName = (typeof SUITES)[number];

export interface SuiteOptions {
  quick: boolean;
  /** Churn mode's length (ms); the churn suite runs only when asked for (it is long). */
  durationMs: number;
}

const FULL = { warmupMs: 3_000, windowMs: 10_000 };
const QUICK = { warmupMs: 500, windowMs: 2_000 };

/** The headline comparison: Ratchet and its peers on the same workloads. */
function throughput(o: SuiteOptions): PlannedRun[] {
  const t = o.quick ? QUICK : FULL;
  const runs: PlannedRun[] = [];
  for (const workload of ["steps", "fanout", "one-activity", "latency"] as const) {
    runs.push({ system: ratchet, workload, config: {}, ...t });
    for (const peer of [graphileWorker, pgBoss, dbos]) if (peer.workloads.includes(workload)) runs.push({ system: peer, workload, config: {}, ...t });
  }
  return runs;
}

/** How Ratchet's throughput moves with each knob (one at a time, from the defaults). */
function sweep(o: SuiteOptions): PlannedRun[] {
  const t = o.quick ? QUICK : FULL;
  const knobs: Array<[string, Array<string | number | boolean>]> = o.quick
    ? [
        ["workers", [1, 2]],
        ["batch", [1, 100]],
      ]
    : [
        ["workers", [1, 2, 4]],
        ["concurrency", [200, 1000, 2000]],
        ["batch", [1, 10, 100]],
        ["completionsInFlight", [1, 2, 8]],
        ["partitions", [1, 4]],
        ["payloadBytes", [100, 10_000]],
        ["notify", [true, false]],
        ["inline", [true, false]],
        ["synchronousCommit", ["on", "off"]],
      ];
  const runs: PlannedRun[] = [];
  for (const [knob, values] of knobs) for (const value of values) runs.push({ system: ratchet, workload: "steps", config: { [knob]: value, sweep: knob }, ...t });
  return runs;
}

/** Throughput with tasks already waiting, against the same workload with none. */
function backlog(o: SuiteOptions): PlannedRun[] {
  const t = o.quick ? QUICK : FULL;
  const depths = o.quick ? [0, 10_000] : [0, 100_000, 1_000_000];
  const runs: PlannedRun[] = depths.map((depth) => ({ system: ratchet, workload: depth === 0 ? ("one-activity" as const) : ("backlog" as const), config: { backlog: depth }, ...t }));
  for (const peer of [graphileWorker, pgBoss]) {
    if (!peer.workloads.includes("backlog")) continue;
    for (const depth of depths.filter((d) => d > 0)) runs.push({ system: peer, workload: "backlog", config: { backlog: depth }, ...t });
  }
  return runs;
}

/** Sustained load, sampling the hot table's size, dead tuples and autovacuum over time. */
function churn(o: SuiteOptions): PlannedRun[] {
  return [{ system: ratchet, workload: "churn", config: { durationMs: o.durationMs }, warmupMs: o.quick ? 500 : 5_000, windowMs: o.durationMs }];
}

/** The ceilings: the server's own commit rate, and the same queue statements with no engine around them. */
function baseline(o: SuiteOptions): PlannedRun[] {
  const t = o.quick ? QUICK : FULL;
  return [
    { system: pgbench, workload: "commits", config: {}, ...t },
    { system: sqlCeiling, workload: "fanout", config: { batch: 100 }, ...t },
    { system: sqlCeiling, workload: "fanout", config: { batch: 1 }, ...t },
    { system: sqlCeiling, workload: "steps", config: {}, ...t },
  ];
}

export function plan(suite: SuiteName | "all", options: SuiteOptions): PlannedRun[] {
  switch (suite) {
    case "throughput":
      return throughput(options);
    case "sweep":
      return sweep(options);
    case "backlog":
      return backlog(options);
    case "churn":
      return churn(options);
    case "baseline":
      return baseline(options);
    case "micro":
      return [];
    case "all":
      return [...baseline(options), ...throughput(options), ...sweep(options), ...backlog(options)];
  }
}
