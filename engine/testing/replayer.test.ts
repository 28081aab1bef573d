/**
 * The replay check: runs recorded by one version of the code, replayed
 * against the next. An incompatible change is reported per run with the
 * event it diverges at; the same change behind ctx.patched() is not; a type
 * the new code lacks, or a history that is not one, is reported clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import type { WorkflowContext, WorkflowMap } from "../workflow/types.ts";
import { Worker } from "../worker/worker.ts";
import { postgresUrl, testDatabase, type TestDatabase } from "./databases.ts";
import { ManualClock } from "./manual-clock.ts";
import { replayHistory, replayRuns } from "./replayer.ts";

function replayCheck(kind: "postgres" | "pglite"): void {
describe(`replay check (${kind})`, () => {
  let t: TestDatabase;
  const clock = new ManualClock();

  beforeAll(async () => {
    t = await testDatabase(kind, { prefix: "replay" });
    const v1: WorkflowMap = {
      checkout: async (ctx: WorkflowContext, order: number) => {
        await ctx.activity("reserve", order);
        if (order % 2 === 0) await ctx.waitForSignal("ship"); // some runs are still running when checked
        return ctx.activity("charge", order);
      },
      other: async () => "other",
    };
    const activities = { reserve: async (n: number) => n, charge: async (n: number) => `charged ${n}` };
    const client = new Client({ store: t.store, clock, random: new SeededRandom("replay") });
    for (let order = 1; order <= 4; order++) await client.start("checkout", { workflowId: `order-${order}`, taskQueue: "shop", input: order });
    await client.start("other", { workflowId: "other-1", taskQueue: "shop" });
    await new Worker({ store: t.store, taskQueue: "shop", workflows: v1, activities, clock, logger: silentLogger }).runUntilIdle();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("an incompatible change is reported per run, naming the event; behind ctx.patched() it replays", async () => {
    const v2: WorkflowMap = {
      checkout: async (ctx: WorkflowContext, order: number) => {
        await ctx.activity("reserve", order);
        await ctx.activity("fraud-check", order); // new step, unguarded
        if (order % 2 === 0) await ctx.waitForSignal("ship");
        return ctx.activity("charge", order);
      },
    };
    const broken = await replayRuns(t.store, v2, { workflowType: "checkout" });
    expect(broken.replayed).toBe(4);
    expect(broken.diverged.map((r) => r.workflowId).sort()).toEqual(["order-1", "order-2", "order-3", "order-4"]);
    for (const run of broken.diverged) {
      expect(run.failure?.code).toBe("NON_DETERMINISM");
      expect(run.failure?.message).toMatch(/fraud-check/);
    }

    const v2Patched: WorkflowMap = {
      checkout: async (ctx: WorkflowContext, order: number) => {
        await ctx.activity("reserve", order);
        if (ctx.patched("fraud-check")) await ctx.activity("fraud-check", order);
        if (order % 2 === 0) await ctx.waitForSignal("ship");
        return ctx.activity("charge", order);
      },
    };
    const fine = await replayRuns(t.store, v2Patched, { workflowType: "checkout", limit: 3 });
    expect(fine.replayed).toBe(3);
    expect(fine.diverged).toEqual([]);
    expect(fine.runs.every((r) => r.ok && r.workflowType === "checkout")).toBe(true);
  });

  it("runs named by workflow id; a type the code lacks and a history that is not one are reported", async () => {
    const report = await replayRuns(t.store, { checkout: async () => "x" }, { workflowIds: ["other-1", "no-such-workflow"] });
    expect(report.replayed).toBe(1);
    expect(report.diverged[0]).toMatchObject({ workflowId: "other-1", ok: false, failure: { code: "UNKNOWN_WORKFLOW_TYPE" } });
    await expect(replayHistory({}, [])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(replayRuns(t.store, {}, { workflowType: "checkout", limit: 0 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
}

replayCheck("pglite");
if (postgresUrl()) replayCheck("postgres");
else describe.skip("replay check (postgres: set DATABASE_URL)", () => it("skipped", () => {}));
