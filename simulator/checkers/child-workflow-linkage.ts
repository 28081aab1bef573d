/**
 * child-workflow-linkage: a parent's decision to start a child and the
 * child's run name each other, the parent learns exactly how the child
 * ended, and a parent's close reaches the children it was to end.
 *
 * Asserts, over `finalRuns` (and `openAtDeadline` for the last two):
 * 1. started as asked: every ChildWorkflowInitiated whose start did not fail
 *    is followed by ChildWorkflowStarted naming the same run (unless the
 *    same decisions closed the parent: the engine then records neither),
 *    and that run is in the database: of the asked workflow id, beginning
 *    with a WorkflowStarted that names this parent (workflow id, run id,
 *    seq) and has the asked workflow type, task queue and input. A start
 *    that failed (ChildWorkflowStartFailed) started no run;
 * 2. started by its parent: every run whose WorkflowStarted names a parent
 *    has that parent run, of that workflow id, whose ChildWorkflowInitiated
 *    of that seq names this run (a child's continued run: the same parent
 *    as its predecessor);
 * 3. told the truth: a ChildWorkflowCompleted or ChildWorkflowFailed in a
 *    parent is the only one of its seq, follows that seq's
 *    ChildWorkflowInitiated, names the last run of the child's
 *    continue-as-new chain, and matches how that run closed: completed with
 *    an equal result, or the status it failed with (failed, cancelled,
 *    terminated);
 * 4. told at all: a child whose last run closed for good by healAtMs, while
 *    its parent run is still running at the end, has its close in the
 *    parent's history;
 * 5. ended with its parent: a parent run that closed by healAtMs leaves no
 *    child it started with parentClosePolicy terminate running at the
 *    liveness deadline, and none with requestCancel running there without
 *    a WorkflowCancelRequested in its chain (whether the child's code then
 *    ends is its own business).
 *
 * Why it is sound (no violation on a correct engine): the parent's decision
 * records ChildWorkflowInitiated and inserts the child's run (row,
 * WorkflowStarted with the parent, first task) in one transaction, with
 * ChildWorkflowStarted appended after the decisions — or, if the id has a
 * running run, ChildWorkflowStartFailed and no run (README, Child
 * workflows); a lost commit reply committed all or nothing, a stale lease
 * or run version writes nothing. A closing decision drops those
 * resolutions, so 1 does not require them then. Run ids are drawn once per
 * command from the parent's seeded PRNG, and a continue-as-new chain keeps
 * its parent columns. A child's close is delivered only when its chain's
 * last run closes for good, as a timer-kind task of the parent inserted in
 * that close's transaction, only while the parent runs, one per (run, seq),
 * appending the close as it was written. 4 and 5 are liveness under the
 * scenario's bound, like terminal-after-heal: the delivery, or the parent's
 * close action (terminate, requestCancel), is a task that exists by
 * healAtMs, and after the heal every task is claimed and run within the
 * bound. A time recorded at or before healAtMs was by then in the past:
 * after the heal every clock is true, and a clock ahead only records later
 * times (fewer runs asserted). A run open at the end was open at the
 * deadline, and at any earlier time (runs never reopen).
 */
import { isDeepStrictEqual } from "node:util";
import type { HistoryEvent } from "../../engine/index.ts";
import { TERMINAL_EVENT_TYPES } from "../../engine/history/events.ts";
import type { CheckName, Checker, FinalRun, SimRecord, Violation } from "../model.ts";
import { describeEvent, listOf } from "./evidence.ts";
import { childChainOf, childInitiatedAt, childInitiationsOf, continuedFromOf, groupBy, parentOf, runsById, type ChildInitiatedEvent } from "./record-index.ts";

const CHECK: CheckName = "child-workflow-linkage";

type DeliveryEvent = Extract<HistoryEvent, { type: "ChildWorkflowCompleted" | "ChildWorkflowFailed" }>;
type ChildStartedEvent = Extract<HistoryEvent, { type: "ChildWorkflowStarted" }>;

export const childWorkflowLinkage: Checker = (record) => {
  const runs = runsById(record);
  return [
    ...record.finalRuns.flatMap((run) => initiationProblems(run, runs)),
    ...record.finalRuns.flatMap((run) => parentProblems(run, runs)),
    ...record.finalRuns.flatMap((run) => deliveryProblems(run, runs)),
    ...record.finalRuns.flatMap((run) => undeliveredCloses(run, runs, record)),
    ...record.finalRuns.flatMap((run) => childrenOutlivingParent(run, runs, record)),
  ];
};

function violation(run: FinalRun, detail: string, evidence: string[]): Violation {
  return { check: CHECK, workflowId: run.workflowId, runId: run.runId, detail, evidence };
}

/** 1: each child the run decided to start was started, as asked (or, if its start failed, not at all). */
function initiationProblems(parent: FinalRun, runs: ReadonlyMap<string, FinalRun>): Violation[] {
  return childInitiationsOf(parent).flatMap(({ initiated, startFailed }): Violation[] => {
    const asked = initiated.data;
    const child = runs.get(asked.runId);
    const evidence = [describeEvent(initiated)];
    const name = `run ${parent.runId} started child ${asked.workflowId} (seq ${asked.seq}) as run ${asked.runId}`;
    if (startFailed) {
      return child ? [violation(parent, `${name}, and recorded that the start failed, yet that run exists (${child.status})`, evidence)] : [];
    }
    const started = parent.history.find((e): e is ChildStartedEvent => e.type === "ChildWorkflowStarted" && e.data.seq === asked.seq);
    const problems: Violation[] = [];
    if (started === undefined) {
      // The engine records no outcome for children started by the decisions that close the parent.
      if (decidedWithClose(parent, initiated)) return child ? startedAsAsked(parent, initiated, child) : [];
      problems.push(violation(parent, `${name}, but neither ChildWorkflowStarted nor ChildWorkflowStartFailed of seq ${asked.seq} follows`, evidence));
    } else if (started.data.runId !== asked.runId) {
      problems.push(violation(parent, `${name}, but its ChildWorkflowStarted names run ${started.data.runId}`, [...evidence, describeEvent(started)]));
    }
    if (!child) return [...problems, violation(parent, `${name}, which is not in the database: the child was lost`, evidence)];
    return [...problems, ...startedAsAsked(parent, initiated, child)];
  });
}

/** Whether `event` was recorded by the decisions that closed `run` (a terminal command with no workflow task completed in between). */
function decidedWithClose(run: FinalRun, event: HistoryEvent): boolean {
  for (const e of run.history.slice(run.history.indexOf(event) + 1)) {
    // WorkflowTerminated is no decision: termination appends it whenever it comes.
    if (TERMINAL_EVENT_TYPES.has(e.type)) return e.type !== "WorkflowTerminated";
    if (e.type === "WorkflowTaskCompleted") return false;
  }
  return false;
}

function startedAsAsked(parent: FinalRun, initiated: ChildInitiatedEvent, child: FinalRun): Violation[] {
  const asked = initiated.data;
  const first = child.history[0];
  const problems: string[] = [];
  if (child.workflowId !== asked.workflowId) problems.push(`belongs to workflow ${child.workflowId}`);
  if (first?.type !== "WorkflowStarted") problems.push(`begins with ${first ? first.type : "nothing"}, not WorkflowStarted`);
  else {
    const named = first.data.parent;
    if (!named || named.workflowId !== parent.workflowId || named.runId !== parent.runId || named.seq !== asked.seq) {
      problems.push(`names ${named ? `run ${named.runId} of ${named.workflowId}, seq ${named.seq}` : "no parent"} as its parent`);
    }
    if (first.data.continuedFromRunId !== undefined) problems.push(`says run ${first.data.continuedFromRunId} continued as it`);
    if (first.data.workflowType !== asked.workflowType) problems.push(`is a ${first.data.workflowType}, not the ${asked.workflowType} asked for`);
    if (first.data.taskQueue !== asked.taskQueue) problems.push(`is on queue ${first.data.taskQueue}, not ${asked.taskQueue}`);
    if (!isDeepStrictEqual(first.data.input, asked.input)) problems.push("started with another input than the one asked for");
  }
  const evidence = first ? [describeEvent(initiated), describeEvent(first)] : [describeEvent(initiated)];
  return problems.map((problem) => violation(parent, `run ${parent.runId} started child ${asked.workflowId} (seq ${asked.seq}) as run ${child.runId}, which ${problem}`, evidence));
}

/** 2: a run that names a parent was started by that parent's decision (or continued from a run that was). */
function parentProblems(run: FinalRun, runs: ReadonlyMap<string, FinalRun>): Violation[] {
  const ref = parentOf(run);
  if (ref === undefined) return [];
  const evidence = [describeEvent(run.history[0]!)];
  const says = `run ${run.runId} of ${run.workflowId} names run ${ref.runId} of ${ref.workflowId} (seq ${ref.seq}) as its parent`;
  const from = continuedFromOf(run);
  if (from !== undefined) {
    // Whether the predecessor is there and continued as this run is continue-as-new-chain's to check.
    const predecessor = runs.get(from);
    const before = predecessor === undefined ? undefined : parentOf(predecessor);
    if (predecessor === undefined || isDeepStrictEqual(before, ref)) return [];
    return [violation(run, `${says}, but its predecessor ${from} names ${before ? `run ${before.runId}, seq ${before.seq}` : "no parent"}: the chain changed parents`, evidence)];
  }
  const parent = runs.get(ref.runId);
  if (!parent) return [violation(run, `${says}, but there is no such run`, evidence)];
  if (parent.workflowId !== ref.workflowId) return [violation(run, `${says}, but that run belongs to workflow ${parent.workflowId}`, evidence)];
  const initiated = childInitiatedAt(parent, ref.seq);
  if (!initiated) return [violation(run, `${says}, but that run's history has no ChildWorkflowInitiated of seq ${ref.seq}`, evidence)];
  if (initiated.data.runId === run.runId && initiated.data.workflowId === run.workflowId) return [];
  return [violation(run, `${says}, but there seq ${ref.seq} started run ${initiated.data.runId} of ${initiated.data.workflowId}`, [...evidence, describeEvent(initiated)])];
}

/** 3: each close delivered to the run is the one of its child's chain, as that chain's last run closed. */
function deliveryProblems(parent: FinalRun, runs: ReadonlyMap<string, FinalRun>): Violation[] {
  const deliveries = parent.history.filter((e): e is DeliveryEvent => e.type === "ChildWorkflowCompleted" || e.type === "ChildWorkflowFailed");
  return [...groupBy(deliveries, (d) => d.data.seq).entries()].flatMap(([seq, ofSeq]): Violation[] => {
    const evidence = ofSeq.map(describeEvent);
    const problems: Violation[] = [];
    if (ofSeq.length > 1) problems.push(violation(parent, `run ${parent.runId} was told ${ofSeq.length} times how its child of seq ${seq} closed`, evidence));
    const initiated = childInitiatedAt(parent, seq);
    if (!initiated || initiated.eventId > ofSeq[0]!.eventId) {
      return [...problems, violation(parent, `run ${parent.runId} was told how its child of seq ${seq} closed, but had not started one as seq ${seq}`, evidence)];
    }
    // A child run that is missing is check 1's to report; a chain broken off is continue-as-new-chain's.
    const last = childChainOf({ initiated, startFailed: false }, runs).at(-1);
    if (last === undefined || last.status === "continuedAsNew") return problems;
    const delivery = ofSeq[0]!;
    const told = `run ${parent.runId} was told that its child ${initiated.data.workflowId} (seq ${seq}) ${delivery.type === "ChildWorkflowCompleted" ? "completed" : `closed as ${delivery.data.status}`} in run ${delivery.data.runId}`;
    const closeEvidence = [...evidence, ...last.history.slice(-1).map(describeEvent)];
    if (delivery.data.runId !== last.runId) return [...problems, violation(parent, `${told}, but the child's last run is ${last.runId} (${last.status})`, closeEvidence)];
    if (delivery.type === "ChildWorkflowCompleted") {
      const completed = last.history.at(-1);
      if (last.status !== "completed" || completed?.type !== "WorkflowCompleted") return [...problems, violation(parent, `${told}, but that run is ${last.status}`, closeEvidence)];
      if (!isDeepStrictEqual(completed.data.result, delivery.data.result)) return [...problems, violation(parent, `${told}, with another result than that run's WorkflowCompleted`, closeEvidence)];
    } else if (last.status !== delivery.data.status) {
      return [...problems, violation(parent, `${told}, but that run is ${last.status}`, closeEvidence)];
    }
    return problems;
  });
}

/** A run's final close for its parent: not running, not handed on to a successor. */
function closedForGood(run: FinalRun): boolean {
  return run.status !== "running" && run.status !== "continuedAsNew";
}

/** 4: a running parent has heard of every child that closed by the heal. */
function undeliveredCloses(parent: FinalRun, runs: ReadonlyMap<string, FinalRun>, record: SimRecord): Violation[] {
  if (parent.status !== "running") return [];
  const delivered = new Set(parent.history.flatMap((e) => (e.type === "ChildWorkflowCompleted" || e.type === "ChildWorkflowFailed" ? [e.data.seq] : [])));
  return childInitiationsOf(parent).flatMap((initiation): Violation[] => {
    const { initiated } = initiation;
    const last = childChainOf(initiation, runs).at(-1);
    if (last === undefined || !closedForGood(last) || last.closedAtMs === null || last.closedAtMs > record.healAtMs) return [];
    if (delivered.has(initiated.data.seq)) return [];
    return [
      violation(
        parent,
        `run ${parent.runId} is still running at the end, but was never told that its child ${initiated.data.workflowId} (seq ${initiated.data.seq}) closed as ${last.status} in run ${last.runId} at ${last.closedAtMs} ms, by the heal at ${record.healAtMs} ms`,
        [describeEvent(initiated), ...last.history.slice(-1).map(describeEvent)],
      ),
    ];
  });
}

/** 5: a parent that closed by the heal has ended (or asked to cancel) every child its policy says to. */
function childrenOutlivingParent(parent: FinalRun, runs: ReadonlyMap<string, FinalRun>, record: SimRecord): Violation[] {
  if (parent.status === "running" || parent.closedAtMs === null || parent.closedAtMs > record.healAtMs) return [];
  const openAtDeadline = record.openAtDeadline === null ? null : new Set(record.openAtDeadline);
  const deadlineMs = record.healAtMs + record.scenario.liveness.withinMs;
  return childInitiationsOf(parent).flatMap((initiation): Violation[] => {
    const { initiated } = initiation;
    const policy = initiated.data.parentClosePolicy;
    const chain = policy === "abandon" ? [] : childChainOf(initiation, runs);
    const last = chain.at(-1);
    if (last === undefined) return [];
    const open = openAtDeadline ? openAtDeadline.has(last.runId) : last.status === "running";
    if (!open) return [];
    const asked = chain.flatMap((r) => r.history.filter((e) => e.type === "WorkflowCancelRequested"));
    if (policy === "requestCancel" && asked.length > 0) return [];
    const owed = policy === "terminate" ? "terminated" : "asked to cancel";
    return [
      violation(
        parent,
        `run ${parent.runId} closed as ${parent.status} at ${parent.closedAtMs} ms, but its child ${initiated.data.workflowId} (seq ${initiated.data.seq}, parentClosePolicy ${policy}) ` +
          `was still running at the deadline (${deadlineMs} ms) in run ${last.runId}, never ${owed}`,
        [describeEvent(initiated), ...parent.history.slice(-1).map(describeEvent), `child runs: ${listOf(chain.map((r) => `${r.runId} (${r.status})`))}`],
      ),
    ];
  });
}
