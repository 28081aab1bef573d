/**
 * Child workflows end to end, on every backend: start and await; the
 * parent's history records the start and the close; failures reach the
 * parent with their cause; a taken workflow id fails the start, not the
 * parent; parent close policies (terminate, request cancellation, abandon);
 * a parent's cancellation reaches the child it waits on; a child that
 * continues as new delivers its last run's result. On a ManualClock, like
 * worker.behaviour.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { ApplicationFailure, CancelledError, ChildWorkflowFailure, RatchetError, WorkflowCancelledError, WorkflowFailedError } from "../errors.ts";
import type { HistoryEvent } from "../history/events.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import type { Store } from "../store/store.ts";
import { replayHistory } from "../testing/replayer.ts";
import { testDatabase, type TestDatabase } from "../testing/databases.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import type { ActivityMap, ChildWorkflowOptions, WorkflowContext, WorkflowMap } from "../workflow/types.ts";
import { Worker } from "./worker.ts";

export function childWorkflowBehaviour(kind: "pglite" | "postgres"): void {
  describe(`child workflows on ${kind}`, () => {
    let t: TestDatabase;
    let store: Store;
    let queueCounter = 0;

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "child" });
      store = t.store;
    });
    afterAll(async () => {
      await t?.close();
    });

    function setup(workflows: WorkflowMap, activities: ActivityMap = {}, options: { inlineDecisions?: boolean } = {}) {
      const clock = new ManualClock();
      const queue = `k${++queueCounter}`;
      const random = new SeededRandom(`child-${queueCounter}`);
      const client = new Client({ store, clock, random });
      const worker = new Worker({ store, taskQueue: queue, workflows, activities, clock, random, logger: silentLogger, identity: `w-${queueCounter}`, ...options });
      return { clock, queue, client, worker };
    }

    const types = (events: HistoryEvent[]) => events.map((e) => e.type);

    /** Waits for a "go" signal, then returns what it got; cancellation ends it as cancelled. */
    const waiter = async (ctx: WorkflowContext, label: string) => `${label}:${await ctx.waitForSignal<string>("go")}`;

    for (const inlineDecisions of [true, false]) {
      it(`executeChild returns the child's result; both histories say who started whom (inline decisions ${inlineDecisions ? "on" : "off"})`, async () => {
        const child = async (ctx: WorkflowContext, n: number) => (await ctx.activity<number>("double", n)) + 1;
        const parent = async (ctx: WorkflowContext, n: number) => {
          const a = await ctx.executeChild<number>("child", n, { workflowId: `${ctx.info.workflowId}-a` });
          const b = await ctx.executeChild<number>("child", a);
          return [a, b, ctx.info.parent ?? null];
        };
        const { client, worker, queue } = setup({ parent, child }, { double: async (n: number) => n * 2 }, { inlineDecisions });
        const handle = await client.start("parent", { workflowId: `${queue}-p`, taskQueue: queue, input: 3 });
        await worker.runUntilIdle();
        expect(await handle.result()).toEqual([7, 15, null]);

        const events = (await handle.history()).events;
        expect(types(events).filter((t) => t.startsWith("Child"))).toEqual([
          "ChildWorkflowInitiated",
          "ChildWorkflowStarted",
          "ChildWorkflowCompleted",
          "ChildWorkflowInitiated",
          "ChildWorkflowStarted",
          "ChildWorkflowCompleted",
        ]);
        const initiated = events.filter((e): e is Extract<HistoryEvent, { type: "ChildWorkflowInitiated" }> => e.type === "ChildWorkflowInitiated");
        expect(initiated[0]!.data).toMatchObject({ workflowId: `${queue}-p-a`, workflowType: "child", taskQueue: queue, input: 3, parentClosePolicy: "terminate" });
        // The default child id is the parent's run id and the command's sequence number: unique to the call.
        expect(initiated[1]!.data.workflowId).toBe(`${handle.runId}/${initiated[1]!.data.seq}`);

        const childRun = await client.describe(`${queue}-p-a`);
        expect(childRun).toMatchObject({ status: "completed", result: 7, parent: { workflowId: handle.workflowId, runId: handle.runId, seq: initiated[0]!.data.seq, closePolicy: "terminate" } });
        expect(childRun.runId).toBe(initiated[0]!.data.runId);
        const childStarted = (await client.history(`${queue}-p-a`)).events[0]!;
        expect(childStarted.data).toMatchObject({ parent: { workflowId: handle.workflowId, runId: handle.runId } });

        const parentRun = await client.describe(handle.workflowId);
        expect(parentRun.children.map((c) => [c.workflowId, c.status, c.parentClosePolicy]).sort()).toEqual(
          [
            [`${queue}-p-a`, "completed", "terminate"],
            [initiated[1]!.data.workflowId, "completed", "terminate"],
          ].sort(),
        );
        // Nothing is left in the queue for either.
        expect(await store.listRunTasks(handle.runId)).toEqual([]);
        expect(await store.listRunTasks(childRun.runId)).toEqual([]);
      });
    }

    it("a child's failure reaches the parent as ChildWorkflowFailure with the child's failure as its cause", async () => {
      const failing = async () => {
        throw new ApplicationFailure("card declined", { type: "Declined", nonRetryable: true });
      };
      const catching = async (ctx: WorkflowContext) => {
        try {
          await ctx.executeChild("failing", undefined, { workflowId: `${ctx.info.workflowId}-c` });
          return "no failure";
        } catch (err) {
          const e = err as ChildWorkflowFailure;
          return { name: e.name, code: e.code, status: e.status, childId: e.workflowId, cause: (e.cause as Error).message };
        }
      };
      const uncaught = async (ctx: WorkflowContext) => ctx.executeChild("failing");
      const { client, worker, queue } = setup({ failing, catching, uncaught });
      const a = await client.start("catching", { workflowId: `${queue}-catch`, taskQueue: queue });
      const b = await client.start("uncaught", { workflowId: `${queue}-throw`, taskQueue: queue });
      await worker.runUntilIdle();
      expect(await a.result()).toEqual({ name: "ChildWorkflowFailure", code: "CHILD_WORKFLOW_FAILED", status: "failed", childId: `${queue}-catch-c`, cause: "card declined" });
      const failure = await b.result().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as RatchetError).cause).toMatchObject({ code: "CHILD_WORKFLOW_FAILED" });
      expect(((failure as RatchetError).cause as RatchetError).cause).toMatchObject({ message: "card declined" });
    });

    it("a child id that is already running fails the start (not the parent), also within one workflow task", async () => {
      const twice = async (ctx: WorkflowContext) => {
        const options: ChildWorkflowOptions = { workflowId: `${ctx.info.workflowId}-busy`, parentClosePolicy: "abandon" };
        const outcomes: string[] = [];
        // Both starts are decided in one workflow task: the second finds the first's run.
        const starts = [ctx.startChild("waiter", "one", options), ctx.startChild("waiter", "two", options)];
        for (const start of starts) {
          outcomes.push(await start.then((h) => `started ${h.workflowId}`, (e: RatchetError) => `${e.code} ${String(e.details.runId).length}`));
        }
        const clash = await ctx.startChild("waiter", "three", { workflowId: "external" }).catch((e: RatchetError) => e.code);
        return [...outcomes, clash];
      };
      const { client, worker, queue } = setup({ twice, waiter });
      await client.start("waiter", { workflowId: "external", taskQueue: queue, input: "x", idConflictPolicy: "useExisting" });
      const handle = await client.start("twice", { workflowId: `${queue}-twice`, taskQueue: queue });
      await worker.runUntilIdle();
      expect(await handle.result()).toEqual([`started ${queue}-twice-busy`, "WORKFLOW_ALREADY_RUNNING 36", "WORKFLOW_ALREADY_RUNNING"]);
      const failed = (await handle.history()).events.filter((e) => e.type === "ChildWorkflowStartFailed");
      expect(failed).toHaveLength(2);
      expect((await client.describe(`${queue}-twice-busy`)).status).toBe("running"); // abandoned: it outlives the parent
      await client.terminate("external", "test done");
      await client.terminate(`${queue}-twice-busy`, "test done");
    });

    it("a parent's close applies each running child's policy: terminate, request cancellation, abandon", async () => {
      const parent = async (ctx: WorkflowContext) => {
        for (const policy of ["terminate", "requestCancel", "abandon"] as const) {
          await ctx.startChild("waiter", policy, { workflowId: `${ctx.info.workflowId}-${policy}`, parentClosePolicy: policy });
        }
        return "parent done";
      };
      const { client, worker, queue } = setup({ parent, waiter });
      const handle = await client.start("parent", { workflowId: `${queue}-pc`, taskQueue: queue });
      await worker.runUntilIdle();
      expect(await handle.result()).toBe("parent done");
      const terminated = await client.describe(`${queue}-pc-terminate`);
      expect(terminated.status).toBe("terminated");
      expect(terminated.terminationReason).toContain(`parent workflow ${queue}-pc`);
      expect(terminated.terminationReason).toContain("parentClosePolicy terminate");
      const cancelled = await client.describe(`${queue}-pc-requestCancel`);
      expect(cancelled.status).toBe("cancelled");
      const abandoned = await client.describe(`${queue}-pc-abandon`);
      expect(abandoned.status).toBe("running");
      await client.signal(`${queue}-pc-abandon`, "go", "later");
      await worker.runUntilIdle();
      expect(await client.result(`${queue}-pc-abandon`)).toBe("abandon:later");
      // The parent closed: the abandoned child's close is delivered to nobody, and nothing is left queued.
      expect(types((await handle.history()).events).at(-1)).toBe("WorkflowCompleted");
      expect(await store.listRunTasks(handle.runId)).toEqual([]);
    });

    it("terminating the parent applies the policy too, and a terminated child fails the parent's await with status terminated", async () => {
      const parent = async (ctx: WorkflowContext) => {
        const child = await ctx.startChild("waiter", "c", { workflowId: `${ctx.info.workflowId}-c` });
        try {
          return await child.result();
        } catch (err) {
          return `${(err as ChildWorkflowFailure).status}: ${(err as Error).message.includes("operator") ? "by operator" : "?"}`;
        }
      };
      const { client, worker, queue } = setup({ parent, waiter });
      const one = await client.start("parent", { workflowId: `${queue}-t1`, taskQueue: queue });
      const two = await client.start("parent", { workflowId: `${queue}-t2`, taskQueue: queue });
      await worker.runUntilIdle();
      await client.terminate(`${queue}-t1-c`, "by operator");
      await client.terminate(two.workflowId, "parent terminated");
      await worker.runUntilIdle();
      expect(await one.result()).toBe("terminated: by operator");
      expect((await client.describe(`${queue}-t2-c`)).status).toBe("terminated");
    });

    it("cancelling the parent cancels the child it waits on, which may clean up; the parent ends cancelled", async () => {
      const cleanups: string[] = [];
      const child = async (ctx: WorkflowContext) => {
        try {
          return await ctx.waitForSignal("go");
        } catch (err) {
          if (!(err instanceof CancelledError)) throw err;
          await ctx.activity("cleanup", ctx.info.workflowId);
          throw err;
        }
      };
      const parent = async (ctx: WorkflowContext) => ctx.executeChild("child", undefined, { workflowId: `${ctx.info.workflowId}-c`, parentClosePolicy: "abandon" });
      const { client, worker, queue } = setup({ parent, child }, { cleanup: async (id: string) => cleanups.push(id) });
      const handle = await client.start("parent", { workflowId: `${queue}-cx`, taskQueue: queue });
      await worker.runUntilIdle();
      await client.cancel(handle.workflowId, "user gave up");
      await worker.runUntilIdle();
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowCancelledError);
      expect(cleanups).toEqual([`${queue}-cx-c`]);
      expect((await client.describe(`${queue}-cx-c`)).status).toBe("cancelled");
      const parentTypes = types((await handle.history()).events);
      expect(parentTypes).toContain("ChildWorkflowCancelRequested");
      expect(parentTypes.slice(-2)).toEqual(["WorkflowTaskCompleted", "WorkflowCancelled"]);
    });

    it("a child that continues as new delivers its last run's result; the close policy reaches the run that is running", async () => {
      const chain = async (ctx: WorkflowContext, n: number): Promise<number> => {
        if (n >= 3) return n;
        if (n === 1) await ctx.waitForSignal("go");
        return ctx.continueAsNew(n + 1);
      };
      const parent = async (ctx: WorkflowContext, mode: string) => {
        const child = await ctx.startChild<number>("chain", 0, { workflowId: `${ctx.info.workflowId}-c` });
        if (mode === "leave") return "left";
        return child.result();
      };
      const { client, worker, queue } = setup({ parent, chain });
      const waiting = await client.start("parent", { workflowId: `${queue}-w`, taskQueue: queue, input: "wait" });
      const leaving = await client.start("parent", { workflowId: `${queue}-l`, taskQueue: queue, input: "leave" });
      await worker.runUntilIdle();
      // The leaving parent closed while its child was on its second run: that run is the one terminated.
      const left = await client.describe(`${queue}-l-c`);
      expect(left.status).toBe("terminated");
      expect(left.parent).toMatchObject({ workflowId: leaving.workflowId, runId: leaving.runId });
      await client.signal(`${queue}-w-c`, "go", null);
      await worker.runUntilIdle();
      expect(await waiting.result()).toBe(3);
      const completed = (await waiting.history()).events.find((e) => e.type === "ChildWorkflowCompleted")!;
      expect(completed.data).toMatchObject({ result: 3, runId: (await client.describe(`${queue}-w-c`)).runId });
    });

    it("handle.cancel() asks a running child to cancel; it is found by the search attributes it was started with; replay agrees", async () => {
      const parent = async (ctx: WorkflowContext) => {
        const child = await ctx.startChild("waiter", "kid", { workflowId: `${ctx.info.workflowId}-kid`, searchAttributes: { team: "payments", tier: 2 } });
        await ctx.waitForSignal("stop-it");
        child.cancel();
        child.cancel(); // asked once: a second call adds nothing
        try {
          return await child.result();
        } catch (err) {
          return err instanceof ChildWorkflowFailure ? `child ${err.details.status}` : "other";
        }
      };
      const { client, worker, queue } = setup({ parent, waiter });
      const h = await client.start("parent", { workflowId: `${queue}-canc`, taskQueue: queue });
      await worker.runUntilIdle();
      expect((await client.list({ searchAttributes: { team: "payments", tier: 2 } })).workflows.map((w) => w.workflowId)).toEqual([`${queue}-canc-kid`]);
      await client.signal(h.workflowId, "stop-it", null);
      await worker.runUntilIdle();
      expect(await h.result()).toBe("child cancelled");
      expect((await client.describe(`${queue}-canc-kid`)).status).toBe("cancelled");
      const events = (await h.history()).events;
      expect(types(events).filter((t) => t === "ChildWorkflowCancelRequested")).toHaveLength(1);
      expect(events.find((e) => e.type === "ChildWorkflowInitiated")!.data).toMatchObject({ searchAttributes: { team: "payments", tier: 2 } });
      expect(await replayHistory({ parent, waiter }, events)).toMatchObject({ ok: true });
    });

    it("bad child options fail the parent with a clear error and start nothing", async () => {
      const badPolicy = async (ctx: WorkflowContext) => ctx.executeChild("waiter", 1, { parentClosePolicy: "sometimes" as never });
      const badId = async (ctx: WorkflowContext) => ctx.executeChild("waiter", 1, { workflowId: "" });
      const { client, worker, queue } = setup({ badPolicy, badId, waiter });
      for (const type of ["badPolicy", "badId"]) {
        const h = await client.start(type, { workflowId: `${queue}-${type}`, taskQueue: queue });
        await worker.runUntilIdle();
        const failure = await h.result().catch((e: unknown) => e);
        expect((failure as RatchetError).cause).toMatchObject({ code: "INVALID_ARGUMENT" });
        expect((await client.describe(h.workflowId)).children).toEqual([]);
      }
    });
  });
}
