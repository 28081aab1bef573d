/**
 * Queries, on every backend: answered from a run's state by replaying its
 * history in the client's process — running or closed, with the signals
 * recorded so far — writing nothing; unknown names, clients without the
 * workflow code and bad handlers are refused clearly. On a ManualClock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import { testDatabase, type TestDatabase } from "../testing/databases.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import type { WorkflowContext } from "../workflow/types.ts";
import { Worker } from "./worker.ts";

export function queryBehaviour(kind: "pglite" | "postgres"): void {
  describe(`queries on ${kind}`, () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "qry" });
    });
    afterAll(async () => {
      await t?.close();
    });

    const workflows = {
      async cart(ctx: WorkflowContext) {
        const items: string[] = [];
        let checkedOut = false;
        ctx.setQueryHandler("items", () => items);
        ctx.setQueryHandler("count", (args) => items.filter((i) => i === (args as { of: string }).of).length);
        ctx.setQueryHandler("bad", () => Promise.resolve(1));
        ctx.setQueryHandler("status", () => ({ checkedOut, size: items.length }));
        for (;;) {
          const item = await ctx.waitForSignal<string>("add");
          if (item === "checkout") break;
          items.push(item);
        }
        checkedOut = true;
        return items.length;
      },
    };

    it("answers from the run's state, running or closed, and writes nothing", async () => {
      const clock = new ManualClock();
      const queue = `query-${kind}`;
      const client = new Client({ store: t.store, clock, random: new SeededRandom(queue), workflows });
      const worker = new Worker({ store: t.store, taskQueue: queue, workflows, clock, logger: silentLogger });
      const handle = await client.start("cart", { workflowId: `${queue}-1`, taskQueue: queue });
      await worker.runUntilIdle();
      expect(await handle.query("items")).toEqual([]);
      await client.signal(handle.workflowId, "add", "apple");
      await client.signal(handle.workflowId, "add", "pear");
      // Recorded but not yet processed by a workflow task: the query's replay sees them too.
      expect(await handle.query("items")).toEqual(["apple", "pear"]);
      await worker.runUntilIdle();
      await client.signal(handle.workflowId, "add", "apple");
      await worker.runUntilIdle();
      const before = (await handle.history()).events;
      expect(await client.query(handle.workflowId, "count", { of: "apple" })).toBe(2);
      expect(await handle.query("status")).toEqual({ checkedOut: false, size: 3 });
      expect((await handle.history()).events).toEqual(before); // nothing written
      await client.signal(handle.workflowId, "add", "checkout");
      await worker.runUntilIdle();
      expect(await handle.result()).toBe(3);
      expect(await handle.query("status")).toEqual({ checkedOut: true, size: 3 }); // a closed run answers too

      await expect(handle.query("nope")).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("registered: bad, count, items, status") });
      await expect(handle.query("bad")).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("returned a promise") });
      await expect(handle.query("items", { big: "x".repeat(300_000) })).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
      await expect(handle.query("")).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { field: "query" } });
      const blind = new Client({ store: t.store, clock });
      await expect(blind.query(handle.workflowId, "items")).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { field: "workflows" } });
      const other = new Client({ store: t.store, clock, workflows: {} });
      await expect(other.query(handle.workflowId, "items")).rejects.toMatchObject({ code: "UNKNOWN_WORKFLOW_TYPE" });
    });
  });
}
