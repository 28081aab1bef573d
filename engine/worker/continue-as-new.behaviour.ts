/**
 * Continue-as-new end to end, on every backend: a run closes and the next run
 * of the same workflow id starts in one transaction, with a fresh history
 * that names its predecessor; result() follows the chain; signals reach the
 * run that is running; the new run may change type and queue; what the code
 * does after continuing is not recorded; bad input fails the run clearly.
 * On a ManualClock, like worker.behaviour.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { RatchetError, WorkflowFailedError } from "../errors.ts";
import type { HistoryEvent } from "../history/events.ts";
import { PAYLOAD_BYTES_MAX } from "../limits.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import type { Store } from "../store/store.ts";
import { testDatabase, type TestDatabase } from "../testing/databases.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import type { ActivityMap, WorkflowContext, WorkflowMap } from "../workflow/types.ts";
import { Worker } from "./worker.ts";

interface Counting {
  n: number;
  until: number;
  seen: number[];
}

export function continueAsNewBehaviour(kind: "pglite" | "postgres"): void {
  describe(`continue-as-new on ${kind}`, () => {
    let t: TestDatabase;
    let store: Store;
    let queueCounter = 0;

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "can" });
      store = t.store;
    });
    afterAll(async () => {
      await t?.close();
    });

    function setup(workflows: WorkflowMap, activities: ActivityMap = {}, options: { inlineDecisions?: boolean } = {}) {
      const clock = new ManualClock();
      const queue = `c${++queueCounter}`;
      const random = new SeededRandom(`can-${queueCounter}`);
      const client = new Client({ store, clock, random });
      const worker = new Worker({ store, taskQueue: queue, workflows, activities, clock, random, logger: silentLogger, identity: `w-${queueCounter}`, ...options });
      return { clock, queue, client, worker };
    }

    /** Every run of a workflow id, first to last, by following each run's WorkflowContinuedAsNew. */
    async function chainOf(client: Client, workflowId: string, firstRunId: string): Promise<Array<{ runId: string; events: HistoryEvent[] }>> {
      const chain: Array<{ runId: string; events: HistoryEvent[] }> = [];
      for (let runId: string | undefined = firstRunId; runId !== undefined; ) {
        const { events } = await client.history(workflowId, runId);
        chain.push({ runId, events });
        const last = events.at(-1)!;
        runId = last.type === "WorkflowContinuedAsNew" ? last.data.newRunId : undefined;
      }
      return chain;
    }

    /** Counts to `until`, one activity per run, carrying what it has seen into the next run. */
    const counter = async (ctx: WorkflowContext, input: Counting): Promise<number[]> => {
      const value = await ctx.activity<number>("double", input.n);
      const seen = [...input.seen, value];
      if (input.n + 1 >= input.until) return seen;
      return ctx.continueAsNew({ n: input.n + 1, until: input.until, seen });
    };
    const activities = { double: async (n: number) => n * 2 };

    for (const inlineDecisions of [true, false]) {
      it(`a chain of runs carries the workflow to its result, each run a fresh history naming its predecessor (inline decisions ${inlineDecisions ? "on" : "off"})`, async () => {
        const { client, worker, queue } = setup({ counter }, activities, { inlineDecisions });
        const handle = await client.start("counter", { workflowId: `${queue}-count`, taskQueue: queue, input: { n: 0, until: 4, seen: [] } });
        await worker.runUntilIdle();
        // result() follows the chain from the first run to the last.
        expect(await handle.result()).toEqual([0, 2, 4, 6]);
        await expect(client.result(handle.workflowId, { runId: handle.runId, followRuns: false })).rejects.toMatchObject({ code: "WORKFLOW_CONTINUED_AS_NEW" });

        const chain = await chainOf(client, handle.workflowId, handle.runId);
        expect(chain).toHaveLength(4);
        expect(new Set(chain.map((r) => r.runId)).size).toBe(4);
        chain.forEach((run, i) => {
          const started = run.events[0]!;
          expect(started.type).toBe("WorkflowStarted");
          expect(started.data).toMatchObject({ workflowId: handle.workflowId, workflowType: "counter", taskQueue: queue, input: { n: i } });
          expect((started.data as { continuedFromRunId?: string }).continuedFromRunId).toBe(i === 0 ? undefined : chain[i - 1]!.runId);
          // Each run's history is its own: one activity, then its close.
          expect(run.events.filter((e) => e.type === "ActivityCompleted")).toHaveLength(1);
          expect(run.events.at(-1)!.type).toBe(i === 3 ? "WorkflowCompleted" : "WorkflowContinuedAsNew");
          if (i < 3) expect(run.events.at(-1)!.data).toMatchObject({ newRunId: chain[i + 1]!.runId, workflowType: "counter", taskQueue: queue, input: { n: i + 1 } });
        });
        const first = await client.describe(handle.workflowId, handle.runId);
        expect(first).toMatchObject({ status: "continuedAsNew", continuedAsRunId: chain[1]!.runId });
        expect(first.closedAtMs).not.toBeNull();
        const latest = await client.describe(handle.workflowId);
        expect(latest).toMatchObject({ runId: chain[3]!.runId, status: "completed", result: [0, 2, 4, 6] });
        // Nothing of a closed run is left in the queue.
        for (const run of chain) expect(await store.listRunTasks(run.runId)).toEqual([]);
      });
    }

    it("a signal reaches the run that is running, and a long-lived loop carries its state across runs", async () => {
      const looper = async (ctx: WorkflowContext, input: { total: number; runs: number }) => {
        const item = await ctx.waitForSignal<number>("add");
        const total = input.total + item;
        if (item === 0) return { total, runs: input.runs + 1, historyLength: ctx.historyLength, suggested: ctx.continueAsNewSuggested };
        return ctx.continueAsNew({ total, runs: input.runs + 1 });
      };
      const { client, worker, queue } = setup({ looper });
      const handle = await client.start("looper", { workflowId: `${queue}-loop`, taskQueue: queue, input: { total: 0, runs: 0 } });
      for (const item of [5, 7, 0]) {
        await worker.runUntilIdle();
        const { runId } = await client.signal(handle.workflowId, "add", item);
        expect((await client.describe(handle.workflowId)).runId).toBe(runId);
      }
      await worker.runUntilIdle();
      // Three runs; the last saw WorkflowStarted, one WorkflowTaskCompleted and its signal.
      expect(await handle.result()).toEqual({ total: 12, runs: 3, historyLength: 3, suggested: false });
    });

    it("the next run may be another type on another queue, and what the code does after continuing is not recorded", async () => {
      const effects: string[] = [];
      const first = async (ctx: WorkflowContext, input: string) => {
        const continuing = ctx.continueAsNew(`${input}!`, { workflowType: "second", taskQueue: `${queue}-other` });
        // Code after the call runs on, but the run has ended: none of this is recorded.
        void ctx.activity("record", "after continueAsNew").catch(() => {});
        return continuing;
      };
      const second = async (ctx: WorkflowContext, input: string) => `second got ${input} (from ${ctx.info.continuedFromRunId === undefined ? "nobody" : "a run"})`;
      const { client, worker, queue } = setup({ first }, { record: async (s: string) => effects.push(s) });
      const other = new Worker({ store, taskQueue: `${queue}-other`, workflows: { second }, clock: new ManualClock(), logger: silentLogger });
      const handle = await client.start("first", { workflowId: `${queue}-switch`, taskQueue: queue, input: "hello" });
      await worker.runUntilIdle();
      await other.runUntilIdle();
      await worker.runUntilIdle();
      expect(await handle.result()).toBe("second got hello! (from a run)");
      expect(effects).toEqual([]);
      const firstHistory = (await handle.history()).events.map((e) => e.type);
      expect(firstHistory).toEqual(["WorkflowStarted", "WorkflowTaskCompleted", "WorkflowContinuedAsNew"]);
      expect(await client.describe(handle.workflowId)).toMatchObject({ workflowType: "second", taskQueue: `${queue}-other`, status: "completed" });
    });

    it("bad continue-as-new input fails the run with a clear error and starts nothing", async () => {
      const oversized = async (ctx: WorkflowContext) => ctx.continueAsNew("x".repeat(PAYLOAD_BYTES_MAX + 1));
      const badType = async (ctx: WorkflowContext) => ctx.continueAsNew(1, { workflowType: "" });
      const { client, worker, queue } = setup({ oversized, badType });
      const a = await client.start("oversized", { workflowId: `${queue}-big`, taskQueue: queue });
      const b = await client.start("badType", { workflowId: `${queue}-type`, taskQueue: queue });
      await worker.runUntilIdle();
      const failureA = await a.result().catch((e: unknown) => e);
      expect(failureA).toBeInstanceOf(WorkflowFailedError);
      expect((failureA as RatchetError).cause).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
      const failureB = await b.result().catch((e: unknown) => e);
      expect((failureB as RatchetError).cause).toMatchObject({ code: "INVALID_ARGUMENT" });
      for (const h of [a, b]) {
        const events = (await h.history()).events.map((e) => e.type);
        expect(events.at(-1)).toBe("WorkflowFailed");
        expect((await client.describe(h.workflowId)).runId).toBe(h.runId); // no second run
      }
    });
  });
}
