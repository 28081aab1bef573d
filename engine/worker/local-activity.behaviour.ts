/**
 * Local activities end to end, on every backend: run inside the workflow
 * task (no task row, no ActivityScheduled), recorded as a marker that
 * replay reads instead of running the function again; retried within the
 * task; a final failure reaches the code as ActivityFailure; a hung attempt
 * times out; an unknown type fails at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { ApplicationFailure, type ActivityFailure } from "../errors.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import type { Store } from "../store/store.ts";
import { testDatabase, type TestDatabase } from "../testing/databases.ts";
import { eventually } from "../testing/eventually.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import { replayHistory } from "../testing/replayer.ts";
import type { ActivityContext, ActivityMap, WorkflowContext, WorkflowMap } from "../workflow/types.ts";
import { Worker } from "./worker.ts";

export function localActivityBehaviour(kind: "pglite" | "postgres"): void {
  describe(`local activities on ${kind}`, () => {
    let t: TestDatabase;
    let store: Store;
    let queueCounter = 0;

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "local" });
      store = t.store;
    });
    afterAll(async () => {
      await t?.close();
    });

    function setup(workflows: WorkflowMap, activities: ActivityMap) {
      const clock = new ManualClock();
      const queue = `la${++queueCounter}`;
      const client = new Client({ store, clock, random: new SeededRandom(`local-${queueCounter}`) });
      const worker = new Worker({ store, taskQueue: queue, workflows, activities, clock, logger: silentLogger, identity: `w-${queueCounter}` });
      return { clock, queue, client, worker };
    }

    const types = (events: Array<{ type: string }>) => events.map((e) => e.type);

    it("runs inside the workflow task and is recorded as a marker; replay reads the marker and does not run it again", async () => {
      let calls = 0;
      const workflows = {
        pricing: async (ctx: WorkflowContext, sku: string) => {
          const price = await ctx.localActivity<number>("lookupPrice", sku);
          const charged = await ctx.activity<string>("charge", price);
          return { price, charged };
        },
      };
      const { client, worker, queue } = setup(workflows, {
        lookupPrice: async (sku: string, ctx: ActivityContext) => {
          calls += 1;
          expect(ctx.idempotencyKey).toBe(`${ctx.runId}:1`);
          return sku.length * 100;
        },
        charge: async (cents: number) => `charged ${cents}`,
      });
      const handle = await client.start("pricing", { workflowId: `${queue}-p`, taskQueue: queue, input: "widget" });
      await worker.runUntilIdle();
      expect(await handle.result()).toEqual({ price: 600, charged: "charged 600" });
      expect(calls).toBe(1);
      const events = (await handle.history()).events;
      expect(types(events).slice(0, 5)).toEqual(["WorkflowStarted", "WorkflowTaskCompleted", "MarkerRecorded", "ActivityScheduled", "ActivityCompleted"]);
      expect(events[2]!.data).toEqual({ marker: "localActivity", seq: 1, activityType: "lookupPrice", attempt: 1, result: 600 });
      expect(events.filter((e) => e.type === "ActivityScheduled")).toHaveLength(1); // only charge
      // Replay reads the recorded result: the function does not run, and a changed type diverges.
      expect(await replayHistory(workflows, events)).toMatchObject({ ok: true });
      expect(calls).toBe(1);
      const changed = { pricing: async (ctx: WorkflowContext) => ctx.localActivity("otherLookup") };
      expect(await replayHistory(changed, events)).toMatchObject({ ok: false, failure: { code: "NON_DETERMINISM" } });
    });

    it("retries within the task; a final failure reaches the code as ActivityFailure; an unknown type fails at once", async () => {
      let flaky = 0;
      const workflows = {
        retrying: async (ctx: WorkflowContext) => ctx.localActivity("flaky", null, { retry: { initialIntervalMs: 1, maximumAttempts: 5 } }),
        failing: async (ctx: WorkflowContext) => {
          try {
            return await ctx.localActivity("refuses", null);
          } catch (err) {
            const e = err as ActivityFailure;
            return { code: e.code, attempt: e.attempt, cause: (e.cause as Error).message };
          }
        },
        unknown: async (ctx: WorkflowContext) => ctx.localActivity("nowhere").catch((e: ActivityFailure) => (e.cause as { code?: string }).code),
      };
      const { client, worker, queue, clock } = setup(workflows, {
        flaky: async () => {
          flaky += 1;
          if (flaky < 3) throw new Error(`flake ${flaky}`);
          return "third time";
        },
        refuses: async () => {
          throw new ApplicationFailure("no such customer", { type: "NotFound", nonRetryable: true });
        },
      });
      const retrying = await client.start("retrying", { workflowId: `${queue}-r`, taskQueue: queue });
      const failing = await client.start("failing", { workflowId: `${queue}-f`, taskQueue: queue });
      const unknown = await client.start("unknown", { workflowId: `${queue}-u`, taskQueue: queue });
      const running = worker.runUntilIdle();
      // The retry backoff sleeps on the worker's clock: move it along until the work is done.
      let done = false;
      void running.finally(() => (done = true));
      await eventually(() => {
        clock.advance(1);
        return done;
      }, "the workflow tasks finish");
      await running;
      expect(await retrying.result()).toBe("third time");
      const marker = (await retrying.history()).events.find((e) => e.type === "MarkerRecorded");
      expect(marker?.data).toMatchObject({ marker: "localActivity", attempt: 3, result: "third time" });
      expect(await failing.result()).toEqual({ code: "ACTIVITY_FAILED", attempt: 1, cause: "no such customer" });
      expect(await unknown.result()).toBe("UNKNOWN_ACTIVITY_TYPE");
    });

    it("a hung attempt is aborted at its timeout", async () => {
      const workflows = {
        hung: async (ctx: WorkflowContext) =>
          ctx.localActivity("hangs", null, { startToCloseTimeoutMs: 500, retry: { maximumAttempts: 1 } }).catch((e: ActivityFailure) => (e.cause as { timeoutType?: string }).timeoutType),
      };
      let aborted = false;
      const { client, worker, queue, clock } = setup(workflows, {
        hangs: (_input: unknown, ctx: ActivityContext) =>
          new Promise((_resolve, reject) =>
            ctx.signal.addEventListener("abort", () => {
              aborted = true;
              reject(ctx.signal.reason);
            }),
          ),
      });
      const handle = await client.start("hung", { workflowId: `${queue}-h`, taskQueue: queue });
      const running = worker.runUntilIdle();
      await eventually(() => clock.wakeTimes.includes(clock.now() + 500), "the attempt's timeout is waiting");
      clock.advance(500);
      await running;
      expect(await handle.result()).toBe("startToClose");
      expect(aborted).toBe(true);
    });
  });
}
