/**
 * Schedules end to end, on every backend, in virtual time: fires on cron
 * and intervals start one workflow per fire time, in the workers of the
 * action's queue; each overlap policy against a running workflow; the
 * catch-up window after downtime; pause, unpause, trigger, update and
 * delete; pause on failure; a continue-as-new chain still counts as the
 * schedule's running workflow; bad input refused with nothing written; two
 * workers racing on the same schedules start each fire once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../client/client.ts";
import type { ScheduleOptions } from "../client/schedules.ts";
import { ApplicationFailure } from "../errors.ts";
import { silentLogger } from "../ports/logger.ts";
import { SeededRandom } from "../ports/seeded-random.ts";
import { checkScheduleSpec, compileSpec, jitterOf, type OverlapPolicy } from "../schedule/spec.ts";
import type { Store } from "../store/store.ts";
import { testDatabase, type TestDatabase } from "../testing/databases.ts";
import { ManualClock } from "../testing/manual-clock.ts";
import type { WorkflowContext, WorkflowMap } from "../workflow/types.ts";
import { Worker } from "./worker.ts";

const MIN = 60_000;

const workflows: WorkflowMap = {
  quick: async (_ctx: WorkflowContext, input: unknown) => input,
  /** Runs until signalled "done" (or cancelled). */
  job: async (ctx: WorkflowContext) => {
    await ctx.waitForSignal("done");
    return "done";
  },
  failing: async () => {
    throw new ApplicationFailure("scheduled work failed", { type: "Broken", nonRetryable: true });
  },
  /** Continues as new once, then runs until signalled. */
  chain: async (ctx: WorkflowContext, input: unknown) => {
    if (input !== "second") return ctx.continueAsNew("second");
    await ctx.waitForSignal("done");
    return "chain done";
  },
};

export function scheduleBehaviour(kind: "pglite" | "postgres"): void {
  describe(`schedules on ${kind}`, () => {
    let t: TestDatabase;
    let store: Store;
    let counter = 0;

    beforeAll(async () => {
      t = await testDatabase(kind, { prefix: "sch" });
      store = t.store;
    });
    afterAll(async () => {
      await t?.close();
    });

    function setup() {
      const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
      const queue = `s${++counter}`;
      const random = new SeededRandom(`sch-${counter}`);
      const client = new Client({ store, clock, random, workflows });
      const worker = new Worker({ store, taskQueue: queue, workflows, clock, random, logger: silentLogger, identity: `w-${counter}` });
      const t0 = clock.now();
      const schedule = (id: string, action: string, overlap: OverlapPolicy, extra: Partial<ScheduleOptions> = {}) =>
        client.schedules.create(`${queue}-${id}`, { spec: { intervals: [{ everyMs: MIN }] }, action: { workflowType: action, taskQueue: queue }, policies: { overlap }, ...extra });
      /** Move time on and let the worker do everything due. */
      const advance = async (ms: number) => {
        clock.advance(ms);
        await worker.runUntilIdle();
      };
      const started = async (scheduleId: string) =>
        // By workflow id (the fire time), then run id (a chain's runs in order).
        (await client.list({ searchAttributes: { ratchetScheduleId: scheduleId } })).workflows
          .sort((a, b) => (a.workflowId === b.workflowId ? (a.runId < b.runId ? -1 : 1) : a.workflowId < b.workflowId ? -1 : 1))
          .map((w) => ({ id: w.workflowId, status: w.status }));
      return { clock, queue, client, worker, t0, schedule, advance, started };
    }

    it("fires on its interval: one workflow per fire time, named by it, in the action queue's workers; describe tells what it did and will do", async () => {
      const { client, t0, schedule, advance, started, queue } = setup();
      const handle = await schedule("tick", "quick", "allowAll", { action: { workflowType: "quick", taskQueue: queue, input: { n: 1 } } });
      await advance(30_000);
      expect(await started(handle.scheduleId)).toEqual([]);
      await advance(30_000);
      const id1 = `${handle.scheduleId}-2026-11-29T12:01:00.000Z`;
      expect(await started(handle.scheduleId)).toEqual([{ id: id1, status: "completed" }]);
      expect(await client.getHandle(id1).result()).toEqual({ n: 1 });
      // Three minutes at once: allowAll starts each fire time's workflow.
      await advance(3 * MIN);
      expect((await started(handle.scheduleId)).map((w) => w.id.slice(-13))).toEqual(["12:01:00.000Z", "12:02:00.000Z", "12:03:00.000Z", "12:04:00.000Z"]);
      const d = await handle.describe();
      expect(d).toMatchObject({ paused: false, running: [], buffered: [], counts: { actions: 4, skipped: 0, missed: 0, startFailed: 0 } });
      expect(d.upcoming).toEqual([5, 6, 7, 8, 9].map((m) => t0 + m * MIN));
      expect(d.recent.map((r) => r.fireAtMs)).toEqual([4, 3, 2, 1].map((m) => t0 + m * MIN));
      expect(d.action).toMatchObject({ workflowType: "quick", input: { n: 1 }, workflowIdPrefix: handle.scheduleId });
      const listed = await client.schedules.list();
      expect(listed.schedules.find((s) => s.scheduleId === handle.scheduleId)).toMatchObject({ workflowType: "quick", paused: false, upcoming: [t0 + 5 * MIN] });
    });

    it("cron: fires at the minutes its expression names", async () => {
      const { client, queue, advance, started } = setup();
      const handle = await client.schedules.create(`${queue}-cron`, { spec: { cron: "*/20 * * * *" }, action: { workflowType: "quick", taskQueue: queue }, policies: { overlap: "allowAll" } });
      await advance(61 * MIN);
      expect((await started(handle.scheduleId)).map((w) => w.id.slice(-13))).toEqual(["12:20:00.000Z", "12:40:00.000Z", "13:00:00.000Z"]);
      // 13:05 in Berlin (CET, UTC+1, in November) is 12:05 UTC.
      const berlin = await client.schedules.create(`${queue}-berlin`, { spec: { cron: "5 13 * * *", timeZone: "Europe/Berlin" }, action: { workflowType: "quick", taskQueue: queue } });
      expect((await berlin.describe()).upcoming.slice(0, 2).map((t) => new Date(t).toISOString())).toEqual(["2026-11-30T12:05:00.000Z", "2026-12-01T12:05:00.000Z"]);
      await expect(berlin.update({ spec: { cron: "5 13 * * *", timeZone: "Europe/Atlantis" } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("unknown time zone") });
      expect((await berlin.describe()).spec.timeZone).toBe("Europe/Berlin");
    });

    it("skip drops fires while its workflow runs; bufferOne keeps one and starts it when the workflow closes", async () => {
      const { client, t0, schedule, advance, started } = setup();
      const skip = await schedule("skip", "job", "skip");
      const one = await schedule("one", "job", "bufferOne");
      await advance(MIN);
      await advance(MIN);
      await advance(MIN);
      expect(await started(skip.scheduleId)).toEqual([{ id: `${skip.scheduleId}-2026-11-29T12:01:00.000Z`, status: "running" }]);
      expect((await skip.describe()).counts).toMatchObject({ actions: 1, skipped: 2 });
      const waiting = await one.describe();
      expect(waiting).toMatchObject({ buffered: [t0 + 2 * MIN], counts: { actions: 1, skipped: 1 } });
      expect(waiting.running.map((r) => r.workflowId)).toEqual([`${one.scheduleId}-2026-11-29T12:01:00.000Z`]);
      // Its workflow closes: the buffered fire starts at once, not at the next fire.
      await client.signal(`${one.scheduleId}-2026-11-29T12:01:00.000Z`, "done", null);
      await advance(0);
      expect(await started(one.scheduleId)).toEqual([
        { id: `${one.scheduleId}-2026-11-29T12:01:00.000Z`, status: "completed" },
        { id: `${one.scheduleId}-2026-11-29T12:02:00.000Z`, status: "running" },
      ]);
      expect((await one.describe()).buffered).toEqual([]);
    });

    it("bufferAll starts every waiting fire in turn, each when the one before closes", async () => {
      const { client, schedule, advance, started } = setup();
      const all = await schedule("all", "job", "bufferAll");
      await advance(3 * MIN);
      expect((await all.describe()).buffered).toHaveLength(2);
      for (const minute of ["01", "02", "03"]) {
        await client.signal(`${all.scheduleId}-2026-11-29T12:${minute}:00.000Z`, "done", null);
        await advance(0);
      }
      expect((await started(all.scheduleId)).map((w) => w.status)).toEqual(["completed", "completed", "completed"]);
      expect(await all.describe()).toMatchObject({ buffered: [], counts: { actions: 3, skipped: 0 } });
    });

    it("cancelOther cancels the running workflow and starts the new fire once it has closed; terminateOther terminates it", async () => {
      const { client, schedule, advance, started } = setup();
      const cancel = await schedule("cancel", "job", "cancelOther");
      const terminate = await schedule("term", "job", "terminateOther");
      await advance(MIN);
      await advance(MIN);
      expect(await started(cancel.scheduleId)).toEqual([
        { id: `${cancel.scheduleId}-2026-11-29T12:01:00.000Z`, status: "cancelled" },
        { id: `${cancel.scheduleId}-2026-11-29T12:02:00.000Z`, status: "running" },
      ]);
      expect(await started(terminate.scheduleId)).toEqual([
        { id: `${terminate.scheduleId}-2026-11-29T12:01:00.000Z`, status: "terminated" },
        { id: `${terminate.scheduleId}-2026-11-29T12:02:00.000Z`, status: "running" },
      ]);
      const history = await client.getHandle(`${terminate.scheduleId}-2026-11-29T12:01:00.000Z`).history();
      expect(history.events.at(-1)).toMatchObject({ type: "WorkflowTerminated", data: { reason: expect.stringContaining("terminateOther") } });
    });

    it("after downtime, fires within the catch-up window run and older ones are counted as missed", async () => {
      const { clock, worker, schedule, started, t0 } = setup();
      const late = await schedule("late", "quick", "allowAll", { policies: { overlap: "allowAll", catchupWindowMs: 10 * MIN } });
      // No worker for an hour.
      clock.advance(60 * MIN);
      await worker.runUntilIdle();
      const ran = await started(late.scheduleId);
      expect(ran.map((w) => w.id.slice(-13))).toEqual(Array.from({ length: 11 }, (_, i) => `12:${50 + i}:00.000Z`.replace("12:60", "13:00")));
      expect(await late.describe()).toMatchObject({ counts: { actions: 11, missed: 49 }, upcoming: [t0 + 61 * MIN, t0 + 62 * MIN, t0 + 63 * MIN, t0 + 64 * MIN, t0 + 65 * MIN] });
    });

    it("pause stops fires (they do not run later, and are counted as skipped while paused); trigger fires now even while paused; unpause resumes from now; delete leaves its workflows running", async () => {
      const { clock, schedule, advance, started, t0 } = setup();
      const h = await schedule("ctl", "job", "allowAll");
      await h.pause("maintenance window");
      expect(await h.describe()).toMatchObject({ paused: true, note: "maintenance window", upcoming: [] });
      await advance(5 * MIN);
      expect(await started(h.scheduleId)).toEqual([]);
      const manual = await h.trigger();
      expect(manual?.workflowId).toBe(`${h.scheduleId}-2026-11-29T12:05:00.000Z-trigger-1`);
      await advance(0);
      // A trigger under skip finds that one running and starts nothing.
      clock.advance(1);
      expect(await h.trigger({ overlap: "skip" })).toBeNull();
      await h.unpause();
      await advance(MIN);
      expect((await started(h.scheduleId)).map((w) => w.id.slice(h.scheduleId.length + 12))).toEqual(["12:05:00.000Z-trigger-1", "12:06:00.000Z"]);
      const d = await h.describe();
      // The five fires due while paused ran nowhere, and are counted (the trigger's round passed them).
      expect(d).toMatchObject({ paused: false, counts: { actions: 2, skipped: 1, missed: 0, skippedWhilePaused: 5 } });
      expect(d.recent[1]).toMatchObject({ manual: true, fireAtMs: t0 + 5 * MIN });
      // Paused again over three fire times with no round in between: unpause counts them.
      await h.pause();
      await advance(3 * MIN);
      await h.unpause();
      await advance(0);
      expect(await h.describe()).toMatchObject({ counts: { actions: 2, skippedWhilePaused: 8 }, upcoming: [t0 + 10 * MIN, t0 + 11 * MIN, t0 + 12 * MIN, t0 + 13 * MIN, t0 + 14 * MIN] });
      expect(await started(h.scheduleId)).toHaveLength(2);
      // Unpausing a schedule that is not paused passes no fire: the due one is its next round's.
      clock.advance(MIN);
      await h.unpause();
      await advance(0);
      expect(await started(h.scheduleId)).toHaveLength(3);
      expect((await h.describe()).counts).toMatchObject({ actions: 3, skippedWhilePaused: 8 });
      await h.delete();
      await advance(5 * MIN);
      expect((await started(h.scheduleId)).map((w) => w.status)).toEqual(["running", "running", "running"]);
      await expect(h.describe()).rejects.toMatchObject({ code: "SCHEDULE_NOT_FOUND" });
      await expect(h.pause()).rejects.toMatchObject({ code: "SCHEDULE_NOT_FOUND" });
    });

    it("a trigger at exactly a fire time starts a workflow of its own beside the fire's; a buffered trigger keeps its id", async () => {
      const { clock, client, schedule, advance, started } = setup();
      const h = await schedule("exact", "job", "allowAll");
      // The clock stands on the 12:01 fire: the trigger's round starts that fire, then the trigger's own.
      clock.advance(MIN);
      const manual = await h.trigger();
      const fire = `${h.scheduleId}-2026-11-29T12:01:00.000Z`;
      expect(manual?.workflowId).toBe(`${fire}-trigger-1`);
      await advance(0);
      expect(await started(h.scheduleId)).toEqual([
        { id: fire, status: "running" },
        { id: `${fire}-trigger-1`, status: "running" },
      ]);
      expect(await h.describe()).toMatchObject({ counts: { actions: 2, startFailed: 0 } });
      // Under bufferAll the next exact trigger waits behind that fire's, and starts under its own id in its turn.
      await h.update({ policies: { overlap: "bufferAll" } });
      clock.advance(MIN);
      expect(await h.trigger()).toBeNull();
      const secondAtMs = Date.parse("2026-11-29T12:02:00.000Z");
      const second = `${h.scheduleId}-2026-11-29T12:02:00.000Z`;
      expect(await h.describe()).toMatchObject({ buffered: [secondAtMs, secondAtMs], counts: { actions: 2, skipped: 0 } });
      for (const id of [fire, `${fire}-trigger-1`, second]) {
        await client.signal(id, "done", null);
        await advance(0);
      }
      expect((await started(h.scheduleId)).map((w) => w.id)).toEqual([fire, `${fire}-trigger-1`, second, `${second}-trigger-2`]);
      const d = await h.describe();
      expect(d).toMatchObject({ buffered: [], counts: { actions: 4, skipped: 0, startFailed: 0 } });
      expect(d.recent.slice(0, 2)).toMatchObject([
        { workflowId: `${second}-trigger-2`, manual: true, fireAtMs: secondAtMs },
        { workflowId: second, manual: false, fireAtMs: secondAtMs },
      ]);
    });

    it("jitter: each fire starts its delay after its time, not before, under the id of its time", async () => {
      const { clock, client, queue, advance, started, t0 } = setup();
      const advanceTo = (atMs: number) => advance(atMs - clock.now());
      const spec = { intervals: [{ everyMs: MIN }], jitterMs: 40_000 };
      const h = await client.schedules.create(`${queue}-jitter`, { spec, action: { workflowType: "quick", taskQueue: queue }, policies: { overlap: "allowAll" } });
      const compiled = compileSpec(checkScheduleSpec(spec));
      for (const m of [1, 2]) {
        const delay = jitterOf(compiled, h.scheduleId, t0 + m * MIN);
        expect(delay).toBeLessThan(40_000);
        // Up to just before the delay is over, nothing new; at it, the fire's workflow, named for the fire time.
        await advanceTo(t0 + m * MIN + delay - 1);
        expect(await started(h.scheduleId)).toHaveLength(m - 1);
        await advance(1);
        expect((await started(h.scheduleId)).map((w) => w.id.slice(-13))).toEqual(["12:01:00.000Z", "12:02:00.000Z"].slice(0, m));
      }
      expect((await h.describe()).spec.jitterMs).toBe(40_000);
    });

    it("backfill runs a past range's fires now, whatever the catch-up window, under the ids their rounds would have used; a retry starts nothing twice", async () => {
      const { client, queue, advance, started, t0 } = setup();
      const h = await client.schedules.create(`${queue}-back`, {
        spec: { intervals: [{ everyMs: MIN }] },
        action: { workflowType: "quick", taskQueue: queue },
        policies: { overlap: "allowAll", catchupWindowMs: 10 * MIN },
      });
      await advance(3 * MIN);
      const range = { startAt: new Date(t0 - 60 * MIN), endAt: t0 + 2 * MIN + 1 };
      // An hour before the create (far past the catch-up window) up to the 12:02 fire, which already ran: 61 fires start, 2 had run.
      const first = await h.backfill(range);
      expect(first).toMatchObject({ fires: 63, alreadyStarted: 2, notYetDue: 0, waiting: 0 });
      expect(first.started.map((w) => w.workflowId.slice(-13))).toEqual(Array.from({ length: 61 }, (_, i) => new Date(t0 + (i - 60) * MIN).toISOString().slice(-13)));
      await advance(0);
      expect((await started(h.scheduleId)).filter((w) => w.status === "completed")).toHaveLength(64);
      // Retried (its answer lost, say): every fire's id has a run, so nothing starts again.
      expect(await h.backfill(range)).toEqual({ fires: 63, alreadyStarted: 63, started: [], notYetDue: 0, waiting: 0 });
      // Fires the schedule has not reached yet are its own to fire; one already run is not run again.
      expect(await h.backfill({ startAt: t0 + 3 * MIN, endAt: t0 + 6 * MIN })).toMatchObject({ fires: 3, alreadyStarted: 1, started: [], notYetDue: 2 });
      await advance(3 * MIN);
      expect(await started(h.scheduleId)).toHaveLength(67);
      expect((await h.describe()).counts).toMatchObject({ actions: 67, startFailed: 0, missed: 0 });
      // Too many fire times for one call: refused, nothing started; a backwards range too.
      await expect(h.backfill({ startAt: t0 - 2_000 * MIN, endAt: t0 - 60 * MIN })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { field: "endAt" } });
      await expect(h.backfill({ startAt: t0, endAt: t0 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      expect(await started(h.scheduleId)).toHaveLength(67);
    });

    it("backfill under the overlap policy: skip starts the first fire and skips the rest while it runs; bufferAll runs them in turn", async () => {
      const { client, schedule, advance, started, t0 } = setup();
      const h = await schedule("backskip", "job", "skip", { spec: { intervals: [{ everyMs: 10 * MIN }] } });
      const range = { startAt: t0 - 30 * MIN, endAt: t0 };
      const skipped = await h.backfill(range);
      expect(skipped.started.map((w) => w.workflowId.slice(-13))).toEqual(["11:30:00.000Z"]);
      expect((await h.describe()).counts).toMatchObject({ actions: 1, skipped: 2 });
      await client.signal(skipped.started[0]!.workflowId, "done", null);
      await advance(0);
      // The skipped two, again under bufferAll: the first starts, the other waits its turn.
      const buffered = await h.backfill({ ...range, overlap: "bufferAll" });
      expect(buffered).toMatchObject({ fires: 3, alreadyStarted: 1 });
      expect(buffered.started.map((w) => w.workflowId.slice(-13))).toEqual(["11:40:00.000Z"]);
      expect((await h.describe()).buffered).toEqual([t0 - 10 * MIN]);
      expect(await h.backfill({ ...range, overlap: "bufferAll" })).toMatchObject({ alreadyStarted: 2, waiting: 1, started: [] });
      await client.signal(buffered.started[0]!.workflowId, "done", null);
      await advance(0);
      expect((await started(h.scheduleId)).map((w) => `${w.id.slice(-13)} ${w.status}`)).toEqual(["11:30:00.000Z completed", "11:40:00.000Z completed", "11:50:00.000Z running"]);
    });

    it("update replaces the spec and policies from now on", async () => {
      const { schedule, advance, started, t0 } = setup();
      const h = await schedule("upd", "quick", "allowAll");
      await advance(MIN);
      await h.update({ spec: { intervals: [{ everyMs: 10 * MIN }] } });
      await advance(20 * MIN);
      expect((await started(h.scheduleId)).map((w) => w.id.slice(-13))).toEqual(["12:01:00.000Z", "12:10:00.000Z", "12:20:00.000Z"]);
      expect((await h.describe()).upcoming[0]).toBe(t0 + 30 * MIN);
      await expect(h.update({ policies: { overlap: "never" as OverlapPolicy } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      expect((await h.describe()).policies.overlap).toBe("allowAll");
    });

    it("update first settles the fires the old spec had due, so a worker behind on the schedule loses none of them", async () => {
      const { clock, schedule, advance, started } = setup();
      const h = await schedule("upd-late", "quick", "allowAll");
      clock.advance(3 * MIN); // three fires due, no worker has run the schedule's task yet
      await h.update({ spec: { intervals: [{ everyMs: 10 * MIN }] } });
      expect((await h.describe()).counts).toMatchObject({ actions: 3, missed: 0, skipped: 0 });
      await advance(7 * MIN);
      expect((await started(h.scheduleId)).map((w) => w.id.slice(-13))).toEqual(["12:01:00.000Z", "12:02:00.000Z", "12:03:00.000Z", "12:10:00.000Z"]);
    });

    it("pauseOnFailure pauses the schedule when a workflow it started fails", async () => {
      const { schedule, advance, started } = setup();
      const h = await schedule("fail", "failing", "allowAll", { policies: { overlap: "allowAll", pauseOnFailure: true } });
      await advance(MIN);
      expect(await started(h.scheduleId)).toEqual([{ id: `${h.scheduleId}-2026-11-29T12:01:00.000Z`, status: "failed" }]);
      expect(await h.describe()).toMatchObject({ paused: true, note: expect.stringContaining("failed") });
      await advance(5 * MIN);
      expect(await started(h.scheduleId)).toHaveLength(1);
    });

    it("a workflow that continued as new is still the schedule's running workflow; its chain's close starts the buffered fire", async () => {
      const { client, schedule, advance, started } = setup();
      const h = await schedule("chain", "chain", "bufferOne");
      await advance(MIN);
      await advance(MIN);
      expect((await h.describe()).buffered).toHaveLength(1);
      await client.signal(`${h.scheduleId}-2026-11-29T12:01:00.000Z`, "done", null);
      await advance(0);
      // Both fires' workflows continued as new once (their two runs share a creation millisecond, so sort by status).
      expect((await started(h.scheduleId)).map((w) => `${w.id.slice(-13)} ${w.status}`).sort()).toEqual([
        "12:01:00.000Z completed",
        "12:01:00.000Z continuedAsNew",
        "12:02:00.000Z continuedAsNew",
        "12:02:00.000Z running",
      ]);
    });

    it("bad input is refused with a typed error and writes nothing", async () => {
      const { client, queue } = setup();
      const create = (options: unknown, id = `${queue}-bad`) => client.schedules.create(id, options as ScheduleOptions);
      const action = { workflowType: "quick", taskQueue: queue };
      await expect(create({ spec: { cron: "61 * * * *" }, action })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("minute value 61") });
      await expect(create({ spec: { intervals: [{ everyMs: 5 }] }, action })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      await expect(create({ spec: { cron: "@hourly", timeZone: "Mars/Olympus_Mons" }, action })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", details: { field: "spec.timeZone" } });
      await expect(create({ spec: { cron: "@hourly" }, action: { ...action, workflowType: "nope" } })).rejects.toMatchObject({ code: "UNKNOWN_WORKFLOW_TYPE" });
      await expect(create({ spec: { cron: "@hourly" }, action: { ...action, searchAttributes: { ratchetScheduleId: "x" } } })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      await expect(create({ spec: { cron: "@hourly" }, action: { ...action, input: () => 1 } })).rejects.toMatchObject({ code: "PAYLOAD_NOT_SERIALIZABLE" });
      await expect(create({ spec: { cron: "@hourly" }, action }, "")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      await expect(client.schedules.getHandle(`${queue}-bad`).describe()).rejects.toMatchObject({ code: "SCHEDULE_NOT_FOUND" });
      await create({ spec: { cron: "@hourly" }, action });
      await expect(create({ spec: { cron: "@daily" }, action })).rejects.toMatchObject({ code: "SCHEDULE_ALREADY_EXISTS" });
      expect((await client.schedules.getHandle(`${queue}-bad`).describe()).spec.cron).toEqual(["@hourly"]);
    });

    it("two workers racing on the same schedules start each fire exactly once", async () => {
      const { clock, client, queue, schedule, started } = setup();
      const other = new Worker({ store, taskQueue: queue, workflows, clock, random: new SeededRandom(`sch-other-${counter}`), logger: silentLogger, identity: `w-other-${counter}` });
      const first = new Worker({ store, taskQueue: queue, workflows, clock, random: new SeededRandom(`sch-first-${counter}`), logger: silentLogger, identity: `w-first-${counter}` });
      const ids = ["r1", "r2", "r3"];
      for (const id of ids) await schedule(id, "quick", "allowAll");
      for (let i = 0; i < 5; i++) {
        clock.advance(MIN);
        await Promise.all([first.runUntilIdle(), other.runUntilIdle()]);
      }
      for (const id of ids) {
        const runs = await started(`${queue}-${id}`);
        expect(runs.map((w) => w.id.slice(-13))).toEqual(["12:01:00.000Z", "12:02:00.000Z", "12:03:00.000Z", "12:04:00.000Z", "12:05:00.000Z"]);
        expect(runs.every((w) => w.status === "completed")).toBe(true);
        expect((await client.schedules.getHandle(`${queue}-${id}`).describe()).counts).toEqual({ actions: 5, skipped: 0, missed: 0, startFailed: 0, skippedWhilePaused: 0 });
      }
    });
  });
}
