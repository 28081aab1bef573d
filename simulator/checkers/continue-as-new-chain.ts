/**
 * continue-as-new-chain: a run that continued as new handed its workflow on
 * to exactly the run it named, and every run that says it was continued came
 * from a run that continued as it.
 *
 * Asserts, over `finalRuns`:
 * 1. a run closed as continuedAsNew names its successor in its last event
 *    (WorkflowContinuedAsNew), and that run is in the database: same
 *    workflow id, a WorkflowStarted naming the predecessor, and the workflow
 *    type, task queue and input the continue-as-new asked for;
 * 2. a run whose WorkflowStarted names a predecessor (continuedFromRunId)
 *    has one: a run of the same workflow id, closed as continuedAsNew, whose
 *    last event names this run;
 * 3. no run is named as successor by two runs.
 *
 * Why it is sound (no violation on a correct engine): the store closes a run
 * as continuedAsNew and inserts the run its WorkflowContinuedAsNew names —
 * the run row, WorkflowStarted and first workflow task — in the one
 * transaction that records the decision (README, Continue-as-new). A commit
 * whose acknowledgement was lost still committed both or neither; a stale
 * lease or run version writes neither. Nothing deletes runs during a
 * simulation, and run ids are drawn once per continue-as-new (from the
 * predecessor's seeded PRNG), so a successor has one predecessor.
 */
import type { CheckName, Checker, FinalRun, Violation } from "../model.ts";
import { describeEvent } from "./evidence.ts";
import { continuedAsOf, continuedFromOf, groupBy, runsById } from "./record-index.ts";

const CHECK: CheckName = "continue-as-new-chain";

export const continueAsNewChain: Checker = (record) => {
  const runs = runsById(record);
  const bySuccessor = groupBy(
    record.finalRuns.filter((run) => continuedAsOf(run) !== undefined),
    (run) => continuedAsOf(run)!,
  );
  return [
    ...record.finalRuns.flatMap((run) => successorProblems(run, runs)),
    ...record.finalRuns.flatMap((run) => predecessorProblems(run, runs)),
    ...[...bySuccessor.entries()]
      .filter(([, predecessors]) => predecessors.length > 1)
      .map(([successor, predecessors]) =>
        violation(predecessors[0]!, `run ${successor} is named as the continuation of ${predecessors.length} runs: ${predecessors.map((r) => r.runId).join(", ")}`, []),
      ),
  ];
};

function violation(run: FinalRun, detail: string, evidence: string[]): Violation {
  return { check: CHECK, workflowId: run.workflowId, runId: run.runId, detail, evidence };
}

/** 1: a continuedAsNew run's successor is there, and is what was asked for. */
function successorProblems(run: FinalRun, runs: ReadonlyMap<string, FinalRun>): Violation[] {
  if (run.status !== "continuedAsNew") return [];
  const last = run.history.at(-1);
  if (last?.type !== "WorkflowContinuedAsNew") {
    return [violation(run, `run ${run.runId} is continuedAsNew, but its last event is ${last ? last.type : "missing"}, so it names no successor`, last ? [describeEvent(last)] : [])];
  }
  const asked = last.data;
  const successor = runs.get(asked.newRunId);
  const evidence = [describeEvent(last)];
  if (!successor) return [violation(run, `run ${run.runId} continued as new as run ${asked.newRunId}, which is not in the database: the workflow was lost`, evidence)];
  const started = successor.history[0];
  const problems: string[] = [];
  if (successor.workflowId !== run.workflowId) problems.push(`belongs to workflow ${successor.workflowId}`);
  if (started?.type !== "WorkflowStarted") problems.push(`begins with ${started ? started.type : "nothing"}, not WorkflowStarted`);
  else {
    if (started.data.continuedFromRunId !== run.runId) problems.push(`names ${started.data.continuedFromRunId ?? "no run"} as its predecessor`);
    if (started.data.workflowType !== asked.workflowType) problems.push(`is a ${started.data.workflowType}, not the ${asked.workflowType} asked for`);
    if (started.data.taskQueue !== asked.taskQueue) problems.push(`is on queue ${started.data.taskQueue}, not ${asked.taskQueue}`);
    if (JSON.stringify(started.data.input) !== JSON.stringify(asked.input)) problems.push("started with another input than the one carried over");
  }
  return problems.map((problem) => violation(run, `run ${run.runId} continued as new as run ${successor.runId}, which ${problem}`, started ? [...evidence, describeEvent(started)] : evidence));
}

/** 2: a continued run's predecessor is there and continued as it. */
function predecessorProblems(run: FinalRun, runs: ReadonlyMap<string, FinalRun>): Violation[] {
  const from = continuedFromOf(run);
  if (from === undefined) return [];
  const predecessor = runs.get(from);
  const evidence = [describeEvent(run.history[0]!)];
  if (!predecessor) return [violation(run, `run ${run.runId} says run ${from} continued as it, but there is no such run`, evidence)];
  if (predecessor.workflowId !== run.workflowId) return [violation(run, `run ${run.runId} says run ${from} continued as it, but that run belongs to workflow ${predecessor.workflowId}`, evidence)];
  if (predecessor.status !== "continuedAsNew" || continuedAsOf(predecessor) !== run.runId) {
    const named = continuedAsOf(predecessor);
    return [
      violation(
        run,
        `run ${run.runId} says run ${from} continued as it, but that run is ${predecessor.status}${named === undefined ? "" : ` and continued as run ${named}`}: two runs may be carrying one workflow`,
        [...evidence, ...predecessor.history.slice(-1).map(describeEvent)],
      ),
    ];
  }
  return [];
}
