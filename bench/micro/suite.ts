/**
 * The micro-suite: tinybench timings of single engine operations, each as a
 * ratio against a database round trip (SELECT 1) measured in the same run,
 * on the same connection.
 *
 * The round trip is measured in short bursts just before and just after
 * every database task, and each task is divided by the mean of the two
 * bursts around it. On this shared machine the round trip itself drifted
 * 3x within two minutes (0.048 to 0.145 ms mean on PostgreSQL, other
 * sessions benchmarking on the same two cores), so one baseline taken at
 * the start did not cancel the noise; neighbouring bursts share a task's
 * conditions. The baseline row reports all bursts pooled.
 *
 * One run opens a fresh schema (PGlite in-process, or the server at a
 * postgres:// URL), warms up and runs each task in turn (warm-up right
 * before its own run, so caches and JIT state belong to that task), and
 * drops the schema. Operations run one at a time: these are latencies of
 * one caller, not throughput under load (the throughput harness measures that).
 */
import { Bench, type Task } from "tinybench";
import type { MicroResult } from "../model.ts";
import { openMicroDatabase } from "./database.ts";
import { replayTasks } from "./replay-tasks.ts";
import { roundTripTask, storeTasks } from "./store-tasks.ts";
import type { MicroTaskSpec } from "./task-spec.ts";

export const BASELINE_TASK = "round trip (SELECT 1)";

/** Every task, in the order the suite reports them. */
export const MICRO_TASK_NAMES = [
  BASELINE_TASK,
  "claim 1",
  "claim 10",
  "claim 100",
  "complete activity",
  "start workflow",
  "append event",
  "complete workflow task",
  "replay 10 events",
  "replay 100 events",
  "replay 1000 events",
] as const;

export interface MicroSuiteOptions {
  /** "pglite" (embedded) or a postgres:// URL, taken as given. */
  database: "pglite" | string;
  /** A few seconds in all, for smoke runs; the numbers are rough. */
  quick?: boolean;
  /** A line when the database is ready, and when each task starts and ends. */
  progress?: (line: string) => void;
  /** For tests: told how many tasks each timed claim leased. */
  onClaim?: (taskName: string, claimed: number) => void;
}

interface BenchSettings {
  time: number;
  iterations: number;
  warmupTime: number;
  warmupIterations: number;
}

/**
 * Per-task time budget (ms) and minimum samples; tinybench counts only timed
 * work against the budget. A baseline burst runs before and after every
 * database task.
 */
export const MICRO_SETTINGS: Record<"full" | "quick", { task: BenchSettings; baselineBurst: BenchSettings }> = {
  full: { task: { time: 1_000, iterations: 64, warmupTime: 250, warmupIterations: 16 }, baselineBurst: { time: 200, iterations: 32, warmupTime: 20, warmupIterations: 8 } },
  quick: { task: { time: 100, iterations: 10, warmupTime: 25, warmupIterations: 3 }, baselineBurst: { time: 20, iterations: 10, warmupTime: 5, warmupIterations: 2 } },
};

interface Measured {
  meanMs: number;
  p99Ms: number;
  samples: number;
  /** The latency samples (ms), kept for baseline bursts only. */
  latencies?: readonly number[];
}

export async function runMicroSuite(options: MicroSuiteOptions): Promise<MicroResult[]> {
  const settings = options.quick ? MICRO_SETTINGS.quick : MICRO_SETTINGS.full;
  const database = await openMicroDatabase(options.database);
  try {
    options.progress?.(`micro: ${database.description}, schema ${database.schema}${options.quick ? ", quick" : ""}`);
    const roundTrip = roundTripTask(database);
    const specs = [...storeTasks(database, { onClaim: options.onClaim }), ...replayTasks()];
    assertTaskNames([roundTrip, ...specs]);

    const bursts: Measured[] = [];
    const burst = async () => {
      const measured = await measure(roundTrip, settings.baselineBurst, true);
      bursts.push(measured);
      return measured;
    };
    const results: Array<{ spec: MicroTaskSpec; measured: Measured; vsBaseline: number | null }> = [];
    let before = await burst();
    for (const [i, spec] of specs.entries()) {
      options.progress?.(`micro ${i + 2}/${specs.length + 1} ${spec.name} ...`);
      const measured = await measure(spec, settings.task, false);
      let vsBaseline: number | null = null;
      if (spec.usesDatabase) {
        const after = await burst();
        vsBaseline = measured.meanMs / ((before.meanMs + after.meanMs) / 2);
        before = after;
      }
      results.push({ spec, measured, vsBaseline });
      options.progress?.(`micro ${i + 2}/${specs.length + 1} ${spec.name}: ${formatOps(1_000 / measured.meanMs)} ops/s, mean ${formatMs(measured.meanMs)} ms`);
    }
    const baseline = pooled(bursts);
    options.progress?.(`micro 1/${specs.length + 1} ${roundTrip.name}: ${formatOps(1_000 / baseline.meanMs)} ops/s, mean ${formatMs(baseline.meanMs)} ms (${bursts.length} bursts)`);

    return [{ spec: roundTrip, measured: baseline, vsBaseline: 1 }, ...results].map(({ spec, measured, vsBaseline }) => ({
      name: spec.name,
      database: database.kind,
      opsPerSecond: round(1_000 / measured.meanMs, 1),
      meanMs: round(measured.meanMs, 4),
      p99Ms: round(measured.p99Ms, 4),
      samples: measured.samples,
      vsBaseline: vsBaseline === null ? null : round(vsBaseline, 2),
    }));
  } finally {
    await database.close();
  }
}

/** Warm a task up, then run it: a Bench of its own, so its warm-up directly precedes its run. */
async function measure(spec: MicroTaskSpec, settings: BenchSettings, keepSamples: boolean): Promise<Measured> {
  const bench = new Bench({ ...settings, warmup: true, throws: true, retainSamples: keepSamples });
  bench.add(spec.name, spec.fn, { async: true, ...spec.hooks });
  const task = bench.tasks[0]!;
  await task.warmup();
  await task.run();
  return statistics(task, keepSamples);
}

function statistics(task: Task, keepSamples: boolean): Measured {
  const result = task.result;
  if (result.state === "errored") throw result.error;
  if (result.state !== "completed") throw new Error(`micro task ${task.name} ended ${result.state}`);
  const { mean, p99, samplesCount, samples } = result.latency;
  if (!(mean > 0) || samplesCount < 1) throw new Error(`micro task ${task.name} measured no time (mean ${mean} ms over ${samplesCount} samples)`);
  return { meanMs: mean, p99Ms: p99, samples: samplesCount, latencies: keepSamples ? [...(samples ?? [])] : undefined };
}

/** All baseline bursts as one measurement. */
function pooled(bursts: readonly Measured[]): Measured {
  const all = bursts.flatMap((b) => b.latencies ?? []).sort((a, b) => a - b);
  if (all.length === 0) throw new Error("no baseline samples");
  return { meanMs: all.reduce((sum, x) => sum + x, 0) / all.length, p99Ms: quantile(all, 0.99), samples: all.length };
}

/** Linear interpolation between order statistics (as tinybench computes its percentiles). */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

function assertTaskNames(specs: readonly MicroTaskSpec[]): void {
  const names = specs.map((s) => s.name);
  if (names.join("\n") !== MICRO_TASK_NAMES.join("\n")) throw new Error(`micro tasks ${JSON.stringify(names)} differ from MICRO_TASK_NAMES`);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function formatOps(opsPerSecond: number): string {
  return opsPerSecond >= 100 ? Math.round(opsPerSecond).toLocaleString("en-US") : opsPerSecond.toFixed(1);
}

export function formatMs(ms: number): string {
  return ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}
