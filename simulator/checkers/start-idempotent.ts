/**
 * start-idempotent: a start repeated with its request id never makes a
 * second run.
 *
 * Asserts, over `starts` and `finalRuns`, per workflow id:
 * 1. every acknowledged ("ok") start carrying the same request id returned
 *    the same run;
 * 2. the runs that starts created (every run but those continue-as-new
 *    started) are no more than the distinct request ids its starts carried,
 *    plus its starts that carried none and may have landed ("ok" or "info").
 *
 * Why it is sound (no violation on a correct engine): a start with a request
 * id first looks the id up, in its transaction, and returns the run found
 * (README, Client); a unique index on (workflow id, request id) backs it,
 * and racing repeats wait on the running run's index and then find it. So
 * one request id yields at most one run whether the first attempt's reply
 * was lost or not, and whether its run is still running or has closed. The
 * driver gives each planned start one request id for all its retries.
 */
import type { CheckName, Checker, Violation } from "../model.ts";
import { continuedFromOf, groupBy } from "./record-index.ts";

const CHECK: CheckName = "start-idempotent";

export const startIdempotent: Checker = (record) => {
  const runsOf = groupBy(record.finalRuns, (run) => run.workflowId);
  return [...groupBy(record.starts, (start) => start.workflowId).entries()].flatMap(([workflowId, starts]): Violation[] => {
    const violations: Violation[] = [];
    for (const [requestId, same] of groupBy(starts.filter((s) => s.requestId !== undefined), (s) => s.requestId!)) {
      const returned = [...new Set(same.filter((s) => s.outcome === "ok").map((s) => s.runId))];
      if (returned.length > 1) {
        violations.push({
          check: CHECK,
          workflowId,
          detail: `starts of ${workflowId} with request id ${requestId} were acknowledged with ${returned.length} different runs: ${returned.join(", ")}`,
          evidence: same.map((s) => `start ${s.outcome} at ${s.atMs} ms${s.runId === undefined ? "" : ` (run ${s.runId})`}`),
        });
      }
    }
    const requestIds = new Set(starts.flatMap((s) => (s.requestId === undefined ? [] : [s.requestId])));
    const unkeyed = starts.filter((s) => s.requestId === undefined && s.outcome !== "fail").length;
    const started = (runsOf.get(workflowId) ?? []).filter((run) => continuedFromOf(run) === undefined);
    if (started.length > requestIds.size + unkeyed) {
      violations.push({
        check: CHECK,
        workflowId,
        runId: started[started.length - 1]!.runId,
        detail: `${workflowId} has ${started.length} runs that starts created, but its starts carried ${requestIds.size} request id(s)${unkeyed > 0 ? ` and ${unkeyed} start(s) without one` : ""}: a repeated start made another run`,
        evidence: started.map((run) => `run ${run.runId} (${run.status})`),
      });
    }
    return violations;
  });
};
