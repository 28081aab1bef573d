/**
 * The Store contract, run against every backend (PGlite always; PostgreSQL
 * when DATABASE_URL is set): starting runs, claiming with leases and fencing
 * tokens, recording results exactly once, timers, retries, heartbeats,
 * closing, and the shape of the history every transition leaves behind.
 *
 * Time is passed explicitly (the store never reads a clock), so these tests
 * move it by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApplicationFailure, LeaseLostError, toFailureInfo, WorkflowAlreadyRunningError, type FailureInfo } from "../errors.ts";
import type { HistoryEvent } from "../history/events.ts";
import { HISTORY_EVENTS_MAX } from "../limits.ts";
import { testDatabase, type TestDatabase } from "../testing/databases.ts";
import type { Command } from "../workflow/commands.ts";
import { resolveActivityOptions, type ActivityOptions } from "../workflow/options.ts";
import { assertMigrated, migrate, schemaVersion, SCHEMA_VERSION } from "./migrate.ts";
import type { ClaimedTask, InlineStep, Store } from "./store.ts";

const T0 = Date.UTC(2026, 0, 1);
const QUEUE = "conformance";

export function storeConformance(kind: "pglite" | "postgres"): void {
  describe(`Store conformance on ${kind}`, () => {
    let t: TestDatabase;
    let store: Store;
    let n = 0;

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "conf" });
      store = t.store;
    });
    afterAll(async () => {
      await t?.close();
    });

    const nextId = () => `wf-${++n}`;
    let runCounter = 0;
    const runId = () => `00000000-0000-7000-8000-${String(++runCounter).padStart(12, "0")}`;

    async function start(workflowId = nextId(), nowMs = T0): Promise<{ workflowId: string; runId: string }> {
      const id = runId();
      await store.startWorkflow({ runId: id, workflowId, workflowType: "wf", taskQueue: QUEUE, inputJson: '{"x":1}', randomSeed: "seed", nowMs, idConflictPolicy: "fail" });
      return { workflowId, runId: id };
    }

    async function claimOne(kind: "workflow" | "activity" | "timer", nowMs: number, runIdFilter?: string): Promise<ClaimedTask> {
      const tasks = await store.claimTasks(kind, QUEUE, 100, nowMs);
      const task = runIdFilter ? tasks.find((x) => x.runId === runIdFilter) : tasks[0];
      expect(task, `a ${kind} task visible at ${nowMs - T0} ms`).toBeDefined();
      return task!;
    }

    function schedule(seq: number, activityType = "act", options: ActivityOptions = {}): Command {
      return { type: "ScheduleActivity", seq, activityType, inputJson: `{"n":${seq}}`, options: resolveActivityOptions(options, QUEUE) };
    }

    async function decide(task: ClaimedTask, commands: Command[], nowMs: number) {
      const run = (await store.getRun(task.runId))!;
      const history = await store.readHistory(task.runId);
      return store.completeWorkflowTask({
        taskId: task.taskId,
        leaseToken: task.leaseToken,
        runId: task.runId,
        expectedVersion: run.version,
        processedUpTo: history.length,
        commands,
        nowMs,
        workerId: "conformance",
      });
    }

    function types(history: HistoryEvent[]): string[] {
      return history.map((e) => e.type);
    }

    function expectContiguous(history: HistoryEvent[]) {
      expect(history.map((e) => e.eventId)).toEqual(history.map((_, i) => i + 1));
    }

    it("migrations are idempotent and versioned; a missing schema is reported, a tampered one refused", async () => {
      expect(await schemaVersion(t.db, t.schema)).toBe(SCHEMA_VERSION());
      expect(await migrate(t.db, t.schema)).toEqual([]);
      await expect(assertMigrated(t.db, `${t.schema}_absent`)).rejects.toMatchObject({ code: "SCHEMA_NOT_MIGRATED" });
      const other = `${t.schema}_tamper`;
      await migrate(t.db, other);
      await t.db.query({ text: `UPDATE "${other}".migrations SET checksum = 'edited' WHERE version = 1`, values: [] });
      await expect(migrate(t.db, other)).rejects.toMatchObject({ code: "MIGRATION_CHECKSUM_MISMATCH" });
      await t.db.query({ text: `DROP SCHEMA "${other}" CASCADE`, values: [] });
    });

    it("startWorkflow writes the run, WorkflowStarted and one workflow task in one go", async () => {
      const { runId } = await start();
      const run = await store.getRun(runId);
      expect(run).toMatchObject({ status: "running", workflowType: "wf", taskQueue: QUEUE, nextEventId: 2, version: 0 });
      const history = await store.readHistory(runId);
      expect(types(history)).toEqual(["WorkflowStarted"]);
      expect(history[0]!.data).toMatchObject({ workflowType: "wf", input: { x: 1 }, randomSeed: "seed" });
      const tasks = await store.listRunTasks(runId);
      expect(tasks.map((x) => x.kind)).toEqual(["workflow"]);
    });

    it("never two running runs for one workflow id: fail or use the existing run, writing nothing", async () => {
      const first = await start();
      await expect(start(first.workflowId)).rejects.toBeInstanceOf(WorkflowAlreadyRunningError);
      await expect(start(first.workflowId)).rejects.toMatchObject({ code: "WORKFLOW_ALREADY_RUNNING", details: { runId: first.runId } });
      const again = await store.startWorkflow({
        runId: runId(),
        workflowId: first.workflowId,
        workflowType: "wf",
        taskQueue: QUEUE,
        inputJson: "null",
        randomSeed: "s",
        nowMs: T0,
        idConflictPolicy: "useExisting",
      });
      expect(again).toEqual({ runId: first.runId, created: false });
      expect((await store.getLatestRun(first.workflowId))!.runId).toBe(first.runId);
      expect(await store.readHistory(first.runId)).toHaveLength(1);
    });

    it("a bulk start writes every run, event and workflow task in one go, and starts no id twice", async () => {
      const running = await start();
      const fresh = [nextId(), nextId()];
      const params = [...fresh, running.workflowId, fresh[0]!].map((workflowId) => ({
        runId: runId(),
        workflowId,
        workflowType: "wf",
        taskQueue: QUEUE,
        inputJson: `{"id":${JSON.stringify(workflowId)}}`,
        randomSeed: "s",
      }));
      const results = await store.startWorkflows(params, T0);
      expect(results.map((r) => r.created)).toEqual([true, true, false, false]);
      expect(results[2]!.runId).toBe(running.runId);
      expect(results[3]!.runId).toBe(results[0]!.runId);
      for (const r of results.slice(0, 2)) {
        const history = await store.readHistory(r.runId);
        expect(history).toMatchObject([{ eventId: 1, type: "WorkflowStarted", data: { workflowId: r.workflowId, input: { id: r.workflowId } } }]);
        expect((await store.listRunTasks(r.runId)).map((x) => x.kind)).toEqual(["workflow"]);
        expect(await store.getRun(r.runId)).toMatchObject({ status: "running", nextEventId: 2 });
      }
      expect(await store.readHistory(running.runId)).toHaveLength(1);
      expect(await store.startWorkflows([], T0)).toEqual([]);
    });

    it("ids with quotes, backslashes, commas, braces and the word NULL round-trip through batch lookups", async () => {
      const awkward = ['wf "quoted"', "wf\\back\\slash", "a,b", "{braces}", "NULL", " spaced ", "é ünïcode"];
      const first = await Promise.all(awkward.map((workflowId) => start(workflowId)));
      const again = await store.startWorkflows(
        awkward.map((workflowId) => ({ runId: runId(), workflowId, workflowType: "wf", taskQueue: QUEUE, inputJson: "null", randomSeed: "s" })),
        T0,
      );
      expect(again.map((r) => r.created)).toEqual(awkward.map(() => false));
      expect(again.map((r) => r.runId)).toEqual(first.map((r) => r.runId));
    });

    it("concurrent starts of one id yield exactly one run", async () => {
      const workflowId = nextId();
      const attempts = await Promise.allSettled(Array.from({ length: 6 }, () => start(workflowId)));
      expect(attempts.filter((a) => a.status === "fulfilled")).toHaveLength(1);
      for (const a of attempts) if (a.status === "rejected") expect(a.reason).toMatchObject({ code: "WORKFLOW_ALREADY_RUNNING" });
    });

    it("a claim leases a task: token and attempt bump, it hides until the lease expires, and is re-claimable after", async () => {
      const { runId } = await start(nextId(), T0);
      const first = await claimOne("workflow", T0, runId);
      expect(first).toMatchObject({ attempt: 1, leaseToken: 1, leaseExpiresAtMs: T0 + store.workflowTaskTimeoutMs });
      expect((await store.claimTasks("workflow", QUEUE, 100, T0 + 1)).some((x) => x.runId === runId)).toBe(false);
      const second = await claimOne("workflow", T0 + store.workflowTaskTimeoutMs, runId);
      expect(second).toMatchObject({ attempt: 2, leaseToken: 2 });
    });

    it("claims respect the batch limit, oldest first, and only visible tasks", async () => {
      const base = T0 + 10_000_000;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await start(nextId(), base + i)).runId);
      const early = await store.claimTasks("workflow", QUEUE, 100, base + 1);
      expect(early.map((x) => x.runId)).toEqual(expect.arrayContaining([ids[0], ids[1]]));
      expect(early.map((x) => x.runId)).not.toContain(ids[2]);
      const batch = await store.claimTasks("workflow", QUEUE, 2, base + 10);
      expect(batch.map((x) => x.runId)).toEqual([ids[2], ids[3]]);
    });

    it("a workflow task's decisions append contiguous events and write tasks; a stale token changes nothing", async () => {
      const { runId } = await start(nextId(), T0);
      const task = await claimOne("workflow", T0, runId);
      const stale = { ...task, leaseToken: task.leaseToken - 1 };
      await expect(decide(stale, [schedule(1)], T0)).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store.readHistory(runId)).toHaveLength(1);
      expect(await decide(task, [schedule(1), schedule(2, "other", { taskQueue: "elsewhere" })], T0)).toBe("ok");
      const history = await store.readHistory(runId);
      expectContiguous(history);
      expect(types(history)).toEqual(["WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled", "ActivityScheduled"]);
      expect(history[1]!.data).toMatchObject({ processedUpTo: 1 });
      const tasks = await store.listRunTasks(runId);
      expect(tasks.map((x) => [x.kind, x.queue, x.seq])).toEqual([
        ["activity", QUEUE, 1],
        ["activity", "elsewhere", 2],
      ]);
      expect((await store.getRun(runId))!.version).toBe(1);
      // The same task cannot complete twice.
      await expect(decide(task, [], T0)).rejects.toBeInstanceOf(LeaseLostError);
    });

    it("an activity result is recorded once: only the current lease token may complete it", async () => {
      const { runId } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, runId), [schedule(1, "act", { startToCloseTimeoutMs: 1_000, retry: { initialIntervalMs: 500 } })], T0);
      const a1 = await claimOne("activity", T0, runId);
      expect(a1).toMatchObject({ attempt: 1, seq: 1, spec: { activityType: "act", input: { n: 1 } } });
      // The lease (1 s) plus the backoff before attempt 2 (500 ms) must pass before anyone else may claim it.
      expect((await store.claimTasks("activity", QUEUE, 100, T0 + 1_499)).some((x) => x.runId === runId)).toBe(false);
      const a2 = await claimOne("activity", T0 + 1_500, runId);
      expect(a2).toMatchObject({ attempt: 2, leaseToken: a1.leaseToken + 1 });
      const ref = (c: ClaimedTask) => ({ taskId: c.taskId, queue: c.queue, leaseToken: c.leaseToken, runId, seq: c.seq, attempt: c.attempt, nowMs: T0 + 1_600 });
      await expect(store.completeActivityTask(ref(a1), '"from attempt 1"')).rejects.toMatchObject({ code: "LEASE_LOST" });
      await store.completeActivityTask(ref(a2), '"from attempt 2"');
      await expect(store.completeActivityTask(ref(a2), '"again"')).rejects.toMatchObject({ code: "LEASE_LOST" });
      const completed = (await store.readHistory(runId)).filter((e) => e.type === "ActivityCompleted");
      expect(completed.map((e) => e.data)).toEqual([{ seq: 1, attempt: 2, result: "from attempt 2" }]);
      expect((await store.listRunTasks(runId)).map((x) => x.kind)).toEqual(["workflow"]);
    });

    it("a batch of results commits together, each fenced by its own token", async () => {
      const a = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, a.runId), [schedule(1), schedule(2)], T0);
      const b = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, b.runId), [schedule(1)], T0);
      const claimed = (await store.claimTasks("activity", QUEUE, 100, T0)).filter((x) => x.runId === a.runId || x.runId === b.runId);
      expect(claimed).toHaveLength(3);
      const item = (c: ClaimedTask, token = c.leaseToken) => ({ taskId: c.taskId, queue: QUEUE, leaseToken: token, runId: c.runId, seq: c.seq, attempt: c.attempt, nowMs: T0, resultJson: `"r${c.seq}"` });
      const [a1, a2, b1] = [claimed.find((c) => c.runId === a.runId && c.seq === 1)!, claimed.find((c) => c.runId === a.runId && c.seq === 2)!, claimed.find((c) => c.runId === b.runId)!];
      const outcome = await store.completeActivityTasks([item(a1), item(b1, b1.leaseToken + 5), item(a2)], T0 + 1);
      expect(outcome).toEqual(["ok", "stale", "ok"]);
      const historyA = await store.readHistory(a.runId);
      expectContiguous(historyA);
      expect(historyA.filter((e) => e.type === "ActivityCompleted").map((e) => e.data)).toEqual([
        { seq: 1, attempt: 1, result: "r1" },
        { seq: 2, attempt: 1, result: "r2" },
      ]);
      expect((await store.readHistory(b.runId)).filter((e) => e.type === "ActivityCompleted")).toEqual([]);
      expect((await store.listRunTasks(a.runId)).map((x) => x.kind)).toEqual(["workflow"]);
      expect((await store.listRunTasks(b.runId)).map((x) => x.kind)).toEqual(["activity"]);
      // Done once: the same batch again is all stale.
      expect(await store.completeActivityTasks([item(a1), item(a2)], T0 + 2)).toEqual(["stale", "stale"]);
      expect(await store.completeActivityTasks([], T0)).toEqual([]);
    });

    it("events that land while a workflow task runs keep it pending for the next activation", async () => {
      const { runId } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, runId), [schedule(1), schedule(2)], T0);
      const [a, b] = (await store.claimTasks("activity", QUEUE, 100, T0)).filter((x) => x.runId === runId);
      const ref = (c: ClaimedTask) => ({ taskId: c.taskId, queue: c.queue, leaseToken: c.leaseToken, runId, seq: c.seq, attempt: c.attempt, nowMs: T0 });
      await store.completeActivityTask(ref(a!), "1");
      const wft = await claimOne("workflow", T0, runId);
      const run = (await store.getRun(runId))!;
      const seen = (await store.readHistory(runId)).length;
      await store.completeActivityTask(ref(b!), "2"); // lands after the task loaded the history
      await store.completeWorkflowTask({ taskId: wft.taskId, leaseToken: wft.leaseToken, runId, expectedVersion: run.version, processedUpTo: seen, commands: [], nowMs: T0, workerId: "w" });
      const next = await claimOne("workflow", T0, runId);
      expect(next.taskId).toBe(wft.taskId);
      const history = await store.readHistory(runId);
      expectContiguous(history);
      const last = history.filter((e) => e.type === "WorkflowTaskCompleted").at(-1)!;
      expect(last.data).toMatchObject({ processedUpTo: seen });
      expect(history.findIndex((e) => e.type === "ActivityCompleted" && e.data.seq === 2) + 1).toBeGreaterThan(seen);
    });

    it("a batch of workflow-task decisions commits together; each is fenced on its own", async () => {
      const runs: Array<{ workflowId: string; runId: string }> = [];
      for (let i = 0; i < 4; i++) runs.push(await start(nextId(), T0));
      const tasks = (await store.claimTasks("workflow", QUEUE, 100, T0)).filter((t) => runs.some((r) => r.runId === t.runId));
      expect(tasks).toHaveLength(4);
      const byRun = (i: number) => tasks.find((t) => t.runId === runs[i]!.runId)!;
      const completion = (i: number, commands: Command[], overrides: Partial<{ leaseToken: number; expectedVersion: number }> = {}) => ({
        taskId: byRun(i).taskId,
        leaseToken: overrides.leaseToken ?? byRun(i).leaseToken,
        runId: runs[i]!.runId,
        expectedVersion: overrides.expectedVersion ?? 0,
        processedUpTo: 1,
        commands,
        nowMs: T0,
        workerId: "batch",
      });
      const outcomes = await store.completeWorkflowTasks([
        completion(0, [schedule(1), { type: "StartTimer", seq: 2, durationMs: 10 }]),
        completion(1, [{ type: "CompleteWorkflow", resultJson: "42" }]),
        completion(2, [schedule(1)], { leaseToken: 99 }),
        completion(3, [schedule(1)], { expectedVersion: 5 }),
      ]);
      expect(outcomes).toEqual(["ok", "ok", "stale", "stale"]);
      expect(types(await store.readHistory(runs[0]!.runId))).toEqual(["WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled", "TimerStarted"]);
      expect((await store.listRunTasks(runs[0]!.runId)).map((t) => [t.kind, t.seq])).toEqual([
        ["activity", 1],
        ["timer", 2],
      ]);
      expect(await store.getRun(runs[1]!.runId)).toMatchObject({ status: "completed", version: 1 });
      expect((await store.readHistory(runs[1]!.runId)).at(-1)).toMatchObject({ type: "WorkflowCompleted", data: { result: 42 } });
      expect(await store.listRunTasks(runs[1]!.runId)).toEqual([]);
      for (const i of [2, 3]) {
        expect(await store.readHistory(runs[i]!.runId)).toHaveLength(1);
        expect(await store.getRun(runs[i]!.runId)).toMatchObject({ status: "running", version: 0 });
      }
      // A stale version (the run moved on under a lease still held) hands the task back at once;
      // a stale token (someone else's lease) leaves it to its owner.
      const again = (await store.claimTasks("workflow", QUEUE, 100, T0 + 1)).filter((t) => runs.some((r) => r.runId === t.runId));
      expect(again.map((t) => t.runId)).toEqual([runs[3]!.runId]);
    });

    it("a workflow task whose run version moved on is rejected", async () => {
      const { runId } = await start(nextId(), T0);
      const task = await claimOne("workflow", T0, runId);
      await expect(
        store.completeWorkflowTask({ taskId: task.taskId, leaseToken: task.leaseToken, runId, expectedVersion: 7, processedUpTo: 1, commands: [], nowMs: T0, workerId: "w" }),
      ).rejects.toBeInstanceOf(LeaseLostError);
    });

    it("durable timers: invisible until due, fired once under a lease", async () => {
      const { runId } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, runId), [{ type: "StartTimer", seq: 1, durationMs: 60_000 }], T0);
      expect((await store.claimTasks("timer", QUEUE, 100, T0 + 59_999)).some((x) => x.runId === runId)).toBe(false);
      expect(await store.nextVisibleAt("timer", QUEUE, T0)).toBeLessThanOrEqual(T0 + 60_000);
      // A claim that finds nothing due says when something will be.
      const idle = await store.claim("timer", QUEUE, 10, T0 + 59_999);
      expect(idle.tasks.filter((x) => x.runId === runId)).toEqual([]);
      expect(idle.nextVisibleAtMs).toBeGreaterThan(T0 + 59_999);
      expect(idle.nextVisibleAtMs).toBeLessThanOrEqual(T0 + 60_000);
      const timer = await claimOne("timer", T0 + 60_000, runId);
      await store.fireTimer(timer.taskId, timer.leaseToken, runId, timer.seq, T0 + 60_000);
      await expect(store.fireTimer(timer.taskId, timer.leaseToken, runId, timer.seq, T0 + 60_000)).rejects.toBeInstanceOf(LeaseLostError);
      const history = await store.readHistory(runId);
      expect(types(history).slice(-1)).toEqual(["TimerFired"]);
      expect(history.find((e) => e.type === "TimerStarted")!.data).toMatchObject({ seq: 1, durationMs: 60_000, fireAtMs: T0 + 60_000 });
    });

    it("retries hide the task until due and keep the failure; heartbeats extend the lease and keep details", async () => {
      const { runId } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, runId), [schedule(1, "act", { startToCloseTimeoutMs: 10_000, heartbeatTimeoutMs: 1_000 })], T0);
      const a = await claimOne("activity", T0, runId);
      expect(a.leaseExpiresAtMs).toBe(T0 + 1_000);
      expect(await store.heartbeatActivityTask(a.taskId, a.leaseToken, T0 + 900, '{"done":3}')).toBe(T0 + 1_900);
      await expect(store.heartbeatActivityTask(a.taskId, a.leaseToken + 1, T0 + 900, null)).rejects.toBeInstanceOf(LeaseLostError);
      // The heartbeat can never extend past start-to-close.
      expect(await store.heartbeatActivityTask(a.taskId, a.leaseToken, T0 + 9_500, null)).toBe(T0 + 10_000);
      const failure = toFailureInfo(new ApplicationFailure("flaky", { type: "Flaky" }));
      await store.retryActivityTask({ taskId: a.taskId, queue: QUEUE, leaseToken: a.leaseToken, runId, seq: 1, attempt: 1, nowMs: T0 + 9_600 }, failure, T0 + 20_000);
      expect((await store.claimTasks("activity", QUEUE, 100, T0 + 19_999)).some((x) => x.runId === runId)).toBe(false);
      const again = await claimOne("activity", T0 + 20_000, runId);
      expect(again).toMatchObject({ attempt: 2, heartbeatDetails: { done: 3 }, lastFailure: { type: "Flaky", message: "flaky" } });
    });

    it("a final activity failure is recorded once, with the attempt", async () => {
      const { runId } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, runId), [schedule(1)], T0);
      const a = await claimOne("activity", T0, runId);
      const failure: FailureInfo = { type: "Declined", message: "card declined", nonRetryable: true };
      const ref = { taskId: a.taskId, queue: QUEUE, leaseToken: a.leaseToken, runId, seq: 1, attempt: 1, nowMs: T0 };
      await store.failActivityTask(ref, failure);
      await expect(store.failActivityTask(ref, failure)).rejects.toBeInstanceOf(LeaseLostError);
      const failed = (await store.readHistory(runId)).filter((e) => e.type === "ActivityFailed");
      expect(failed.map((e) => e.data)).toEqual([{ seq: 1, attempt: 1, failure }]);
    });

    it("a terminal decision closes the run and removes all its tasks; late results are fenced off", async () => {
      const { runId } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, runId), [schedule(1), { type: "StartTimer", seq: 2, durationMs: 5 }], T0);
      const a = await claimOne("activity", T0, runId);
      await store.signalWorkflow((await store.getRun(runId))!.workflowId, "poke", "null", T0);
      await decide(await claimOne("workflow", T0, runId), [{ type: "CompleteWorkflow", resultJson: '{"ok":true}' }], T0);
      expect((await store.getRun(runId))!).toMatchObject({ status: "completed", closedAtMs: T0 });
      expect(await store.listRunTasks(runId)).toEqual([]);
      await expect(store.completeActivityTask({ taskId: a.taskId, queue: QUEUE, leaseToken: a.leaseToken, runId, seq: 1, attempt: 1, nowMs: T0 }, "1")).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      const history = await store.readHistory(runId);
      expectContiguous(history);
      expect(history.at(-1)).toMatchObject({ type: "WorkflowCompleted", data: { result: { ok: true } } });
      const workflowId = (await store.getRun(runId))!.workflowId;
      await expect(store.signalWorkflow(workflowId, "late", "null", T0)).rejects.toMatchObject({ code: "WORKFLOW_NOT_RUNNING" });
      await expect(store.requestCancelWorkflow(workflowId, "late", T0)).rejects.toMatchObject({ code: "WORKFLOW_NOT_RUNNING" });
      await expect(store.signalWorkflow("no-such-workflow", "x", "null", T0)).rejects.toMatchObject({ code: "WORKFLOW_NOT_FOUND" });
    });

    it("continue-as-new closes the run and starts the next one of its workflow id in the same transaction; a stale decision starts nothing", async () => {
      const { workflowId, runId: first } = await start(nextId(), T0);
      const task = await claimOne("workflow", T0, first);
      await decide(task, [schedule(1)], T0);
      const next = runId();
      const continueAs: Command = { type: "ContinueAsNew", workflowType: "wf2", taskQueue: QUEUE, inputJson: '{"round":2}', newRunId: next, randomSeed: "seed-2" };
      // A decision on a stale lease writes nothing: no close, no new run.
      await expect(decide(task, [continueAs], T0)).rejects.toBeInstanceOf(LeaseLostError);
      expect(await store.getRun(next)).toBeNull();
      await store.signalWorkflow(workflowId, "poke", "null", T0 + 1);
      await decide(await claimOne("workflow", T0 + 1, first), [continueAs], T0 + 2);
      expect(await store.getRun(first)).toMatchObject({ status: "continuedAsNew", closedAtMs: T0 + 2 });
      expect(await store.listRunTasks(first)).toEqual([]); // its activity task went with it
      expect(types(await store.readHistory(first)).slice(-2)).toEqual(["WorkflowTaskCompleted", "WorkflowContinuedAsNew"]);
      expect((await store.readHistory(first)).at(-1)!.data).toEqual({ newRunId: next, workflowType: "wf2", taskQueue: QUEUE, input: { round: 2 } });
      expect(await store.getRun(next)).toMatchObject({ workflowId, workflowType: "wf2", status: "running", nextEventId: 2 });
      expect(await store.readHistory(next)).toEqual([
        { eventId: 1, type: "WorkflowStarted", atMs: T0 + 2, data: { workflowId, workflowType: "wf2", taskQueue: QUEUE, randomSeed: "seed-2", continuedFromRunId: first, input: { round: 2 } } },
      ]);
      expect((await store.getLatestRun(workflowId))!.runId).toBe(next);
      // The new run is the one running: its first workflow task is queued, signals reach it.
      expect((await claimOne("workflow", T0 + 2, next)).runId).toBe(next);
      expect(await store.signalWorkflow(workflowId, "hello", "null", T0 + 3)).toEqual({ runId: next });
    });

    it("a run under way goes ahead of newer runs: its next workflow task queues at its start time", async () => {
      const queue = "oldest-first";
      const startOn = async (nowMs: number) => {
        const id = runId();
        await store.startWorkflow({ runId: id, workflowId: nextId(), workflowType: "wf", taskQueue: queue, inputJson: "null", randomSeed: "s", nowMs, idConflictPolicy: "fail" });
        return id;
      };
      const older = await startOn(T0);
      const [first] = await store.claimTasks("workflow", queue, 1, T0);
      expect(first!.runId).toBe(older);
      await decide(first!, [schedule(1)], T0);
      const newer = [await startOn(T0 + 10), await startOn(T0 + 11)];
      const a = await claimOne("activity", T0 + 20, older);
      await store.completeActivityTask({ taskId: a.taskId, queue: QUEUE, leaseToken: a.leaseToken, runId: older, seq: 1, attempt: a.attempt, nowMs: T0 + 20 }, "1");
      const claimed = await store.claimTasks("workflow", queue, 3, T0 + 20);
      expect(claimed.map((t) => t.runId)).toEqual([older, ...newer]);
      expect(claimed[0]!.scheduledAtMs).toBe(T0 + 20);
    });

    it("new tasks are scheduled when the decisions are recorded; history keeps the workflow task's own time", async () => {
      const { runId: id } = await start(nextId(), T0);
      const wt = await claimOne("workflow", T0, id);
      const run = (await store.getRun(id))!;
      const completion = { taskId: wt.taskId, leaseToken: wt.leaseToken, runId: id, expectedVersion: run.version, processedUpTo: 1, commands: [schedule(1)], nowMs: T0 + 5, workerId: "conformance" };
      expect(await store.completeWorkflowTasks([completion], T0 + 9)).toEqual(["ok"]);
      const history = await store.readHistory(id);
      expect(history.slice(1).map((e) => e.atMs)).toEqual(history.slice(1).map(() => T0 + 5));
      const activity = await claimOne("activity", T0 + 9, id);
      expect(activity.scheduledAtMs).toBe(T0 + 9);
    });

    it("eager dispatch: up to max new activities of the worker's queues and types come back claimed, leased as a claim would lease them", async () => {
      const { runId: id } = await start(nextId(), T0);
      const wt = await claimOne("workflow", T0, id);
      const run = (await store.getRun(id))!;
      const commands = [schedule(1, "act", { startToCloseTimeoutMs: 5_000 }), schedule(2, "act"), schedule(3, "other"), schedule(4, "act", { taskQueue: "elsewhere" })];
      const completion = { taskId: wt.taskId, leaseToken: wt.leaseToken, runId: id, expectedVersion: run.version, processedUpTo: 1, commands, nowMs: T0, workerId: "conformance" };
      const eager = { queues: new Set([QUEUE]), activityTypes: new Set(["act"]), max: 1 };
      const { outcomes, eagerTasks } = await store.completeWorkflowTasksEager([completion], T0 + 2, eager);
      expect(outcomes).toEqual(["ok"]);
      expect(eagerTasks.map((x) => [x.seq, x.attempt, x.leaseToken, x.claimedAtMs, x.leaseExpiresAtMs, x.scheduledAtMs])).toEqual([[1, 1, 1, T0 + 2, T0 + 2 + 5_000, T0 + 2]]);
      // The rest wait on their queues; the eager one is leased, so no claim gets it.
      const claimed = (await store.claimTasks("activity", QUEUE, 100, T0 + 3)).filter((x) => x.runId === id);
      expect(claimed.map((x) => x.seq).sort()).toEqual([2, 3]);
      expect((await store.claimTasks("activity", "elsewhere", 100, T0 + 3)).filter((x) => x.runId === id).map((x) => x.seq)).toEqual([4]);
      // Its lease fences like any other: the recorded result is the eager attempt's.
      const [e] = eagerTasks;
      await store.completeActivityTask({ taskId: e!.taskId, queue: QUEUE, leaseToken: e!.leaseToken, runId: id, seq: 1, attempt: e!.attempt, nowMs: T0 + 4 }, '"done"');
      const last = (await store.readHistory(id)).at(-1)!;
      expect(last).toMatchObject({ type: "ActivityCompleted", data: { seq: 1, attempt: 1, result: "done" } });
    });

    it("eager dispatch: an expired eager lease is claimed again, as any lease, and the claim reads the task the eager one described", async () => {
      const { runId: id } = await start(nextId(), T0);
      const wt = await claimOne("workflow", T0, id);
      const run = (await store.getRun(id))!;
      const options = { startToCloseTimeoutMs: 1_000, heartbeatTimeoutMs: 800, scheduleToCloseTimeoutMs: 60_000, retry: { initialIntervalMs: 1_000, backoffCoefficient: 3, maximumIntervalMs: 9_000, maximumAttempts: 4 } };
      const completion = { taskId: wt.taskId, leaseToken: wt.leaseToken, runId: id, expectedVersion: run.version, processedUpTo: 1, commands: [schedule(1, "act", options)], nowMs: T0, workerId: "conformance" };
      const { eagerTasks } = await store.completeWorkflowTasksEager([completion], T0, { queues: new Set([QUEUE]), activityTypes: new Set(["act"]), max: 10 });
      expect(eagerTasks).toHaveLength(1);
      const [e] = eagerTasks;
      expect([e!.kind, e!.leaseMs, e!.heartbeatTimeoutMs, e!.scheduleDeadlineMs, e!.maxAttempts, e!.leaseExpiresAtMs]).toEqual(["activity", 1_000, 800, T0 + 60_000, 4, T0 + 800]);
      // Hidden until lease expiry plus the retry backoff (1 s here), then claimable with attempt 2.
      expect((await store.claimTasks("activity", QUEUE, 100, T0 + 1_500)).filter((x) => x.runId === id)).toEqual([]);
      const again = await claimOne("activity", T0 + 2_000, id);
      expect([again.attempt, again.leaseToken]).toEqual([2, 2]);
      // Everything but the lease, the attempt and what the expiry recorded is what the eager claim said the row holds.
      const fixed = (t: ClaimedTask) => ({ ...t, leaseToken: 0, attempt: 0, claimedAtMs: 0, leaseExpiresAtMs: 0, lastFailure: null });
      expect(fixed(again)).toEqual(fixed(e!));
    });

    it("decisions recorded in one batch each keep their own task's time in history (replay reads it back)", async () => {
      const a = (await start(nextId(), T0)).runId;
      const b = (await start(nextId(), T0)).runId;
      const claimed = await store.claimTasks("workflow", QUEUE, 100, T0);
      const completions = [];
      for (const [id, nowMs] of [[a, T0 + 3], [b, T0 + 7]] as const) {
        const wt = claimed.find((t) => t.runId === id)!;
        const run = (await store.getRun(id))!;
        completions.push({ taskId: wt.taskId, leaseToken: wt.leaseToken, runId: id, expectedVersion: run.version, processedUpTo: 1, commands: [schedule(1)], nowMs, workerId: "conformance" });
      }
      expect(await store.completeWorkflowTasks(completions, T0 + 9)).toEqual(["ok", "ok"]);
      expect((await store.readHistory(a)).slice(1).map((e) => e.atMs)).toEqual([T0 + 3, T0 + 3]);
      expect((await store.readHistory(b)).slice(1).map((e) => e.atMs)).toEqual([T0 + 7, T0 + 7]);
    });

    /** A run with its first activity claimed: where an inline step starts from. */
    async function runWithActivity(): Promise<{ workflowId: string; runId: string; activity: ClaimedTask; step: Omit<InlineStep, "commands"> }> {
      const { workflowId, runId: id } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, id), [schedule(1)], T0);
      const activity = await claimOne("activity", T0, id);
      const run = (await store.getRun(id))!;
      const step = {
        taskId: activity.taskId,
        queue: QUEUE,
        leaseToken: activity.leaseToken,
        runId: id,
        seq: 1,
        attempt: 1,
        nowMs: T0 + 4,
        resultJson: '{"ok":1}',
        expectedVersion: run.version,
        expectedNextEventId: run.nextEventId,
        workerId: "conformance",
      };
      return { workflowId, runId: id, activity, step };
    }

    it("inline steps: the result and the decisions made on it commit together, the history as if recorded apart, no workflow task", async () => {
      const { runId: id, step } = await runWithActivity();
      const eager = { queues: new Set([QUEUE]), activityTypes: new Set(["act"]), max: 1 };
      const { outcomes, eagerTasks } = await store.completeActivitiesInline([{ ...step, commands: [schedule(2)] }], T0 + 6, eager);
      expect(outcomes).toEqual(["inlined"]);
      const history = await store.readHistory(id);
      expectContiguous(history);
      expect(types(history)).toEqual(["WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled", "ActivityCompleted", "WorkflowTaskCompleted", "ActivityScheduled"]);
      expect(history[3]!.data).toMatchObject({ seq: 1, attempt: 1, result: { ok: 1 } });
      expect(history[4]!.data).toMatchObject({ processedUpTo: 4, workerId: "conformance" });
      expect(history.slice(3).map((e) => e.atMs)).toEqual([T0 + 4, T0 + 4, T0 + 4]);
      expect(await store.getRun(id)).toMatchObject({ version: step.expectedVersion + 1, nextEventId: 7, processedUpTo: 4 });
      // The next activity came back claimed; nothing else is pending (no workflow task).
      expect(eagerTasks.map((x) => [x.runId, x.seq, x.scheduledAtMs])).toEqual([[id, 2, T0 + 6]]);
      expect((await store.listRunTasks(id)).map((x) => [x.kind, x.seq])).toEqual([["activity", 2]]);
      // A closing decision inline closes the run and leaves nothing behind.
      const [next] = eagerTasks;
      const closing = { ...step, taskId: next!.taskId, leaseToken: next!.leaseToken, seq: 2, expectedVersion: step.expectedVersion + 1, expectedNextEventId: 7, commands: [{ type: "CompleteWorkflow", resultJson: "2" } as Command] };
      expect((await store.completeActivitiesInline([closing], T0 + 7, null)).outcomes).toEqual(["inlined"]);
      expect(await store.getRun(id)).toMatchObject({ status: "completed", nextEventId: 10 });
      expect(await store.listRunTasks(id)).toEqual([]);
    });

    it("inline steps: a run that moved on gets the result as a resolution and its workflow task, the decisions dropped; a stale lease writes nothing", async () => {
      const a = await runWithActivity();
      await store.signalWorkflow(a.workflowId, "poke", "null", T0 + 1);
      const b = await runWithActivity();
      const { outcomes, eagerTasks } = await store.completeActivitiesInline(
        [
          { ...a.step, commands: [schedule(2)] },
          { ...b.step, leaseToken: b.step.leaseToken + 1, commands: [schedule(2)] },
        ],
        T0 + 6,
        { queues: new Set([QUEUE]), activityTypes: new Set(["act"]), max: 10 },
      );
      expect(outcomes).toEqual(["resolved", "stale"]);
      expect(eagerTasks).toEqual([]);
      const history = await store.readHistory(a.runId);
      expectContiguous(history);
      expect(types(history)).toEqual(["WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled", "SignalReceived", "ActivityCompleted"]);
      expect((await store.listRunTasks(a.runId)).map((x) => x.kind)).toEqual(["workflow"]);
      expect(await store.getRun(a.runId)).toMatchObject({ version: a.step.expectedVersion });
      expect(types(await store.readHistory(b.runId))).toEqual(["WorkflowStarted", "WorkflowTaskCompleted", "ActivityScheduled"]);
      expect((await store.listRunTasks(b.runId)).map((x) => x.kind)).toEqual(["activity"]);
    });

    it("a decision that schedules work and closes the run in one go leaves no task behind", async () => {
      const { runId } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, runId), [schedule(1), { type: "StartTimer", seq: 2, durationMs: 0 }, { type: "CompleteWorkflow", resultJson: "null" }], T0);
      expect((await store.getRun(runId))!.status).toBe("completed");
      expect(await store.listRunTasks(runId)).toEqual([]);
      expect(types(await store.readHistory(runId)).slice(-4)).toEqual(["WorkflowTaskCompleted", "ActivityScheduled", "TimerStarted", "WorkflowCompleted"]);
    });

    it("cancelling an activity or timer command deletes its task in the same transaction", async () => {
      const { runId } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, runId), [schedule(1), { type: "StartTimer", seq: 2, durationMs: 1_000 }], T0);
      await store.requestCancelWorkflow((await store.getRun(runId))!.workflowId, "stop", T0);
      await decide(await claimOne("workflow", T0, runId), [{ type: "CancelActivity", seq: 1 }, { type: "CancelTimer", seq: 2 }], T0);
      expect(await store.listRunTasks(runId)).toEqual([]);
      expect(types(await store.readHistory(runId)).slice(-4)).toEqual(["WorkflowCancelRequested", "WorkflowTaskCompleted", "ActivityCancelled", "TimerCancelled"]);
      expect((await store.getRun(runId))!.cancelRequested).toBe(true);
    });

    it("a released task is visible at once and the attempt does not count", async () => {
      const { runId } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, runId), [schedule(1)], T0);
      const a = await claimOne("activity", T0, runId);
      await store.releaseTask(a.taskId, a.leaseToken, "activity", QUEUE, T0 + 5);
      const again = await claimOne("activity", T0 + 5, runId);
      expect(again).toMatchObject({ attempt: 1, leaseToken: a.leaseToken + 1 });
    });

    it("a failing workflow task backs off, is recorded once per distinct failure, and shows on the run", async () => {
      const { runId } = await start(nextId(), T0);
      const failure: FailureInfo = { type: "NonDeterminismError", code: "NON_DETERMINISM", message: "mismatch" };
      let now = T0;
      const retryTimes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const task = await claimOne("workflow", now, runId);
        const { retryAtMs } = await store.failWorkflowTask({ taskId: task.taskId, leaseToken: task.leaseToken, runId, failure, attempt: task.attempt, nowMs: now, workerId: "w" });
        retryTimes.push(retryAtMs! - now);
        now = retryAtMs!;
      }
      expect(retryTimes).toEqual([1_000, 2_000, 4_000]);
      expect((await store.readHistory(runId)).filter((e) => e.type === "WorkflowTaskFailed")).toHaveLength(1);
      expect(await store.getRun(runId)).toMatchObject({ status: "running", taskFailures: 3, taskFailure: failure });
    });

    it("a transactional step's SQL commits with its result, and rolls back when the lease is stale", async () => {
      await t.db.query({ text: `CREATE TABLE "${t.schema}".ledger (key text PRIMARY KEY, amount int)`, values: [] });
      const { runId } = await start(nextId(), T0);
      await decide(await claimOne("workflow", T0, runId), [schedule(1, "transfer", { startToCloseTimeoutMs: 1_000, retry: { initialIntervalMs: 1 } })], T0);
      const a1 = await claimOne("activity", T0, runId);
      const a2 = await claimOne("activity", T0 + 1_001, runId);
      const step = (key: string) => async (tx: { query: Store["db"]["query"] }) => {
        await tx.query({ text: `INSERT INTO "${t.schema}".ledger (key, amount) VALUES ($1, 10)`, values: [key] });
        return '"moved"';
      };
      const ref = (c: ClaimedTask) => ({ taskId: c.taskId, queue: QUEUE, leaseToken: c.leaseToken, runId, seq: 1, attempt: c.attempt, nowMs: T0 + 1_002 });
      await expect(store.completeActivityTask(ref(a1), step("stale"))).rejects.toBeInstanceOf(LeaseLostError);
      await store.completeActivityTask(ref(a2), step("current"));
      const rows = await t.db.query<{ key: string }>({ text: `SELECT key FROM "${t.schema}".ledger ORDER BY key`, values: [] });
      expect(rows.map((r) => r.key)).toEqual(["current"]);
      // A step that throws rolls back its own SQL and records nothing.
      await expect(
        store.completeActivityTask(ref(a2), async (tx) => {
          await tx.query({ text: `INSERT INTO "${t.schema}".ledger (key, amount) VALUES ('boom', 1)`, values: [] });
          throw new Error("boom");
        }),
      ).rejects.toThrow();
      expect(await t.db.query({ text: `SELECT 1 FROM "${t.schema}".ledger WHERE key = 'boom'`, values: [] })).toEqual([]);
      expect((await store.readHistory(runId)).filter((e) => e.type === "ActivityCompleted")).toHaveLength(1);
    });

    it("the history limit: signals are refused at it, and the next workflow task fails the run with a clear error", async () => {
      const { runId, workflowId } = await start(nextId(), T0);
      // Fill the history to the limit directly (the engine itself would take a very long test to get there).
      await t.db.query({
        text: `INSERT INTO "${t.schema}".history (run_id, event_id, type, at_ms, data)
               SELECT $1, g, 'SignalReceived', $2, '{"name":"filler","payload":null}'::json FROM generate_series(2, $3::int) AS g`,
        values: [runId, T0, HISTORY_EVENTS_MAX],
      });
      await t.db.query({ text: `UPDATE "${t.schema}".runs SET next_event_id = $2 WHERE run_id = $1`, values: [runId, HISTORY_EVENTS_MAX + 1] });
      await expect(store.signalWorkflow(workflowId, "one-more", "null", T0)).rejects.toMatchObject({ code: "HISTORY_LIMIT_EXCEEDED", details: { runId } });
      const task = await claimOne("workflow", T0, runId);
      await store.completeWorkflowTask({
        taskId: task.taskId,
        leaseToken: task.leaseToken,
        runId,
        expectedVersion: 0,
        processedUpTo: HISTORY_EVENTS_MAX,
        commands: [schedule(1)],
        nowMs: T0,
        workerId: "w",
      });
      expect(await store.getRun(runId)).toMatchObject({ status: "failed" });
      const last = await store.readEvent(runId, HISTORY_EVENTS_MAX + 2);
      expect(last).toMatchObject({ type: "WorkflowFailed", data: { failure: { code: "HISTORY_LIMIT_EXCEEDED" } } });
      expect(await store.listRunTasks(runId)).toEqual([]);
    });

    it("table maintenance vacuums the tasks table at its dead-tuple threshold (and runs and history where autovacuum is off), and only then", async () => {
      const vacuums = async () => {
        const rows = await t.db.query<{ n: string | number }>({ text: "SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE relid = to_regclass($1)", values: [`"${t.schema}".tasks`] });
        return Number(rows[0]?.n ?? 0);
      };
      const before = await vacuums();
      expect(await store.maintainTables(Number.MAX_SAFE_INTEGER)).toEqual([]);
      expect(await vacuums()).toBe(before);
      const done = await store.maintainTables(0);
      expect(done.find((d) => d.table === "tasks")).toMatchObject({ action: "vacuum" });
      expect(await vacuums()).toBe(before + 1);
      // runs and history are autovacuum's, unless it is off (as on this project's CI server): then analyzed or vacuumed too.
      const { rows: [setting] } = { rows: await t.db.query<{ on: boolean }>({ text: "SELECT current_setting('autovacuum') = 'on' AS on", values: [] }) };
      expect(done.map((d) => d.table).sort()).toEqual(setting!.on ? ["tasks"] : ["history", "runs", "tasks"]);
    });

    it("rows written in bulk keep their text: awkward workflow ids, fairness keys and payloads survive a batch's history and task rows", async () => {
      const workflowId = 'wf "q" \\ {a,b} NULL é';
      const fairnessKey = 'tenant "t" \\ {x,y} NULL ü';
      const id = runId();
      await store.startWorkflow({ runId: id, workflowId, workflowType: "wf", taskQueue: QUEUE, inputJson: "null", randomSeed: "s", nowMs: T0, idConflictPolicy: "fail", fairnessKey });
      const wt = await claimOne("workflow", T0, id);
      const queues = [QUEUE, "a.b", "x:y/z-1"];
      const input = (i: number) => `{"z":${i},"a":{"y":"\\\\\\"{,}NULL","b":null},"m":"é\\n"}`;
      const commands: Command[] = queues.map((queue, i) => ({
        type: "ScheduleActivity",
        seq: i + 1,
        activityType: `$type.${i}`,
        inputJson: input(i),
        options: resolveActivityOptions({ taskQueue: queue, retry: { backoffCoefficient: 1.5, maximumAttempts: 7 } }, QUEUE),
      }));
      commands.push({ type: "StartTimer", seq: queues.length + 1, durationMs: 1_000 });
      expect(await decide(wt, commands, T0)).toBe("ok");
      const history = await store.readHistory(id);
      expectContiguous(history);
      const scheduled = history.filter((e) => e.type === "ActivityScheduled").map((e) => e.data as { activityType: string; input: object; options: { taskQueue: string } });
      expect(scheduled.map((d) => [d.activityType, d.options.taskQueue, d.input])).toEqual(queues.map((q, i) => [`$type.${i}`, q, JSON.parse(input(i))]));
      expect(scheduled.map((d) => Object.keys(d.input))).toEqual(queues.map(() => ["z", "a", "m"]));
      for (const [i, queue] of queues.entries()) {
        const [task] = (await store.claimTasks("activity", queue, 10, T0 + 1)).filter((x) => x.runId === id);
        expect(task, `the activity task on queue ${queue}`).toBeDefined();
        const cmd = commands[i] as Extract<Command, { type: "ScheduleActivity" }>;
        expect([task!.queue, task!.seq, task!.maxAttempts]).toEqual([queue, i + 1, 7]);
        expect(task!.spec).toEqual({ activityType: `$type.${i}`, workflowId, options: cmd.options, input: JSON.parse(input(i)) });
        expect(Object.keys((task!.spec as { input: object }).input)).toEqual(["z", "a", "m"]);
      }
      const timer = await claimOne("timer", T0 + 1_000, id);
      expect([timer.seq, timer.spec]).toEqual([queues.length + 1, { durationMs: 1_000 }]);
      const keys = await t.db.query<{ fairness_key: string }>({ text: `SELECT DISTINCT fairness_key FROM "${t.schema}".tasks WHERE run_id = $1`, values: [id] });
      expect(keys.map((r) => r.fairness_key)).toEqual([fairnessKey]);
    });

    it("payload JSON keeps its text: key order and nesting survive the round trip", async () => {
      const id = runId();
      const input = '{"z":1,"a":{"y":[3,2,1],"b":null},"m":"é"}';
      await store.startWorkflow({ runId: id, workflowId: nextId(), workflowType: "wf", taskQueue: QUEUE, inputJson: input, randomSeed: "s", nowMs: T0, idConflictPolicy: "fail" });
      const [started] = await store.readHistory(id);
      expect(Object.keys((started!.data as { input: object }).input)).toEqual(["z", "a", "m"]);
    });
  });
}
