/**
 * A made-up BenchReport with every kind of data the renderer handles:
 * several systems per workload, a workers and a batch sweep that share a
 * point, a backlog sweep, a latency result, a churn result with samples, a
 * peer that could not run, micro results, and targets met, not met and not
 * measured. The numbers are plausible, not measured.
 */
import type { BenchReport, ChurnSample, LatencyPercentiles, Result } from "../../bench/model.ts";

function latency(p50: number, p95: number, p99: number): LatencyPercentiles {
  return { p50, p95, p99, samples: 1000 };
}

function result(partial: Partial<Result> & Pick<Result, "system" | "workload" | "perSecond" | "unit">): Result {
  return {
    config: {},
    count: Math.round(partial.perSecond * 10),
    windowMs: 10_000,
    scheduleToStartMs: latency(2.1, 6.4, 12.8),
    endToEndMs: latency(4.5, 11, 25),
    commitsPerUnit: 1.2,
    walBytesPerUnit: 1900,
    cpu: { nodeCpuSeconds: 6, postgresCpuSeconds: 12, nodeShare: 1 / 3 },
    notes: [],
    ...partial,
  };
}

const MINUTE_MS = 60_000;

/** Twelve samples, five minutes apart: the table grows, autovacuum and the engine's maintenance trim dead tuples. */
export function churnSamples(): ChurnSample[] {
  return Array.from({ length: 12 }, (_, i) => ({
    atMs: i * 5 * MINUTE_MS,
    tableBytes: 8 * 1024 * 1024 + i * 400 * 1024,
    indexBytes: 2 * 1024 * 1024 + i * 150 * 1024,
    liveTuples: 20_000,
    deadTuples: (i % 3) * 9_000 + 500,
    autovacuumCount: Math.floor(i / 3),
    vacuumCount: i * 6,
    perSecond: 1_800 + (i % 2) * 50,
  }));
}

export function syntheticReport(): BenchReport {
  const steps = (workers: number, batch: number, perSecond: number) =>
    result({ system: "ratchet", workload: "steps", perSecond, unit: "steps", config: { workers, batch, concurrency: workers * 10 } });
  return {
    machine: { cpus: 2, cpuModel: "Example CPU @ 2.20GHz", memoryBytes: 8 * 1024 ** 3, platform: "linux x64", databaseHost: "localhost (same machine)" },
    versions: { node: "20.20.0", postgres: "15.8", ratchet: "0.1.0", "graphile-worker": "0.17.3", "pg-boss": "10.4.2", dbos: "5.3.0" },
    settings: { shared_buffers: "128MB", synchronous_commit: "on", quick: false, warmupMs: 2000, windowMs: 10000 },
    command: "npx ratchet bench all --json --db postgres://localhost/bench > results.json",
    startedAt: "2025-06-01T10:00:00.000Z",
    results: [
      // A workers sweep at batch 100 and a batch sweep at 4 workers, sharing workers 4 / batch 100.
      steps(1, 100, 3_100),
      steps(2, 100, 5_600),
      steps(4, 100, 9_800),
      steps(8, 100, 10_400),
      steps(4, 1, 1_900),
      steps(4, 10, 6_200),
      result({ system: "graphile-worker", workload: "steps", perSecond: 14_000, unit: "steps", config: { workers: 4, batch: 100, localQueueSize: 500 } }),
      result({ system: "graphile-worker", workload: "steps", perSecond: 7_500, unit: "steps", config: { workers: 2, batch: 100, localQueueSize: 500 } }),
      result({ system: "dbos", workload: "steps", perSecond: 870, unit: "steps", config: { workers: 4 } }),
      result({ system: "ratchet", workload: "fanout", perSecond: 21_000, unit: "tasks", config: { workers: 4, batch: 100 } }),
      result({ system: "graphile-worker", workload: "fanout", perSecond: 25_000, unit: "tasks", config: { workers: 4, batch: 500 } }),
      result({
        system: "pg-boss",
        workload: "fanout",
        perSecond: 0,
        unit: "tasks",
        config: { workers: 4, batch: 100 },
        scheduleToStartMs: null,
        endToEndMs: null,
        commitsPerUnit: null,
        walBytesPerUnit: null,
        cpu: null,
        notes: ["could not run: connection limit | 100 reached"],
      }),
      result({ system: "ratchet", workload: "latency", perSecond: 180, unit: "workflows", scheduleToStartMs: latency(1.6, 3.2, 7.9) }),
      result({ system: "graphile-worker", workload: "latency", perSecond: 210, unit: "workflows", scheduleToStartMs: latency(1.2, 2.5, 4.1) }),
      result({ system: "pg-boss", workload: "latency", perSecond: 95, unit: "workflows", scheduleToStartMs: latency(480, 950, 1_010) }),
      result({ system: "ratchet", workload: "backlog", perSecond: 4_200, unit: "workflows", config: { backlog: 0 } }),
      result({ system: "ratchet", workload: "backlog", perSecond: 4_000, unit: "workflows", config: { backlog: 100_000 } }),
      result({ system: "ratchet", workload: "backlog", perSecond: 3_100, unit: "workflows", config: { backlog: 1_000_000 } }),
      result({ system: "pg-boss", workload: "backlog", perSecond: 4_400, unit: "workflows", config: { backlog: 0 } }),
      result({ system: "pg-boss", workload: "backlog", perSecond: 60, unit: "workflows", config: { backlog: 100_000 } }),
      result({ system: "ratchet", workload: "churn", perSecond: 1_820, unit: "workflows", config: { durationMs: 55 * MINUTE_MS }, samples: churnSamples() }),
      result({ system: "pgbench", workload: "commits", perSecond: 4_600, unit: "commits", scheduleToStartMs: null, endToEndMs: null, cpu: null }),
    ],
    micro: [
      { name: "select 1", database: "postgres", opsPerSecond: 9_800, meanMs: 0.102, p99Ms: 0.31, samples: 5_000, vsBaseline: 1 },
      { name: "claim 10", database: "postgres", opsPerSecond: 2_450, meanMs: 0.408, p99Ms: 1.2, samples: 2_000, vsBaseline: 0.25 },
      { name: "replay 100 events", database: "pglite", opsPerSecond: 31_000, meanMs: 0.032, p99Ms: 0.09, samples: 10_000, vsBaseline: null },
    ],
    targets: [
      { name: "steps vs dbos", statement: "ratchet steps/s >= 10 x dbos steps/s", ratio: 11.95, required: 10, met: true, detail: "10.4k vs 870 steps/s" },
      {
        name: "steps vs graphile-worker",
        statement: "ratchet steps/s >= 0.5 x graphile-worker steps/s",
        ratio: 0.74,
        required: 0.5,
        met: true,
        detail: "10.4k vs 14k steps/s",
      },
      { name: "fanout vs graphile-worker", statement: "ratchet tasks/s >= 1.0 x graphile-worker tasks/s", ratio: 0.84, required: 1, met: false, detail: "21k vs 25k tasks/s" },
      { name: "backlog 1M", statement: "ratchet workflows/s at 1M waiting >= 0.8 x at 0 waiting", ratio: 0.738, required: 0.8, met: false, detail: "3.1k vs 4.2k workflows/s" },
      { name: "one-activity vs dbos", statement: "ratchet workflows/s >= 10 x dbos workflows/s", ratio: null, required: 10, met: null, detail: "dbos did not run the one-activity workload" },
    ],
  };
}
