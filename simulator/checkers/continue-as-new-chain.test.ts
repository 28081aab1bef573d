/**
 * continue-as-new-chain catches a continuation that was lost, one started
 * other than asked (another predecessor, type, queue or input), a run that
 * names a predecessor which never continued as it, and one successor named
 * by two runs; the clean record's chain passes. no-accepted-workflow-lost
 * and terminal-after-heal follow chains: a continued run needs no start of
 * its own, and an accepted workflow is finished only when its last run is.
 */
import { describe, expect, it } from "vitest";
import type { FinalRun } from "../model.ts";
import { continueAsNewChain } from "./continue-as-new-chain.ts";
import { noAcceptedWorkflowLost } from "./no-accepted-workflow-lost.ts";
import { terminalAfterHeal } from "./terminal-after-heal.ts";
import { cleanRecord } from "./testing/clean-record.ts";

function chainOf(record: ReturnType<typeof cleanRecord>): [FinalRun, FinalRun] {
  const runs = record.finalRuns.filter((r) => r.workflowId === "wf-chain");
  expect(runs.map((r) => r.status)).toEqual(["continuedAsNew", "completed"]);
  return [runs[0]!, runs[1]!];
}

describe("continue-as-new-chain", () => {
  it("passes the clean record's chain", () => {
    const record = cleanRecord();
    chainOf(record);
    expect(continueAsNewChain(record)).toEqual([]);
  });

  it("flags a run that continued as new into a run that is not there", () => {
    const record = cleanRecord();
    const [first, second] = chainOf(record);
    record.finalRuns = record.finalRuns.filter((r) => r !== second);
    const found = continueAsNewChain(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "continue-as-new-chain", workflowId: "wf-chain", runId: first.runId });
    expect(found[0]!.detail).toBe(`run ${first.runId} continued as new as run ${second.runId}, which is not in the database: the workflow was lost`);
    expect(found[0]!.evidence).toEqual([expect.stringMatching(/WorkflowContinuedAsNew/)]);
  });

  it("flags a successor started other than asked: another predecessor, type, queue or input", () => {
    const record = cleanRecord();
    const [, second] = chainOf(record);
    const started = second.history[0]!;
    if (started.type !== "WorkflowStarted") throw new Error("unreachable");
    started.data = { ...started.data, continuedFromRunId: "run-elsewhere", workflowType: "saga", taskQueue: "other", input: { carried: false } };
    const details = continueAsNewChain(record).map((v) => v.detail);
    expect(details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/which names run-elsewhere as its predecessor/),
        expect.stringMatching(/which is a saga, not the chain asked for/),
        expect.stringMatching(/which is on queue other, not/),
        expect.stringMatching(/started with another input than the one carried over/),
        expect.stringMatching(/says run run-elsewhere continued as it, but there is no such run/),
      ]),
    );
  });

  it("flags a run naming a predecessor that did not continue as it, and two runs naming one successor", () => {
    const record = cleanRecord();
    const [first, second] = chainOf(record);
    const timer = record.finalRuns.find((r) => r.workflowId === "wf-timer")!;
    // A phantom: a run of wf-timer that says wf-timer's completed run continued as it.
    const phantom: FinalRun = structuredClone(second);
    phantom.workflowId = "wf-timer";
    phantom.runId = "run-phantom";
    const started = phantom.history[0]!;
    if (started.type !== "WorkflowStarted") throw new Error("unreachable");
    started.data = { ...started.data, workflowId: "wf-timer", continuedFromRunId: timer.runId };
    // A twin of the chain's first run that names the same successor.
    const twin: FinalRun = { ...structuredClone(first), runId: "run-twin" };
    record.finalRuns.push(phantom, twin);
    const found = continueAsNewChain(record);
    expect(found.map((v) => v.detail)).toEqual(
      expect.arrayContaining([
        `run run-phantom says run ${timer.runId} continued as it, but that run is completed: two runs may be carrying one workflow`,
        `run ${second.runId} is named as the continuation of 2 runs: ${first.runId}, run-twin`,
      ]),
    );
    // No start explains the phantom either: it came from nowhere.
    expect(noAcceptedWorkflowLost(record).map((v) => v.runId)).toEqual(expect.arrayContaining(["run-phantom"]));
  });

  it("a continued run needs no start of its own; an accepted workflow is not finished while its last run is open", () => {
    const record = cleanRecord();
    const [, second] = chainOf(record);
    expect(noAcceptedWorkflowLost(record)).toEqual([]);
    second.status = "running";
    second.closedAtMs = null;
    const stuck = terminalAfterHeal(record);
    expect(stuck.map((v) => v.runId)).toEqual([second.runId]);
  });
});
