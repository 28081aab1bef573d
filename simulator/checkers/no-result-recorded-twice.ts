/**
 * no-result-recorded-twice: each command's outcome is recorded once, for a
 * command that was issued and still live, and a run closes once.
 *
 * Asserts, for every run in `finalRuns`:
 * 1. each activity seq has at most one result (ActivityCompleted and
 *    ActivityFailed together), each timer seq at most one TimerFired;
 * 2. no result comes after its step's cancellation (ActivityCancelled /
 *    TimerCancelled), and none without an earlier ActivityScheduled /
 *    TimerStarted of its seq;
 * 3. at most one terminal event (WorkflowCompleted, WorkflowFailed,
 *    WorkflowCancelled), and if there is one it is the last event;
 * 4. the run's status agrees with its history: "running" has no terminal
 *    event; "completed", "failed" and "cancelled" end with WorkflowCompleted,
 *    WorkflowFailed and WorkflowCancelled ("terminated" has no event).
 *
 * Why it is sound: a result is written in the transaction that deletes its
 * task, fenced by the task's lease token (README, Guarantees 4), so a second
 * result, or a result after a cancellation or a close (both delete the task
 * in their own transaction), finds no task and changes nothing; tasks are
 * only created by the transaction that records their command. A workflow
 * task appends nothing after a terminal command and closes the run in the
 * same transaction, and every later transition of a closed run is refused
 * (signals need a running run; results need the deleted task). A result
 * recorded *before* its cancellation is fine: the cancelling workflow task
 * loaded the history before the result arrived. Assumes, as the model says,
 * that finalRuns is read after the workers stopped, so status and history
 * are one moment's state.
 */
import type { RunStatus } from "../../engine/index.ts";
import { TERMINAL_EVENT_TYPES, type EventType } from "../../engine/history/events.ts";
import type { CheckName, Checker, FinalRun, Violation } from "../model.ts";
import { describeEvent, describeLastEvents } from "./evidence.ts";
import { stepsOf, type Step } from "./record-index.ts";

const CHECK: CheckName = "no-result-recorded-twice";

/** The terminal event each closed status must end with; null: none allowed; undefined: no event defined. */
const TERMINAL_EVENT_OF_STATUS: Record<RunStatus, EventType | null | undefined> = {
  running: null,
  completed: "WorkflowCompleted",
  failed: "WorkflowFailed",
  cancelled: "WorkflowCancelled",
  terminated: "WorkflowTerminated",
  continuedAsNew: "WorkflowContinuedAsNew",
};

export const noResultRecordedTwice: Checker = (record) =>
  record.finalRuns.flatMap((run) => {
    const problems = [...stepsOf(run.history).flatMap(stepProblems), ...closeProblems(run)];
    return problems.map(({ detail, evidence }) => ({ check: CHECK, workflowId: run.workflowId, runId: run.runId, detail: `run ${run.runId}: ${detail}`, evidence }));
  });

type Problem = Pick<Violation, "detail" | "evidence">;

function stepProblems(step: Step): Problem[] {
  const problems: Problem[] = [];
  const name = `${step.kind} seq ${step.seq}`;
  if (step.results.length > 1) {
    problems.push({ detail: `${name} has ${step.results.length} results recorded`, evidence: step.results.map(describeEvent) });
  }
  const cancelled = step.cancellations[0];
  const afterCancel = cancelled ? step.results.filter((r) => r.eventId > cancelled.eventId) : [];
  if (cancelled && afterCancel.length > 0) {
    problems.push({ detail: `${name} has a result recorded after its cancellation`, evidence: [describeEvent(cancelled), ...afterCancel.map(describeEvent)] });
  }
  const command = step.command;
  const orphans = step.results.filter((r) => command === undefined || r.eventId < command.eventId);
  if (orphans.length > 0) {
    const issued = command ? `only at ${describeEvent(command)}` : "never";
    problems.push({ detail: `${name} has a result recorded for a command issued ${issued}`, evidence: orphans.map(describeEvent) });
  }
  return problems;
}

function closeProblems(run: FinalRun): Problem[] {
  const terminals = run.history.filter((e) => TERMINAL_EVENT_TYPES.has(e.type));
  const last = run.history.at(-1);
  const problems: Problem[] = [];
  if (terminals.length > 1) {
    problems.push({ detail: `${terminals.length} terminal events recorded`, evidence: terminals.map(describeEvent) });
  } else if (terminals[0] !== undefined && terminals[0] !== last) {
    const after = run.history.slice(run.history.indexOf(terminals[0]));
    problems.push({ detail: `events recorded after the terminal ${terminals[0].type}`, evidence: after.map(describeEvent) });
  }
  const expected = TERMINAL_EVENT_OF_STATUS[run.status];
  if (expected === null && terminals.length > 0) {
    problems.push({ detail: `status is running, but the history is closed`, evidence: terminals.map(describeEvent) });
  } else if (expected && last?.type !== expected) {
    problems.push({ detail: `status is ${run.status}, but the history does not end with ${expected}`, evidence: describeLastEvents(run.history) });
  }
  return problems;
}
