/**
 * child-workflow-linkage catches a child that was lost or started other
 * than asked, a child whose start failed yet exists, a run that names a
 * parent which never started it, a parent told something other than how
 * its child's last run closed (another run, status or result, or twice),
 * a running parent never told of a child that closed before the heal, and
 * a parent closed before the heal whose terminate (or requestCancel) child
 * still runs at the deadline; the clean record's children pass, and so do
 * the engine's legitimate gaps (no start outcome for a child the closing
 * decisions started, closes after the heal, abandoned children).
 * no-accepted-workflow-lost needs no start for a child's run, and
 * terminal-after-heal holds an accepted parent's children to the bound.
 */
import { describe, expect, it } from "vitest";
import type { HistoryEvent } from "../../engine/index.ts";
import type { FinalRun, SimRecord } from "../model.ts";
import { childWorkflowLinkage } from "./child-workflow-linkage.ts";
import { noAcceptedWorkflowLost } from "./no-accepted-workflow-lost.ts";
import { terminalAfterHeal } from "./terminal-after-heal.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";
import { HEAL_AT_MS, WITHIN_MS, type RecordBuilder } from "./testing/record-builder.ts";

function eventOf<T extends HistoryEvent["type"]>(run: FinalRun, type: T, seq?: number): Extract<HistoryEvent, { type: T }> {
  const found = run.history.find((e) => e.type === type && (seq === undefined || (e.data as { seq?: number }).seq === seq));
  if (!found) throw new Error(`run ${run.runId} has no ${type}${seq === undefined ? "" : ` of seq ${seq}`}`);
  return found as Extract<HistoryEvent, { type: T }>;
}

const details = (record: SimRecord) => childWorkflowLinkage(record).map((v) => v.detail);

describe("child-workflow-linkage", () => {
  it("passes the clean record's children: one awaited and delivered, one detached, one terminated with its parent", () => {
    const record = cleanRecord();
    expect(runOf(record, "wf-parent/child-0").status).toBe("completed");
    expect(runOf(record, "wf-parent/detached").status).toBe("completed");
    expect(runOf(record, "wf-parent-cut/child-0").status).toBe("terminated");
    expect(eventOf(runOf(record, "wf-parent"), "ChildWorkflowCompleted", 2).data.result).toBe("done");
    expect(childWorkflowLinkage(record)).toEqual([]);
  });

  it("flags a child run that is not in the database", () => {
    const record = cleanRecord();
    const parent = runOf(record, "wf-parent");
    const child = runOf(record, "wf-parent/child-0");
    record.finalRuns = record.finalRuns.filter((r) => r !== child);
    const found = childWorkflowLinkage(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "child-workflow-linkage", workflowId: "wf-parent", runId: parent.runId });
    expect(found[0]!.detail).toBe(`run ${parent.runId} started child wf-parent/child-0 (seq 2) as run ${child.runId}, which is not in the database: the child was lost`);
    expect(found[0]!.evidence).toEqual([expect.stringMatching(/ChildWorkflowInitiated\(seq 2\)/)]);
  });

  it("flags a child started other than asked: another parent, workflow type, queue or input", () => {
    const record = cleanRecord();
    const started = eventOf(runOf(record, "wf-parent/child-0"), "WorkflowStarted");
    started.data = { ...started.data, parent: { workflowId: "wf-parent", runId: "run-elsewhere", seq: 2 }, workflowType: "linear", taskQueue: "other", input: { steps: [] } };
    expect(details(record)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/which names run run-elsewhere of wf-parent, seq 2 as its parent$/),
        expect.stringMatching(/which is a linear, not the child-steps asked for$/),
        expect.stringMatching(/which is on queue other, not sim$/),
        expect.stringMatching(/which started with another input than the one asked for$/),
        // And the run, seen from its side, names a parent run that is not there.
        expect.stringMatching(/names run run-elsewhere of wf-parent \(seq 2\) as its parent, but there is no such run$/),
      ]),
    );
  });

  it("flags a start with no outcome recorded, one whose ChildWorkflowStarted names another run, and one that failed yet made a run", () => {
    const record = cleanRecord();
    const parent = runOf(record, "wf-parent");
    const started = eventOf(parent, "ChildWorkflowStarted", 2);
    started.data.runId = "run-other";
    expect(details(record)).toEqual([expect.stringMatching(/as run run-\d+, but its ChildWorkflowStarted names run run-other$/)]);

    // The same event says the start failed instead: then no run may exist.
    (started as unknown as HistoryEvent).type = "ChildWorkflowStartFailed";
    (started as unknown as { data: unknown }).data = { seq: 2, workflowId: "wf-parent/child-0", runningRunId: "run-older" };
    expect(details(record)).toEqual(expect.arrayContaining([expect.stringMatching(/and recorded that the start failed, yet that run exists \(completed\)$/)]));

    // Neither outcome follows the initiation, although the parent's decisions went on.
    (started as unknown as HistoryEvent).type = "SignalReceived";
    (started as unknown as { data: unknown }).data = { name: "noise", payload: null };
    expect(details(record)).toEqual(expect.arrayContaining([expect.stringMatching(/but neither ChildWorkflowStarted nor ChildWorkflowStartFailed of seq 2 follows$/)]));
  });

  it("accepts a child started by the decisions that close the parent, with no outcome recorded, whether its run exists or not", () => {
    const extend = (started: boolean) => (sim: RecordBuilder) => {
      const parent = sim.startWorkflow("wf-parent-quick", "child");
      const child = parent.startChild(1, "wf-parent-quick/child-0", "abandon");
      child.complete();
      parent.complete();
      // Move the WorkflowCompleted before ChildWorkflowStarted, then drop the latter: one decision, initiation then close.
      const history = parent.final.history;
      const initiatedAt = history.findIndex((e) => e.type === "ChildWorkflowInitiated");
      const completed = history.at(-1)!;
      history.splice(initiatedAt + 1, history.length, completed);
      history.forEach((e, i) => (e.eventId = i + 1));
      if (!started) sim.record.finalRuns = sim.record.finalRuns.filter((r) => r !== child.final);
    };
    expect(childWorkflowLinkage(cleanRecord(extend(true)))).toEqual([]);
    expect(childWorkflowLinkage(cleanRecord(extend(false)))).toEqual([]);
  });

  it("flags a run naming a parent that never started it; no start explains it either", () => {
    const record = cleanRecord();
    const parent = runOf(record, "wf-parent");
    const phantom: FinalRun = { ...structuredClone(runOf(record, "wf-parent/child-0")), workflowId: "wf-parent/phantom", runId: "run-phantom" };
    const started = eventOf(phantom, "WorkflowStarted");
    started.data = { ...started.data, workflowId: "wf-parent/phantom", parent: { workflowId: "wf-parent", runId: parent.runId, seq: 7 } };
    record.finalRuns.push(phantom);
    const found = childWorkflowLinkage(record);
    expect(found.map((v) => [v.workflowId, v.detail])).toEqual([
      ["wf-parent/phantom", `run run-phantom of wf-parent/phantom names run ${parent.runId} of wf-parent (seq 7) as its parent, but that run's history has no ChildWorkflowInitiated of seq 7`],
    ]);
    expect(noAcceptedWorkflowLost(record).map((v) => v.runId)).toEqual(["run-phantom"]);

    // Naming a seq that started another child is no better.
    started.data.parent = { workflowId: "wf-parent", runId: parent.runId, seq: 2 };
    expect(details(record)).toEqual([expect.stringMatching(/\(seq 2\) as its parent, but there seq 2 started run run-\d+ of wf-parent\/child-0$/)]);
  });

  it("flags a parent told another result, status or run than its child's last run closed with, or told twice", () => {
    const record = cleanRecord();
    const parent = runOf(record, "wf-parent");
    const delivered = eventOf(parent, "ChildWorkflowCompleted", 2);
    delivered.data.result = "forged";
    expect(details(record)).toEqual([expect.stringMatching(/that its child wf-parent\/child-0 \(seq 2\) completed in run run-\d+, with another result than that run's WorkflowCompleted$/)]);

    delivered.data.result = "done";
    delivered.data.runId = "run-other";
    expect(details(record)).toEqual([expect.stringMatching(/completed in run run-other, but the child's last run is run-\d+ \(completed\)$/)]);

    const child = runOf(record, "wf-parent/child-0");
    delivered.data.runId = child.runId;
    parent.history.push({ ...structuredClone(delivered), eventId: parent.history.length + 1 });
    expect(details(record)).toEqual([`run ${parent.runId} was told 2 times how its child of seq 2 closed`]);
    parent.history.pop();

    // The child failed, as the record now says, but the parent was told it completed.
    child.status = "failed";
    child.history.at(-1)!.type = "WorkflowFailed";
    expect(details(record)).toEqual([expect.stringMatching(/completed in run run-\d+, but that run is failed$/)]);
  });

  it("flags a close delivered for a seq that started no child", () => {
    const record = cleanRecord();
    const parent = runOf(record, "wf-parent");
    eventOf(parent, "ChildWorkflowCompleted", 2).data.seq = 9;
    expect(details(record)).toEqual([`run ${parent.runId} was told how its child of seq 9 closed, but had not started one as seq 9`]);
  });

  it("flags a running parent never told of a child that closed before the heal; not one that closed after it", () => {
    const record = cleanRecord();
    const parent = runOf(record, "wf-parent");
    const child = runOf(record, "wf-parent/child-0");
    // The parent never heard, and is still waiting.
    parent.history = parent.history.filter((e) => e.type !== "ChildWorkflowCompleted" && e.type !== "WorkflowCompleted" && e.type !== "WorkflowTaskCompleted");
    parent.history.forEach((e, i) => (e.eventId = i + 1));
    parent.status = "running";
    parent.closedAtMs = null;
    expect(details(record)).toEqual([
      // The detached child closed for good as well: a running parent hears of it too.
      expect.stringMatching(/never told that its child wf-parent\/detached \(seq 1\) closed as completed/),
      `run ${parent.runId} is still running at the end, but was never told that its child wf-parent/child-0 (seq 2) closed as completed in run ${child.runId} at ${child.closedAtMs} ms, by the heal at ${HEAL_AT_MS} ms`,
    ]);
    runOf(record, "wf-parent/detached").closedAtMs = HEAL_AT_MS + 1;
    child.closedAtMs = HEAL_AT_MS + 1;
    expect(details(record)).toEqual([]);
  });

  it("flags a parent closed before the heal whose terminate child runs at the deadline; not abandon, nor requestCancel once asked", () => {
    const record = cleanRecord();
    const parent = runOf(record, "wf-parent-cut");
    const child = runOf(record, "wf-parent-cut/child-0");
    child.status = "running";
    child.closedAtMs = null;
    child.history.pop();
    const expected = `run ${parent.runId} closed as terminated at ${parent.closedAtMs} ms, but its child wf-parent-cut/child-0 (seq 1, parentClosePolicy terminate) was still running at the deadline (${HEAL_AT_MS + WITHIN_MS} ms) in run ${child.runId}, never terminated`;
    expect(details(record)).toEqual([expected]);

    // The deadline read, when there is one, decides: the child closed by then.
    record.openAtDeadline = [];
    expect(details(record)).toEqual([]);
    record.openAtDeadline = [child.runId];
    expect(details(record)).toEqual([expected]);

    const initiated = eventOf(parent, "ChildWorkflowInitiated", 1);
    initiated.data.parentClosePolicy = "requestCancel";
    expect(details(record)).toEqual([expect.stringMatching(/parentClosePolicy requestCancel\) was still running at the deadline .* never asked to cancel$/)]);
    child.history.push({ eventId: child.history.length + 1, type: "WorkflowCancelRequested", atMs: parent.closedAtMs! + 10, data: { reason: "parent closed" } });
    expect(details(record)).toEqual([]);

    initiated.data.parentClosePolicy = "abandon";
    child.history.pop();
    expect(details(record)).toEqual([]);

    // A parent that closed after the heal is not held to it (its close action may still be on its way).
    initiated.data.parentClosePolicy = "terminate";
    parent.closedAtMs = HEAL_AT_MS + 1;
    expect(details(record)).toEqual([]);
  });

  it("child runs need no start of their own; an accepted parent's children are held to the liveness bound", () => {
    const record = cleanRecord();
    expect(noAcceptedWorkflowLost(record)).toEqual([]);
    const detached = runOf(record, "wf-parent/detached");
    detached.status = "running";
    detached.closedAtMs = null;
    detached.history.pop();
    expect(terminalAfterHeal(record).map((v) => v.runId)).toEqual([detached.runId]);
  });
});
