/**
 * Fairness keys, on every backend: a run's key reaches its workflow and
 * activity tasks, its children and its continue-as-new runs; a fair claim
 * interleaves keys (one key's older backlog does not hold another's tasks
 * back), rotates through more keys than one claim visits, and leaves
 * unkeyed work claimable; a fair worker drains a mixed queue completely;
 * a bad key is refused before anything is written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { FAIR_CLAIM_KEYS_MAX } from "../limits.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import type { Store } from "../store/store.ts";
import { testDatabase, type TestDatabase } from "../testing/databases.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import type { WorkflowContext, WorkflowMap } from "../workflow/types.ts";
import { Worker } from "./worker.ts";

const workflows: WorkflowMap = {
  step: async (ctx: WorkflowContext) => ctx.activity("noop", null),
  parent: async (ctx: WorkflowContext) => ctx.executeChild("step", null, { workflowId: `${ctx.info.workflowId}-child` }),
  again: async (ctx: WorkflowContext, input: unknown) => (input === "second" ? ctx.activity("noop", null) : ctx.continueAsNew("second")),
};

export function fairnessBehaviour(kind: "pglite" | "postgres"): void {
  describe(`fairness keys on ${kind}`, () => {
    let t: TestDatabase;
    let store: Store;
    let counter = 0;

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "fair" });
      store = t.store;
    });
    afterAll(async () => {
      await t?.close();
    });

    function setup() {
      const clock = new ManualClock();
      const queue = `f${++counter}`;
      const client = new Client({ store, clock, random: new SeededRandom(`fair-${counter}`) });
      /** Start `n` workflows of `type` with `key`, one millisecond apart (so their age orders them). */
      const start = async (n: number, key: string | undefined, type = "step") => {
        for (let i = 0; i < n; i++) {
          await client.start(type, { workflowId: `${queue}-${key ?? "plain"}-${i}`, taskQueue: queue, ...(key === undefined ? {} : { fairnessKey: key }) });
          clock.advance(1);
        }
      };
      const keyOf = async (taskIds: number[]) => {
        const rows = await store.db.query<{ task_id: number; fairness_key: string }>({
          text: `SELECT task_id, fairness_key FROM ${t.schema}.tasks WHERE task_id = ANY($1::bigint[])`,
          values: [`{${taskIds.join(",")}}`],
        });
        const byId = new Map(rows.map((r) => [Number(r.task_id), r.fairness_key]));
        return taskIds.map((id) => byId.get(id));
      };
      return { clock, queue, client, start, keyOf };
    }

    it("a fair claim interleaves keys where an oldest-first claim takes the big backlog's head", async () => {
      // Rank by rank: the big key's oldest (also the queue's oldest), the small key's oldest, then the second of each.
      const fair = setup();
      await fair.start(20, "big");
      await fair.start(2, "small");
      const claimed = await store.claim("workflow", fair.queue, 4, fair.clock.now(), { after: "" });
      expect((await fair.keyOf(claimed.tasks.map((x) => x.taskId))).sort()).toEqual(["big", "big", "small", "small"]);
      expect(claimed.fairCursor).toBe("");
      // Oldest first, the small key's tasks wait behind the whole big backlog.
      const fifo = setup();
      await fifo.start(20, "big");
      await fifo.start(2, "small");
      const head = await store.claim("workflow", fifo.queue, 20, fifo.clock.now());
      expect(await fifo.keyOf(head.tasks.map((x) => x.taskId))).toEqual(Array.from({ length: 20 }, () => "big"));
    });

    it("unkeyed work is the queue's oldest-first share; successive claims rotate through more keys than one visits", async () => {
      const { clock, queue, start, keyOf } = setup();
      await start(3, undefined);
      const keys = Array.from({ length: FAIR_CLAIM_KEYS_MAX + 8 }, (_, i) => `k${String(i).padStart(3, "0")}`);
      for (const key of keys) await start(1, key);
      const first = await store.claim("workflow", queue, 100, clock.now(), { after: "" });
      const firstKeys = await keyOf(first.tasks.map((x) => x.taskId));
      // The plain head (its three unkeyed tasks, then the oldest keyed ones) and the first FAIR_CLAIM_KEYS_MAX keys.
      expect(firstKeys.filter((k) => k === "")).toHaveLength(3);
      expect(first.fairCursor).toBe(keys[FAIR_CLAIM_KEYS_MAX - 1]);
      const second = await store.claim("workflow", queue, 100, clock.now(), { after: first.fairCursor! });
      const all = [...firstKeys, ...(await keyOf(second.tasks.map((x) => x.taskId)))];
      expect(all.filter((k) => k !== "").sort()).toEqual(keys);
      expect(second.fairCursor).toBe("");
    });

    it("the key reaches activity tasks, children and continue-as-new runs; a fair worker drains a mixed queue", async () => {
      const { clock, queue, client, start } = setup();
      await start(5, "tenant-a");
      await start(5, undefined);
      await client.start("parent", { workflowId: `${queue}-parent`, taskQueue: queue, fairnessKey: "tenant-p" });
      await client.start("again", { workflowId: `${queue}-again`, taskQueue: queue, fairnessKey: "tenant-c" });
      // A worker without activities runs the workflow tasks only: the activities they schedule wait, keyed.
      const deciding = new Worker({ store, taskQueue: queue, workflows, clock, logger: silentLogger, fairness: true, claimBatchSize: 3 });
      await deciding.runUntilIdle();
      const waiting = await store.db.query<{ fairness_key: string }>({ text: `SELECT fairness_key FROM ${t.schema}.tasks WHERE kind = 'activity' AND queue = $1 ORDER BY fairness_key`, values: [queue] });
      expect(waiting.map((r) => r.fairness_key)).toEqual(["", "", "", "", "", "tenant-a", "tenant-a", "tenant-a", "tenant-a", "tenant-a", "tenant-c", "tenant-p"]);
      const worker = new Worker({ store, taskQueue: queue, workflows, activities: { noop: async () => "ok" }, clock, logger: silentLogger, fairness: true, claimBatchSize: 3 });
      await worker.runUntilIdle();
      const runs = await store.db.query<{ workflow_id: string; fairness_key: string; status: string }>({
        text: `SELECT workflow_id, fairness_key, status FROM ${t.schema}.runs WHERE task_queue = $1 ORDER BY workflow_id, created_at_ms`,
        values: [queue],
      });
      expect(runs.every((r) => r.status === "completed" || r.status === "continuedAsNew")).toBe(true);
      expect(runs.filter((r) => r.workflow_id.startsWith(`${queue}-parent`)).map((r) => `${r.workflow_id} ${r.fairness_key}`)).toEqual([`${queue}-parent tenant-p`, `${queue}-parent-child tenant-p`]);
      expect(runs.filter((r) => r.workflow_id === `${queue}-again`).map((r) => r.fairness_key)).toEqual(["tenant-c", "tenant-c"]);
      expect(runs.filter((r) => r.workflow_id.includes("-plain-")).every((r) => r.fairness_key === "")).toBe(true);
      expect(runs.filter((r) => r.status === "completed")).toHaveLength(13);
    });

    it("a bad key is refused before anything is written", async () => {
      const { queue, client } = setup();
      for (const fairnessKey of ["", "x".repeat(201), 7]) {
        await expect(client.start("step", { workflowId: `${queue}-bad`, taskQueue: queue, fairnessKey: fairnessKey as string })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { field: "fairnessKey" } });
      }
      expect(await store.getLatestRun(`${queue}-bad`)).toBeNull();
    });
  });
}
