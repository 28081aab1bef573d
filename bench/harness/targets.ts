/**
 * The targets, each a ratio of two results measured in the same
 * run. A target whose two sides did not both run is "not measured", never
 * guessed.
 */
import type { Result, SystemName, TargetOutcome, WorkloadName } from "../model.ts";

function best(results: readonly Result[], system: SystemName, workloads: readonly WorkloadName[]): Result | undefined {
  return results.filter((r) => r.system === system && workloads.includes(r.workload) && r.perSecond > 0).sort((a, b) => b.perSecond - a.perSecond)[0];
}

/** Ratios are shown to two decimals; whether a target is met is judged on the exact ratio (0.499 is not 0.5). */
function shown(ratio: number): number {
  return Math.round(ratio * 100) / 100;
}

function ratioTarget(name: string, statement: string, required: number, subject: Result | undefined, baseline: Result | undefined, missing: string): TargetOutcome {
  if (!subject || !baseline) return { name, statement, ratio: null, required, met: null, detail: missing };
  const exact = subject.perSecond / baseline.perSecond;
  return {
    name,
    statement,
    ratio: shown(exact),
    required,
    met: exact >= required,
    detail: `${subject.system} ${subject.perSecond} ${subject.unit}/s vs ${baseline.system} ${baseline.perSecond} ${baseline.unit}/s`,
  };
}

export function evaluateTargets(results: readonly Result[]): TargetOutcome[] {
  const targets: TargetOutcome[] = [];
  const ratchetSteps = best(results, "ratchet", ["steps"]);
  const dbosSteps = best(results, "dbos", ["steps"]);
  const graphileBest = best(results, "graphile-worker", ["fanout", "one-activity", "backlog", "steps"]);
  targets.push(ratioTarget("steps vs dbos", "ratchet steps/s in 10-activity workflows >= 10 x dbos steps/s", 10, ratchetSteps, dbosSteps, "needs ratchet and dbos steps results"));
  targets.push(
    ratioTarget("steps vs graphile-worker", "ratchet steps/s >= 0.5 x graphile-worker's best batched jobs/s", 0.5, ratchetSteps, graphileBest, "needs ratchet steps and graphile-worker results"),
  );
  targets.push(
    ratioTarget("fanout vs graphile-worker", "ratchet activity tasks/s (fan-out of 1,000) >= 1.0 x graphile-worker's best batched jobs/s", 1, best(results, "ratchet", ["fanout"]), graphileBest, "needs ratchet fanout and graphile-worker results"),
  );
  targets.push(
    ratioTarget("one-activity vs dbos", "ratchet one-activity workflows/s >= 10 x dbos one-step workflows/s", 10, best(results, "ratchet", ["one-activity"]), best(results, "dbos", ["one-activity"]), "needs ratchet and dbos one-activity results"),
  );

  const ratchetLatency = results.find((r) => r.system === "ratchet" && r.workload === "latency")?.scheduleToStartMs;
  const graphileLatency = results.find((r) => r.system === "graphile-worker" && r.workload === "latency")?.scheduleToStartMs;
  targets.push(
    ratchetLatency && graphileLatency
      ? {
          name: "latency vs graphile-worker",
          statement: "ratchet schedule-to-start p50 on an idle system <= 1.5 x graphile-worker's (ratio: 1.5 x graphile p50 / ratchet p50 >= 1)",
          ratio: shown((1.5 * graphileLatency.p50) / Math.max(ratchetLatency.p50, 0.01)),
          required: 1,
          met: ratchetLatency.p50 <= 1.5 * graphileLatency.p50,
          detail: `ratchet p50 ${ratchetLatency.p50} ms vs graphile-worker p50 ${graphileLatency.p50} ms`,
        }
      : { name: "latency vs graphile-worker", statement: "ratchet schedule-to-start p50 <= 1.5 x graphile-worker's", ratio: null, required: 1, met: null, detail: "needs both latency results" },
  );

  const deepest = results.filter((r) => r.system === "ratchet" && r.workload === "backlog").sort((a, b) => Number(b.config.backlog) - Number(a.config.backlog))[0];
  const empty = results.find((r) => r.system === "ratchet" && r.workload === "one-activity" && Number(r.config.backlog ?? 0) === 0);
  targets.push(
    ratioTarget(
      "backlog",
      `ratchet throughput with ${deepest ? Number(deepest.config.backlog).toLocaleString("en") : "1,000,000"} tasks waiting >= 0.8 x with an empty backlog`,
      0.8,
      deepest,
      empty,
      "needs ratchet backlog and empty-backlog one-activity results",
    ),
  );

  const churn = results.find((r) => r.system === "ratchet" && r.workload === "churn" && (r.samples?.length ?? 0) > 1);
  if (churn?.samples) targets.push(churnTarget(churn.samples));
  else {
    targets.push({ name: "churn", statement: "after an hour of load, the hot table and its indexes stay within 2x their size at five minutes", ratio: null, required: 0.5, met: null, detail: "needs a churn run (ratchet bench churn --duration 60m)" });
  }
  return targets;
}

/** The window around five minutes whose peak is "the size at five minutes", and the share of the run at its end whose peak is compared with it. */
export const CHURN_EARLY_WINDOW_MS: readonly [number, number] = [3 * 60_000, 7 * 60_000];
export const CHURN_LATE_SHARE = 1 / 6;

/**
 * Churn: the hot table and its indexes, after sustained load, within 2x
 * their size at five minutes. Vacuum makes the size a sawtooth (it grows
 * between vacuums and drops after each), so single samples compare random
 * phases of it; the target compares peaks: the largest size in minutes 3-7
 * with the largest in the last sixth of the run. The endpoints are given in
 * the detail too.
 */
export function churnTarget(samples: NonNullable<Result["samples"]>): TargetOutcome {
  const size = (s: (typeof samples)[number]) => s.tableBytes + s.indexBytes;
  const endMs = samples.at(-1)!.atMs;
  const early = samples.filter((s) => s.atMs >= CHURN_EARLY_WINDOW_MS[0] && s.atMs <= CHURN_EARLY_WINDOW_MS[1]);
  const earlyPeak = Math.max(...(early.length > 0 ? early : samples.slice(0, 1)).map(size));
  const latePeak = Math.max(...samples.filter((s) => s.atMs >= endMs * (1 - CHURN_LATE_SHARE)).map(size));
  const exact = earlyPeak / Math.max(1, latePeak);
  const five = samples.find((s) => s.atMs >= 5 * 60_000) ?? samples[0]!;
  const last = samples.at(-1)!;
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  return {
    name: "churn",
    statement:
      "after sustained load, the hot table and its indexes stay within 2x their size at five minutes (ratio: peak size in minutes 3-7 / peak size in the last sixth of the run >= 0.5)",
    ratio: shown(exact),
    required: 0.5,
    met: exact >= 0.5,
    detail:
      `peaks ${mb(earlyPeak)} (minutes 3-7) and ${mb(latePeak)} (last sixth, to ${Math.round(endMs / 60_000)} min); ` +
      `endpoints ${mb(size(five))} at ${Math.round(five.atMs / 1000)} s and ${mb(size(last))} at ${Math.round(last.atMs / 1000)} s` +
      `${endMs < 60 * 60_000 ? " (a shorter run than the target's hour)" : ""}`,
  };
}
