/**
 * Every workload shape runs end to end on the real engine (PGlite), with the
 * mock services on the same manual clock: linear, fanout and timer complete
 * with one applied effect per step (linear's local steps recorded as
 * markers that replay reads back); a saga completes when healthy and, when
 * a service refuses, compensates newest first and fails SagaCompensated; the
 * signal shape takes its fallback path when no signal comes and the approval
 * path when one does (a duplicate is harmless); the child shape's parent
 * returns its awaited children's receipts (started at once or one by one),
 * its detached child runs on its own, its sidecar is terminated or cancelled
 * by its close, and terminating the parent terminates the awaited children
 * but not the detached one; the update shape charges an accepted deposit
 * once however often it is asked, applies nothing for a refused one, and
 * waits for its handlers before it completes; a versioned run begun on
 * version 1 replays on version 2 down the old branch, one begun on version 2
 * records the patch and takes the new one. And the planted bug shows in
 * the ledger: after a succeed-then-time-out call, keys per attempt apply a
 * step twice, the engine's key per step once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkflowFailedError, type ApplicationFailure } from "../../engine/index.ts";
import { testDatabase, type TestDatabase } from "../../engine/testing/index.ts";
import type { EffectRecord } from "../model.ts";
import type { KeyMode } from "./activities.ts";
import { SAGA_FORWARD_ATTEMPTS_MAX } from "./activity-options.ts";
import { replayHistory } from "../../engine/testing/replayer.ts";
import { WorkloadHarness } from "./engine-harness.ts";
import { workloadWorkflows } from "./index.ts";
import type { FanoutInput, FanoutResult } from "./shapes/fanout.ts";
import type { ChainInput } from "./shapes/chain.ts";
import { CHILD_STEPS_WORKFLOW, SIDECAR_WORKFLOW, childWorkflowId, detachedChildWorkflowId, sidecarWorkflowId, type ChildParentInput, type ChildParentResult } from "./shapes/child.ts";
import type { LinearInput } from "./shapes/linear.ts";
import { SAGA_COMPENSATED, type SagaInput, type SagaResult } from "./shapes/saga.ts";
import { APPROVE_SIGNAL, SIGNAL_WAIT_TIMEOUT_MS, type SignalInput, type SignalResult } from "./shapes/signal.ts";
import type { TimerInput, TimerResult } from "./shapes/timer.ts";
import { VERSIONED_PATCH_ID, VERSIONED_PAUSE_MS_MIN, type CodeVersion, type VersionedInput, type VersionedResult } from "./shapes/versioned.ts";
import { DEPOSIT_UPDATE, UPDATE_WINDOW_MS, type DepositAnswer, type UpdateInput, type UpdateResult } from "./shapes/update.ts";

describe("workload shapes on the engine (pglite)", () => {
  let t: TestDatabase;
  let queues = 0;

  beforeAll(async () => {
    t = await testDatabase("pglite", { prefix: "workloads" });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A fresh queue, clock, services and worker per test. */
  function harness(keyMode: KeyMode = "step", codeVersion: CodeVersion = 1): WorkloadHarness {
    return new WorkloadHarness(t.store, `wl${++queues}`, { keyMode, codeVersion });
  }

  const applied = (effects: EffectRecord[]) => effects.filter((e) => e.applied);
  const appliedPerStep = (effects: EffectRecord[]) => {
    const counts = new Map<string, number>();
    for (const e of applied(effects)) counts.set(e.step, (counts.get(e.step) ?? 0) + 1);
    return [...counts.values()];
  };

  async function failureOf(h: WorkloadHarness, workflowId: string): Promise<ApplicationFailure> {
    const error = await h.client.result(workflowId).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    return (error as WorkflowFailedError).cause as ApplicationFailure;
  }

  it("linear: runs its steps in order, one applied effect each", async () => {
    const h = harness();
    const input: LinearInput = { steps: ["reserve", "charge", "ship", "notify"] };
    const handle = await h.start("linear", input);
    await h.runToClose(handle.workflowId);
    expect(await handle.result()).toEqual(["inventory-reserve-1", "payments-charge-1", "shipping-ship-1", "notifications-notify-1"]);
    expect(h.services.effects.map((e) => [e.step, e.operation, e.outcome])).toEqual(input.steps.map((op, i) => [`${handle.runId}:${i + 1}`, op, "ok"]));
    expect(appliedPerStep(h.services.effects)).toEqual([1, 1, 1, 1]);
  });

  it("linear: local steps run inside the workflow task, one call and one marker each, read back by replay", async () => {
    const h = harness();
    const input: LinearInput = { steps: ["reserve", "charge", "ship"], local: [0, 2] };
    const handle = await h.start("linear", input);
    await h.runToClose(handle.workflowId);
    expect(await handle.result()).toEqual(["inventory-reserve-1", "payments-charge-1", "shipping-ship-1"]);
    expect(h.services.effects.map((e) => [e.step, e.operation, e.applied])).toEqual(input.steps.map((op, i) => [`${handle.runId}:${i + 1}`, op, true]));
    const events = (await handle.history()).events;
    const recorded = events.flatMap((e) => (e.type === "MarkerRecorded" && e.data.marker === "localActivity" ? [[e.data.seq, e.data.activityType, e.data.result]] : []));
    expect(recorded).toEqual([
      [1, "reserve", "inventory-reserve-1"],
      [3, "ship", "shipping-ship-1"],
    ]);
    expect(events.filter((e) => e.type === "ActivityScheduled").map((e) => e.data)).toEqual([expect.objectContaining({ seq: 2, activityType: "charge" })]);
    // Replay (the whole history, on a fresh runtime with no activities registered) answers the local steps from
    // their markers: had it run them, they would have failed (unknown type) and the run with them.
    expect(await replayHistory(workloadWorkflows(), events)).toMatchObject({ ok: true });
  });

  it("versioned: a history begun on version 1 replays on version 2 down the old branch; a run begun on version 2 records the patch and notifies", async () => {
    const input: VersionedInput = { pauseMs: VERSIONED_PAUSE_MS_MIN };
    const v1 = harness();
    const old = await v1.start("versioned", input);
    await v1.driveUntil(async () => v1.idle && (await old.history()).events.some((e) => e.type === "TimerStarted"), "version 1 paused");
    const paused = (await old.history()).events;
    await v1.runToClose(old.workflowId);
    expect(await old.result<VersionedResult>()).toEqual({ branch: "old", receipts: ["inventory-reserve-1", "payments-charge-1"] });
    // Version 2 replays both the paused history and the whole one without non-determinism.
    expect(await replayHistory(workloadWorkflows(2), paused)).toMatchObject({ ok: true });
    expect(await replayHistory(workloadWorkflows(2), (await old.history()).events)).toMatchObject({ ok: true });
    // The patched branch, not taken, left no marker.
    expect((await old.history()).events.some((e) => e.type === "MarkerRecorded")).toBe(false);

    const v2 = harness("step", 2);
    const fresh = await v2.start("versioned", input);
    await v2.runToClose(fresh.workflowId);
    expect(await fresh.result<VersionedResult>()).toEqual({ branch: "new", receipts: ["inventory-reserve-1", "notifications-notify-1", "payments-charge-1"] });
    const events = (await fresh.history()).events;
    expect(events.map((e) => e.type).slice(0, 4)).toEqual(["WorkflowStarted", "WorkflowTaskCompleted", "MarkerRecorded", "ActivityScheduled"]);
    expect(events[2]!.data).toEqual({ marker: "patch", patchId: VERSIONED_PATCH_ID });
    // Version 1 cannot replay it: that is why a deploy swaps every worker at once.
    expect(await replayHistory(workloadWorkflows(1), events)).toMatchObject({ ok: false });
  });

  it("chain: one step per run, each run continuing as new with the rest; the last run returns every receipt", async () => {
    const h = harness();
    const input: ChainInput = { steps: ["reserve", "charge", "notify"], receipts: [] };
    const handle = await h.start("chain", input);
    await h.runToClose(handle.workflowId);
    expect(await handle.result()).toEqual(["inventory-reserve-1", "payments-charge-1", "notifications-notify-1"]);
    // Three runs, each with its own step 1: the effects' steps name three different runs.
    const runs = h.services.effects.map((e) => e.step.replace(/:1$/, ""));
    expect(new Set(runs).size).toBe(3);
    expect(runs[0]).toBe(handle.runId);
    expect(appliedPerStep(h.services.effects)).toEqual([1, 1, 1]);
    const first = await h.client.describe(handle.workflowId, handle.runId);
    expect(first).toMatchObject({ status: "continuedAsNew", continuedAsRunId: runs[1] });
    expect(await h.client.describe(handle.workflowId)).toMatchObject({ runId: runs[2], status: "completed" });
  });

  it("child: the parent starts its children at once and returns their receipts; the detached child runs on its own, the sidecar ends with the parent", async () => {
    const h = harness();
    const input: ChildParentInput = { children: [["reserve", "charge"], ["ship"]], parallel: true, detached: ["notify"], sidecar: "terminate" };
    const handle = await h.start("child", input);
    const id = handle.workflowId;
    const [first, second, detached, side] = [childWorkflowId(id, 0), childWorkflowId(id, 1), detachedChildWorkflowId(id), sidecarWorkflowId(id)];
    await h.runToClose(id);
    // Started before the awaited children, the detached child and the sidecar exist by now; they may still be running.
    await h.runToClose(detached, side);
    expect(await handle.result<ChildParentResult>()).toEqual({ receipts: [["inventory-reserve-1", "payments-charge-1"], ["shipping-ship-1"]], detached });
    for (const [child, seq] of [[detached, 1], [first, 3], [second, 4]] as const) {
      expect(await h.client.describe(child)).toMatchObject({ status: "completed", parent: { workflowId: id, runId: handle.runId, seq } });
    }
    expect((await h.client.describe(detached)).parent?.closePolicy).toBe("abandon");
    expect((await h.client.describe(first)).parent?.closePolicy).toBe("terminate");
    // The sidecar waited for a signal nobody sends: the parent's completion terminated it.
    expect(await h.client.describe(side)).toMatchObject({ status: "terminated", workflowType: SIDECAR_WORKFLOW, parent: { runId: handle.runId, seq: 2, closePolicy: "terminate" } });
    expect((await h.client.history(side)).events.at(-1)?.data).toMatchObject({ reason: expect.stringContaining("closed as completed; parentClosePolicy terminate") });
    // Each step ran in its child's run, once.
    expect(h.services.effects.map((e) => [e.workflowId, e.operation]).sort()).toEqual(
      [[first, "charge"], [first, "reserve"], [second, "ship"], [detached, "notify"]].sort(),
    );
    expect(appliedPerStep(h.services.effects)).toEqual([1, 1, 1, 1]);
    // Both awaited children started in one workflow task (no task completed between their starts), after the detached one and the sidecar.
    const events = (await handle.history()).events;
    const initiatedAt = events.flatMap((e, i) => (e.type === "ChildWorkflowInitiated" ? [[e.data.seq, i] as const] : []));
    expect(initiatedAt.map(([seq]) => seq)).toEqual([1, 2, 3, 4]);
    const between = events.slice(initiatedAt[2]![1], initiatedAt[3]![1]);
    expect(between.map((e) => e.type)).toEqual(["ChildWorkflowInitiated"]);
    const delivered = events.flatMap((e) => (e.type === "ChildWorkflowCompleted" ? [e.data.seq] : []));
    expect(delivered).toEqual(expect.arrayContaining([3, 4]));
  });

  it("child: one child after another with executeChild, each child's close delivered before the next starts; the sidecar is asked to cancel", async () => {
    const h = harness();
    const input: ChildParentInput = { children: [["charge"], ["notify", "ship"]], parallel: false, detached: null, sidecar: "requestCancel" };
    const handle = await h.start("child", input);
    const side = sidecarWorkflowId(handle.workflowId);
    await h.runToClose(handle.workflowId);
    await h.runToClose(side);
    expect(await handle.result<ChildParentResult>()).toEqual({ receipts: [["payments-charge-1"], ["notifications-notify-1", "shipping-ship-1"]], detached: null });
    // requestCancel: the sidecar's wait rejected with CancelledError, and it ended cancelled.
    expect(await h.client.describe(side)).toMatchObject({ status: "cancelled", parent: { closePolicy: "requestCancel" } });
    expect((await h.client.history(side)).events.map((e) => e.type)).toContain("WorkflowCancelRequested");
    const events = (await handle.history()).events;
    expect(events.map((e) => e.type).filter((t) => t.startsWith("Child"))).toEqual([
      "ChildWorkflowInitiated",
      "ChildWorkflowStarted",
      "ChildWorkflowInitiated",
      "ChildWorkflowStarted",
      "ChildWorkflowCompleted",
      "ChildWorkflowInitiated",
      "ChildWorkflowStarted",
      "ChildWorkflowCompleted",
    ]);
    const initiated = events.flatMap((e) => (e.type === "ChildWorkflowInitiated" ? [e.data] : []));
    expect(initiated.map((d) => [d.workflowId, d.workflowType, d.input, d.parentClosePolicy])).toEqual([
      [side, SIDECAR_WORKFLOW, null, "requestCancel"],
      [childWorkflowId(handle.workflowId, 0), CHILD_STEPS_WORKFLOW, { steps: ["charge"] }, "terminate"],
      [childWorkflowId(handle.workflowId, 1), CHILD_STEPS_WORKFLOW, { steps: ["notify", "ship"] }, "terminate"],
    ]);
  });

  it("child: terminating the parent terminates its awaited children, not its detached one", async () => {
    const h = harness();
    const input: ChildParentInput = { children: [["reserve", "charge"]], parallel: true, detached: ["ship", "notify"], sidecar: null };
    const handle = await h.start("child", input);
    const [awaited, detached] = [childWorkflowId(handle.workflowId, 0), detachedChildWorkflowId(handle.workflowId)];
    const running = async (id: string) => (await h.client.describe(id).catch(() => null))?.status === "running";
    await h.driveUntil(async () => (await running(awaited)) && (await running(detached)), "both children running");
    await h.client.terminate(handle.workflowId, "test");
    await h.runToClose(awaited, detached);
    expect(await h.client.describe(handle.workflowId)).toMatchObject({ status: "terminated" });
    expect(await h.client.describe(awaited)).toMatchObject({ status: "terminated" });
    expect(await h.client.describe(detached)).toMatchObject({ status: "completed", result: ["shipping-ship-1", "notifications-notify-1"] });
    const ended = (await h.client.history(awaited)).events.at(-1);
    expect(ended?.type).toBe("WorkflowTerminated");
    expect(ended?.data).toMatchObject({ reason: expect.stringContaining("parentClosePolicy terminate") });
  });

  it("fanout: runs every branch, then the join", async () => {
    const h = harness();
    const input: FanoutInput = { branches: ["charge", "charge", "ship", "reserve", "notify"] };
    const handle = await h.start("fanout", input);
    await h.runToClose(handle.workflowId);
    const result = await handle.result<FanoutResult>();
    expect(result.branches).toHaveLength(5);
    expect(new Set(result.branches).size).toBe(5);
    expect(result.join).toMatch(/^notifications-notify-\d$/);
    expect(appliedPerStep(h.services.effects)).toEqual([1, 1, 1, 1, 1, 1]);
    // The join's call comes after every branch's.
    const joinAtMs = h.services.effects.find((e) => e.step === `${handle.runId}:6`)!.atMs;
    expect(h.services.effects.every((e) => e.atMs <= joinAtMs)).toBe(true);
  });

  it("timer: sleeps between steps, never less than asked", async () => {
    const h = harness();
    const input: TimerInput = { sleepsMs: [1_500, 4_000] };
    const handle = await h.start("timer", input);
    await h.runToClose(handle.workflowId);
    const result = await handle.result<TimerResult>();
    expect(result.receipts).toHaveLength(3);
    result.sleptMs.forEach((ms, i) => expect(ms).toBeGreaterThanOrEqual(input.sleepsMs[i]!));
    const [first, second, third] = h.services.effects.map((e) => e.atMs);
    expect(second! - first!).toBeGreaterThanOrEqual(1_500);
    expect(third! - second!).toBeGreaterThanOrEqual(4_000);
  });

  it("timer: a first sleep until a moment ends at that moment, or after the asked minimum when the moment has passed", async () => {
    const h = harness();
    const startMs = h.clock.now();
    const untilMs = startMs + 30_000;
    const later = await h.start("timer", { sleepsMs: [1_000, 1_000], firstSleepUntilMs: untilMs } satisfies TimerInput);
    const passed = await h.start("timer", { sleepsMs: [2_000, 1_000], firstSleepUntilMs: h.clock.now() - 1 } satisfies TimerInput);
    await h.runToClose(later.workflowId, passed.workflowId);
    // Effects are timed from the services' start, which is the harness clock's start.
    const effectsOf = (runId: string) => h.services.effects.filter((e) => e.step.startsWith(`${runId}:`)).map((e) => startMs + e.atMs);
    const [, afterUntil] = effectsOf(later.runId);
    expect(afterUntil).toBeGreaterThanOrEqual(untilMs);
    // Woken by its timer, not left asleep a further full duration.
    expect(afterUntil).toBeLessThan(untilMs + 10_000);
    expect((await passed.result<TimerResult>()).sleptMs[0]).toBeGreaterThanOrEqual(2_000);
    const [first, second] = effectsOf(passed.runId);
    expect(second! - first!).toBeGreaterThanOrEqual(2_000);
  });

  it("saga: completes when every service is healthy", async () => {
    const h = harness();
    const handle = await h.start("saga", { amountCents: 4_200 } satisfies SagaInput);
    await h.runToClose(handle.workflowId);
    expect(await handle.result<SagaResult>()).toEqual({ reservation: "inventory-reserve-1", charge: "payments-charge-1", shipment: "shipping-ship-1" });
    expect(applied(h.services.effects).map((e) => e.operation)).toEqual(["reserve", "charge", "ship"]);
  });

  it("saga: when payments refuses, charge fails for good after its attempts, the reservation is released, the run fails SagaCompensated", async () => {
    const h = harness();
    h.services.setBehavior("payments", "refuse");
    const handle = await h.start("saga", { amountCents: 4_200 } satisfies SagaInput);
    await h.runToClose(handle.workflowId);
    const failure = await failureOf(h, handle.workflowId);
    expect(failure.type).toBe(SAGA_COMPENSATED);
    expect(failure.details.details).toEqual({ failedStep: "charge", compensated: ["release"] });
    expect(h.services.effects.map((e) => `${e.operation}:${e.outcome}`)).toEqual([
      "reserve:ok",
      ...Array.from({ length: SAGA_FORWARD_ATTEMPTS_MAX }, () => "charge:refused"),
      "release:ok",
    ]);
    expect((await handle.describe()).status).toBe("failed");
  });

  it("saga: when shipping refuses, compensations run newest first: refund, then release", async () => {
    const h = harness();
    h.services.setBehavior("shipping", "refuse");
    const handle = await h.start("saga", { amountCents: 4_200 } satisfies SagaInput);
    await h.runToClose(handle.workflowId);
    expect((await failureOf(h, handle.workflowId)).details.details).toEqual({ failedStep: "ship", compensated: ["refund", "release"] });
    expect(applied(h.services.effects).map((e) => e.operation)).toEqual(["reserve", "charge", "refund", "release"]);
  });

  it("signal: with no signal, both waits time out and the fallback path runs", async () => {
    const h = harness();
    const handle = await h.start("signal", { timeoutMs: SIGNAL_WAIT_TIMEOUT_MS, confirm: true } satisfies SignalInput);
    await h.runToClose(handle.workflowId);
    const result = await handle.result<SignalResult>();
    expect(result).toMatchObject({ approve: "timedOut", confirm: "timedOut" });
    expect(applied(h.services.effects).map((e) => e.operation)).toEqual(["reserve", "release", "notify"]);
    const [reserved, released] = h.services.effects.map((e) => e.atMs);
    expect(released! - reserved!).toBeGreaterThanOrEqual(SIGNAL_WAIT_TIMEOUT_MS);
  });

  it("signal: an approval in time takes the charge path; its duplicate changes nothing", async () => {
    const h = harness();
    const handle = await h.start("signal", { timeoutMs: SIGNAL_WAIT_TIMEOUT_MS, confirm: false } satisfies SignalInput);
    await h.driveUntil(() => h.services.effects.length === 1 && h.idle, "the first step done");
    await h.client.signal(handle.workflowId, APPROVE_SIGNAL, { copy: 1 });
    await h.client.signal(handle.workflowId, APPROVE_SIGNAL, { copy: 2 });
    await h.runToClose(handle.workflowId);
    expect(await handle.result<SignalResult>()).toMatchObject({ approve: "received", confirm: null });
    expect(applied(h.services.effects).map((e) => e.operation)).toEqual(["reserve", "charge", "notify"]);
  });

  it("update: a deposit is charged once and answered, however often it is asked; a refused one applies nothing; the run waits for a handler in flight", async () => {
    const h = harness();
    const handle = await h.start("update", { windowMs: UPDATE_WINDOW_MS } satisfies UpdateInput);
    const startedAtMs = h.clock.now();
    const answers = new Map<string, unknown>();
    const ask = (key: string, updateId: string, amount: number) =>
      void h.client.update<DepositAnswer>(handle.workflowId, DEPOSIT_UPDATE, { amount }, { updateId, pollMs: 100 }).then(
        (answer) => answers.set(key, answer),
        (err: { code?: string }) => answers.set(key, err.code),
      );
    ask("first", "u-0", 7);
    await h.driveUntil(() => answers.has("first"), "the first answer");
    ask("again", "u-0", 7);
    ask("refused", "u-1", 0);
    await h.driveUntil(() => answers.has("again") && answers.has("refused"), "the second and third answers");
    expect(answers.get("first")).toEqual({ balance: 7, receipt: "payments-charge-1" });
    expect(answers.get("again")).toEqual(answers.get("first"));
    expect(answers.get("refused")).toBe("UPDATE_REJECTED");
    // A deposit whose charge is still failing when the window ends: the run waits for it.
    h.services.setBehavior("payments", "refuse");
    await h.driveUntil(async () => (await h.client.describe(handle.workflowId)).status === "running" && h.clock.now() - startedAtMs > UPDATE_WINDOW_MS - 1_000, "near the window's end");
    ask("late", "u-2", 3);
    await h.driveUntil(() => h.clock.now() - startedAtMs > UPDATE_WINDOW_MS + 5_000, "past the window's end");
    expect((await h.client.describe(handle.workflowId)).status).toBe("running");
    h.services.setBehavior("payments", null);
    await h.runToClose(handle.workflowId);
    expect(await handle.result<UpdateResult>()).toEqual({ balance: 10, deposits: 2 });
    await h.driveUntil(() => answers.has("late"), "the late answer");
    expect(answers.get("late")).toMatchObject({ balance: 10 });
    expect(applied(h.services.effects).map((e) => e.operation)).toEqual(["charge", "charge"]);
    const types = (await handle.history()).events.map((e) => e.type);
    expect(types.filter((t) => t === "WorkflowUpdateRequested")).toHaveLength(3);
    expect(types.filter((t) => t === "WorkflowUpdateCompleted")).toHaveLength(2);
    expect(types.at(-2)).toBe("WorkflowUpdateCompleted");
  });

  /** One charge step whose first call succeeds at the service but times out for the caller; the outage heals before the retry. */
  async function ambiguousCharge(keyMode: KeyMode): Promise<{ effects: EffectRecord[]; step: string }> {
    const h = harness(keyMode);
    h.services.setBehavior("payments", "succeedThenTimeout");
    const handle = await h.start("linear", { steps: ["charge", "notify"] } satisfies LinearInput);
    await h.driveUntil(() => h.services.effects.some((e) => e.applied), "the charge applied");
    h.services.setBehavior("payments", null);
    await h.runToClose(handle.workflowId);
    expect(await handle.result()).toHaveLength(2);
    return { effects: h.services.effects, step: `${handle.runId}:1` };
  }

  it("keys per step: an ambiguous call, retried, applies the charge once", async () => {
    const { effects, step } = await ambiguousCharge("step");
    const charges = effects.filter((e) => e.step === step);
    expect(charges.map((e) => [e.attempt, e.applied, e.outcome])).toEqual([
      [1, true, "timedOut"],
      [2, false, "ok"],
    ]);
    expect(new Set(charges.map((e) => e.key))).toEqual(new Set([step]));
  });

  it("keys per attempt (the planted bug): the same retry applies the charge twice", async () => {
    const { effects, step } = await ambiguousCharge("attempt");
    const charges = effects.filter((e) => e.step === step);
    expect(charges.map((e) => [e.key, e.applied, e.outcome])).toEqual([
      [`${step}#1`, true, "timedOut"],
      [`${step}#2`, true, "ok"],
    ]);
  });
});
