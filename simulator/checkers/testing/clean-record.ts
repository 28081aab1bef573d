/**
 * A record of a correct run that went through the faults the checkers must
 * tolerate: a worker crash after an effect (the retry's call deduplicated),
 * a worker restart, a refused start, a lost start reply (one that never
 * landed, two that did), a workflow that completes with an activity still
 * pending, an activity that fails for good, a timer, a workflow that
 * continued as new once, a workflow terminated with an activity in flight,
 * a parent that awaited one child and detached another (which outlived
 * it), a parent terminated with its child running (terminated by the
 * parent's close policy), an update asked twice under one id and
 * applied once, an update refused, a local activity run again after a
 * crash and recorded once, transactional starts (an order committed, one
 * whose lost COMMIT reply was retried into the same order and run, one
 * that never landed, one rolled back on purpose), a versioned run on each
 * side of a code change, an activity on a queue
 * nobody serves that timed out before it started, and one that started in
 * time, and a second namespace that ran its own copy of wf-linear (same
 * workflow and request id, its own run and worker). No checker may flag it;
 * each test corrupts a copy of it to plant one bug.
 */
import type { FinalRun, SimRecord } from "../../model.ts";
import { RecordBuilder, type Incarnation } from "./record-builder.ts";

export const WORKER_1: Incarnation = { worker: "worker-1", incarnation: 1 };
export const WORKER_1_RESTARTED: Incarnation = { worker: "worker-1", incarnation: 2 };
export const WORKER_2: Incarnation = { worker: "worker-2", incarnation: 1 };
/** The run of the second namespace's copy of wf-linear. */
export const NAMESPACE_B_RUN = "b-run-1";

/** The clean record; `extend` may add more to it (a planted bug built step by step) before it is built. */
export function cleanRecord(extend?: (sim: RecordBuilder) => void): SimRecord {
  const sim = new RecordBuilder();

  // Crash after the effect; worker-2 retries under the same key (deduplicated), worker-1 comes back for step 2.
  const linear = sim.startWorkflow("wf-linear");
  linear.scheduleActivities(1);
  sim.snapshot(linear);
  linear.crashAfterEffect(1, WORKER_1);
  linear.runActivity(1, WORKER_2);
  linear.scheduleActivities(2);
  sim.failedStart("wf-linear");
  linear.runActivity(2, WORKER_1_RESTARTED);
  sim.snapshot(linear);
  linear.complete();

  const timer = sim.startWorkflow("wf-timer", "timer");
  timer.startTimer(1);
  timer.fireTimer(1);
  timer.complete();

  // The workflow completes after the first of two activities (a race): the second stays pending, its task deleted.
  const fanout = sim.startWorkflow("wf-fanout", "fanout");
  fanout.scheduleActivities(1, 2);
  fanout.runActivity(1);
  fanout.complete();

  const saga = sim.startWorkflow("wf-saga", "saga");
  saga.scheduleActivities(1);
  saga.failActivity(1);
  saga.fail();

  // Continue-as-new: each run of the chain runs one step; the last completes.
  const chainFirst = sim.startWorkflow("wf-chain", "chain");
  chainFirst.scheduleActivities(1);
  chainFirst.runActivity(1);
  const chainSecond = chainFirst.continueAsNew();
  chainSecond.scheduleActivities(1);
  chainSecond.runActivity(1);
  chainSecond.complete();

  // Terminated by the driver with an activity in flight: its attempt's result never lands.
  const terminated = sim.startWorkflow("wf-terminated", "timer");
  terminated.scheduleActivities(1);
  terminated.claim("activity", 1);
  terminated.terminate();

  // Child workflows: the parent detaches one child (abandon) and awaits another, whose close is delivered;
  // the detached child closes after its parent, so nothing is delivered for it.
  const parent = sim.startWorkflow("wf-parent", "child");
  const detached = parent.startChild(1, "wf-parent/detached", "abandon");
  const awaited = parent.startChild(2, "wf-parent/child-0");
  awaited.scheduleActivities(1);
  awaited.runActivity(1);
  awaited.complete();
  parent.childClosed(2, awaited);
  parent.complete();
  detached.scheduleActivities(1);
  detached.runActivity(1);
  detached.complete();

  // The driver terminates a parent while its child runs; the parent's close policy terminates the child.
  const cut = sim.startWorkflow("wf-parent-cut", "child");
  const orphan = cut.startChild(1, "wf-parent-cut/child-0");
  orphan.scheduleActivities(1);
  cut.terminate();
  orphan.terminateByParent();

  // Updates: one accepted, its handler's step run, answered; its first reply was lost and the driver asked again
  // under the same id (one request in history). Another refused by the validator: nothing applied.
  const account = sim.startWorkflow("wf-update", "update");
  account.requestUpdate("wf-update#update-0", { amount: 5 });
  account.decide({ type: "WorkflowUpdateAccepted", data: { updateId: "wf-update#update-0" } });
  account.scheduleActivities(1);
  sim.recordUpdate({ workflowId: "wf-update", updateId: "wf-update#update-0", args: { amount: 5 }, outcome: "info", errorCode: "COMMIT_OUTCOME_UNKNOWN" });
  account.runActivity(1);
  account.decide({ type: "WorkflowUpdateCompleted", data: { updateId: "wf-update#update-0", result: { balance: 5, receipt: "payments-charge-1" } } });
  sim.recordUpdate({ workflowId: "wf-update", updateId: "wf-update#update-0", args: { amount: 5 }, outcome: "ok", result: { balance: 5, receipt: "payments-charge-1" } });
  account.requestUpdate("wf-update#update-1", { amount: 0 });
  account.decide({ type: "WorkflowUpdateRejected", data: { updateId: "wf-update#update-1", failure: { type: "BadAmount", message: "amount must be a whole number in [1, 1000], got 0" } } });
  sim.recordUpdate({ workflowId: "wf-update", updateId: "wf-update#update-1", args: { amount: 0 }, outcome: "fail", errorCode: "UPDATE_REJECTED" });
  account.complete();

  // A local activity: the first workflow task ran it and crashed before committing; the retried task ran it
  // again (the service deduplicated the call) and recorded it at its second attempt, then a remote step.
  const local = sim.startWorkflow("wf-local");
  local.localCall(1, 1);
  local.runLocalActivity(1, 2);
  local.scheduleActivity(2, "charge");
  local.runActivity(2);
  local.complete();

  // Versioned code: a run begun on version 1 (old branch: reserve, pause, charge), and one begun on version 2,
  // whose first task recorded the patch marker and which notified before the charge.
  const before = sim.startWorkflow("wf-versioned-old", "versioned");
  before.scheduleActivity(1, "reserve");
  before.runActivity(1);
  before.startTimer(2);
  before.fireTimer(2);
  before.scheduleActivity(3, "charge");
  before.runActivity(3);
  before.complete();
  const after = sim.startWorkflow("wf-versioned-new", "versioned");
  after.scheduleActivity(1, "reserve", { type: "MarkerRecorded", data: { marker: "patch", patchId: "notify-before-charge" } });
  after.runActivity(1);
  after.startTimer(2);
  after.fireTimer(2);
  after.scheduleActivity(3, "notify");
  after.runActivity(3);
  after.scheduleActivity(4, "charge");
  after.runActivity(4);
  after.complete();

  sim.ambiguousStart("wf-reply-lost", false);
  sim.ambiguousStart("wf-landed", true)?.complete();
  // Landed, but the driver never learnt of it: still running at the end, not held to the liveness bound.
  sim.ambiguousStart("wf-landed-running", true)?.scheduleActivities(1);

  // Transactional starts: each order and its run committed together, or neither.
  sim.transactionalStart("wf-order-ok", { outcome: "ok", landed: true })?.complete();
  const retried = sim.transactionalStart("wf-order-retried", { outcome: "info", landed: true })!;
  sim.transactionalStart("wf-order-retried", { outcome: "ok", landed: retried });
  retried.complete();
  sim.transactionalStart("wf-order-lost", { outcome: "info", landed: false });
  sim.transactionalStart("wf-order-rolled-back", { outcome: "fail", rollback: true, landed: false });

  // Schedule-to-start: seq 1 on a queue nobody serves times out unstarted; seq 2 starts in time and completes.
  const deadline = sim.startWorkflow("wf-deadline", "deadline");
  deadline.scheduleWithDeadline(2_000, "sim-unserved", 1);
  deadline.timeOutUnstarted(1);
  deadline.scheduleWithDeadline(2_000, "sim", 2);
  deadline.runActivity(2);
  deadline.complete();

  // The second namespace's copy of wf-linear: its own run, claimed by its own worker, closed.
  sim.record.namespaceB = {
    schema: "sim_b",
    starts: [{ workflowId: "wf-linear", workflowType: "linear", atMs: 100, outcome: "ok", runId: NAMESPACE_B_RUN, answeredAtMs: 120, requestId: "wf-linear#start" }],
    observations: [{ atMs: 1_000, worker: "ns-b-worker-1", incarnation: 1, observation: { type: "claimed", kind: "workflow", taskId: 1, runId: NAMESPACE_B_RUN, seq: 0, attempt: 1, leaseToken: 1, workflowId: "wf-linear" } }],
    finalRuns: [{ workflowId: "wf-linear", runId: NAMESPACE_B_RUN, status: "completed" }],
    openAtDeadline: [],
  };

  extend?.(sim);
  return sim.build();
}

/** The (first) run of a workflow id in a record; throws if there is none. */
export function runOf(record: SimRecord, workflowId: string): FinalRun {
  const run = record.finalRuns.find((r) => r.workflowId === workflowId);
  if (!run) throw new Error(`no run of ${workflowId} in the record`);
  return run;
}
