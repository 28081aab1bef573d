/**
 * Termination and the workflow-id policies, end to end on every backend:
 * terminate() closes a run at once, recorded, fencing off work in flight;
 * a start may terminate the running run (terminateExisting); reuse of a
 * closed id follows idReusePolicy; a start repeated with its request id
 * returns the run the first created, even after it closed, even when the
 * repeats race. On a ManualClock, like worker.behaviour.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { CancelledError, LeaseLostError, WorkflowTerminatedError } from "../errors.ts";
import { schemaIdentifier } from "../names.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import type { Store } from "../store/store.ts";
import { testDatabase, type TestDatabase } from "../testing/databases.ts";
import { eventually } from "../testing/eventually.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import type { ActivityContext, WorkflowContext } from "../workflow/types.ts";
import { Worker } from "./worker.ts";

export function startPoliciesBehaviour(kind: "pglite" | "postgres"): void {
  describe(`termination and start policies on ${kind}`, () => {
    let t: TestDatabase;
    let store: Store;
    let queueCounter = 0;

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "pol" });
      store = t.store;
    });
    afterAll(async () => {
      await t?.close();
    });

    const workflows = {
      async oneStep(ctx: WorkflowContext, input: { fail?: boolean } = {}) {
        const r = await ctx.activity<string>("step");
        if (input?.fail) throw new Error("asked to fail");
        return r;
      },
      async sleeper(ctx: WorkflowContext) {
        await ctx.sleep(60_000);
        return "woke";
      },
    };
    const activities = { step: async () => "stepped" };

    function setup() {
      const clock = new ManualClock();
      const queue = `p${++queueCounter}`;
      const random = new SeededRandom(`pol-${queueCounter}`);
      const client = new Client({ store, clock, random });
      const worker = new Worker({ store, taskQueue: queue, workflows, activities, clock, random, logger: silentLogger, identity: `w-${queueCounter}` });
      /** A worker that runs workflow tasks only: activities stay in the queue for a test to claim. */
      const decider = new Worker({ store, taskQueue: queue, workflows, clock, logger: silentLogger, identity: `d-${queueCounter}` });
      const runsOf = async (workflowId: string) => (await t.db.query<{ n: number }>({ text: `SELECT count(*)::int AS n FROM ${schemaIdentifier(t.schema)}.runs WHERE workflow_id = $1`, values: [workflowId] }))[0]!.n;
      return { clock, queue, client, worker, decider, runsOf };
    }

    it("terminate closes the run at once, recorded: tasks gone, work in flight fenced off, result() says so", async () => {
      const { clock, queue, client, decider } = setup();
      const handle = await client.start("oneStep", { workflowId: `${queue}-t`, taskQueue: queue });
      await decider.runUntilIdle();
      const [attempt] = await store.claimTasks("activity", queue, 10, clock.now());
      expect(attempt).toBeDefined();

      expect(await client.terminate(handle.workflowId, "operator said so")).toEqual({ runId: handle.runId });
      const d = await client.describe(handle.workflowId);
      expect(d).toMatchObject({ status: "terminated", terminationReason: "operator said so", pendingActivities: [], workflowTask: null });
      expect(d.closedAtMs).toBe(clock.now());
      const events = (await handle.history()).events;
      expect(events.at(-1)).toMatchObject({ type: "WorkflowTerminated", data: { reason: "operator said so" } });
      // The attempt in flight can no longer record its result.
      const ref = { taskId: attempt!.taskId, queue, leaseToken: attempt!.leaseToken, runId: handle.runId, seq: 1, attempt: 1, nowMs: clock.now() };
      await expect(store.completeActivityTask(ref, '"late"')).rejects.toBeInstanceOf(LeaseLostError);
      expect((await handle.history()).events).toEqual(events);
      const failure = await handle.result().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(WorkflowTerminatedError);
      expect(failure).toMatchObject({ code: "WORKFLOW_TERMINATED", reason: "operator said so" });
      await expect(client.terminate(handle.workflowId)).rejects.toMatchObject({ code: "WORKFLOW_NOT_RUNNING" });
      await expect(client.signal(handle.workflowId, "x")).rejects.toMatchObject({ code: "WORKFLOW_NOT_RUNNING" });
      await expect(client.terminate(`${queue}-nobody`)).rejects.toMatchObject({ code: "WORKFLOW_NOT_FOUND" });
    });

    it("a running activity learns at its next heartbeat that its workflow cancelled it, or that its run was terminated: CancelledError, not a lost lease", async () => {
      const seen: Array<{ workflowId: string; error: unknown; aborted: unknown }> = [];
      const heartbeating = {
        async waits(ctx: WorkflowContext) {
          try {
            return await ctx.activity("beat", null, { heartbeatTimeoutMs: 60_000 });
          } catch (err) {
            if (err instanceof CancelledError) return "cancelled, cleaned up";
            throw err;
          }
        },
      };
      const beat = async (_: unknown, actx: ActivityContext) => {
        for (let i = 0; ; i++) {
          try {
            await actx.heartbeat(i);
          } catch (error) {
            seen.push({ workflowId: actx.workflowId, error, aborted: actx.signal.reason });
            throw error;
          }
          await new Promise((r) => setTimeout(r, 5)); // real time: the test's loop, not the engine's
        }
      };
      const clock = new ManualClock();
      const queue = `p${++queueCounter}`;
      const client = new Client({ store, clock, random: new SeededRandom(queue) });
      const worker = new Worker({ store, taskQueue: queue, workflows: heartbeating, activities: { beat }, clock, logger: silentLogger, pollIntervalMs: 50 });
      await worker.start();
      try {
        const cancelled = await client.start("waits", { workflowId: `${queue}-cancel`, taskQueue: queue });
        await eventually(() => worker.inFlight().activity === 1, "the activity running");
        await client.cancel(cancelled.workflowId, "no longer needed");
        // The poll loop sleeps on the ManualClock: nudge it until the cancellation is decided.
        await eventually(async () => (clock.advance(50), seen.length === 1), "the heartbeat told of the cancellation");
        expect(seen[0]!.error).toBeInstanceOf(CancelledError);
        expect((seen[0]!.error as Error).message).toContain("was cancelled by its workflow");
        expect(seen[0]!.aborted).toBe(seen[0]!.error);
        await eventually(async () => (clock.advance(50), (await cancelled.describe()).status === "completed"), "the workflow done");
        expect(await cancelled.result()).toBe("cancelled, cleaned up");

        const terminated = await client.start("waits", { workflowId: `${queue}-terminate`, taskQueue: queue });
        await eventually(async () => (clock.advance(50), worker.inFlight().activity === 1), "the second activity running");
        await client.terminate(terminated.workflowId);
        await eventually(() => seen.length === 2, "the heartbeat told of the termination");
        expect(seen[1]!.error).toBeInstanceOf(CancelledError);
        expect((seen[1]!.error as Error).message).toContain("is terminated");
        expect(worker.stats.leasesLost).toBe(0);
      } finally {
        await worker.shutdown({ graceMs: 0 });
      }
    });

    it("terminateExisting: a start terminates the running run, recorded, and starts anew in the same transaction", async () => {
      const { queue, client, worker, runsOf } = setup();
      const id = `${queue}-again`;
      const first = await client.start("sleeper", { workflowId: id, taskQueue: queue });
      await worker.runUntilIdle();
      await expect(client.start("oneStep", { workflowId: id, taskQueue: queue })).rejects.toMatchObject({ code: "WORKFLOW_ALREADY_RUNNING" });
      const second = await client.start("oneStep", { workflowId: id, taskQueue: queue, idConflictPolicy: "terminateExisting" });
      expect(second.created).toBe(true);
      expect(second.runId).not.toBe(first.runId);
      expect(await first.describe()).toMatchObject({ status: "terminated", pendingTimers: [] });
      expect((await first.history()).events.at(-1)).toMatchObject({ type: "WorkflowTerminated", data: { reason: expect.stringContaining("terminateExisting") } });
      await worker.runUntilIdle();
      expect(await second.result()).toBe("stepped");
      expect(await runsOf(id)).toBe(2);
    });

    it("idReusePolicy: a closed id is started again always, only after a failure, or never; a refusal writes nothing", async () => {
      const { queue, client, worker, runsOf } = setup();
      const completed = `${queue}-completed`;
      await client.start("oneStep", { workflowId: completed, taskQueue: queue });
      await worker.runUntilIdle();
      for (const idReusePolicy of ["allowDuplicateFailedOnly", "rejectDuplicate"] as const) {
        await expect(client.start("oneStep", { workflowId: completed, taskQueue: queue, idReusePolicy })).rejects.toMatchObject({
          code: "WORKFLOW_ID_REUSE_REFUSED",
          details: { workflowId: completed, status: "completed", idReusePolicy },
        });
      }
      expect(await runsOf(completed)).toBe(1);
      expect((await client.start("oneStep", { workflowId: completed, taskQueue: queue })).created).toBe(true); // allowDuplicate, the default

      const failed = `${queue}-failed`;
      await client.start("oneStep", { workflowId: failed, taskQueue: queue, input: { fail: true } });
      await worker.runUntilIdle();
      expect((await client.describe(failed)).status).toBe("failed");
      await expect(client.start("oneStep", { workflowId: failed, taskQueue: queue, idReusePolicy: "rejectDuplicate" })).rejects.toMatchObject({ code: "WORKFLOW_ID_REUSE_REFUSED" });
      const retried = await client.start("oneStep", { workflowId: failed, taskQueue: queue, idReusePolicy: "allowDuplicateFailedOnly" });
      expect(retried.created).toBe(true);
      await client.terminate(failed);
      expect((await client.start("oneStep", { workflowId: failed, taskQueue: queue, idReusePolicy: "allowDuplicateFailedOnly" })).created).toBe(true);
      expect(await runsOf(failed)).toBe(3);

      await expect(client.start("oneStep", { workflowId: failed, taskQueue: queue, idReusePolicy: "sometimes" as never })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        details: { field: "idReusePolicy" },
      });
      await expect(client.start("oneStep", { workflowId: failed, taskQueue: queue, requestId: "" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { field: "requestId" } });
    });

    it("requestId: a repeated start returns the first one's run, running or closed; racing repeats make one run", async () => {
      const { queue, client, worker, runsOf } = setup();
      const id = `${queue}-idem`;
      const first = await client.start("oneStep", { workflowId: id, taskQueue: queue, requestId: "req-1" });
      const repeat = await client.start("oneStep", { workflowId: id, taskQueue: queue, requestId: "req-1" });
      expect({ runId: repeat.runId, created: repeat.created }).toEqual({ runId: first.runId, created: false });
      await worker.runUntilIdle();
      expect(await first.result()).toBe("stepped");
      // Closed now: the same request still names the same run, where a plain start would start a second one.
      const late = await client.start("oneStep", { workflowId: id, taskQueue: queue, requestId: "req-1" });
      expect({ runId: late.runId, created: late.created }).toEqual({ runId: first.runId, created: false });
      expect(await runsOf(id)).toBe(1);
      const other = await client.start("oneStep", { workflowId: id, taskQueue: queue, requestId: "req-2" });
      expect(other.created).toBe(true);
      await worker.runUntilIdle();

      const raced = `${queue}-race`;
      const starts = await Promise.all(Array.from({ length: 5 }, () => client.start("oneStep", { workflowId: raced, taskQueue: queue, requestId: "req-race" })));
      expect(new Set(starts.map((s) => s.runId)).size).toBe(1);
      expect(starts.filter((s) => s.created)).toHaveLength(1);
      expect(await runsOf(raced)).toBe(1);
    });
  });
}
