/**
 * Updates end to end, on every backend: validated, then applied (the handler
 * may run activities) and answered durably from history; a rejection
 * applies nothing; a repeated update id is applied once; a handler's failure
 * reaches the caller; replay follows the recorded acceptance, so a changed
 * validator cannot diverge; a closed workflow takes no update.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { ApplicationFailure, type RatchetError } from "../errors.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import type { Store } from "../store/store.ts";
import { testDatabase, type TestDatabase } from "../testing/databases.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import { replayHistory } from "../testing/replayer.ts";
import type { WorkflowContext, WorkflowMap } from "../workflow/types.ts";
import { Worker } from "./worker.ts";

/** How often the client looks for the answer, in the tests' virtual time. */
const POLL_MS = 10;
/** Rounds of worker-then-clock before a test gives up on an answer. */
const ROUNDS_MAX = 50;

export function updateBehaviour(kind: "pglite" | "postgres"): void {
  describe(`updates on ${kind}`, () => {
    let t: TestDatabase;
    let store: Store;
    let queueCounter = 0;
    const audited: number[] = [];

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "upd" });
      store = t.store;
    });
    afterAll(async () => {
      await t?.close();
    });

    function counter(validate: boolean) {
      return async (ctx: WorkflowContext) => {
        let total = 0;
        ctx.setQueryHandler("total", () => total);
        ctx.setUpdateHandler(
          "add",
          async (n) => {
            await ctx.activity("audit", n);
            total += n as number;
            return total;
          },
          {
            validator: (n) => {
              if (validate && (typeof n !== "number" || n <= 0)) throw new ApplicationFailure("positive numbers only", { type: "BadAmount" });
            },
          },
        );
        ctx.setUpdateHandler("explode", async () => {
          throw new ApplicationFailure("handler blew up", { type: "Boom" });
        });
        await ctx.waitForSignal("stop");
        return total;
      };
    }

    function setup(workflows: WorkflowMap) {
      const clock = new ManualClock();
      const queue = `u${++queueCounter}`;
      const client = new Client({ store, clock, random: new SeededRandom(`upd-${queueCounter}`) });
      const worker = new Worker({
        store,
        taskQueue: queue,
        workflows,
        activities: { audit: async (n: number) => audited.push(n) },
        clock,
        logger: silentLogger,
        identity: `w-${queueCounter}`,
      });
      /** Drive the worker and the client's polling until the update is answered. */
      async function answered<T>(pending: Promise<T>): Promise<T> {
        let settled = false;
        const watched = pending.finally(() => {
          settled = true;
        });
        watched.catch(() => {});
        for (let i = 0; i < ROUNDS_MAX && !settled; i++) {
          await worker.runUntilIdle();
          clock.advance(POLL_MS);
          await new Promise((r) => setImmediate(r));
        }
        return watched;
      }
      return { queue, client, worker, answered };
    }

    it("an update is validated, applied by its handler (which runs an activity) and answered; a rejection applies nothing", async () => {
      const { queue, client, worker, answered } = setup({ counter: counter(true) });
      const handle = await client.start("counter", { workflowId: `${queue}-c`, taskQueue: queue });
      await worker.runUntilIdle();
      const update = (name: string, args: unknown, updateId?: string) =>
        answered(client.update<number>(handle.workflowId, name, args, { pollMs: POLL_MS, ...(updateId ? { updateId } : {}) }));

      expect(await update("add", 5)).toBe(5);
      expect(await update("add", 3, "add-3")).toBe(8);
      // The same update id again: the same answer, applied once.
      expect(await update("add", 3, "add-3")).toBe(8);
      const rejected = (await update("add", -1).catch((e: unknown) => e)) as RatchetError;
      expect(rejected.code).toBe("UPDATE_REJECTED");
      expect((rejected.cause as Error).message).toBe("positive numbers only");
      const unknown = (await update("subtract", 1).catch((e: unknown) => e)) as RatchetError;
      expect(unknown.code).toBe("UPDATE_REJECTED");
      expect((unknown.cause as Error).message).toMatch(/no update handler is registered for "subtract" \(registered: add, explode\)/);
      const failed = (await update("explode", null).catch((e: unknown) => e)) as RatchetError;
      expect(failed.code).toBe("UPDATE_FAILED");
      expect((failed.cause as Error).message).toBe("handler blew up");
      expect(await client.query(handle.workflowId, "total").catch(() => "needs workflows")).toBe("needs workflows");

      await client.signal(handle.workflowId, "stop", null);
      await worker.runUntilIdle();
      expect(await handle.result()).toBe(8);
      const events = (await handle.history()).events;
      const types = events.map((e) => e.type);
      expect(types.filter((t) => t === "WorkflowUpdateRequested")).toHaveLength(5);
      expect(types.filter((t) => t === "WorkflowUpdateAccepted")).toHaveLength(3);
      expect(types.filter((t) => t === "WorkflowUpdateRejected")).toHaveLength(2);
      // Two audits: the rejected update ran no handler, the repeated one was not applied again.
      expect(types.filter((t) => t === "ActivityScheduled")).toHaveLength(2);
      const first = types.indexOf("WorkflowUpdateRequested");
      expect(types.slice(first, first + 4)).toEqual(["WorkflowUpdateRequested", "WorkflowTaskCompleted", "WorkflowUpdateAccepted", "ActivityScheduled"]);

      // Replay follows the recorded acceptances and rejections, even if the validator has changed since.
      expect(await replayHistory({ counter: counter(true) }, events)).toMatchObject({ ok: true });
      expect(await replayHistory({ counter: counter(false) }, events)).toMatchObject({ ok: true });
    });

    it("a closed workflow takes no update; bad arguments are refused before anything is written", async () => {
      const { queue, client, worker } = setup({ counter: counter(true) });
      const handle = await client.start("counter", { workflowId: `${queue}-closed`, taskQueue: queue });
      await worker.runUntilIdle();
      await client.signal(handle.workflowId, "stop", null);
      await worker.runUntilIdle();
      await expect(client.update(handle.workflowId, "add", 1)).rejects.toMatchObject({ code: "WORKFLOW_NOT_RUNNING" });
      await expect(client.update(handle.workflowId, "bad name", 1)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      await expect(client.update(handle.workflowId, "add", () => 1)).rejects.toMatchObject({ code: "PAYLOAD_NOT_SERIALIZABLE" });
    });
  });
}
