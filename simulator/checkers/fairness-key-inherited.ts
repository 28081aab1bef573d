/**
 * fairness-key-inherited: a run's fairness key is the one its start asked
 * for, it passes to the runs that carry the workflow on and to its
 * children, and every task of the run carries it. (The driver gives most
 * starts one of a few tenants' keys; even-numbered workers claim fairly.)
 *
 * Asserts, over `starts`, `finalRuns` and `taskKeys`:
 * 1. a run an acknowledged start created has the key that start asked for
 *    ("" for none);
 * 2. a run continued as new has its predecessor's key, and a child's first
 *    run its parent run's key;
 * 3. every workflow or activity task read from the tasks table during the
 *    run carried its run's key.
 *
 * Why it is sound (README, Namespaces and fairness): the key is written on
 * the run row by the start and never changed; a continued run and a child
 * are inserted with their creating run's key, in the transaction of the
 * decision that creates them; every task a run creates (its workflow tasks,
 * from its start, a signal, an update or a resolution, and its activity
 * tasks) copies the run's key as it is inserted, and a retry or a re-claim
 * updates the task in place. Faults lose or repeat whole transactions,
 * never part of one. Not asserted: who claims first. That fair claims let a
 * small tenant past a big one's burst is measured by bench/fairness, not
 * checked here: crashes, restarts and lease expiry reorder claims under
 * faults, and oldest-first workers share the queue, so no order is
 * promised.
 */
import type { CheckName, Checker, FinalRun, Violation } from "../model.ts";
import { describeEvent } from "./evidence.ts";
import { continuedFromOf, parentOf, runOfStart, runsById } from "./record-index.ts";

const CHECK: CheckName = "fairness-key-inherited";

export const fairnessKeyInherited: Checker = (record) => {
  const runs = runsById(record);
  const violations: Violation[] = [];
  const found = (run: FinalRun, detail: string, evidence: string[] = []): Violation => ({ check: CHECK, workflowId: run.workflowId, runId: run.runId, detail, evidence });
  for (const start of record.starts) {
    if (start.outcome !== "ok") continue;
    const run = runOfStart(start, runs, record.finalRuns);
    const asked = start.fairnessKey ?? "";
    if (run && run.fairnessKey !== asked) violations.push(found(run, `run ${run.runId} has fairness key ${show(run.fairnessKey)}, but its start asked for ${show(asked)}`));
  }
  for (const run of record.finalRuns) {
    const from = continuedFromOf(run);
    const predecessor = from === undefined ? undefined : runs.get(from);
    if (predecessor && predecessor.fairnessKey !== run.fairnessKey) {
      violations.push(found(run, `run ${run.runId} continued run ${predecessor.runId} as new, but has fairness key ${show(run.fairnessKey)}, not its predecessor's ${show(predecessor.fairnessKey)}`));
    }
    const parent = from === undefined ? parentOf(run) : undefined;
    const parentRun = parent === undefined ? undefined : runs.get(parent.runId);
    if (parentRun && parentRun.fairnessKey !== run.fairnessKey) {
      violations.push(found(run, `child run ${run.runId} has fairness key ${show(run.fairnessKey)}, not its parent run ${parentRun.runId}'s ${show(parentRun.fairnessKey)}`, run.history.slice(0, 1).map(describeEvent)));
    }
  }
  const wrongTasks = new Map<string, string[]>();
  for (const task of record.taskKeys) {
    const run = runs.get(task.runId);
    if (!run || run.fairnessKey === task.fairnessKey) continue;
    const seen = wrongTasks.get(run.runId) ?? [];
    seen.push(`${task.kind} task with key ${show(task.fairnessKey)} at ${task.atMs} ms`);
    wrongTasks.set(run.runId, seen);
  }
  for (const [runId, seen] of wrongTasks) {
    const run = runs.get(runId)!;
    violations.push(found(run, `run ${runId} has fairness key ${show(run.fairnessKey)}, but ${seen.length} of its tasks read during the run carried another`, seen));
  }
  return violations;
};

function show(key: string): string {
  return key === "" ? "none" : JSON.stringify(key);
}
