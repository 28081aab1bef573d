/**
 * The engine end to end (client, worker, store) on an injected clock, run
 * against every backend: durable sleeps hold no worker and fire on time;
 * retries follow the policy's intervals, attempts and non-retryable types;
 * start-to-close, heartbeat and schedule-to-close timeouts; heartbeat details
 * reach the next attempt; idempotency keys are stable across retries; a
 * transactional step is exactly once; signals arrive in order; cancellation
 * reaches workflow code; non-determinism and unknown types are reported and
 * lose nothing; bad input is refused before anything is written.
 *
 * Nothing here waits on wall-clock time: the ManualClock moves only when a
 * test advances it, and worker.runUntilIdle() runs what is due.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { ActivityFailure, ApplicationFailure, CancelledError, PayloadError, UnknownTypeError, WorkflowCancelledError, WorkflowFailedError } from "../errors.ts";
import { PAYLOAD_BYTES_MAX } from "../limits.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import type { Store } from "../store/store.ts";
import { testDatabase, type TestDatabase } from "../testing/databases.ts";
import { eventually } from "../testing/eventually.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import { transactional, type ActivityContext, type ActivityMap, type WorkflowContext, type WorkflowMap } from "../workflow/types.ts";
import { Worker } from "./worker.ts";

export function engineBehaviour(kind: "pglite" | "postgres"): void {
  describe(`engine behaviour on ${kind}`, () => {
    let t: TestDatabase;
    let store: Store;
    let queueCounter = 0;

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "beh" });
      store = t.store;
    });
    afterAll(async () => {
      await t?.close();
    });

    /** A fresh queue, clock, client and worker per test, so tests cannot see each other's tasks. */
    function setup(workflows: WorkflowMap, activities: ActivityMap = {}) {
      const clock = new ManualClock();
      const queue = `q${++queueCounter}`;
      const random = new SeededRandom(`beh-${queueCounter}`);
      const client = new Client({ store, clock, random });
      const worker = new Worker({ store, taskQueue: queue, workflows, activities, clock, random, logger: silentLogger, identity: `w-${queueCounter}` });
      let n = 0;
      const start = (type: string, input?: unknown) => client.start(type, { workflowId: `${queue}-wf-${++n}`, taskQueue: queue, input });
      return { clock, queue, client, worker, start };
    }


    it("a durable sleep holds no worker while it waits and resumes on time", async () => {
      const hourMs = 3_600_000;
      const { clock, client, worker, start } = setup(
        {
          async napper(ctx: WorkflowContext) {
            const before = ctx.now();
            await ctx.sleep(hourMs);
            const woke = ctx.now();
            await ctx.activity("touch");
            return { slept: woke - before };
          },
        },
        { touch: async () => "ok" },
      );
      const handle = await start("napper");
      await worker.runUntilIdle();
      expect(worker.inFlight()).toEqual({ workflow: 0, activity: 0, timer: 0 });
      const sleeping = await handle.describe();
      expect(sleeping.status).toBe("running");
      expect(sleeping.pendingTimers).toEqual([{ seq: 1, fireAtMs: clock.now() + hourMs }]);
      expect(sleeping.workflowTask).toBeNull();
      expect(sleeping.pendingActivities).toEqual([]);
      clock.advance(hourMs - 1);
      expect(await worker.runUntilIdle()).toBe(0);
      clock.advance(1);
      expect(await worker.runUntilIdle()).toBeGreaterThan(0);
      expect(await handle.result()).toEqual({ slept: hourMs });
      expect((await client.describe(handle.workflowId)).pendingTimers).toEqual([]);
    });

    it("retries follow the policy: backoff intervals, the cap, and maximum attempts", async () => {
      const attempts: Array<{ attempt: number; atMs: number; key: string }> = [];
      const { clock, worker, start } = setup(
        {
          async flaky(ctx: WorkflowContext) {
            return ctx.activity("alwaysFails", null, { retry: { initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 5_000, maximumAttempts: 6 } });
          },
        },
        {
          async alwaysFails(_input: unknown, actx: ActivityContext) {
            attempts.push({ attempt: actx.attempt, atMs: clock.now(), key: actx.idempotencyKey });
            throw new ApplicationFailure(`failure ${actx.attempt}`, { type: "Flaky" });
          },
        },
      );
      const handle = await start("flaky");
      const t0 = clock.now();
      await worker.runUntilIdle();
      const gaps = [1_000, 2_000, 4_000, 5_000, 5_000];
      for (const gap of gaps) {
        const before = await handle.describe();
        expect(before.pendingActivities[0]).toMatchObject({ state: "backingOff", attempt: attempts.length, lastFailure: { type: "Flaky" } });
        clock.advance(gap - 1);
        expect(await worker.runUntilIdle()).toBe(0);
        clock.advance(1);
        await worker.runUntilIdle();
      }
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(attempts.map((a) => a.atMs - t0)).toEqual([0, 1_000, 3_000, 7_000, 12_000, 17_000]);
      // One idempotency key for every attempt of the step.
      expect(new Set(attempts.map((a) => a.key))).toEqual(new Set([`${handle.runId}:1`]));
      const error = await handle.result().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as Error).cause).toMatchObject({ type: "ActivityFailure", cause: { type: "Flaky", message: "failure 6" } });
      const failed = (await handle.history()).events.filter((e) => e.type === "ActivityFailed");
      expect(failed).toHaveLength(1);
      expect(failed[0]!.data).toMatchObject({ attempt: 6 });
    });

    it("non-retryable error types and non-retryable failures stop after one attempt; others are retried", async () => {
      class Fatal extends Error {
        override name = "Fatal";
      }
      const calls: string[] = [];
      const { clock, worker, start } = setup(
        {
          async steps(ctx: WorkflowContext) {
            const retry = { initialIntervalMs: 10, nonRetryableErrorTypes: ["Fatal"] };
            const out: string[] = [];
            for (const name of ["byType", "byFlag", "transient"]) {
              try {
                out.push(await ctx.activity<string>(name, null, { retry }));
              } catch (err) {
                const cause = (err as ActivityFailure).cause as ApplicationFailure;
                out.push(`${name} failed after ${(err as ActivityFailure).attempt}: ${cause.type}`);
              }
            }
            return out;
          },
        },
        {
          async byType() {
            calls.push("byType");
            throw new Fatal("no");
          },
          async byFlag() {
            calls.push("byFlag");
            throw new ApplicationFailure("declined", { type: "Declined", nonRetryable: true });
          },
          async transient(_: unknown, actx: ActivityContext) {
            calls.push("transient");
            if (actx.attempt < 3) throw new Error("blip");
            return "transient ok";
          },
        },
      );
      const handle = await start("steps");
      for (let i = 0; i < 10; i++) {
        await worker.runUntilIdle();
        clock.advance(1_000);
      }
      expect(await handle.result()).toEqual(["byType failed after 1: Fatal", "byFlag failed after 1: Declined", "transient ok"]);
      expect(calls).toEqual(["byType", "byFlag", "transient", "transient", "transient"]);
    });

    it("a start-to-close timeout aborts the attempt and retries it after the backoff", async () => {
      const seen: Array<{ attempt: number; abortedBy?: string }> = [];
      const { clock, worker, start } = setup(
        { async slow(ctx: WorkflowContext) { return ctx.activity("hangsOnce", null, { startToCloseTimeoutMs: 5_000, retry: { initialIntervalMs: 100 } }); } },
        {
          async hangsOnce(_: unknown, actx: ActivityContext) {
            const entry: { attempt: number; abortedBy?: string } = { attempt: actx.attempt };
            seen.push(entry);
            if (actx.attempt > 1) return "second time lucky";
            return new Promise((_resolve, reject) =>
              actx.signal.addEventListener("abort", () => {
                entry.abortedBy = (actx.signal.reason as { timeoutType?: string }).timeoutType;
                reject(actx.signal.reason);
              }),
            );
          },
        },
      );
      const handle = await start("slow");
      const running = worker.runUntilIdle();
      await eventually(() => seen.length === 1, "attempt 1 started");
      clock.advance(5_000);
      await running;
      expect(seen).toEqual([{ attempt: 1, abortedBy: "startToClose" }]);
      expect((await handle.describe()).pendingActivities[0]).toMatchObject({ state: "backingOff", lastFailure: { code: "TIMEOUT", timeoutType: "startToClose" } });
      clock.advance(100);
      await worker.runUntilIdle();
      expect(await handle.result()).toBe("second time lucky");
      expect((await handle.history()).events.find((e) => e.type === "ActivityCompleted")!.data).toMatchObject({ attempt: 2 });
    });

    it("a heartbeat timeout retries the attempt, and the next attempt gets the last heartbeat's details", async () => {
      const detailsSeen: unknown[] = [];
      const { clock, worker, start } = setup(
        { async upload(ctx: WorkflowContext) { return ctx.activity("chunks", null, { startToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: 2_000, retry: { initialIntervalMs: 10 } }); } },
        {
          async chunks(_: unknown, actx: ActivityContext) {
            detailsSeen.push(actx.heartbeatDetails);
            if (actx.attempt === 1) {
              await actx.heartbeat({ uploaded: 3 });
              return new Promise((_resolve, reject) => actx.signal.addEventListener("abort", () => reject(actx.signal.reason)));
            }
            return { resumedFrom: actx.heartbeatDetails };
          },
        },
      );
      const handle = await start("upload");
      const running = worker.runUntilIdle();
      await eventually(() => detailsSeen.length === 1, "attempt 1 started");
      await eventually(async () => (await handle.describe()).pendingActivities[0]?.heartbeatDetails !== null, "heartbeat recorded");
      clock.advance(2_000);
      await running;
      expect((await handle.describe()).pendingActivities[0]?.lastFailure).toMatchObject({ timeoutType: "heartbeat" });
      clock.advance(10);
      await worker.runUntilIdle();
      expect(await handle.result()).toEqual({ resumedFrom: { uploaded: 3 } });
      expect(detailsSeen).toEqual([undefined, { uploaded: 3 }]);
    });

    it("a schedule-to-close timeout bounds the activity across all its retries", async () => {
      let calls = 0;
      const { clock, worker, start } = setup(
        {
          async bounded(ctx: WorkflowContext) {
            return ctx.activity("neverWorks", null, { scheduleToCloseTimeoutMs: 4_500, retry: { initialIntervalMs: 1_000, backoffCoefficient: 1 } });
          },
        },
        {
          async neverWorks() {
            calls += 1;
            throw new Error("down");
          },
        },
      );
      const handle = await start("bounded");
      for (let i = 0; i < 8; i++) {
        await worker.runUntilIdle();
        clock.advance(1_000);
      }
      expect(calls).toBe(5); // at 0, 1, 2, 3 and 4 s; the next retry, at 5 s, would pass the 4.5 s deadline
      const error = await handle.result().catch((e: unknown) => e);
      expect((error as Error).cause).toMatchObject({ type: "ActivityFailure", cause: { message: "down" } });
    });

    it("a schedule-to-start timeout fails an activity no worker picks up, not retried; one started in time is unaffected", async () => {
      const { clock, worker, start } = setup(
        {
          async unserved(ctx: WorkflowContext) {
            try {
              await ctx.activity("elsewhere", null, { taskQueue: `${ctx.info.taskQueue}-nobody`, scheduleToStartTimeoutMs: 2_000 });
              return "ran";
            } catch (err) {
              const cause = (err as Error).cause as { code?: string; timeoutType?: string };
              return { code: cause.code, timeoutType: cause.timeoutType };
            }
          },
          async served(ctx: WorkflowContext) {
            return ctx.activity("quick", null, { scheduleToStartTimeoutMs: 2_000 });
          },
        },
        { quick: async () => "quick" },
      );
      const unserved = await start("unserved");
      const served = await start("served");
      await worker.runUntilIdle();
      expect(await served.result()).toBe("quick");
      expect((await unserved.describe()).pendingActivities).toHaveLength(1);
      clock.advance(1_999);
      await worker.runUntilIdle();
      expect((await unserved.describe()).status).toBe("running");
      clock.advance(1);
      await worker.runUntilIdle();
      expect(await unserved.result()).toEqual({ code: "TIMEOUT", timeoutType: "scheduleToStart" });
      const failed = (await unserved.history()).events.find((e) => e.type === "ActivityFailed");
      expect(failed?.data).toMatchObject({ seq: 1, attempt: 0, failure: { code: "TIMEOUT", timeoutType: "scheduleToStart" } });
      // The served workflow's deadline passed after its activity had run: it changed nothing.
      expect((await served.history()).events.filter((e) => e.type === "ActivityFailed")).toEqual([]);
    });

    it("a transactional step's SQL commits exactly once, with its recorded result", async () => {
      const table = `"${t.schema}".transfers`;
      await t.db.query({ text: `CREATE TABLE ${table} (idempotency_key text PRIMARY KEY, amount int NOT NULL)`, values: [] });
      const { clock, worker, start } = setup(
        { async pay(ctx: WorkflowContext, amount: number) { return ctx.activity("transfer", amount, { retry: { initialIntervalMs: 10 } }); } },
        {
          transfer: transactional(async (tx, amount: number, actx) => {
            await tx.query({ text: `INSERT INTO ${table} (idempotency_key, amount) VALUES ($1, $2)`, values: [actx.idempotencyKey, amount] });
            // The first attempt fails after its insert: the insert must roll back with it.
            if (actx.attempt === 1) throw new Error("crash after the write");
            return { moved: amount, attempt: actx.attempt };
          }),
        },
      );
      const handle = await start("pay", 25);
      await worker.runUntilIdle();
      clock.advance(10);
      await worker.runUntilIdle();
      expect(await handle.result()).toEqual({ moved: 25, attempt: 2 });
      const rows = await t.db.query({ text: `SELECT idempotency_key, amount FROM ${table}`, values: [] });
      expect(rows).toEqual([{ idempotency_key: `${handle.runId}:1`, amount: 25 }]);
    });

    it("signals are delivered in order, and a wait can time out", async () => {
      const { clock, client, worker, start } = setup({
        async collect(ctx: WorkflowContext) {
          const got: unknown[] = [];
          for (let i = 0; i < 3; i++) got.push(await ctx.waitForSignal("item"));
          got.push(await ctx.waitForSignal("item", { timeoutMs: 30_000 }));
          return got;
        },
      });
      const handle = await start("collect");
      await worker.runUntilIdle();
      await client.signal(handle.workflowId, "item", "a");
      await client.signal(handle.workflowId, "item", { b: 2 });
      await worker.runUntilIdle();
      await client.signal(handle.workflowId, "item", ["c"]);
      await worker.runUntilIdle();
      clock.advance(30_000);
      await worker.runUntilIdle();
      expect(await handle.result()).toEqual(["a", { b: 2 }, ["c"], null]);
      await expect(client.signal(handle.workflowId, "item", 1)).rejects.toMatchObject({ code: "WORKFLOW_NOT_RUNNING" });
      await expect(client.signal("no-such-id", "item", 1)).rejects.toMatchObject({ code: "WORKFLOW_NOT_FOUND" });
    });

    it("cancellation reaches workflow code: pending work is cancelled, cleanup runs, the run ends cancelled", async () => {
      const cleaned: string[] = [];
      const { client, worker, start } = setup(
        {
          async longJob(ctx: WorkflowContext) {
            try {
              // An activity on a queue nobody polls here: it stays pending until cancelled.
              await ctx.activity("elsewhere", null, { taskQueue: "unpolled-queue" });
            } catch (err) {
              if (err instanceof CancelledError) await ctx.activity("cleanup", ctx.info.workflowId);
              throw err;
            }
          },
        },
        {
          async cleanup(id: string) {
            cleaned.push(id);
          },
        },
      );
      const handle = await start("longJob");
      await worker.runUntilIdle();
      expect((await handle.describe()).pendingActivities).toMatchObject([{ activityType: "elsewhere", state: "scheduled" }]);
      expect(await client.cancel(handle.workflowId, "not needed")).toEqual({ runId: handle.runId, alreadyRequested: false });
      expect(await client.cancel(handle.workflowId)).toEqual({ runId: handle.runId, alreadyRequested: true });
      await worker.runUntilIdle();
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowCancelledError);
      expect(cleaned).toEqual([handle.workflowId]);
      const d = await handle.describe();
      expect(d).toMatchObject({ status: "cancelled", cancelRequested: true, pendingActivities: [] });
      const types = (await handle.history()).events.map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(["WorkflowCancelRequested", "ActivityCancelled", "WorkflowCancelled"]));
    });

    it("non-determinism is reported in describe and history, the run keeps its state, and the right code resumes it", async () => {
      const v1 = {
        async evolving(ctx: WorkflowContext) {
          await ctx.activity("stepA");
          await ctx.sleep(1_000);
          return "done";
        },
      };
      const v2 = {
        async evolving(ctx: WorkflowContext) {
          await ctx.activity("stepB"); // a code change that does not match recorded history
          await ctx.sleep(1_000);
          return "done";
        },
      };
      const activities = { stepA: async () => "a", stepB: async () => "b" };
      const { clock, client, queue, start } = setup(v1, activities);
      const worker1 = new Worker({ store, taskQueue: queue, workflows: v1, activities, clock, logger: silentLogger });
      const handle = await start("evolving");
      await worker1.runUntilIdle();
      const worker2 = new Worker({ store, taskQueue: queue, workflows: v2, activities, clock, logger: silentLogger });
      clock.advance(1_000);
      await worker2.runUntilIdle();
      const stuck = await client.describe(handle.workflowId);
      expect(stuck.status).toBe("running");
      expect(stuck.taskFailure).toMatchObject({ code: "NON_DETERMINISM" });
      expect(stuck.taskFailure!.message).toContain("ActivityScheduled(seq 1, stepA)");
      expect(stuck.workflowTask).toMatchObject({ state: "backingOff" });
      const failedEvents = (await handle.history()).events.filter((e) => e.type === "WorkflowTaskFailed");
      expect(failedEvents).toHaveLength(1);
      // Retried with the same wrong code: not recorded again.
      clock.advance(1_000);
      await worker2.runUntilIdle();
      expect((await handle.history()).events.filter((e) => e.type === "WorkflowTaskFailed")).toHaveLength(1);
      // Rolling back the code lets the run finish with nothing lost.
      clock.advance(10_000);
      await worker1.runUntilIdle();
      expect(await handle.result()).toBe("done");
      expect((await client.describe(handle.workflowId)).taskFailure).toBeNull();
    });

    it("an unknown workflow type is reported and waits for a worker that knows it", async () => {
      const { clock, client, queue, worker, start } = setup({ known: async () => 1 });
      const handle = await start("registeredLater", { keep: "me" });
      await worker.runUntilIdle();
      const d = await client.describe(handle.workflowId);
      expect(d.status).toBe("running");
      expect(d.taskFailure).toMatchObject({ code: "UNKNOWN_WORKFLOW_TYPE" });
      expect(d.taskFailure!.message).toContain('"registeredLater"');
      const later = new Worker({ store, taskQueue: queue, workflows: { registeredLater: async (_ctx, input) => input }, clock, logger: silentLogger });
      clock.advance(5_000);
      await later.runUntilIdle();
      expect(await handle.result()).toEqual({ keep: "me" });
    });

    it("an activity type the worker does not have fails the attempt with a clear error and is retried", async () => {
      // The workflow worker has no activities of its own, so it cannot know what the activity queue serves.
      const { queue, clock, client, worker: workflowWorker, start } = setup({
        async calls(ctx: WorkflowContext) {
          return ctx.activity("missing", null, { taskQueue: `${ctx.info.taskQueue}-acts`, retry: { initialIntervalMs: 50 } });
        },
      });
      const handle = await start("calls");
      const activityWorker = new Worker({ store, taskQueue: `${queue}-acts`, activities: { present: async () => 1 }, clock, logger: silentLogger });
      await workflowWorker.runUntilIdle();
      await activityWorker.runUntilIdle();
      const d = await client.describe(handle.workflowId);
      expect(d.pendingActivities[0]).toMatchObject({ activityType: "missing", state: "backingOff", lastFailure: { code: "UNKNOWN_ACTIVITY_TYPE" } });
      expect(d.pendingActivities[0]!.lastFailure!.message).toContain("present");
      const fixed = new Worker({ store, taskQueue: `${queue}-acts`, activities: { missing: async () => "found" }, clock, logger: silentLogger });
      clock.advance(50);
      await fixed.runUntilIdle();
      await workflowWorker.runUntilIdle();
      expect(await handle.result()).toBe("found");
    });

    it("an activity result over the payload limit fails the activity at once, not retried forever", async () => {
      let calls = 0;
      const { worker, start } = setup(
        { async big(ctx: WorkflowContext) { return ctx.activity("huge"); } },
        {
          async huge() {
            calls += 1;
            return "x".repeat(PAYLOAD_BYTES_MAX);
          },
        },
      );
      const handle = await start("big");
      await worker.runUntilIdle();
      expect(calls).toBe(1);
      const error = await handle.result().catch((e: unknown) => e);
      expect((error as Error).cause).toMatchObject({ code: "ACTIVITY_FAILED", cause: { code: "PAYLOAD_TOO_LARGE", type: "PayloadError", nonRetryable: true } });
    });

    it("bad input to the client is refused with a typed error and writes nothing", async () => {
      const { queue } = setup({});
      const client = new Client({ store, clock: new ManualClock(), workflows: { order: async () => 1 } });
      const attempt = (type: string, options: Partial<Parameters<Client["start"]>[1]>) => client.start(type, { workflowId: "bad-input", taskQueue: queue, ...options });
      await expect(attempt("ordr", {})).rejects.toBeInstanceOf(UnknownTypeError);
      await expect(attempt("ordr", {})).rejects.toThrow(/unknown workflow type "ordr" \(registered: order\)/);
      await expect(attempt("order", { input: "x".repeat(PAYLOAD_BYTES_MAX) })).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
      await expect(attempt("order", { input: { at: new Date(0) } })).rejects.toBeInstanceOf(PayloadError);
      await expect(attempt("order", { input: { n: 1n } })).rejects.toMatchObject({ code: "PAYLOAD_NOT_SERIALIZABLE" });
      await expect(attempt("order", { taskQueue: "no spaces" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { field: "taskQueue" } });
      await expect(attempt("order", { workflowId: "" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { field: "workflowId" } });
      await expect(attempt("order", { idConflictPolicy: "replace" as never })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      expect(await store.getLatestRun("bad-input")).toBeNull();
      await expect(client.signal("bad-input", "bad name!", 1)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      expect(() => new Worker({ store, taskQueue: "bad queue", workflows: {} })).toThrow(/invalid taskQueue/);
      expect(() => new Worker({ store, taskQueue: queue, workflows: {}, claimBatchSize: 0 })).toThrow(/claimBatchSize/);
    });

    it("NOTIFY wakes idle poll loops: with a clock that never moves, only notifications can deliver the work", async () => {
      const { client, worker, start } = setup(
        { async relay(ctx: WorkflowContext, n: number) { return (await ctx.activity<number>("inc", n)) + (await ctx.activity<number>("inc", n)); } },
        { inc: async (n: number) => n + 1 },
      );
      await worker.start();
      try {
        // Let the loops go idle first (they sleep on the frozen ManualClock).
        await new Promise((r) => setTimeout(r, 50));
        const handle = await start("relay", 1);
        await eventually(async () => (await client.describe(handle.workflowId)).status === "completed", "workflow completed");
        expect((await client.describe(handle.workflowId)).result).toBe(4);
      } finally {
        await worker.shutdown();
      }
    });

    it("queue maintenance: a worker vacuums the tasks table each interval once dead tuples reach its threshold; off, it never does", async () => {
      const clock = new ManualClock();
      const options = { store, workflows: { idle: async () => null }, clock, logger: silentLogger, pollIntervalMs: 3_600_000 };
      const maintaining = new Worker({ ...options, taskQueue: `q${++queueCounter}`, identity: "maintainer", queueMaintenance: { intervalMs: 1_000, deadTuples: 0 } });
      const off = new Worker({ ...options, taskQueue: `q${++queueCounter}`, identity: "no-maintenance", queueMaintenance: false });
      await maintaining.start();
      await off.start();
      try {
        // Both workers' poll loops and the maintainer's maintenance loop.
        const asleep = 2 * 2 + 1;
        await eventually(() => clock.pendingSleeps === asleep, "loops asleep");
        expect(maintaining.stats.tablesMaintained).toBe(0);
        for (let round = 1, seen = 0; round <= 2; round++) {
          clock.advance(1_000);
          // A round vacuums the tasks table (and, where autovacuum is off, runs and history), then sleeps again.
          await eventually(() => maintaining.stats.tablesMaintained > seen && clock.pendingSleeps === asleep, `maintenance round ${round}`);
          seen = maintaining.stats.tablesMaintained;
        }
        expect(off.stats.tablesMaintained).toBe(0);
        expect(maintaining.stats.databaseErrors).toBe(0);
      } finally {
        await maintaining.shutdown();
        await off.shutdown();
      }
      expect(() => new Worker({ ...options, taskQueue: "q-bad", queueMaintenance: { intervalMs: 5 } })).toThrow(/queueMaintenance.intervalMs/);
    });

    it("eager activity dispatch: the worker whose decisions schedule an activity runs it without a claim; off, it waits for the queue", async () => {
      for (const eagerActivities of [true, false]) {
        const clock = new ManualClock();
        const queue = `q${++queueCounter}`;
        const client = new Client({ store, clock, random: new SeededRandom(queue) });
        let ran = 0;
        const worker = new Worker({
          store,
          taskQueue: queue,
          clock,
          logger: silentLogger,
          listen: false,
          pollIntervalMs: 3_600_000,
          eagerActivities,
          workflows: { one: async (ctx: WorkflowContext) => ctx.activity("step", null) },
          activities: { step: async () => ++ran },
        });
        // Started before the worker: its first poll claims the workflow task; nothing else wakes it (no NOTIFY, a frozen clock).
        await client.start("one", { workflowId: `${queue}-wf`, taskQueue: queue });
        await worker.start();
        try {
          if (eagerActivities) {
            await eventually(() => worker.stats.activitiesCompleted === 1, "the eager activity completed");
            expect(worker.stats.activitiesEager).toBe(1);
            expect(worker.stats.claimed.activity).toBe(1); // the eager claim itself: the poll loop claimed nothing
          } else {
            await eventually(() => worker.stats.workflowTasksCompleted === 1 && clock.pendingSleeps >= 3, "decisions recorded, loops asleep");
            await new Promise((r) => setTimeout(r, 50));
            expect(worker.stats.activitiesEager).toBe(0);
            expect(ran).toBe(0);
          }
        } finally {
          await worker.shutdown();
        }
      }
    });

    it("eager activity dispatch with every slot taken: steps recorded in two transactions at once each pass their own slot to the next activity", async () => {
      const clock = new ManualClock();
      const queue = `q${++queueCounter}`;
      const client = new Client({ store, clock, random: new SeededRandom(queue) });
      // Hold the first transaction of inline steps until a second one is under way, so two record side by side.
      let calls = 0;
      let bothInFlight = false;
      let secondArrived!: () => void;
      const second = new Promise<void>((resolve) => (secondArrived = resolve));
      const gated = Object.create(store) as Store;
      gated.completeActivitiesInline = async (...args: Parameters<Store["completeActivitiesInline"]>) => {
        calls += 1;
        if (calls === 1) await Promise.race([second, new Promise((r) => setTimeout(r, 2_000))]);
        if (calls === 2) {
          bothInFlight = true;
          secondArrived();
        }
        return store.completeActivitiesInline(...args);
      };
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const worker = new Worker({
        store: gated,
        taskQueue: queue,
        clock,
        logger: silentLogger,
        listen: false,
        pollIntervalMs: 3_600_000,
        maxConcurrentActivities: 2,
        workflows: {
          async two(ctx: WorkflowContext) {
            await ctx.activity("step", 1);
            return ctx.activity("step", 2);
          },
        },
        activities: { step: async (n: number) => (n === 1 ? gate.then(() => n) : n) },
      });
      // Both started before the worker: its first poll claims both workflow tasks (no NOTIFY, a frozen clock).
      await client.start("two", { workflowId: `${queue}-a`, taskQueue: queue });
      await client.start("two", { workflowId: `${queue}-b`, taskQueue: queue });
      await worker.start();
      try {
        await eventually(() => worker.stats.activitiesEager === 2, "both first activities eager, holding both slots");
        release();
        await eventually(() => worker.stats.activitiesCompleted === 4, "all four activities ran");
        expect(bothInFlight).toBe(true);
        expect([worker.stats.activitiesEager, worker.stats.decisionsInlined]).toEqual([4, 4]);
      } finally {
        await worker.shutdown();
      }
    });

    it("inline decisions: a step is recorded with the decision made on it, no workflow task between; the history is the same as without", async () => {
      const histories: Array<Array<[string, unknown]>> = [];
      for (const inlineDecisions of [true, false]) {
        const clock = new ManualClock();
        const queue = `q${++queueCounter}`;
        const client = new Client({ store, clock, random: new SeededRandom(queue) });
        const worker = new Worker({
          store,
          taskQueue: queue,
          clock,
          logger: silentLogger,
          identity: "w",
          inlineDecisions,
          workflows: {
            async three(ctx: WorkflowContext) {
              let n = 0;
              for (let i = 0; i < 3; i++) n = await ctx.activity<number>("inc", n);
              return n;
            },
          },
          activities: { inc: async (n: number) => n + 1 },
        });
        const handle = await client.start("three", { workflowId: "inline-wf", taskQueue: queue });
        await worker.runUntilIdle();
        expect(await handle.result()).toBe(3);
        // Inline: the first workflow task starts the code; each result then carries the next decision.
        expect([worker.stats.decisionsInlined, worker.stats.workflowTasksCompleted, worker.stats.claimed.workflow]).toEqual(inlineDecisions ? [3, 1, 1] : [0, 4, 4]);
        const { events } = await handle.history();
        // The same but for the queue's name (each pass has its own queue).
        histories.push(events.map((e) => [e.type, e.type === "WorkflowStarted" ? null : JSON.parse(JSON.stringify(e.data).replaceAll(`"${queue}"`, '"Q"'))]));
      }
      expect(histories[0]).toEqual(histories[1]);
    });

    it("inline decisions: a run that moved on meanwhile gets the result the ordinary way, and the workflow sees both in order", async () => {
      const box: { client?: Client } = {};
      const { client, worker, start } = setup(
        {
          async poked(ctx: WorkflowContext) {
            const a = await ctx.activity<string>("pokeSelf", null);
            const signal = await ctx.waitForSignal("poke");
            const b = await ctx.activity<string>("plain", null);
            return [a, signal, b];
          },
        },
        {
          // Signals its own workflow while running: the run moves on before the result is recorded.
          pokeSelf: async (_: null, info: ActivityContext) => {
            await box.client!.signal(info.workflowId, "poke", "p");
            return "a";
          },
          plain: async () => "b",
        },
      );
      box.client = client;
      const handle = await start("poked");
      await worker.runUntilIdle();
      expect(await handle.result()).toEqual(["a", "p", "b"]);
      // pokeSelf's result fell back (signal first); plain's went inline.
      expect(worker.stats.decisionsInlined).toBe(1);
      const types = (await handle.history()).events.map((e) => e.type);
      expect(types.indexOf("SignalReceived")).toBeLessThan(types.indexOf("ActivityCompleted"));
    });

    it("without notifications, the poll interval finds the work", async () => {
      const clock = new ManualClock();
      const queue = `q${++queueCounter}`;
      const client = new Client({ store, clock });
      const worker = new Worker({ store, taskQueue: queue, workflows: { quiet: async () => "polled" }, clock, listen: false, pollIntervalMs: 1_000, logger: silentLogger });
      await worker.start();
      try {
        await new Promise((r) => setTimeout(r, 50));
        const handle = await client.start("quiet", { workflowId: `${queue}-1`, taskQueue: queue });
        await new Promise((r) => setTimeout(r, 50));
        expect((await handle.describe()).status).toBe("running");
        clock.advance(1_000);
        await eventually(async () => (await handle.describe()).status === "completed", "completed after one poll interval");
      } finally {
        await worker.shutdown();
      }
    });

    it("graceful shutdown lets running work finish within the grace period, and releases what is left after it", async () => {
      let releaseFirst!: () => void;
      const firstDone = new Promise<void>((r) => (releaseFirst = r));
      const attempts: number[] = [];
      const { clock, client, worker, queue, start } = setup(
        { async two(ctx: WorkflowContext) { return Promise.all([ctx.activity("finishes"), ctx.activity("lingers")]); } },
        {
          async finishes() {
            await firstDone;
            return "finished";
          },
          async lingers(_: unknown, actx: ActivityContext) {
            attempts.push(actx.attempt);
            return new Promise((_resolve, reject) => actx.signal.addEventListener("abort", () => reject(actx.signal.reason)));
          },
        },
      );
      await worker.start();
      const handle = await start("two");
      await eventually(() => worker.inFlight().activity === 2, "both activities running");
      const stopping = worker.shutdown({ graceMs: 5_000 });
      releaseFirst();
      await eventually(() => worker.inFlight().activity === 1, "the finishing activity recorded during the grace period");
      // Advance only once shutdown sleeps out its grace period: it first stops listening (a round
      // trip), and an advance before its sleep began would leave that sleep waiting forever.
      const graceEnds = clock.now() + 5_000;
      await eventually(() => clock.wakeTimes.includes(graceEnds), "shutdown waiting out its grace period");
      clock.advance(5_000);
      await stopping;
      expect(worker.state).toBe("stopped");
      const d = await client.describe(handle.workflowId);
      // The lingering attempt was released: visible again at once, and its attempt does not count.
      expect(d.pendingActivities).toMatchObject([{ activityType: "lingers", state: "scheduled", attempt: 0 }]);
      expect((await handle.history()).events.filter((e) => e.type === "ActivityCompleted")).toHaveLength(1);
      const next = new Worker({ store, taskQueue: queue, workflows: { two: async (ctx: WorkflowContext) => Promise.all([ctx.activity("finishes"), ctx.activity("lingers")]) }, activities: { finishes: async () => "x", lingers: async (_: unknown, a: ActivityContext) => `attempt ${a.attempt}` }, clock, logger: silentLogger });
      await next.runUntilIdle();
      expect(await handle.result()).toEqual(["finished", "attempt 1"]);
      expect(attempts).toEqual([1]);
    });

    it("a worker keeps a run's live execution between tasks, and falls back to replay when another worker moved the run on", async () => {
      let bodyStarts = 0;
      const workflows = {
        async counted(ctx: WorkflowContext) {
          bodyStarts += 1; // runs again only when the history is replayed from the start
          const a = await ctx.activity<number>("inc", 1);
          const b = await ctx.activity<number>("inc", a);
          const c = await ctx.activity<number>("inc", b);
          return c;
        },
      };
      const activities = { inc: async (n: number) => n + 1 };
      const { clock, queue, client, worker, start } = setup(workflows, activities);
      const handle = await start("counted");
      await worker.runUntilIdle();
      expect(await handle.result()).toBe(4);
      expect(bodyStarts).toBe(1); // four workflow tasks, one start of the code: the execution was kept

      // Workflow workers A and B take turns on one run (activities run elsewhere): a worker whose kept
      // execution is behind the run (B decided in between) replays from history instead of using it.
      bodyStarts = 0;
      const a = new Worker({ store, taskQueue: queue, workflows, clock, logger: silentLogger, identity: "A" });
      const b = new Worker({ store, taskQueue: queue, workflows, clock, logger: silentLogger, identity: "B" });
      const acts = new Worker({ store, taskQueue: queue, activities, clock, logger: silentLogger, identity: "acts" });
      const second = await client.start("counted", { workflowId: `${queue}-turns`, taskQueue: queue });
      await a.runUntilIdle(); // task 1: A starts the code (1) and keeps it
      await acts.runUntilIdle();
      await b.runUntilIdle(); // task 2: B has nothing kept: replays (2)
      await acts.runUntilIdle();
      await a.runUntilIdle(); // task 3: A's execution is behind: replays (3)
      await acts.runUntilIdle();
      await a.runUntilIdle(); // task 4: A's kept execution is current: continues (still 3)
      expect(await second.result()).toBe(4);
      expect(bodyStarts).toBe(3);
      const history = (await second.history()).events;
      expect(history.filter((e) => e.type === "ActivityCompleted").map((e) => (e.data as { result: number }).result)).toEqual([2, 3, 4]);
      expect(history.filter((e) => e.type === "WorkflowTaskCompleted").map((e) => (e.data as { workerId: string }).workerId)).toEqual(["A", "B", "A", "A"]);
    });

    it("startMany starts a batch in one transaction, validates everything first, and runs them all", async () => {
      const { client, worker, queue } = setup({ echo: async (_ctx: WorkflowContext, input: unknown) => input });
      await expect(client.startMany("echo", [{ workflowId: `${queue}-ok`, taskQueue: queue }, { workflowId: `${queue}-bad`, taskQueue: queue, input: { d: new Date(0) } }])).rejects.toMatchObject({
        code: "PAYLOAD_NOT_SERIALIZABLE",
      });
      expect(await store.getLatestRun(`${queue}-ok`)).toBeNull();
      const handles = await client.startMany(
        "echo",
        Array.from({ length: 25 }, (_, i) => ({ workflowId: `${queue}-m${i}`, taskQueue: queue, input: i })),
      );
      expect(handles.every((h) => h.created)).toBe(true);
      await worker.runUntilIdle();
      expect(await Promise.all(handles.map((h) => h.result()))).toEqual(Array.from({ length: 25 }, (_, i) => i));
      const again = await client.startMany("echo", [{ workflowId: `${queue}-m0`, taskQueue: queue }]);
      expect(again[0]!.created).toBe(true); // m0 closed, so a new run starts
    });

    it("starting a running id again fails or returns the running run, by policy", async () => {
      const { client, queue } = setup({});
      const first = await client.start("anything", { workflowId: `${queue}-dup`, taskQueue: queue });
      await expect(client.start("anything", { workflowId: `${queue}-dup`, taskQueue: queue })).rejects.toMatchObject({ code: "WORKFLOW_ALREADY_RUNNING" });
      const same = await client.start("anything", { workflowId: `${queue}-dup`, taskQueue: queue, idConflictPolicy: "useExisting" });
      expect(same).toMatchObject({ runId: first.runId, created: false });
    });
  });
}
