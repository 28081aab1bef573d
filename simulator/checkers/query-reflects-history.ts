/**
 * query-reflects-history: a query answers from a prefix of the run's
 * recorded history, so it never reports more than the history holds, and
 * later answers never go back.
 *
 * Asserts, over `queries` and `finalRuns`, per workflow id (the driver
 * queries signal-shape workflows, whose answer counts the step results the
 * code has seen and says how its waits went):
 * 1. an answered query's step count is at most the ActivityCompleted events
 *    in the workflow's final history, and a wait it reports "received" has
 *    its SignalReceived there;
 * 2. answers in query order never decrease in step count, and a wait once
 *    reported decided stays decided the same way.
 *
 * Why it is sound (no violation on a correct engine): query() reads the run's
 * history in one statement — a committed prefix — and replays it; the code
 * is deterministic, so its state is the state of that prefix. Histories are
 * append-only, so the final history extends every prefix a query read, and a
 * later query reads a longer (or equal) prefix. Nothing a query does is
 * written, so none of this can be its own doing.
 */
import type { CheckName, Checker, FinalRun, QueryRecord, Violation } from "../model.ts";
import { groupBy } from "./record-index.ts";

const CHECK: CheckName = "query-reflects-history";

export const queryReflectsHistory: Checker = (record) => {
  const runsOf = groupBy(record.finalRuns, (run) => run.workflowId);
  return [...groupBy(record.queries.filter((q) => q.outcome === "ok" && q.answer !== undefined), (q) => q.workflowId).entries()].flatMap(([workflowId, answered]) => {
    const runs = runsOf.get(workflowId) ?? [];
    const violations: Violation[] = [];
    const flag = (q: QueryRecord, detail: string, evidence: string[] = []) => violations.push({ check: CHECK, workflowId, detail: `query at ${q.atMs} ms: ${detail}`, evidence });
    const completed = (run: FinalRun) => run.history.filter((e) => e.type === "ActivityCompleted").length;
    const signalled = new Set(runs.flatMap((run) => run.history.flatMap((e) => (e.type === "SignalReceived" ? [e.data.name] : []))));
    const recorded = Math.max(0, ...runs.map(completed));
    let previous: QueryRecord | undefined;
    for (const q of [...answered].sort((a, b) => a.atMs - b.atMs)) {
      const a = q.answer!;
      if (a.receipts > recorded) flag(q, `answered ${a.receipts} completed steps, but the history records ${recorded}`);
      if (a.approve === "received" && !signalled.has("approve")) flag(q, "answered that the approval was received, but the history has no approve signal");
      if (a.confirm === "received" && !signalled.has("confirm")) flag(q, "answered that the confirmation was received, but the history has no confirm signal");
      const p = previous?.answer;
      if (previous && p) {
        const went = (was: string | null, now: string | null) => was !== null && was !== now;
        if (a.receipts < p.receipts || went(p.approve, a.approve) || went(p.confirm, a.confirm)) {
          flag(q, `went back: ${JSON.stringify(a)} after ${JSON.stringify(p)} at ${previous.atMs} ms`);
        }
      }
      previous = q;
    }
    return violations;
  });
};
