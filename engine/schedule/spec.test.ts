import { describe, expect, it } from "vitest";
import { SCHEDULE_FIRES_PER_ROUND_MAX, SCHEDULE_JITTER_MS_MAX } from "../limits.ts";
import { checkPolicies, checkScheduleSpec, compileSpec, fireDueAtMs, jitterOf, nextFireAfter, planScheduleRound, upcomingFires, type OverlapPolicy, type RoundInput } from "./spec.ts";

const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const MIN = 60_000;
const everyMinute = compileSpec(checkScheduleSpec({ intervals: [{ everyMs: MIN }] }));

function round(over: Partial<RoundInput> & { overlap?: OverlapPolicy }) {
  return planScheduleRound({
    spec: everyMinute,
    scheduleId: "s",
    overlap: "skip",
    catchupWindowMs: 3_600_000,
    processedUptoMs: T0,
    buffered: [],
    running: [],
    nowMs: T0 + 3 * MIN,
    paused: false,
    workflowIdFor: (f) => `w-${(f.atMs - T0) / MIN}${f.trigger === undefined ? "" : `-trigger-${f.trigger}`}`,
    ...over,
  });
}

describe("schedule specs", () => {
  it("intervals fire at multiples of everyMs since the epoch, shifted by offsetMs, within the bounds", () => {
    const spec = compileSpec(checkScheduleSpec({ intervals: [{ everyMs: 3_600_000, offsetMs: 15 * MIN }], startAtMs: T0 + 2 * 3_600_000, endAtMs: T0 + 4 * 3_600_000 }));
    expect(upcomingFires(spec, T0, 5).map((t) => new Date(t).toISOString())).toEqual(["2026-11-29T14:15:00.000Z", "2026-11-29T15:15:00.000Z"]);
    expect(nextFireAfter(spec, T0 + 4 * 3_600_000)).toBeNull();
  });

  it("cron and intervals together fire at whichever comes first", () => {
    const spec = compileSpec(checkScheduleSpec({ cron: "7 * * * *", intervals: [{ everyMs: 30 * MIN }] }));
    expect(upcomingFires(spec, T0, 4).map((t) => (t - T0) / MIN)).toEqual([7, 30, 60, 67]);
  });

  it("refuses bad specs and policies with typed errors", () => {
    for (const [bad, why] of [
      [{}, /at least one cron expression or interval/],
      [{ intervals: [{ everyMs: 10 }] }, /everyMs/],
      [{ intervals: [{ everyMs: 60_000, offsetMs: 60_000 }] }, /offsetMs/],
      [{ cron: "* * *" }, /expected 5 fields/],
      [{ cron: 5 }, /string or an array/],
      [{ cron: "* * * * *", startAtMs: 10, endAtMs: 5 }, /endAtMs is before/],
      [{ cron: Array.from({ length: 11 }, () => "* * * * *") }, /at most 10/],
    ] as const) {
      expect(() => checkScheduleSpec(bad)).toThrow(why);
    }
    expect(() => checkPolicies({ overlap: "sometimes" as OverlapPolicy })).toThrow(/policies.overlap/);
    expect(() => checkPolicies({ catchupWindowMs: 5 })).toThrow(/catchupWindowMs/);
    expect(() => checkScheduleSpec({ cron: "@daily", jitterMs: SCHEDULE_JITTER_MS_MAX + 1 })).toThrow(/spec.jitterMs/);
    expect(() => checkScheduleSpec({ cron: "@daily", jitterMs: -1 })).toThrow(/spec.jitterMs/);
    expect(checkPolicies(undefined)).toEqual({ overlap: "skip", catchupWindowMs: 365 * 24 * 3600 * 1000, pauseOnFailure: false });
  });
});

describe("a round of firing", () => {
  it("starts each due fire when nothing runs under allowAll, oldest first, and moves processedUpto to now", () => {
    const plan = round({ overlap: "allowAll", running: ["old"] });
    expect(plan.starts.map((s) => s.workflowId)).toEqual(["w-1", "w-2", "w-3"]);
    expect(plan.processedUptoMs).toBe(T0 + 3 * MIN);
    expect(round({ overlap: "allowAll", nowMs: T0 + 3 * MIN + 30_000 }).processedUptoMs).toBe(T0 + 3 * MIN + 30_000);
  });

  it("skip: one start, the rest skipped while it runs", () => {
    const plan = round({ overlap: "skip" });
    expect(plan.starts.map((s) => s.workflowId)).toEqual(["w-1"]);
    expect(plan.skipped).toBe(2);
    expect(round({ overlap: "skip", running: ["old"] })).toMatchObject({ starts: [], skipped: 3 });
  });

  it("bufferOne keeps one waiting; bufferAll keeps them all; a buffered fire starts once nothing runs", () => {
    expect(round({ overlap: "bufferOne", running: ["old"] })).toMatchObject({ starts: [], buffered: [{ atMs: T0 + MIN }], skipped: 2 });
    expect(round({ overlap: "bufferAll", running: ["old"] })).toMatchObject({ starts: [], buffered: [{ atMs: T0 + MIN }, { atMs: T0 + 2 * MIN }, { atMs: T0 + 3 * MIN }], skipped: 0 });
    const next = round({ overlap: "bufferAll", buffered: [{ atMs: T0 + MIN }, { atMs: T0 + 2 * MIN }], processedUptoMs: T0 + 3 * MIN });
    expect(next.starts.map((s) => s.fire.atMs)).toEqual([T0 + MIN]);
    expect(next.buffered).toEqual([{ atMs: T0 + 2 * MIN }]);
  });

  it("cancelOther and terminateOther act on what runs (including what the round started) and keep the newest fire waiting", () => {
    const cancel = round({ overlap: "cancelOther", running: ["old"] });
    expect(cancel).toMatchObject({ starts: [], cancel: ["old"], terminate: [], buffered: [{ atMs: T0 + 3 * MIN }], skipped: 2 });
    const terminate = round({ overlap: "terminateOther" });
    expect(terminate.starts.map((s) => s.workflowId)).toEqual(["w-1"]);
    expect(terminate).toMatchObject({ terminate: ["w-1"], buffered: [{ atMs: T0 + 3 * MIN }], skipped: 1 });
  });

  it("fires older than the catch-up window are missed, the rest run", () => {
    const plan = round({ overlap: "allowAll", nowMs: T0 + 60 * MIN, catchupWindowMs: 10 * MIN });
    expect(plan.missed).toBe(49);
    expect(plan.starts.map((s) => s.workflowId)).toEqual(["w-50", "w-51", "w-52", "w-53", "w-54", "w-55", "w-56", "w-57", "w-58", "w-59", "w-60"]);
  });

  it("takes at most SCHEDULE_FIRES_PER_ROUND_MAX fires and says more are due", () => {
    const late = { overlap: "allowAll" as const, nowMs: T0 + (SCHEDULE_FIRES_PER_ROUND_MAX + 5) * MIN, catchupWindowMs: 24 * 3_600_000 };
    const plan = round(late);
    expect(plan.starts).toHaveLength(SCHEDULE_FIRES_PER_ROUND_MAX);
    expect(plan.moreDue).toBe(true);
    expect(plan.processedUptoMs).toBe(T0 + SCHEDULE_FIRES_PER_ROUND_MAX * MIN);
    const rest = round({ ...late, processedUptoMs: plan.processedUptoMs });
    expect(rest.starts).toHaveLength(5);
    expect(rest.moreDue).toBe(false);
  });

  it("paused: the due fires are counted as skipped while paused, not run, and processedUpto passes them; only a trigger fires", () => {
    const plan = round({ overlap: "allowAll", paused: true, nowMs: T0 + 60 * MIN, catchupWindowMs: 10 * MIN });
    expect(plan).toMatchObject({ starts: [], skippedWhilePaused: 60, missed: 0, skipped: 0, processedUptoMs: T0 + 60 * MIN });
    const triggered = round({ overlap: "allowAll", paused: true, trigger: { overlap: "allowAll", number: 1 } });
    expect(triggered.starts.map((s) => s.workflowId)).toEqual(["w-3-trigger-1"]);
    expect(triggered.skippedWhilePaused).toBe(3);
  });

  it("a trigger fires now, under its own policy, after the due fires", () => {
    const plan = round({ overlap: "skip", nowMs: T0 + 30_000, trigger: { overlap: "allowAll", number: 4 }, running: ["old"] });
    expect(plan.starts).toEqual([{ fire: { atMs: T0 + 30_000, trigger: 4 }, workflowId: "w-0.5-trigger-4" }]);
    expect(round({ overlap: "skip", nowMs: T0 + 30_000, trigger: { overlap: "skip", number: 1 }, running: ["old"] })).toMatchObject({ starts: [], skipped: 1 });
  });

  it("a trigger at exactly a fire time is a fire of its own beside the scheduled one; buffered, it keeps its number", () => {
    const both = round({ overlap: "allowAll", nowMs: T0 + MIN, trigger: { overlap: "allowAll", number: 2 } });
    expect(both.starts.map((s) => s.workflowId)).toEqual(["w-1", "w-1-trigger-2"]);
    const waiting = round({ overlap: "bufferAll", nowMs: T0 + MIN, trigger: { overlap: "bufferAll", number: 3 } });
    expect(waiting).toMatchObject({ starts: [{ workflowId: "w-1" }], buffered: [{ atMs: T0 + MIN, trigger: 3 }] });
    const later = round({ overlap: "bufferAll", nowMs: T0 + MIN + 1, processedUptoMs: T0 + MIN, buffered: waiting.buffered });
    expect(later.starts.map((s) => s.workflowId)).toEqual(["w-1-trigger-3"]);
  });

  it("jitter: each fire waits a deterministic delay in [0, jitterMs), under the time to the next fire; the round starts it only once due, keeping its time", () => {
    const jittered = compileSpec(checkScheduleSpec({ intervals: [{ everyMs: MIN }], jitterMs: 10 * MIN }));
    const delays = Array.from({ length: 200 }, (_, i) => jitterOf(jittered, "s", T0 + i * MIN));
    // Bounded by the interval (1 min), not the 10 min asked; spread over it; a function of (schedule, fire time) only.
    expect(Math.max(...delays)).toBeLessThan(MIN);
    expect(new Set(delays.map((d) => Math.floor(d / 6_000))).size).toBe(10);
    expect(jitterOf(jittered, "s", T0 + 5 * MIN)).toBe(delays[5]);
    expect(Array.from({ length: 20 }, (_, i) => jitterOf(jittered, "other", T0 + i * MIN))).not.toEqual(delays.slice(0, 20));
    const small = compileSpec(checkScheduleSpec({ intervals: [{ everyMs: MIN }], jitterMs: 1_000 }));
    expect(Math.max(...Array.from({ length: 100 }, (_, i) => jitterOf(small, "s", T0 + i * MIN)))).toBeLessThan(1_000);
    expect(jitterOf(everyMinute, "s", T0)).toBe(0);

    const dueAt = (m: number) => fireDueAtMs(jittered, "s", T0 + m * MIN);
    expect(delays[3]).toBeGreaterThan(0);
    // Just before the third fire's delay is over: fires 1 and 2 start (named for their times); 3 waits, and processedUpto stops short of it.
    const early = round({ spec: jittered, overlap: "allowAll", nowMs: dueAt(3) - 1 });
    expect(early.starts.map((s) => s.workflowId)).toEqual(["w-1", "w-2"]);
    expect(early.processedUptoMs).toBe(T0 + 2 * MIN);
    expect(nextFireAfter(jittered, early.processedUptoMs)).toBe(T0 + 3 * MIN);
    const due = round({ spec: jittered, overlap: "allowAll", nowMs: dueAt(3) });
    expect(due.starts.map((s) => s.workflowId)).toEqual(["w-1", "w-2", "w-3"]);
    expect(due.processedUptoMs).toBe(dueAt(3));
  });

  it("backfill: past fires run under its policy after the due ones; fires this round handles, or the buffer holds or just started, are left out", () => {
    const plan = round({ overlap: "allowAll", processedUptoMs: T0 + MIN, nowMs: T0 + 3 * MIN, backfill: { fires: [T0 - MIN, T0, T0 + MIN, T0 + 2 * MIN], overlap: "allowAll" } });
    expect(plan.starts.map((s) => s.workflowId)).toEqual(["w-2", "w-3", "w--1", "w-0", "w-1"]);
    expect(plan.backfillStarts).toEqual(["w--1", "w-0", "w-1"]);
    expect(plan.backfillLeftOut).toEqual({ notYetDue: 1, waiting: 0 });
    // The buffer's head starts (nothing runs): a backfill of it and of the one still waiting starts neither again.
    const buffered = round({ overlap: "bufferAll", processedUptoMs: T0 + 3 * MIN, buffered: [{ atMs: T0 + MIN }, { atMs: T0 + 2 * MIN }], backfill: { fires: [T0, T0 + MIN, T0 + 2 * MIN], overlap: "skip" } });
    expect(buffered.starts.map((s) => s.workflowId)).toEqual(["w-1"]);
    expect(buffered).toMatchObject({ skipped: 1, backfillStarts: [], backfillLeftOut: { notYetDue: 0, waiting: 2 } });
  });
});
