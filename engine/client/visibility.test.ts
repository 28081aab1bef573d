/**
 * Visibility: list and count runs by type, status, creation time and search
 * attributes (given at start, upserted by workflow code, kept across
 * continue-as-new), newest first, a page at a time — on PGlite and, with
 * DATABASE_URL, PostgreSQL. Bad filters are refused clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import { postgresUrl, testDatabase, type TestDatabase } from "../testing/databases.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import type { WorkflowContext } from "../workflow/types.ts";
import { Worker } from "../worker/worker.ts";
import { Client, type ListFilter, type WorkflowSummary } from "./client.ts";

const workflows = {
  /** Completes at once, marking itself done. */
  quick: async (ctx: WorkflowContext) => {
    ctx.upsertSearchAttributes({ stage: "done" });
    return "ok";
  },
  /** Waits for a signal: stays running. */
  waiting: async (ctx: WorkflowContext) => ctx.waitForSignal("go"),
  /** Continues as new once, then waits: its second run keeps the attributes. */
  looping: async (ctx: WorkflowContext, round: number) => {
    if (round === 0) {
      ctx.upsertSearchAttributes({ stage: "looped" });
      return ctx.continueAsNew(1);
    }
    return ctx.waitForSignal("go");
  },
};

function visibility(kind: "postgres" | "pglite"): void {
  describe(`visibility on ${kind}`, () => {
    let t: TestDatabase;
    let client: Client;
    const clock = new ManualClock();
    const t0 = clock.now();
    /** Start time of each workflow id, as the clock had it. */
    const startedAt = new Map<string, number>();

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "vis" });
      client = new Client({ store: t.store, clock, random: new SeededRandom(`vis-${kind}`) });
      const starts: Array<[string, string, Record<string, string | number | boolean>]> = [
        ["quick", "q-1", { customer: "c1", priority: 1 }],
        ["waiting", "w-1", { customer: "c1", priority: 2 }],
        ["quick", "q-2", { customer: "c2", priority: 1, vip: true }],
        ["waiting", "w-2", { customer: "c2" }],
        ["quick", "q-3", {}],
        ["looping", "l-1", { customer: "c1" }],
        ["waiting", "w-3", { customer: "c3", priority: 3 }],
      ];
      for (const [type, id, attributes] of starts) {
        clock.advance(1_000);
        startedAt.set(id, clock.now());
        await client.start(type, { workflowId: id, taskQueue: "vis", input: 0, searchAttributes: attributes });
      }
      // The worker runs a second later: l-1's second run (continue-as-new) is the newest run of all.
      clock.advance(1_000);
      await new Worker({ store: t.store, taskQueue: "vis", workflows, clock, logger: silentLogger }).runUntilIdle();
    });
    afterAll(async () => {
      await t?.close();
    });

    const ids = (page: { workflows: WorkflowSummary[] }) => page.workflows.map((w) => w.workflowId);
    async function all(filter: ListFilter): Promise<string[]> {
      const page = await client.list({ ...filter, pageSize: 1_000 });
      expect(page.nextPageToken).toBeNull();
      expect(await client.count(filter)).toBe(page.workflows.length);
      return ids(page);
    }

    it("lists newest first, by type and by status, and counts the same", async () => {
      expect(await all({})).toEqual(["l-1", "w-3", "l-1", "q-3", "w-2", "q-2", "w-1", "q-1"]); // l-1 has two runs
      expect(await all({ workflowType: "quick" })).toEqual(["q-3", "q-2", "q-1"]);
      expect(await all({ status: "running" })).toEqual(["l-1", "w-3", "w-2", "w-1"]);
      expect(await all({ status: "completed", workflowType: "quick" })).toEqual(["q-3", "q-2", "q-1"]);
      expect(await all({ status: "continuedAsNew" })).toEqual(["l-1"]);
      expect(await all({ workflowType: "waiting", status: "completed" })).toEqual([]);
      const first = (await client.list({ workflowType: "quick", pageSize: 1 })).workflows[0]!;
      expect(first).toMatchObject({ workflowId: "q-3", workflowType: "quick", taskQueue: "vis", status: "completed", searchAttributes: { stage: "done" }, parent: null });
      expect(first.createdAtMs).toBe(startedAt.get("q-3"));
    });

    it("filters by creation time and by search attributes, given at start or upserted, kept by continue-as-new", async () => {
      expect(await all({ startedAfterMs: startedAt.get("w-2"), startedBeforeMs: startedAt.get("w-3") })).toEqual(["l-1", "q-3", "w-2"]);
      expect(await all({ startedAfterMs: startedAt.get("w-3") })).toEqual(["l-1", "w-3"]);
      expect(await all({ startedBeforeMs: t0 })).toEqual([]);
      expect(await all({ searchAttributes: { customer: "c1" } })).toEqual(["l-1", "l-1", "w-1", "q-1"]);
      expect(await all({ searchAttributes: { customer: "c2", vip: true } })).toEqual(["q-2"]);
      expect(await all({ searchAttributes: { priority: 1 } })).toEqual(["q-2", "q-1"]);
      expect(await all({ searchAttributes: { stage: "done" }, workflowType: "quick", status: "completed" })).toEqual(["q-3", "q-2", "q-1"]);
      // Both runs of l-1 carry what the first run upserted: the second inherited it.
      const looped = (await client.list({ searchAttributes: { stage: "looped" } })).workflows;
      expect(looped.map((w) => [w.workflowId, w.status])).toEqual([
        ["l-1", "running"],
        ["l-1", "continuedAsNew"],
      ]);
      expect(looped[0]!.searchAttributes).toEqual({ customer: "c1", stage: "looped" });
    });

    it("pages through every match exactly once", async () => {
      const seen: string[] = [];
      let pageToken: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await client.list({ pageSize: 3, ...(pageToken ? { pageToken } : {}) });
        seen.push(...page.workflows.map((w) => w.runId));
        if (page.nextPageToken === null) break;
        pageToken = page.nextPageToken;
      }
      const everything = (await client.list({ pageSize: 100 })).workflows.map((w) => w.runId);
      expect(seen).toEqual(everything);
      expect(new Set(seen).size).toBe(8);
    });

    it("an attribute more runs have than the index path takes is listed by run id order, the same answer", async () => {
      // More matches than listRuns reads through the GIN index (ATTRIBUTE_CANDIDATES_MAX, 2 000): the other path.
      const bulk = Array.from({ length: 2_100 }, (_, i) => ({ workflowId: `bulk-${i}`, taskQueue: "vis-bulk", searchAttributes: { bulk: true, half: i % 2 } }));
      clock.advance(1_000);
      for (let i = 0; i < bulk.length; i += 1_000) await client.startMany("quick", bulk.slice(i, i + 1_000));
      // Every bulk run, newest first, paging by type and time alone.
      const everyBulk: WorkflowSummary[] = [];
      for (let token: string | null | undefined; token !== null; ) {
        const page = await client.list({ workflowType: "quick", startedAfterMs: clock.now(), pageSize: 1_000, ...(token ? { pageToken: token } : {}) });
        everyBulk.push(...page.workflows);
        token = page.nextPageToken;
      }
      expect(everyBulk).toHaveLength(2_100);
      const viaAttributes = await client.list({ searchAttributes: { bulk: true }, pageSize: 1_000 });
      expect(viaAttributes.workflows.map((w) => w.runId)).toEqual(everyBulk.slice(0, 1_000).map((w) => w.runId));
      expect(await client.count({ searchAttributes: { bulk: true } })).toBe(2_100);
      // Half of them (1 050): under the cap, read through the index; the same runs in the same order.
      const halfViaIndex = (await client.list({ searchAttributes: { half: 1 }, pageSize: 1_000 })).workflows.map((w) => w.runId);
      expect(halfViaIndex).toEqual(
        everyBulk
          .filter((w) => w.searchAttributes?.half === 1)
          .slice(0, 1_000)
          .map((w) => w.runId),
      );
    });

    it("bad filters are refused with INVALID_ARGUMENT", async () => {
      for (const filter of [
        { pageSize: 0 },
        { pageSize: 1_001 },
        { pageToken: "not-a-token" },
        { status: "sleeping" },
        { workflowType: "" },
        { startedAfterMs: -1 },
        { searchAttributes: { nested: { no: 1 } } },
        { searchAttributes: { "bad key": 1 } },
      ]) {
        await expect(client.list(filter as ListFilter), JSON.stringify(filter)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      }
      await expect(client.start("quick", { workflowId: "bad-attrs", taskQueue: "vis", searchAttributes: { n: Number.NaN } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    });
  });
}

visibility("pglite");
if (postgresUrl()) visibility("postgres");
else describe.skip("visibility on postgres (set DATABASE_URL)", () => it("skipped", () => {}));
