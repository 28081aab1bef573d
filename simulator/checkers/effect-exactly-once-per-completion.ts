/**
 * effect-exactly-once-per-completion: an activity delivered at least once
 * takes its external effect exactly once, because it presents the step's
 * idempotency key (`runId:seq`) on every attempt.
 *
 * An *effect* here is one (step, service, operation): the mock services keep
 * one ledger per service, and a step that calls two services has two effects.
 * Asserts, over `effects` and `finalRuns`:
 * 1. at most once, always: no effect has more than one EffectRecord with
 *    applied: true, whether or not its step completed. Two applied records
 *    mean two keys for one step (e.g. keys made per attempt, so a retry after
 *    succeed-then-time-out applied it again): the violation lists the keys
 *    and attempts;
 * 2. at least once, for every completion: when a step has ActivityCompleted
 *    (or, run as a local activity, a marker with its result) in its run's final history and a call of one of its effects was
 *    answered "ok", that effect has an applied record.
 *
 * Why it is sound: with the step's key on every attempt, the ledger applies
 * the first call and answers every later one as a duplicate (applied: false),
 * so a correct engine and correct activities produce exactly one applied
 * record per effect, however often the activity ran (README, Guarantees 5).
 * The second rule only fires when the service said "ok", which it says only
 * after applying the key's effect or finding it applied; with no applied
 * record for this step, that effect was applied under another step (two
 * steps sharing a key). A completed step whose calls all failed is not
 * flagged: an activity may choose to swallow a service error.
 */
import type { CheckName, Checker, EffectRecord, SimRecord, Violation } from "../model.ts";
import { describeEffect, describeEvent, listOf } from "./evidence.ts";
import type { HistoryEvent } from "../../engine/index.ts";
import { groupBy, localMarkersOf, runIdOfStep, stepId, stepsOf } from "./record-index.ts";

const CHECK: CheckName = "effect-exactly-once-per-completion";

export const effectExactlyOncePerCompletion: Checker = (record) => {
  const completions = completionsByStep(record);
  const effects = groupBy(record.effects, (e) => `${e.step} ${e.service}.${e.operation}`);
  return [...effects.values()].flatMap((calls) => effectProblems(calls, completions));
};

/** `calls`: every call of one effect (step, service, operation), in record order; never empty. */
function effectProblems(calls: readonly EffectRecord[], completions: ReadonlyMap<string, HistoryEvent>): Violation[] {
  const first = calls[0];
  if (!first) return [];
  const base = { check: CHECK, workflowId: first.workflowId, runId: runIdOfStep(first.step) };
  const name = `${first.service}.${first.operation} of step ${first.step}`;
  const applied = calls.filter((c) => c.applied);
  const violations: Violation[] = [];
  if (applied.length > 1) {
    const keys = [...new Set(applied.map((c) => c.key))];
    const attempts = applied.map((c) => c.attempt);
    violations.push({ ...base, detail: `${name} was applied ${applied.length} times (keys ${listOf(keys)}; attempts ${listOf(attempts)})`, evidence: applied.map(describeEffect) });
  }
  const completion = completions.get(first.step);
  if (completion && applied.length === 0 && calls.some((c) => c.outcome === "ok")) {
    violations.push({
      ...base,
      detail: `${name} completed (${describeEvent(completion)}) and the service answered ok, but no call applied it for this step`,
      evidence: calls.map(describeEffect),
    });
  }
  return violations;
}

/** The ActivityCompleted of every step that has one, and the marker of every local activity that returned a result, by step id. */
function completionsByStep(record: SimRecord): Map<string, HistoryEvent> {
  const completions = new Map<string, HistoryEvent>();
  for (const run of record.finalRuns) {
    for (const step of stepsOf(run.history)) {
      const completed = step.results.find((r) => r.type === "ActivityCompleted");
      if (step.kind === "activity" && completed) completions.set(stepId(run.runId, step.seq), completed);
    }
    for (const marker of localMarkersOf(run.history)) if (marker.data.failure === undefined) completions.set(stepId(run.runId, marker.data.seq), marker);
  }
  return completions;
}
