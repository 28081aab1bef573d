/**
 * Builds SimRecords by hand for the checker tests: a correct engine and
 * recorder on paper. Each call appends what they would: events with
 * contiguous ids (commands after a WorkflowTaskCompleted), a fresh lease
 * token and attempt per claim, "claimed" reported before anything runs,
 * effects deduplicated by key, completions reported after they are recorded.
 * Tests then plant one bug at a time by editing the built record.
 */
import type { EventDataByType, EventType, HistoryEvent, ParentClosePolicy, ParentRef } from "../../../engine/history/events.ts";
import type { RunStatus, TaskKind, WorkerObservation } from "../../../engine/index.ts";
import { resolveActivityOptions } from "../../../engine/workflow/options.ts";
import type { FinalRun, Scenario, ScheduleOpRecord, ServiceName, SimRecord, SimScheduleSpec, StartRecord, TerminationRecord, UpdateRecord, WorkloadShape } from "../../model.ts";
import { digestEvent } from "../history-contiguous-append-only.ts";
import { stepId } from "../record-index.ts";

export const HEAL_AT_MS = 100_000;
export const WITHIN_MS = 60_000;
/** Virtual time between two things the builder records. */
const TICK_MS = 10;
const TASK_QUEUE = "sim";
/** The workflow type of the children RunBuilder.startChild starts. */
export const CHILD_WORKFLOW_TYPE = "child-steps";
/** The epoch ms of virtual time 0 in the schedules the builder creates. */
export const SCHEDULE_EPOCH_MS = Date.UTC(2030, 0, 1);
export const DEFAULT_WORKER: Incarnation = { worker: "worker-1", incarnation: 1 };

export interface Incarnation {
  worker: string;
  incarnation: number;
}

/** One claim, as the worker that made it saw it. */
export interface Claim extends Incarnation {
  taskId: number;
  leaseToken: number;
  attempt: number;
}

export interface EffectCall {
  service?: ServiceName;
  operation?: string;
  /** The idempotency key presented; default the step (`runId:seq`), as the engine's ctx.idempotencyKey. */
  key?: string;
}

const SCENARIO: Scenario = {
  name: "checker-test",
  description: "a hand-built record",
  seed: 1,
  durationMs: HEAL_AT_MS + WITHIN_MS,
  workers: 2,
  workload: { workflows: 1, startsPerSecond: 1, mix: { linear: 1 } },
  faults: [],
  liveness: { healAtMs: HEAL_AT_MS, withinMs: WITHIN_MS },
};

export class RecordBuilder {
  readonly record: SimRecord = {
    scenario: SCENARIO,
    seed: SCENARIO.seed,
    starts: [],
    signals: [],
    updates: [],
    terminations: [],
    queries: [],
    schedules: [],
    visibility: [],
    observations: [],
    effects: [],
    snapshots: [],
    faults: [],
    finalRuns: [],
    orders: [],
    taskKeys: [],
    retention: [],
    partitionCalls: [],
    // Unset: the checker falls back to final statuses (tests set it where the deadline matters).
    openAtDeadline: null,
    namespaceB: { schema: "sim_b", starts: [], observations: [], finalRuns: [], openAtDeadline: null },
    healAtMs: HEAL_AT_MS,
    endMs: HEAL_AT_MS + WITHIN_MS,
  };
  private nowMs = 0;
  private nextTaskId = 1;
  private runCount = 0;

  tick(): number {
    this.nowMs += TICK_MS;
    return this.nowMs;
  }

  /** An accepted start (outcome ok) and the run it created. */
  startWorkflow(workflowId: string, workflowType: WorkloadShape = "linear"): RunBuilder {
    const run = this.createRun(workflowId, workflowType);
    this.pushStart({ workflowId, workflowType, atMs: this.nowMs, outcome: "ok", runId: run.runId });
    return run;
  }

  /** A start whose reply was lost (outcome info): the run exists only if it `landed`. */
  ambiguousStart(workflowId: string, landed: boolean): RunBuilder | undefined {
    const run = landed ? this.createRun(workflowId, "linear") : undefined;
    this.pushStart({ workflowId, workflowType: "linear", atMs: this.nowMs, outcome: "info", error: "connection reset" });
    return run;
  }

  /** A start the engine refused (outcome fail): nothing created. */
  failedStart(workflowId: string, error = "WORKFLOW_ALREADY_RUNNING"): void {
    this.pushStart({ workflowId, workflowType: "linear", atMs: this.tick(), outcome: "fail", error });
  }

  /**
   * One attempt of a transactional start (the outbox shape): if it `landed`,
   * its order and run are in the database (a retry of a landed attempt
   * passes that run as `landed`, and adds neither again).
   */
  transactionalStart(workflowId: string, attempt: { outcome: StartRecord["outcome"]; rollback?: boolean; landed: boolean | RunBuilder }): RunBuilder | undefined {
    const order = { orderId: `order:${workflowId}`, rollback: attempt.rollback ?? false };
    const run = attempt.landed === true ? this.createRun(workflowId, "outbox") : attempt.landed || undefined;
    if (attempt.landed === true) this.record.orders.push({ orderId: order.orderId, workflowId });
    const told = attempt.outcome === "ok" && run ? { runId: run.runId } : {};
    this.pushStart({ workflowId, workflowType: "outbox", atMs: this.tick(), outcome: attempt.outcome, requestId: `${workflowId}#start`, order, ...told });
    return run;
  }

  /** A read of the run's whole history, now. */
  snapshot(run: RunBuilder): void {
    this.record.snapshots.push({ atMs: this.tick(), runId: run.runId, events: run.final.history.map((e) => ({ eventId: e.eventId, digest: digestEvent(e) })) });
  }

  /** A copy of the record, for a test to corrupt without touching the builder's. */
  build(): SimRecord {
    return structuredClone(this.record);
  }

  observe(by: Incarnation, observation: WorkerObservation): void {
    this.record.observations.push({ atMs: this.tick(), worker: by.worker, incarnation: by.incarnation, observation });
  }

  /** What the driver was told about one attempt of an update (client.update). */
  recordUpdate(update: Omit<UpdateRecord, "atMs" | "name">): void {
    this.record.updates.push({ name: "deposit", atMs: this.tick(), ...update });
  }

  recordTermination(termination: TerminationRecord): void {
    this.record.terminations.push(termination);
  }

  newTaskId(): number {
    return this.nextTaskId++;
  }

  /** The driver creates a schedule (create ok), by default firing every second of virtual time to 10 s, under skip. */
  createSchedule(scheduleId: string, spec: Partial<SimScheduleSpec> = {}): SimScheduleSpec {
    const full: SimScheduleSpec = { everyMs: 1_000, phaseMs: 0, endAtMs: 10_000, overlap: "skip", catchupWindowMs: 60_000, jitterMs: 0, timeZone: null, epochMs: SCHEDULE_EPOCH_MS, ...spec };
    this.scheduleOp({ scheduleId, op: "create", outcome: "ok", spec: full });
    return full;
  }

  /** A call the driver made on a schedule, now. */
  scheduleOp(op: Omit<ScheduleOpRecord, "atMs">, atMs = this.tick()): ScheduleOpRecord {
    const record = { ...op, atMs };
    this.record.schedules.push(record);
    return record;
  }

  /** The run a schedule's round starts for its fire at `fireAtMs` (virtual), its workflow id named for the fire (and for a trigger's, the trigger's number). */
  scheduledRun(scheduleId: string, fireAtMs: number, trigger?: number): RunBuilder {
    const time = `${scheduleId}-${new Date(SCHEDULE_EPOCH_MS + fireAtMs).toISOString()}`;
    const run = this.createRun(trigger === undefined ? time : `${time}-trigger-${trigger}`, "schedule");
    run.final.schedule = { scheduleId, fireAtMs };
    return run;
  }

  /** The run a continue-as-new of `from` starts (RunBuilder.continueAsNew records it on `from`'s side). */
  continuedRun(from: RunBuilder): RunBuilder {
    return this.createRun(from.workflowId, from.final.workflowType, { continuedFromRunId: from.runId, input: { carried: true }, ...(from.parent ? { parent: from.parent } : {}) });
  }

  /** The run of a child `parent` starts as `seq` (RunBuilder.startChild records it on the parent's side). */
  childRun(parent: RunBuilder, seq: number, workflowId: string, input: unknown): RunBuilder {
    return this.createRun(workflowId, CHILD_WORKFLOW_TYPE, { parent: { workflowId: parent.workflowId, runId: parent.runId, seq }, input });
  }

  private createRun(workflowId: string, workflowType: string, started: StartedAs = {}): RunBuilder {
    this.runCount += 1;
    const run = new RunBuilder(this, workflowId, `run-${this.runCount}`, workflowType, started);
    this.record.finalRuns.push(run.final);
    return run;
  }

  private pushStart(start: StartRecord): void {
    this.record.starts.push(start);
  }
}

/** How a run was started, beyond its id and type: by a predecessor's continue-as-new, by a parent, with this input (default null). */
interface StartedAs {
  continuedFromRunId?: string;
  parent?: ParentRef;
  input?: unknown;
}

interface TaskState {
  taskId: number;
  leaseToken: number;
  attempt: number;
}

export class RunBuilder {
  readonly final: FinalRun;
  private readonly tasks = new Map<string, TaskState>();

  /** The parent that started this run's workflow, if a parent did. */
  readonly parent: ParentRef | undefined;

  constructor(
    private readonly sim: RecordBuilder,
    readonly workflowId: string,
    readonly runId: string,
    workflowType: string,
    started: StartedAs = {},
  ) {
    this.final = { workflowId, runId, workflowType, status: "running", closedAtMs: null, history: [], taskFailure: null, fairnessKey: "" };
    this.parent = started.parent;
    const from = started.continuedFromRunId === undefined ? {} : { continuedFromRunId: started.continuedFromRunId };
    const parent = started.parent === undefined ? {} : { parent: started.parent };
    this.append("WorkflowStarted", { workflowId, workflowType, taskQueue: TASK_QUEUE, input: started.input ?? null, randomSeed: "seed", ...from, ...parent });
  }

  append<K extends EventType>(type: K, data: EventDataByType[K]): HistoryEvent {
    const event = { eventId: this.final.history.length + 1, type, atMs: this.sim.tick(), data } as HistoryEvent;
    this.final.history.push(event);
    return event;
  }

  /** One workflow task that issues these commands (seq-less terminal commands close the run). */
  decide(...commands: Array<{ [K in EventType]: { type: K; data: EventDataByType[K] } }[EventType]>): this {
    this.claim("workflow", 0);
    this.append("WorkflowTaskCompleted", { processedUpTo: this.final.history.length, workerId: DEFAULT_WORKER.worker });
    for (const c of commands) this.append(c.type, c.data);
    return this;
  }

  /** A client's update reaches this run (WorkflowUpdateRequested, outside any workflow task). */
  requestUpdate(updateId: string, args: unknown): this {
    this.append("WorkflowUpdateRequested", { updateId, name: "deposit", args });
    return this;
  }

  /** One workflow task that schedules activity `seq` of `activityType`, after `before` (a marker, say). */
  scheduleActivity(seq: number, activityType: string, ...before: Parameters<RunBuilder["decide"]>): this {
    return this.decide(...before, { type: "ActivityScheduled", data: { seq, activityType, input: null, options: resolveActivityOptions(undefined, TASK_QUEUE) } });
  }

  scheduleActivities(...seqs: number[]): this {
    const options = resolveActivityOptions(undefined, TASK_QUEUE);
    return this.decide(...seqs.map((seq) => ({ type: "ActivityScheduled" as const, data: { seq, activityType: "charge", input: null, options } })));
  }

  startTimer(seq: number, durationMs = 1_000): this {
    return this.decide({ type: "TimerStarted", data: { seq, durationMs, fireAtMs: this.sim.tick() + durationMs } });
  }

  complete(): this {
    this.decide({ type: "WorkflowCompleted", data: { result: "done" } });
    return this.close("completed");
  }

  fail(): this {
    this.decide({ type: "WorkflowFailed", data: { failure: { type: "ActivityFailure", message: "a step failed" } } });
    return this.close("failed");
  }

  /** The driver terminates this run (acknowledged): WorkflowTerminated last, closed at once. */
  terminate(): this {
    this.append("WorkflowTerminated", { reason: "planned by the driver" });
    this.close("terminated");
    this.sim.recordTermination({ workflowId: this.workflowId, atMs: this.final.closedAtMs!, outcome: "ok", runId: this.runId });
    return this;
  }

  /** Close this run by continuing as new; returns the run that carries the workflow on (same type and queue). */
  continueAsNew(): RunBuilder {
    const next = this.sim.continuedRun(this);
    this.decide({ type: "WorkflowContinuedAsNew", data: { newRunId: next.runId, workflowType: this.final.workflowType, taskQueue: TASK_QUEUE, input: { carried: true } } });
    this.close("continuedAsNew");
    return next;
  }

  /** One workflow task that starts a child as `seq`: ChildWorkflowInitiated, then ChildWorkflowStarted after it; returns the child's run. */
  startChild(seq: number, childWorkflowId: string, parentClosePolicy: ParentClosePolicy = "terminate"): RunBuilder {
    const input = { steps: ["charge"] };
    const child = this.sim.childRun(this, seq, childWorkflowId, input);
    this.decide({
      type: "ChildWorkflowInitiated",
      data: { seq, workflowId: childWorkflowId, runId: child.runId, workflowType: CHILD_WORKFLOW_TYPE, taskQueue: TASK_QUEUE, input, parentClosePolicy },
    });
    this.append("ChildWorkflowStarted", { seq, workflowId: childWorkflowId, runId: child.runId });
    return child;
  }

  /** Deliver to this run how its child of `seq` closed, `last` being the child's last run (the engine's delivery task firing). */
  childClosed(seq: number, last: RunBuilder): this {
    const end = last.final.history.at(-1);
    if (end?.type === "WorkflowCompleted") {
      this.append("ChildWorkflowCompleted", { seq, runId: last.runId, result: end.data.result });
    } else {
      const status = last.final.status;
      if (status !== "failed" && status !== "cancelled" && status !== "terminated") throw new Error(`child run ${last.runId} is ${status}: nothing to deliver`);
      this.append("ChildWorkflowFailed", { seq, runId: last.runId, status, failure: { type: "ChildWorkflowFailure", message: `child ${status}` } });
    }
    return this;
  }

  /** Terminated by its parent's close (parentClosePolicy terminate): WorkflowTerminated last, and no termination of the driver's. */
  terminateByParent(): this {
    this.append("WorkflowTerminated", { reason: `parent workflow ${this.parent?.workflowId} (run ${this.parent?.runId}) closed; parentClosePolicy terminate` });
    return this.close("terminated");
  }

  close(status: RunStatus): this {
    this.final.status = status;
    this.final.closedAtMs = this.sim.tick();
    return this;
  }

  /** A claim of this run's task (workflow tasks: seq 0, a new task each time, as the engine deletes them when done). */
  claim(kind: TaskKind, seq: number, by: Incarnation = DEFAULT_WORKER): Claim {
    const key = `${kind}:${seq}`;
    const task = kind === "workflow" ? undefined : this.tasks.get(key);
    const state: TaskState = task ?? { taskId: this.sim.newTaskId(), leaseToken: 0, attempt: 0 };
    state.leaseToken += 1;
    state.attempt += 1;
    this.tasks.set(key, state);
    const { taskId, leaseToken, attempt } = state;
    const activity = kind === "activity" ? { activityType: "charge", workflowId: this.workflowId } : {};
    this.sim.observe(by, { type: "claimed", kind, taskId, runId: this.runId, seq, attempt, leaseToken, ...activity });
    return { ...by, taskId, leaseToken, attempt };
  }

  /** The activity of `seq` calls a service under `claim`: applied unless the key was applied before. */
  callService(seq: number, claim: Claim, call: EffectCall = {}): void {
    const service = call.service ?? "payments";
    const step = stepId(this.runId, seq);
    const key = call.key ?? step;
    const applied = !this.sim.record.effects.some((e) => e.service === service && e.key === key && e.applied);
    this.sim.record.effects.push({ atMs: this.sim.tick(), service, operation: call.operation ?? "charge", key, step, workflowId: this.workflowId, attempt: claim.attempt, applied, outcome: "ok" });
  }

  /** A local activity of `seq` calls the payments service inside a workflow task, at `attempt`: applied unless its key was applied before. */
  localCall(seq: number, attempt: number, outcome: "ok" | "failed" = "ok"): void {
    const step = stepId(this.runId, seq);
    const applied = outcome === "ok" && !this.sim.record.effects.some((e) => e.key === step && e.applied);
    this.sim.record.effects.push({ atMs: this.sim.tick(), service: "payments", operation: "charge", key: step, step, workflowId: this.workflowId, attempt, applied, outcome });
  }

  /** A workflow task that runs a local activity as `seq` (attempts 1..attempts, the last answered ok) and records its marker, then `then`. */
  runLocalActivity(seq: number, attempts = 1, ...then: Parameters<RunBuilder["decide"]>): this {
    for (let attempt = 1; attempt <= attempts; attempt++) this.localCall(seq, attempt, attempt < attempts ? "failed" : "ok");
    return this.decide({ type: "MarkerRecorded", data: { marker: "localActivity", seq, activityType: "charge", attempt: attempts, result: "payments-charge-1" } }, ...then);
  }

  /** Record the activity's result under `claim`, and the worker's report of it. */
  recordCompletion(seq: number, claim: Claim): void {
    this.append("ActivityCompleted", { seq, result: "receipt", attempt: claim.attempt });
    this.sim.observe(claim, {
      type: "activityCompleted",
      taskId: claim.taskId,
      runId: this.runId,
      seq,
      attempt: claim.attempt,
      leaseToken: claim.leaseToken,
      activityType: "charge",
      workflowId: this.workflowId,
    });
  }

  /** One whole attempt: claim, the service call (unless `effect` is null), the recorded result. */
  runActivity(seq: number, by: Incarnation = DEFAULT_WORKER, effect: EffectCall | null = {}): Claim {
    const claim = this.claim("activity", seq, by);
    if (effect) this.callService(seq, claim, effect);
    this.recordCompletion(seq, claim);
    return claim;
  }

  /** An attempt whose worker crashes after the effect, before the result is recorded. */
  crashAfterEffect(seq: number, by: Incarnation = DEFAULT_WORKER, effect: EffectCall = {}): Claim {
    const claim = this.claim("activity", seq, by);
    this.callService(seq, claim, effect);
    return claim;
  }

  /** An attempt that fails for good: ActivityFailed recorded, reported final. */
  failActivity(seq: number, by: Incarnation = DEFAULT_WORKER): Claim {
    const claim = this.claim("activity", seq, by);
    const failure = { type: "ServiceFailed", message: "payments.charge failed" };
    this.append("ActivityFailed", { seq, failure, attempt: claim.attempt });
    this.sim.observe(claim, { type: "activityFailed", taskId: claim.taskId, runId: this.runId, seq, attempt: claim.attempt, final: true, failure, activityType: "charge", workflowId: this.workflowId });
    return claim;
  }

  fireTimer(seq: number, by: Incarnation = DEFAULT_WORKER): void {
    const claim = this.claim("timer", seq, by);
    this.append("TimerFired", { seq });
    this.sim.observe(claim, { type: "timerFired", taskId: claim.taskId, runId: this.runId, seq });
  }

  /** Schedule activities with a schedule-to-start timeout (the deadline shape), on `taskQueue` (default the workers'). */
  scheduleWithDeadline(scheduleToStartTimeoutMs: number, taskQueue: string, ...seqs: number[]): this {
    const options = resolveActivityOptions({ scheduleToStartTimeoutMs, taskQueue }, TASK_QUEUE);
    return this.decide(...seqs.map((seq) => ({ type: "ActivityScheduled" as const, data: { seq, activityType: "charge", input: null, options } })));
  }

  /** The schedule-to-start timer of an activity no worker started fires: ActivityFailed, attempt 0, TIMEOUT (scheduleToStart). */
  timeOutUnstarted(seq: number, by: Incarnation = DEFAULT_WORKER): void {
    this.claim("timer", seq, by);
    this.append("ActivityFailed", { seq, attempt: 0, failure: { type: "TimeoutError", code: "TIMEOUT", timeoutType: "scheduleToStart", message: `activity ${seq} was not started within its scheduleToStartTimeoutMs` } });
  }
}
