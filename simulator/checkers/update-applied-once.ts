/**
 * update-applied-once: an update (client.update) is decided once and applied
 * once per run, however often its caller asks, and its caller is told what
 * the run recorded.
 *
 * Asserts, per run, for each update id in its final history:
 * 1. WorkflowUpdateRequested at most once: a repeated request (the driver
 *    retries under one update id after a lost reply or a timeout) is not
 *    appended again;
 * 2. decided at most once: one WorkflowUpdateAccepted or one
 *    WorkflowUpdateRejected, not both, nor either twice, and only after its
 *    request;
 * 3. answered at most once: one WorkflowUpdateCompleted at most, only after
 *    an acceptance. A rejected update has none: its handler never ran;
 * 4. an accepted update of a run that completed has its WorkflowUpdateCompleted
 *    (the simulator's workflows wait for their update handlers before they
 *    return, as Temporal's allHandlersFinished);
 * and, over `updates` (what the driver was told):
 * 5. an answer matches the outcome the workflow's runs recorded for that
 *    update id: a result is that WorkflowUpdateCompleted's result,
 *    UPDATE_REJECTED has a WorkflowUpdateRejected, UPDATE_FAILED a
 *    WorkflowUpdateCompleted with a failure. Attempts that got no answer
 *    (info) or another error assert nothing.
 *
 * Why it is sound: the store appends a request only if the run has none of
 * that id (one transaction with the run locked), the runtime decides each
 * delivered request once and answers an accepted one when its handler
 * settles, and the client reads the answer from the history it checks here.
 * Two runs of one workflow id may each take the same update id (once per run).
 */
import { isDeepStrictEqual } from "node:util";
import type { HistoryEvent } from "../../engine/index.ts";
import type { CheckName, Checker, FinalRun, UpdateRecord, Violation } from "../model.ts";
import { describeEvent } from "./evidence.ts";
import { groupBy } from "./record-index.ts";

const CHECK: CheckName = "update-applied-once";

type UpdateEventType = "WorkflowUpdateRequested" | "WorkflowUpdateAccepted" | "WorkflowUpdateRejected" | "WorkflowUpdateCompleted";
type UpdateEvent = Extract<HistoryEvent, { type: UpdateEventType }>;

function isUpdateEvent(e: HistoryEvent): e is UpdateEvent {
  return e.type === "WorkflowUpdateRequested" || e.type === "WorkflowUpdateAccepted" || e.type === "WorkflowUpdateRejected" || e.type === "WorkflowUpdateCompleted";
}

export const updateAppliedOnce: Checker = (record) => {
  const violations = record.finalRuns.flatMap(runProblems);
  const runsByWorkflow = groupBy(record.finalRuns, (r) => r.workflowId);
  for (const told of record.updates) {
    const problem = answerProblem(told, runsByWorkflow.get(told.workflowId) ?? []);
    if (problem) violations.push(problem);
  }
  return violations;
};

function runProblems(run: FinalRun): Violation[] {
  const byId = groupBy(run.history.filter(isUpdateEvent), (e) => e.data.updateId);
  const closedCompleted = run.history.at(-1)?.type === "WorkflowCompleted";
  return [...byId.entries()].flatMap(([updateId, events]) => {
    const detail = updateProblem(events, closedCompleted);
    return detail ? [{ check: CHECK, workflowId: run.workflowId, runId: run.runId, detail: `update ${updateId}: ${detail}`, evidence: events.map(describeEvent) }] : [];
  });
}

/** What is wrong with one update id's events in one run (history order), or null. */
function updateProblem(events: readonly UpdateEvent[], runCompleted: boolean): string | null {
  const of = (type: UpdateEventType) => events.filter((e) => e.type === type);
  const [requested, accepted, rejected, completed] = [of("WorkflowUpdateRequested"), of("WorkflowUpdateAccepted"), of("WorkflowUpdateRejected"), of("WorkflowUpdateCompleted")];
  if (requested.length > 1) return `requested ${requested.length} times in one run: a repeated request was appended again`;
  const decisions = accepted.length + rejected.length;
  if (decisions > 1) return `decided ${decisions} times (${accepted.length} accepted, ${rejected.length} rejected)`;
  if (completed.length > 1) return `answered ${completed.length} times: its handler was applied more than once`;
  const firstRequestId = requested[0]?.eventId ?? Infinity;
  if (decisions === 1 && [...accepted, ...rejected][0]!.eventId < firstRequestId) return "decided without (or before) its request";
  if (rejected.length === 1 && completed.length === 1) return "rejected, yet its handler ran and answered (WorkflowUpdateCompleted)";
  if (completed.length === 1 && !(accepted[0] && accepted[0].eventId < completed[0]!.eventId)) return "answered without an acceptance before it";
  if (runCompleted && accepted.length === 1 && completed.length === 0) return "accepted, but the run completed without answering it";
  return null;
}

/** Whether what the driver was told about an update matches what the workflow's runs recorded; null if it does (or nothing was told). */
function answerProblem(told: UpdateRecord, runs: readonly FinalRun[]): Violation | null {
  const expected = told.outcome === "ok" ? "WorkflowUpdateCompleted" : told.errorCode === "UPDATE_REJECTED" ? "WorkflowUpdateRejected" : told.errorCode === "UPDATE_FAILED" ? "WorkflowUpdateCompleted" : null;
  if (expected === null) return null;
  const outcomes = runs.flatMap((run) => run.history.filter((e): e is UpdateEvent => isUpdateEvent(e) && e.data.updateId === told.updateId && e.type !== "WorkflowUpdateRequested" && e.type !== "WorkflowUpdateAccepted").map((event) => ({ run, event })));
  const matches = outcomes.filter(({ event }) => {
    if (event.type !== expected) return false;
    if (event.type !== "WorkflowUpdateCompleted") return true;
    if (told.outcome === "ok") return event.data.failure === undefined && isDeepStrictEqual(event.data.result, told.result);
    return event.data.failure !== undefined;
  });
  if (matches.length > 0) return null;
  const said = told.outcome === "ok" ? `answered ${JSON.stringify(told.result)}` : `told ${told.errorCode}`;
  return {
    check: CHECK,
    workflowId: told.workflowId,
    ...(outcomes[0] ? { runId: outcomes[0].run.runId } : {}),
    detail: `update ${told.updateId}: the client was ${said} at ${told.atMs} ms, but no run of the workflow recorded that outcome${outcomes.length === 0 ? " (none recorded any)" : ""}`,
    evidence: outcomes.map(({ event }) => describeEvent(event)),
  };
}
