/**
 * The targets, each a ratio of two results measured in the same
 * run. A target whose two sides did not both run is "not measured", never
 * guessed.
 */
import type { Result, SystemName, TargetOutcome, WorkloadName } from "../model.ts";

function best(results: readonly Result[], system: SystemName, workloads: readonly WorkloadName[]): Result | undefined {
  return results.filter((r) => r.system === system && workloads.includes(r.workload) && r.perSecond > 0).sort((a, b) => b.perSecond - a.perSecond)[0];
}

function ratioTarget(name: string, statement: string, required: number, subject: Result | undefined, baseline: Result | undefined, missing: string): TargetOutcome {
  if (!subject || !baseline) return { name, statement, ratio: null, required, met: null, detail: missing };
  const ratio = Math.round((subject.perSecond / baseline.perSecond) * 100) / 100;
  return {
    name,
    statement,
    ratio,
    required,
    met: ratio >= required,
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
          ratio: Math.round(((1.5 * graphileLatency.p50) / Math.max(ratchetLatency.p50, 0.01)) * 100) / 100,
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
  if (churn?.samples) {
    const five = churn.samples.find((s) => s.atMs >= 5 * 60_000) ?? churn.samples[0]!;
    const last = churn.samples.at(-1)!;
    const size = (s: typeof last) => s.tableBytes + s.indexBytes;
    const ratio = Math.round((size(five) / Math.max(1, size(last))) * 100) / 100;
    targets.push({
      name: "churn",
      statement: "after sustained load, the hot table and its indexes stay within 2x their size at five minutes (ratio: size at 5 min / size at end >= 0.5)",
      ratio,
      required: 0.5,
      met: ratio >= 0.5,
      detail: `${size(five)} bytes at ${Math.round(five.atMs / 1000)} s, ${size(last)} bytes at ${Math.round(last.atMs / 1000)} s${last.atMs < 60 * 60_000 ? " (a shorter run than the target's hour)" : ""}`,
    });
  } else {
    targets.push({ name: "churn", statement: "after an hour of load, the hot table and its indexes stay within 2x their size at five minutes", ratio: null, required: 0.5, met: null, detail: "needs a churn run (ratchet bench churn --duration 60m)" });
  }
  return targets;
}
