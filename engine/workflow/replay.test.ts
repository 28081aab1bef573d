/**
 * Deterministic replay, without a database: the same history gives the same
 * decisions and the same now()/random()/uuid() values; code that no longer
 * matches its history is reported as a non-determinism error naming the
 * event, never silently mixed; results are delivered in history order per
 * activation; signals buffer; cancellation rejects pending work.
 */
import { describe, expect, it } from "vitest";
import { ActivityFailure, ApplicationFailure, CancelledError, toFailureInfo } from "../errors.ts";
import type { EventDataByType, EventType, HistoryEvent } from "../history/events.ts";
import { commandEvent, type Command } from "./commands.ts";
import { replayWorkflowTask, type ReplayOutcome } from "./replay.ts";
import type { WorkflowContext, WorkflowFunction } from "./types.ts";

const T0 = Date.UTC(2026, 0, 1);
const info = { workflowId: "wf-1", runId: "run-1", workflowType: "test", taskQueue: "q" };

/** A history built the way the store builds it: decisions are WorkflowTaskCompleted + command events. */
class History {
  readonly events: HistoryEvent[] = [];

  constructor(input: unknown = null, seed = "seed-1") {
    this.add("WorkflowStarted", { workflowId: info.workflowId, workflowType: info.workflowType, taskQueue: "q", input, randomSeed: seed }, T0);
  }

  add<K extends EventType>(type: K, data: EventDataByType[K], atMs = T0): this {
    this.events.push({ eventId: this.events.length + 1, type, atMs, data } as HistoryEvent);
    return this;
  }

  /** Record a decided workflow task, as the store does. */
  record(outcome: ReplayOutcome, atMs: number): Command[] {
    expect(outcome.kind, outcome.kind === "taskFailed" ? outcome.error.message : "").toBe("decided");
    if (outcome.kind !== "decided") return [];
    this.add("WorkflowTaskCompleted", { processedUpTo: outcome.processedUpTo, workerId: "test" }, atMs);
    for (const c of outcome.commands) {
      const e = commandEvent(c, atMs);
      this.events.push({ eventId: this.events.length + 1, type: e.type, atMs, data: JSON.parse(e.dataJson) } as HistoryEvent);
    }
    return outcome.commands;
  }
}

function replay(fn: WorkflowFunction, history: History, nowMs: number): Promise<ReplayOutcome> {
  return replayWorkflowTask({ info, fn, history: history.events, nowMs });
}

/** Run a workflow task and record its decisions: one step of a live execution. */
async function step(fn: WorkflowFunction, history: History, nowMs: number): Promise<Command[]> {
  return history.record(await replay(fn, history, nowMs), nowMs);
}

describe("replay", () => {
  it("re-runs deterministically: same decisions, same now(), random() and uuid() as recorded", async () => {
    const seen: unknown[] = [];
    const fn: WorkflowFunction = async (ctx) => {
      const before = { now: ctx.now(), r: ctx.random(), u: ctx.uuid() };
      const a = await ctx.activity("a", { x: 1 });
      const after = { now: ctx.now(), r: ctx.random(), u: ctx.uuid() };
      seen.push({ before, after, a, replaying: ctx.isReplaying });
      return { before, after, a };
    };
    const h = new History();
    const first = await step(fn, h, T0 + 10);
    expect(first).toMatchObject([{ type: "ScheduleActivity", seq: 1, activityType: "a", inputJson: '{"x":1}' }]);
    h.add("ActivityCompleted", { seq: 1, result: "A", attempt: 1 }, T0 + 20);
    const second = await step(fn, h, T0 + 30);
    expect(second).toHaveLength(1);
    const done = second[0]!;
    expect(done.type).toBe("CompleteWorkflow");
    const result = JSON.parse((done as { resultJson: string }).resultJson);
    expect(result.before.now).toBe(T0 + 10); // the first task's recorded time, not the replaying task's
    expect(result.after.now).toBe(T0 + 30);
    // A third replay of the whole history (as a later task would) reproduces the values exactly.
    const again = await replay(fn, h, T0 + 99);
    expect(again).toMatchObject({ kind: "decided", commands: [] });
    const last = seen.at(-1) as { before: unknown; after: unknown; replaying: boolean };
    expect(last.before).toEqual(result.before);
    expect(last.after).toEqual(result.after);
    expect(last.replaying).toBe(true);
  });

  it("the random stream is seeded per run: another seed draws other numbers", async () => {
    const fn: WorkflowFunction = async (ctx) => [ctx.random(), ctx.uuid()];
    const a = await replay(fn, new History(null, "seed-a"), T0);
    const b = await replay(fn, new History(null, "seed-b"), T0);
    const a2 = await replay(fn, new History(null, "seed-a"), T0);
    const result = (o: ReplayOutcome) => (o.kind === "decided" ? (o.commands[0] as { resultJson: string }).resultJson : "");
    expect(result(a)).toBe(result(a2));
    expect(result(a)).not.toBe(result(b));
  });

  it("a changed activity type is a non-determinism error naming the event", async () => {
    const original: WorkflowFunction = async (ctx) => ctx.activity("chargeCard", 1);
    const changed: WorkflowFunction = async (ctx) => ctx.activity("chargeWallet", 1);
    const h = new History();
    await step(original, h, T0);
    h.add("ActivityCompleted", { seq: 1, result: 1, attempt: 1 });
    const outcome = await replay(changed, h, T0);
    expect(outcome.kind).toBe("taskFailed");
    if (outcome.kind !== "taskFailed") return;
    expect(outcome.error.code).toBe("NON_DETERMINISM");
    expect(outcome.error.message).toContain("ActivityScheduled(seq 1, chargeCard) at event 3");
    expect(outcome.error.message).toContain("ScheduleActivity(seq 1, chargeWallet)");
    expect(outcome.error.details).toMatchObject({ workflowId: "wf-1", runId: "run-1", eventId: 3 });
  });

  it("an extra or a missing command in a replayed activation is a non-determinism error", async () => {
    const one: WorkflowFunction = async (ctx) => {
      await ctx.activity("a");
      return ctx.activity("b");
    };
    const two: WorkflowFunction = async (ctx) => {
      await Promise.all([ctx.activity("a"), ctx.sleep(10)]);
      return ctx.activity("b");
    };
    const h = new History();
    await step(one, h, T0);
    h.add("ActivityCompleted", { seq: 1, result: 1, attempt: 1 });
    const extra = await replay(two, h, T0);
    expect(extra).toMatchObject({ kind: "taskFailed", error: { code: "NON_DETERMINISM" } });
    expect((extra as { error: Error }).error.message).toContain("StartTimer(seq 2)");

    const h2 = new History();
    await step(two, h2, T0);
    const missing = await replay(one, h2, T0);
    expect(missing).toMatchObject({ kind: "taskFailed", error: { code: "NON_DETERMINISM" } });
    expect((missing as { error: Error }).error.message).toContain("TimerStarted(seq 2)");
  });

  it("a result for a command the code never issued is a non-determinism error", async () => {
    const h = new History();
    await step(async (ctx) => ctx.activity("a"), h, T0);
    h.add("ActivityCompleted", { seq: 1, result: 1, attempt: 1 });
    h.add("TimerFired", { seq: 9 });
    const outcome = await replay(async (ctx) => ctx.activity("a"), h, T0);
    expect(outcome).toMatchObject({ kind: "taskFailed", error: { code: "NON_DETERMINISM", details: { seq: 9 } } });
  });

  it("results are delivered in history order, so races replay the same way", async () => {
    const race: WorkflowFunction = async (ctx) => {
      const winner = await Promise.race([ctx.activity("slow").then(() => "slow"), ctx.activity("fast").then(() => "fast")]);
      return ctx.activity(`after-${winner}`);
    };
    const h = new History();
    await step(race, h, T0);
    // "fast" (seq 2) completed first, then "slow" (seq 1), before the next task ran: one activation.
    h.add("ActivityCompleted", { seq: 2, result: null, attempt: 1 });
    h.add("ActivityCompleted", { seq: 1, result: null, attempt: 1 });
    const cmds = await step(race, h, T0 + 1);
    expect(cmds).toMatchObject([{ type: "ScheduleActivity", seq: 3, activityType: "after-fast" }]);
    expect(await replay(race, h, T0 + 2)).toMatchObject({ kind: "decided", commands: [] });
  });

  it("events after a task's processedUpTo belong to the next activation", async () => {
    const fn: WorkflowFunction = async (ctx) => {
      const first = await Promise.race([ctx.activity("a").then(() => "a"), ctx.waitForSignal("s").then(() => "signal")]);
      await ctx.activity(`then-${first}`);
      return first;
    };
    const h = new History();
    await step(fn, h, T0);
    h.add("SignalReceived", { name: "s", payload: 1 });
    // A task loads the history up to the signal, decides, and meanwhile the activity completes.
    const outcome = await replay(fn, h, T0 + 1);
    h.add("ActivityCompleted", { seq: 1, result: null, attempt: 1 });
    h.record(outcome, T0 + 1);
    expect(outcome).toMatchObject({ kind: "decided", commands: [{ activityType: "then-signal" }] });
    // Replaying the full history later puts the completion in the next activation: still deterministic.
    expect(await replay(fn, h, T0 + 2)).toMatchObject({ kind: "decided", commands: [] });
  });

  it("signals are buffered until awaited and delivered in arrival order", async () => {
    const fn: WorkflowFunction = async (ctx) => {
      await ctx.sleep(1_000);
      return [await ctx.waitForSignal("x"), await ctx.waitForSignal("x"), await ctx.waitForSignal("x", { timeoutMs: 5 })];
    };
    const h = new History();
    await step(fn, h, T0);
    h.add("SignalReceived", { name: "x", payload: "first" }).add("SignalReceived", { name: "x", payload: "second" }).add("TimerFired", { seq: 1 });
    const cmds = await step(fn, h, T0 + 1_000);
    expect(cmds).toMatchObject([{ type: "StartTimer", seq: 2, durationMs: 5 }]);
    h.add("TimerFired", { seq: 2 });
    const done = await step(fn, h, T0 + 1_005);
    expect(done).toMatchObject([{ type: "CompleteWorkflow", resultJson: '["first","second",null]' }]);
  });

  it("a signal that beats its wait's timeout cancels the timer", async () => {
    const fn: WorkflowFunction = async (ctx) => ctx.waitForSignal("approve", { timeoutMs: 60_000 });
    const h = new History();
    await step(fn, h, T0);
    h.add("SignalReceived", { name: "approve", payload: { by: "ann" } });
    expect(await step(fn, h, T0 + 1)).toEqual([
      { type: "CancelTimer", seq: 1 },
      { type: "CompleteWorkflow", resultJson: '{"by":"ann"}' },
    ]);
  });

  it("cancellation rejects pending work with CancelledError, cancels its commands, and cleanup can still run activities", async () => {
    const fn: WorkflowFunction = async (ctx: WorkflowContext) => {
      try {
        await Promise.all([ctx.activity("work"), ctx.sleep(10_000), ctx.waitForSignal("never")]);
        return "finished";
      } catch (err) {
        if (!(err instanceof CancelledError)) throw err;
        await ctx.activity("cleanup");
        throw err;
      }
    };
    const h = new History();
    await step(fn, h, T0);
    h.add("WorkflowCancelRequested", { reason: "user asked" });
    expect(await step(fn, h, T0 + 1)).toMatchObject([
      { type: "CancelActivity", seq: 1 },
      { type: "CancelTimer", seq: 2 },
      { type: "ScheduleActivity", seq: 3, activityType: "cleanup" },
    ]);
    // A result of the cancelled activity that raced the cancellation is dropped, as live.
    h.add("ActivityCompleted", { seq: 1, result: "late", attempt: 1 });
    h.add("ActivityCompleted", { seq: 3, result: null, attempt: 1 });
    const end = await step(fn, h, T0 + 2);
    expect(end).toMatchObject([{ type: "CancelWorkflow" }]);
  });

  it("an activity's final failure reaches the code as ActivityFailure with its cause; uncaught, it fails the workflow", async () => {
    let caught: unknown;
    const fn: WorkflowFunction = async (ctx) => {
      try {
        await ctx.activity("charge");
      } catch (err) {
        caught = err;
        throw err;
      }
    };
    const h = new History();
    await step(fn, h, T0);
    h.add("ActivityFailed", { seq: 1, attempt: 3, failure: toFailureInfo(new ApplicationFailure("card declined", { type: "CardDeclined", nonRetryable: true })) });
    const cmds = await step(fn, h, T0);
    expect(caught).toBeInstanceOf(ActivityFailure);
    expect((caught as ActivityFailure).cause).toMatchObject({ type: "CardDeclined", message: "card declined" });
    expect(cmds).toMatchObject([{ type: "FailWorkflow", failure: { type: "ActivityFailure", code: "ACTIVITY_FAILED", cause: { type: "CardDeclined" } } }]);
  });

  it("a result that is not JSON fails the workflow with a clear error", async () => {
    const h = new History();
    const cmds = await step(async () => ({ when: new Date(0) }), h, T0);
    expect(cmds).toMatchObject([{ type: "FailWorkflow", failure: { code: "PAYLOAD_NOT_SERIALIZABLE" } }]);
    expect((cmds[0] as { failure: { message: string } }).failure.message).toContain("$.when");
  });

  it("an unknown activity type on the workflow's own queue fails the task, not the workflow", async () => {
    const outcome = await replayWorkflowTask({ info, fn: async (ctx) => ctx.activity("chrage"), history: new History().events, nowMs: T0, knownActivityTypes: new Set(["charge"]) });
    expect(outcome).toMatchObject({ kind: "taskFailed", error: { code: "UNKNOWN_ACTIVITY_TYPE" } });
    expect((outcome as { error: Error }).error.message).toContain('"chrage"');
    expect((outcome as { error: Error }).error.message).toContain("charge");
  });

  it("invalid arguments in workflow code fail the workflow deterministically", async () => {
    const cmds = await step(async (ctx) => ctx.activity("ok", undefined, { taskQueue: "bad queue!" }), new History(), T0);
    expect(cmds).toMatchObject([{ type: "FailWorkflow", failure: { code: "INVALID_ARGUMENT" } }]);
    const sleep = await step(async (ctx) => ctx.sleep(-1), new History(), T0);
    expect(sleep).toMatchObject([{ type: "FailWorkflow", failure: { code: "INVALID_ARGUMENT" } }]);
  });

  it("continue-as-new: the new run's id and seed come from the run's seed, so replay issues the same command; code that no longer continues diverges", async () => {
    const lengths: number[] = [];
    const fn: WorkflowFunction = async (ctx, input: { n: number }) => {
      const r = await ctx.activity<number>("a", input.n);
      lengths.push(ctx.historyLength);
      return ctx.continueAsNew({ n: r }, { taskQueue: "q2" });
    };
    const history = new History({ n: 1 });
    await step(fn, history, T0);
    history.add("ActivityCompleted", { seq: 1, result: 5, attempt: 1 }, T0 + 1);
    const [command] = await step(fn, history, T0 + 2);
    expect(command).toMatchObject({ type: "ContinueAsNew", workflowType: "test", taskQueue: "q2", inputJson: '{"n":5}' });
    const continued = command as Extract<Command, { type: "ContinueAsNew" }>;
    expect(continued.newRunId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(continued.newRunId.replace(/-/g, "").slice(0, 12), 16)).toBe(T0 + 2); // time-ordered like any run id
    expect(history.events.at(-1)).toMatchObject({ type: "WorkflowContinuedAsNew", data: { newRunId: continued.newRunId, taskQueue: "q2", input: { n: 5 } } });
    // Replaying up to the result issues the very same command again; another run seed gives another run id.
    const upToResult = history.events.slice(0, 4);
    const again = await replayWorkflowTask({ info, fn, history: upToResult, nowMs: T0 + 2 });
    expect(again.kind === "decided" && again.commands).toEqual([continued]);
    const otherSeed = new History({ n: 1 }, "seed-2");
    otherSeed.events.push(...upToResult.slice(1));
    const other = await replay(fn, otherSeed, T0 + 2);
    expect(other.kind === "decided" && (other.commands[0] as typeof continued).newRunId).toMatch(/^[0-9a-f-]{36}$/);
    expect(other.kind === "decided" && (other.commands[0] as typeof continued).newRunId).not.toBe(continued.newRunId);
    expect(lengths).toEqual([4, 4, 4]); // the activation that saw the result saw 4 events, live or replayed

    const completes: WorkflowFunction = async (ctx, input: { n: number }) => ctx.activity<number>("a", input.n);
    const diverged = await replay(completes, history, T0 + 3);
    expect(diverged.kind).toBe("taskFailed");
    expect(diverged.kind === "taskFailed" && diverged.error.code).toBe("NON_DETERMINISM");
  });

  describe("versioning with patched() and deprecatePatch()", () => {
    const oldCode: WorkflowFunction = async (ctx) => ctx.activity("charge-v1", 1);
    const patchedCode: WorkflowFunction = async (ctx) => {
      const first = ctx.patched("v2-charge");
      const again = ctx.patched("v2-charge"); // fixed at the first call: one marker, the same answer
      const result = first ? await ctx.activity("charge-v2", 1) : await ctx.activity("charge-v1", 1);
      return { first, again, result };
    };
    const deprecatedCode: WorkflowFunction = async (ctx) => {
      ctx.deprecatePatch("v2-charge");
      return { first: true, again: true, result: await ctx.activity("charge-v2", 1) };
    };
    const retiredCode: WorkflowFunction = async (ctx) => ({ first: true, again: true, result: await ctx.activity("charge-v2", 1) });

    /** A run of `fn` up to its close: one activity, its result, the completion. */
    async function completedRun(fn: WorkflowFunction): Promise<History> {
      const history = new History();
      await step(fn, history, T0);
      history.add("ActivityCompleted", { seq: 1, result: "ok", attempt: 1 }, T0 + 1);
      await step(fn, history, T0 + 2);
      return history;
    }

    it("a run on the new code records the patch marker; one recorded on the old code replays the old path", async () => {
      const fresh = await completedRun(patchedCode);
      expect(fresh.events.map((e) => e.type)).toEqual([
        "WorkflowStarted",
        "WorkflowTaskCompleted",
        "MarkerRecorded",
        "ActivityScheduled",
        "ActivityCompleted",
        "WorkflowTaskCompleted",
        "WorkflowCompleted",
      ]);
      expect(fresh.events[2]!.data).toEqual({ marker: "patch", patchId: "v2-charge" });
      expect(fresh.events.at(-1)!.data).toEqual({ result: { first: true, again: true, result: "ok" } });
      expect((await replay(patchedCode, fresh, T0 + 3)).kind).toBe("decided");

      // Recorded before the patch: replaying it with the patched code takes the old branch, and nothing diverges.
      const old = new History();
      await step(oldCode, old, T0);
      const midway = await replay(patchedCode, old, T0 + 1);
      expect(midway.kind).toBe("decided");
      old.add("ActivityCompleted", { seq: 1, result: "ok", attempt: 1 }, T0 + 1);
      const [done] = await step(patchedCode, old, T0 + 2);
      expect(done).toMatchObject({ type: "CompleteWorkflow", resultJson: JSON.stringify({ first: false, again: false, result: "ok" }) });
      expect(old.events.some((e) => e.type === "MarkerRecorded")).toBe(false);

      // Without the patch, the new code diverges from the old history, naming the event.
      const unpatched = await replay(retiredCode, old, T0 + 3);
      expect(unpatched.kind === "taskFailed" && unpatched.error.message).toMatch(/ActivityScheduled\(seq 1, charge-v1\) at event 3.*charge-v2/);
    });

    it("deprecatePatch replays histories with the marker; removing the call later still replays them", async () => {
      const patchedRun = await completedRun(patchedCode);
      const deprecatedRun = await completedRun(deprecatedCode);
      expect(deprecatedRun.events.map((e) => e.type)).toEqual(patchedRun.events.map((e) => e.type));
      for (const history of [patchedRun, deprecatedRun]) {
        for (const code of [deprecatedCode, retiredCode, patchedCode]) expect((await replay(code, history, T0 + 3)).kind).toBe("decided");
      }
      // Old-path histories are what deprecation gives up: they no longer replay.
      const old = await completedRun(oldCode);
      const outcome = await replay(deprecatedCode, old, T0 + 3);
      expect(outcome.kind === "taskFailed" && outcome.error.code).toBe("NON_DETERMINISM");
    });

    it("a patch marker recorded where the code no longer reaches it, or a patch id that is not a name, is reported", async () => {
      const movedPatch: WorkflowFunction = async (ctx) => {
        const charged = ctx.activity("charge-v2", 1);
        ctx.patched("v2-charge");
        await charged;
        return "moved";
      };
      const history = new History();
      await step(patchedCode, history, T0);
      // The marker is skipped as retired, then the activity matches; the patch the code now issues after it is extra.
      const outcome = await replay(movedPatch, history, T0 + 1);
      expect(outcome.kind === "taskFailed" && outcome.error.message).toMatch(/issued RecordPatch\("v2-charge"\)/);
      const badId: WorkflowFunction = async (ctx) => ctx.patched("has spaces");
      const bad = await replay(badId, new History(), T0);
      expect(bad.kind === "decided" && bad.commands[0]).toMatchObject({ type: "FailWorkflow", failure: { code: "INVALID_ARGUMENT" } });
    });
  });
});
