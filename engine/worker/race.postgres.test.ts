/**
 * Races between workers on real concurrent sessions (separate pools, so
 * separate backends): concurrent claims never lease one task twice; two
 * workers racing on one queue never run one task attempt twice, and every
 * activity's result is recorded exactly once; a revived stale worker's
 * completion is rejected; and a transactional step in flight cannot be
 * re-claimed at all. PGlite is one session and cannot show any of this.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { silentLogger } from "../ports/logger.ts";
import type { Store } from "../store/store.ts";
import { postgresUrl, testDatabase, type TestDatabase } from "../testing/databases.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import { transactional, type ActivityContext, type WorkflowContext } from "../workflow/types.ts";
import { Worker } from "./worker.ts";

describe.skipIf(!postgresUrl())("workers racing on PostgreSQL (skipped without DATABASE_URL)", () => {
  let t: TestDatabase;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    t = await testDatabase("postgres", { prefix: "race" });
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await t?.close();
  });

  async function separateStore(): Promise<Store> {
    const { store, close } = await t.openStore();
    closers.push(close);
    return store;
  }

  it("concurrent claims from separate sessions never lease one task twice", async () => {
    const client = new Client({ store: t.store });
    const total = 120;
    for (let i = 0; i < total; i++) await client.start("w", { workflowId: `claim-${i}`, taskQueue: "claim-q" });
    const stores = await Promise.all([1, 2, 3, 4].map(() => separateStore()));
    const nowMs = Date.now();
    const claimed = await Promise.all(
      stores.map(async (s) => {
        const ids: number[] = [];
        for (;;) {
          const batch = await s.claimTasks("workflow", "claim-q", 7, nowMs);
          if (batch.length === 0) return ids;
          ids.push(...batch.map((x) => x.taskId));
        }
      }),
    );
    const all = claimed.flat();
    expect(all).toHaveLength(total);
    expect(new Set(all).size).toBe(total);
    expect(claimed.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
  });

  it("two workers racing on one queue run each task attempt once and record each result once", async () => {
    const queue = "race-q";
    const running = new Set<string>();
    const overlaps: string[] = [];
    const runs = new Map<string, number>();
    const activities = (name: string) => ({
      async step(input: { i: number }, ctx: ActivityContext) {
        const key = `${ctx.idempotencyKey}#${ctx.attempt}`;
        if (running.has(key)) overlaps.push(key);
        running.add(key);
        runs.set(key, (runs.get(key) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 1 + (input.i % 3)));
        running.delete(key);
        return { i: input.i, by: name };
      },
    });
    const workflows = {
      async fan(ctx: WorkflowContext, n: number) {
        const results = await Promise.all(Array.from({ length: n }, (_, i) => ctx.activity<{ i: number; by: string }>("step", { i })));
        return results.map((r) => r.i);
      },
    };
    const workers = await Promise.all(
      ["racer-a", "racer-b"].map(
        async (name) =>
          new Worker({
            store: await separateStore(),
            taskQueue: queue,
            workflows,
            activities: activities(name),
            identity: name,
            maxConcurrentActivities: 8,
            claimBatchSize: 4,
            pollIntervalMs: 50,
            logger: silentLogger,
          }),
      ),
    );
    await Promise.all(workers.map((w) => w.start()));
    const client = new Client({ store: t.store });
    const fanout = 5;
    const handles = await Promise.all(Array.from({ length: 40 }, (_, i) => client.start("fan", { workflowId: `race-${i}`, taskQueue: queue, input: fanout })));
    try {
      for (const h of handles) expect(await h.result({ timeoutMs: 60_000, pollMs: 20 })).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await Promise.all(workers.map((w) => w.shutdown()));
    }
    expect(overlaps).toEqual([]);
    expect(runs.size).toBe(handles.length * fanout);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    // Both workers took part in the race.
    expect(workers.map((w) => w.stats.claimed.activity).every((n) => n > 0)).toBe(true);
    expect(workers.reduce((sum, w) => sum + w.stats.activitiesCompleted, 0)).toBe(handles.length * fanout);
    for (const h of handles) {
      const { events } = await h.history();
      expect(events.map((e) => e.eventId)).toEqual(events.map((_, i) => i + 1));
      const completed = events.filter((e) => e.type === "ActivityCompleted").map((e) => (e.data as { seq: number }).seq);
      expect(completed.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it("a revived stale worker's completion is rejected; the current attempt's result is the one recorded", async () => {
    const queue = "stale-q";
    // The stale worker's clock is frozen, as a paused process sees no time pass; the rescuer's moves on.
    const frozen = new ManualClock();
    const moving = new ManualClock(frozen.now());
    let release!: () => void;
    const latch = new Promise<void>((resolve) => (release = resolve));
    let staleStarted = false;
    const workflows = {
      async once(ctx: WorkflowContext) {
        return ctx.activity("work", null, { startToCloseTimeoutMs: 5_000, retry: { initialIntervalMs: 1_000 } });
      },
    };
    const stale = new Worker({
      store: await separateStore(),
      taskQueue: queue,
      workflows,
      activities: {
        async work() {
          staleStarted = true;
          await latch;
          return "stale result";
        },
      },
      clock: frozen,
      identity: "stale",
      logger: silentLogger,
    });
    const rescuer = new Worker({
      store: await separateStore(),
      taskQueue: queue,
      workflows,
      activities: { work: async (_: unknown, ctx: ActivityContext) => `fresh result from attempt ${ctx.attempt}` },
      clock: moving,
      identity: "rescuer",
      logger: silentLogger,
    });
    const client = new Client({ store: t.store, clock: frozen });
    const handle = await client.start("once", { workflowId: "stale-1", taskQueue: queue });
    const staleRun = stale.runUntilIdle();
    while (!staleStarted) await new Promise((r) => setTimeout(r, 5));
    moving.advance(5_000 + 1_000); // lease + backoff before attempt 2
    await rescuer.runUntilIdle();
    release();
    await staleRun;
    expect(stale.stats.leasesLost).toBe(1);
    expect(stale.stats.activitiesCompleted).toBe(0);
    expect(await handle.result()).toBe("fresh result from attempt 2");
    const completed = (await handle.history()).events.filter((e) => e.type === "ActivityCompleted");
    expect(completed.map((e) => e.data)).toEqual([{ seq: 1, attempt: 2, result: "fresh result from attempt 2" }]);
  });

  it("a transactional step in flight holds its task: no one can claim it until it commits, and it commits once", async () => {
    const queue = "txn-q";
    const table = `"${t.schema}".payments`;
    await t.db.query({ text: `CREATE TABLE ${table} (key text PRIMARY KEY, by text NOT NULL)`, values: [] });
    const frozen = new ManualClock();
    const moving = new ManualClock(frozen.now());
    let release!: () => void;
    const latch = new Promise<void>((resolve) => (release = resolve));
    let inside = false;
    const workflows = { async pay(ctx: WorkflowContext) { return ctx.activity("record", null, { startToCloseTimeoutMs: 5_000, retry: { initialIntervalMs: 1 } }); } };
    const pay = (by: string, wait: boolean) =>
      transactional(async (tx, _input: null, ctx) => {
        await tx.query({ text: `INSERT INTO ${table} (key, by) VALUES ($1, $2)`, values: [ctx.idempotencyKey, by] });
        inside = true;
        if (wait) await latch;
        return by;
      });
    const slow = new Worker({ store: await separateStore(), taskQueue: queue, workflows, activities: { record: pay("slow", true) }, clock: frozen, logger: silentLogger });
    const other = new Worker({ store: await separateStore(), taskQueue: queue, workflows, activities: { record: pay("other", false) }, clock: moving, logger: silentLogger });
    const handle = await new Client({ store: t.store, clock: frozen }).start("pay", { workflowId: "txn-1", taskQueue: queue });
    const slowRun = slow.runUntilIdle();
    while (!inside) await new Promise((r) => setTimeout(r, 5));
    moving.advance(10_000); // long past the lease: the row would be claimable, but it is locked by the open transaction
    expect(await other.store.claimTasks("activity", queue, 10, moving.now())).toEqual([]);
    release();
    await slowRun;
    expect(await other.store.claimTasks("activity", queue, 10, moving.now())).toEqual([]);
    expect(await handle.result()).toBe("slow");
    expect(await t.db.query({ text: `SELECT by FROM ${table}`, values: [] })).toEqual([{ by: "slow" }]);
  });
});
