/**
 * History partitions and retention, on PGlite and (with DATABASE_URL)
 * PostgreSQL: the migration keeps a populated history readable; windows
 * are created around now and ahead, rows the default partition holds move
 * into them, and creating them twice (or from two sessions at once) creates
 * each once; retention drops only windows whose runs all closed before the
 * cutoff, with those runs, holds back a window with a running, recently
 * closed or unfinished run (saying why), and leaves the other runs' reads
 * intact; a removed run reads as WORKFLOW_NOT_FOUND.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import { WorkflowNotFoundError } from "../errors.ts";
import type { HistoryEvent } from "../history/events.ts";
import { uuidV7 } from "../ports/random.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import { postgresUrl, testDatabase, type TestDatabase } from "../testing/databases.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import { HistoryPartitions, gaps, partitionName, runIdMs, type HistoryPartition } from "./history-partitions.ts";
import { migrate, SCHEMA_VERSION } from "./migrate.ts";
import { runIdAtMs, Store } from "./store.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 10);
/** The migration that partitions history (0007_history_partitions). */
const PARTITIONING_MIGRATION = 7;

describe("history windows (pure)", () => {
  it("gaps are the parts of a window no partition covers", () => {
    expect(gaps([0, 10], [])).toEqual([[0, 10]]);
    expect(gaps([0, 10], [[3, 5], [8, 20]])).toEqual([[0, 3], [5, 8]]);
    expect(gaps([0, 10], [[-5, 4], [4, 10]])).toEqual([]);
  });
  it("partition names say where the window starts, in UTC", () => {
    expect(partitionName(T0)).toBe("history_20260110_000000");
    expect(partitionName(T0 + 1234)).toBe("history_20260110_000001_234");
    expect(runIdMs(runIdAtMs(T0 + 7))).toBe(T0 + 7);
  });
});

function historyPartitions(kind: "postgres" | "pglite"): void {
  describe(`history partitions and retention on ${kind}`, () => {
    let t: TestDatabase;
    const random = new SeededRandom(`partitions-${kind}`);
    let n = 0;

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "part" });
    });
    afterAll(async () => {
      await t?.close();
    });

    /** A run created at `createdMs` (its run id's time), closed at `closedMs` (terminated) unless null. */
    async function run(store: Store, createdMs: number, closedMs: number | null): Promise<{ workflowId: string; runId: string }> {
      const workflowId = `wf-${++n}`;
      const runId = uuidV7(createdMs, random);
      await store.startWorkflow({ runId, workflowId, workflowType: "wf", taskQueue: "q", inputJson: `{"n":${n}}`, randomSeed: "s", nowMs: createdMs, idConflictPolicy: "fail" });
      if (closedMs !== null) await store.terminateWorkflow(workflowId, "done", closedMs);
      return { workflowId, runId };
    }

    /** A fresh schema of its own (the shared one's partitions would leak between tests). */
    async function freshSchema(name: string, toVersion = SCHEMA_VERSION()): Promise<{ schema: string; store: Store; partitions: HistoryPartitions; drop(): Promise<void> }> {
      const schema = `${t.schema.slice(0, 30)}_${name}`;
      await migrate(t.db, schema, { toVersion });
      return {
        schema,
        store: new Store(t.db, { schema }),
        partitions: new HistoryPartitions(t.db, schema),
        drop: async () => void (await t.db.query({ text: `DROP SCHEMA "${schema}" CASCADE`, values: [] })),
      };
    }

    const names = (ps: HistoryPartition[]) => ps.map((p) => p.name);

    /**
     * Like run(), but written as the schema stood before the partitioning migration, in plain SQL:
     * today's Store writes columns later migrations add.
     */
    async function runBefore(schema: string, createdMs: number, closedMs: number | null): Promise<{ workflowId: string; runId: string }> {
      const workflowId = `wf-${++n}`;
      const runId = uuidV7(createdMs, random);
      await t.db.query({
        text: `INSERT INTO "${schema}".runs (run_id, workflow_id, workflow_type, task_queue, status, next_event_id, created_at_ms, updated_at_ms, closed_at_ms)
               VALUES ($1, $2, 'wf', 'q', $3, $4, $5, $5, $6)`,
        values: [runId, workflowId, closedMs === null ? "running" : "terminated", closedMs === null ? 2 : 3, createdMs, closedMs],
      });
      await t.db.query({
        text: `INSERT INTO "${schema}".history (run_id, event_id, type, at_ms, data) VALUES ($1, 1, 'WorkflowStarted', $2, $3::json)`,
        values: [runId, createdMs, JSON.stringify({ workflowId, workflowType: "wf", taskQueue: "q", randomSeed: "s", input: { n } })],
      });
      if (closedMs !== null) {
        await t.db.query({ text: `INSERT INTO "${schema}".history (run_id, event_id, type, at_ms, data) VALUES ($1, 2, 'WorkflowTerminated', $2, '{"reason":"done"}')`, values: [runId, closedMs] });
      }
      return { workflowId, runId };
    }

    it("the migration keeps a populated history: the old table becomes the partition of every run id up to just above its newest", async () => {
      const { store, partitions, drop } = await freshSchema("mig", PARTITIONING_MIGRATION - 1);
      try {
        const runs = [await runBefore(store.schema, T0 - 3 * DAY, T0 - 2 * DAY), await runBefore(store.schema, T0 - DAY, null), await runBefore(store.schema, T0, T0 + HOUR)];
        const before = await Promise.all(runs.map((r) => store.readHistory(r.runId)));
        expect(before.map((h) => h.length)).toEqual([2, 1, 2]);
        expect(await migrate(t.db, store.schema)).toEqual(Array.from({ length: SCHEMA_VERSION() - PARTITIONING_MIGRATION + 1 }, (_, i) => PARTITIONING_MIGRATION + i));
        const newest = runs[2]!.runId;
        expect(await partitions.list()).toEqual([{ name: "history_migrated", fromRunId: null, toRunId: runIdAtMs(runIdMs(newest) + 1) }]);
        expect(await Promise.all(runs.map((r) => store.readHistory(r.runId)))).toEqual(before);
        // The running run goes on: its next event lands beside the others.
        await store.signalWorkflow(runs[1]!.workflowId, "go", "1", T0 + 2 * HOUR);
        expect((await store.readHistory(runs[1]!.runId)).map((e: HistoryEvent) => e.type)).toEqual(["WorkflowStarted", "SignalReceived"]);
        // The first windows begin where the migrated partition ends.
        const made = await partitions.ensure({ nowMs: T0 + 2 * HOUR, windowMs: DAY, aheadWindows: 1 });
        expect(made.created.map((c) => [c.fromMs, c.toMs])).toEqual([
          [runIdMs(newest) + 1, T0 + DAY],
          [T0 + DAY, T0 + 2 * DAY],
        ]);
      } finally {
        await drop();
      }
    });

    it("a new schema has only the default partition; ensure creates the current window and those ahead, moving the default's rows into them, once", async () => {
      const { store, partitions, drop } = await freshSchema("ens");
      try {
        expect(await partitions.list()).toEqual([]);
        const early = await run(store, T0 + HOUR, T0 + 2 * HOUR); // before any window exists: in the default partition
        const old = await run(store, T0 - 40 * DAY, T0 - 39 * DAY);
        const made = await partitions.ensure({ nowMs: T0 + 3 * HOUR, windowMs: DAY, aheadWindows: 2 });
        expect(made).toEqual({
          more: false,
          created: [
            { partition: partitionName(T0 - 40 * DAY), fromMs: T0 - 40 * DAY, toMs: T0 - 39 * DAY, movedRows: 2 },
            { partition: partitionName(T0), fromMs: T0, toMs: T0 + DAY, movedRows: 2 },
            { partition: partitionName(T0 + DAY), fromMs: T0 + DAY, toMs: T0 + 2 * DAY, movedRows: 0 },
            { partition: partitionName(T0 + 2 * DAY), fromMs: T0 + 2 * DAY, toMs: T0 + 3 * DAY, movedRows: 0 },
          ],
        });
        expect(await partitions.ensure({ nowMs: T0 + 3 * HOUR, windowMs: DAY, aheadWindows: 2 })).toEqual({ created: [], more: false });
        // A different window size fills only the gaps: the hour before day 3 is in a day's window already.
        const hours = await partitions.ensure({ nowMs: T0 + 3 * DAY - HOUR, windowMs: HOUR, aheadWindows: 1 });
        expect(hours.created.map((c) => [c.fromMs - T0, c.toMs - T0])).toEqual([[3 * DAY, 3 * DAY + HOUR]]);
        expect((await store.readHistory(early.runId)).length).toBe(2);
        expect((await store.readHistory(old.runId)).length).toBe(2);
      } finally {
        await drop();
      }
    });

    it("retention drops the windows whose runs all closed before the cutoff, with their runs; an open or recently closed run holds its window", async () => {
      const { store, partitions, drop } = await freshSchema("ret");
      const clock = new ManualClock(T0 + 33 * DAY);
      const client = new Client({ store, clock });
      try {
        await partitions.ensure({ nowMs: T0, windowMs: DAY, aheadWindows: 5 }); // windows T0 .. T0+6d
        const gone = [await run(store, T0 + HOUR, T0 + 2 * HOUR), await run(store, T0 + 5 * HOUR, T0 + DAY)]; // day 0: closed long ago
        const open = await run(store, T0 + DAY + HOUR, null); // day 1: still running
        const late = [await run(store, T0 + 2 * DAY, T0 + 2 * DAY + HOUR), await run(store, T0 + 2 * DAY + 2 * HOUR, T0 + 3 * DAY + HOUR)]; // day 2: one closed after the cutoff
        const kept = await run(store, T0 + 5 * DAY, T0 + 5 * DAY + HOUR); // day 5: its window is newer than the cutoff
        // A schedule's task carries a run id of its own, in day 0, that no run has: it does not hold the window.
        const scheduleTaskRunId = uuidV7(T0 + 3 * HOUR, random);
        await t.db.query({
          text: `INSERT INTO "${store.schema}".tasks (kind, queue, run_id, seq, visible_at_ms, lease_ms, scheduled_at_ms) VALUES ('timer', 'q', $1, 0, $2, 1000, $2)`,
          values: [scheduleTaskRunId, T0 + 40 * DAY],
        });
        const history = async () => Promise.all([open, ...late, kept].map((r) => store.readHistory(r.runId)));
        const before = await history();

        // 30 days before day 33: windows ending by day 3 are old enough.
        const dry = await client.retainHistory({ olderThanMs: 30 * DAY, dryRun: true });
        expect(dry).toMatchObject({ dryRun: true, runsRemoved: 2, dropped: [{ partition: partitionName(T0), runs: 2 }] });
        expect((await client.describe(gone[0]!.workflowId)).status).toBe("terminated");

        const report = await client.retainHistory({ olderThanMs: 30 * DAY });
        expect(report).toEqual({
          cutoffMs: T0 + 3 * DAY,
          dryRun: false,
          dropped: [{ partition: partitionName(T0), fromMs: T0, toMs: T0 + DAY, runs: 2 }],
          heldBack: [
            { partition: partitionName(T0 + DAY), fromMs: T0 + DAY, toMs: T0 + 2 * DAY, runs: 1, runningRuns: 1, recentlyClosedRuns: 0, pendingTasks: 1, reasons: ["runningRuns", "pendingTasks"] },
            { partition: partitionName(T0 + 2 * DAY), fromMs: T0 + 2 * DAY, toMs: T0 + 3 * DAY, runs: 2, runningRuns: 0, recentlyClosedRuns: 1, pendingTasks: 0, reasons: ["recentlyClosedRuns"] },
          ],
          runsRemoved: 2,
          partitionsNewer: 3,
          defaultPartitionRows: 0,
        });
        expect(names(await partitions.list())).not.toContain(partitionName(T0));
        for (const r of gone) {
          await expect(client.describe(r.workflowId)).rejects.toThrow(WorkflowNotFoundError);
          await expect(client.history(r.workflowId, r.runId)).rejects.toMatchObject({ code: "WORKFLOW_NOT_FOUND" });
          expect(await store.readHistory(r.runId)).toEqual([]);
        }
        expect(await history()).toEqual(before);
        expect((await store.listRunTasks(scheduleTaskRunId)).length).toBe(1);
        expect((await client.describe(open.workflowId)).status).toBe("running");
        expect(await client.retainHistory({ olderThanMs: 30 * DAY })).toMatchObject({ dropped: [], runsRemoved: 0 });
      } finally {
        await drop();
      }
    });

    if (kind === "postgres") {
      it("two sessions creating the same windows at once create each once", async () => {
        const { schema, partitions, drop } = await freshSchema("race");
        const other = await t.openStore();
        try {
          const theirs = new HistoryPartitions(other.store.db, schema);
          const both = await Promise.all([partitions.ensure({ nowMs: T0, windowMs: HOUR, aheadWindows: 20 }), theirs.ensure({ nowMs: T0, windowMs: HOUR, aheadWindows: 20 })]);
          expect(both.flatMap((r) => r.created).length).toBe(21);
          expect((await partitions.list()).length).toBe(21);
        } finally {
          await other.close();
          await drop();
        }
      });

      it("runs started while their window is created are never refused (no insert routed by a partition list the creation made stale)", async () => {
        const { store, partitions, drop } = await freshSchema("routing");
        const failures: string[] = [];
        let started = 0;
        let creating = true;
        // Four sessions start runs of the window being created, before, during and after its creation.
        const starters = Array.from({ length: 4 }, async () => {
          while (creating) {
            const at = T0 + 1 + (started % 1_000);
            await run(store, at, null).then(
              () => void (started += 1),
              (err: Error) => void failures.push(err.message),
            );
          }
        });
        try {
          for (let round = 0; round < 5; round++) {
            const target = started + 20;
            while (started < target && failures.length === 0) await new Promise((resolve) => setImmediate(resolve));
            // Windows of an hour, one round at a time: each creates the hour the starts fall in (round 0),
            // then hours ahead, with inserts into the table running throughout.
            await partitions.ensure({ nowMs: T0 + round * 20 * HOUR, windowMs: HOUR, aheadWindows: 2 });
          }
        } finally {
          creating = false;
          await Promise.all(starters);
        }
        expect(failures).toEqual([]);
        expect(started).toBeGreaterThan(100);
        expect((await partitions.list()).length).toBeGreaterThanOrEqual(3);
        await drop();
      });
    }
  });
}

historyPartitions("pglite");
if (postgresUrl()) historyPartitions("postgres");
