/**
 * schedule-fires-once catches a fire time started twice, a workflow named
 * for another time, a fire its spec never makes, a workflow started while an
 * earlier one of its schedule still ran (judged by true-time evidence: a
 * claim of the later run before a recorded step of the earlier), a describe
 * that lists a run that is not there or counts other than the runs, a fire
 * left waiting with nothing running, fires that nothing accounts for (a
 * paused schedule's included) and fires counted twice;
 * and passes what a correct engine legitimately does: one run per fire, a
 * trigger's fire named for its trigger (even at exactly a fire time),
 * overlap under allowAll, skips counted by describe.
 * no-accepted-workflow-lost needs no start for a schedule's runs, and
 * terminal-after-heal holds them to the bound.
 */
import { describe, expect, it } from "vitest";
import type { ScheduleDescriptionRecord, SimRecord } from "../model.ts";
import { noAcceptedWorkflowLost } from "./no-accepted-workflow-lost.ts";
import { scheduleFiresOnce } from "./schedule-fires-once.ts";
import { terminalAfterHeal } from "./terminal-after-heal.ts";
import { HEAL_AT_MS, RecordBuilder, type RunBuilder } from "./testing/record-builder.ts";

const SCHEDULE = "sched";

/** One fire's workflow: a step, then its close. */
function runFire(sim: RecordBuilder, fireAtMs: number): RunBuilder {
  const run = sim.scheduledRun(SCHEDULE, fireAtMs);
  run.scheduleActivities(1);
  run.runActivity(1);
  return run.complete();
}

function description(overrides: Partial<ScheduleDescriptionRecord> = {}): ScheduleDescriptionRecord {
  return { paused: false, actions: 0, skipped: 0, missed: 0, startFailed: 0, skippedWhilePaused: 0, buffered: [], running: [], recent: [], ...overrides };
}

/** Fires at 1..3 s, one after another; a describe at the deadline that says so (endAtMs 3 s). */
function cleanSchedule(overlap: "skip" | "allowAll" = "skip"): { sim: RecordBuilder; runs: RunBuilder[] } {
  const sim = new RecordBuilder();
  sim.createSchedule(SCHEDULE, { endAtMs: 3_000, overlap });
  const runs = [1_000, 2_000, 3_000].map((t) => runFire(sim, t));
  const recent = runs.map((r) => ({ fireAtMs: r.final.schedule!.fireAtMs, workflowId: r.workflowId, runId: r.runId, manual: false })).reverse();
  sim.scheduleOp({ scheduleId: SCHEDULE, op: "describe", outcome: "ok", description: description({ actions: 3, recent }) }, HEAL_AT_MS + 50_000);
  return { sim, runs };
}

const details = (record: SimRecord) => scheduleFiresOnce(record).map((v) => v.detail);

describe("schedule-fires-once", () => {
  it("passes fires started once each, named for their time, one after another, as describe counts them", () => {
    const { sim } = cleanSchedule();
    const record = sim.build();
    expect(record.finalRuns).toHaveLength(3);
    expect(scheduleFiresOnce(record)).toEqual([]);
    expect(noAcceptedWorkflowLost(record)).toEqual([]);
    expect(terminalAfterHeal(record)).toEqual([]);
  });

  it("catches a fire time started twice", () => {
    const { sim } = cleanSchedule();
    runFire(sim, 2_000);
    expect(details(sim.build())).toContainEqual(expect.stringMatching(/started sched-2030-01-01T00:00:02.000Z 2 times/));
  });

  it("catches a workflow named for another time than its fire", () => {
    const { sim, runs } = cleanSchedule();
    const record = sim.build();
    record.finalRuns.find((r) => r.runId === runs[1]!.runId)!.schedule!.fireAtMs = 1_000;
    expect(details(record)).toEqual(
      expect.arrayContaining([expect.stringMatching(/is sched-2030-01-01T00:00:02.000Z, not sched-2030-01-01T00:00:01.000Z/), expect.stringMatching(/started 2 workflows for the fire at 1000 ms/)]),
    );
  });

  it("catches a fire its spec never makes, and accepts a trigger's fire, named for its trigger, when a trigger was sent then", () => {
    const { sim } = cleanSchedule();
    runFire(sim, 2_500);
    expect(details(sim.build())).toContainEqual(expect.stringMatching(/started .* for 2500 ms, which is not a fire time of its spec/));
    expect(details(sim.build())).toContainEqual(expect.stringMatching(/counts 3 workflows started, but 4 runs/));
    const { sim: triggered } = cleanSchedule();
    const manual = triggered.scheduledRun(SCHEDULE, 2_500, 1);
    manual.scheduleActivities(1);
    manual.runActivity(1);
    manual.complete();
    expect(details(triggered.build())).toContainEqual(expect.stringMatching(/is sched-2030-01-01T00:00:02.500Z-trigger-1, not sched-2030-01-01T00:00:02.500Z nor a trigger's .*-trigger-<n> with n from 1 to 0/));
    triggered.scheduleOp({ scheduleId: SCHEDULE, op: "trigger", outcome: "ok", started: null }, 2_400);
    expect(details(triggered.build())).toContainEqual(expect.stringMatching(/started sched-2030-01-01T00:00:02.500Z-trigger-1 for a trigger at 2500 ms, but no trigger was sent then/));
    triggered.scheduleOp({ scheduleId: SCHEDULE, op: "trigger", outcome: "info", error: "connection reset" }, 2_500);
    const record = triggered.build();
    record.schedules.find((op) => op.op === "describe")!.description!.actions = 4;
    expect(scheduleFiresOnce(record)).toEqual([]);
    expect(manual.final.status).toBe("completed");
  });

  it("accepts a trigger at exactly a fire time beside that fire's workflow; catches one that took the fire's id, and two workflows for one trigger", () => {
    const { sim } = cleanSchedule("allowAll");
    sim.scheduleOp({ scheduleId: SCHEDULE, op: "trigger", outcome: "ok", started: { workflowId: "sched-2030-01-01T00:00:02.000Z-trigger-1", runId: "x" } }, 2_000);
    const manual = sim.scheduledRun(SCHEDULE, 2_000, 1);
    manual.complete();
    const record = sim.build();
    record.schedules.find((op) => op.op === "describe")!.description!.actions = 4;
    expect(scheduleFiresOnce(record)).toEqual([]);
    // The old collision: the trigger's workflow took the fire's id, so the fire time has two runs of one id.
    const { sim: collided } = cleanSchedule("allowAll");
    collided.scheduleOp({ scheduleId: SCHEDULE, op: "trigger", outcome: "ok" }, 2_000);
    collided.scheduledRun(SCHEDULE, 2_000).complete();
    expect(details(collided.build())).toContainEqual(expect.stringMatching(/started sched-2030-01-01T00:00:02.000Z 2 times/));
    sim.scheduleOp({ scheduleId: SCHEDULE, op: "trigger", outcome: "ok" }, 2_600);
    sim.scheduledRun(SCHEDULE, 2_600, 1).complete();
    expect(details(sim.build())).toContainEqual(expect.stringMatching(/started 2 workflows for its trigger 1/));
  });

  it("catches a workflow claimed while an earlier one of its schedule still ran a step, except under allowAll", () => {
    const overlapped = (overlap: "skip" | "allowAll") => {
      const sim = new RecordBuilder();
      sim.createSchedule(SCHEDULE, { overlap });
      const first = sim.scheduledRun(SCHEDULE, 1_000);
      first.scheduleActivities(1);
      const second = sim.scheduledRun(SCHEDULE, 2_000);
      second.claim("workflow", 0);
      first.runActivity(1);
      first.complete();
      second.scheduleActivities(1);
      second.runActivity(1);
      second.complete();
      return sim.build();
    };
    expect(details(overlapped("skip"))).toEqual([expect.stringMatching(/\(overlap skip\) started sched-2030-01-01T00:00:02.000Z while sched-2030-01-01T00:00:01.000Z was running/)]);
    expect(scheduleFiresOnce(overlapped("allowAll"))).toEqual([]);
  });

  it("accepts an allowAll trigger's workflow beside a running one", () => {
    const sim = new RecordBuilder();
    sim.createSchedule(SCHEDULE);
    const first = sim.scheduledRun(SCHEDULE, 1_000);
    first.scheduleActivities(1);
    sim.scheduleOp({ scheduleId: SCHEDULE, op: "trigger", outcome: "ok", overlap: "allowAll" }, 1_500);
    const manual = sim.scheduledRun(SCHEDULE, 1_500, 1);
    manual.claim("workflow", 0);
    first.runActivity(1);
    first.complete();
    expect(scheduleFiresOnce(sim.build())).toEqual([]);
  });

  it("catches a describe that lists a run the schedule does not have", () => {
    const { sim } = cleanSchedule();
    const record = sim.build();
    record.schedules.find((op) => op.op === "describe")!.description!.recent[0]!.runId = "run-99";
    expect(details(record)).toEqual([expect.stringMatching(/lists run run-99 .* but no such run of the schedule exists/)]);
  });

  it("catches a fire left waiting with nothing running long after the last close, but not while paused", () => {
    const { sim } = cleanSchedule();
    const record = sim.build();
    record.finalRuns.pop();
    const d = record.schedules.find((op) => op.op === "describe")!.description!;
    Object.assign(d, { buffered: [3_000], actions: 2, recent: d.recent.slice(1) });
    expect(details(record)).toEqual([expect.stringMatching(/fires of sched at 3000 ms still wait .* the close did not wake the schedule/)]);
    d.paused = true;
    expect(scheduleFiresOnce(record)).toEqual([]);
  });

  it("catches fires nothing accounts for, and counts skipped ones as accounted", () => {
    const { sim } = cleanSchedule();
    const record = sim.build();
    record.finalRuns.pop();
    const d = record.schedules.find((op) => op.op === "describe")!.description!;
    d.actions = 2;
    d.recent.shift();
    expect(details(record)).toEqual([expect.stringMatching(/1 fire times of sched after \d+ ms started no workflow, but describe accounts for only 0/)]);
    d.skipped = 1;
    expect(scheduleFiresOnce(record)).toEqual([]);
  });

  it("counts fires due while paused as accounted, across a pause and unpause; catches fires counted more than once", () => {
    const { sim } = cleanSchedule();
    sim.scheduleOp({ scheduleId: SCHEDULE, op: "pause", outcome: "ok" }, 1_500);
    sim.scheduleOp({ scheduleId: SCHEDULE, op: "unpause", outcome: "info", error: "connection reset" }, 3_500);
    const record = sim.build();
    record.finalRuns.splice(1, 2);
    const d = record.schedules.find((op) => op.op === "describe")!.description!;
    d.actions = 1;
    d.recent.splice(0, 2);
    expect(details(record)).toEqual([expect.stringMatching(/2 fire times of sched after \d+ ms started no workflow, but describe accounts for only 0/)]);
    d.skippedWhilePaused = 2;
    expect(scheduleFiresOnce(record)).toEqual([]);
    d.skipped = 1;
    expect(details(record)).toEqual([expect.stringMatching(/accounts for 3 fires that started no workflow \(0 triggers sent, 0 fire times backfilled\), but only 2 fire times .* started none/)]);
    sim.scheduleOp({ scheduleId: SCHEDULE, op: "trigger", outcome: "ok", overlap: "skip", started: null }, 2_200);
    const withTrigger = sim.build();
    withTrigger.finalRuns.splice(1, 2);
    Object.assign(withTrigger.schedules.find((op) => op.op === "describe")!.description!, { ...d, recent: d.recent });
    expect(scheduleFiresOnce(withTrigger)).toEqual([]);
  });

  it("accepts a fire before the create that a backfill's range covers, and its answer; catches one outside every range, and an answer naming a run it did not start", () => {
    const sim = new RecordBuilder();
    sim.createSchedule(SCHEDULE, { endAtMs: 3_000, overlap: "skip" });
    const early = runFire(sim, 0);
    const runs = [1_000, 2_000, 3_000].map((t) => runFire(sim, t));
    const backfill = sim.scheduleOp({ scheduleId: SCHEDULE, op: "backfill", outcome: "ok", range: { startAtMs: 0, endAtMs: 1_500 }, backfilled: { fires: 2, alreadyStarted: 1, started: [early.workflowId], notYetDue: 0, waiting: 0 } }, 4_000);
    const recent = [early, ...runs].map((r) => ({ fireAtMs: r.final.schedule!.fireAtMs, workflowId: r.workflowId, runId: r.runId, manual: false })).reverse();
    sim.scheduleOp({ scheduleId: SCHEDULE, op: "describe", outcome: "ok", description: description({ actions: 4, recent }) }, HEAL_AT_MS + 50_000);
    expect(scheduleFiresOnce(sim.build())).toEqual([]);
    backfill.range = { startAtMs: 500, endAtMs: 1_500 };
    expect(details(sim.build())).toEqual([
      expect.stringMatching(/started sched-2030-01-01T00:00:00.000Z for 0 ms, which is not a fire time of its spec/),
      expect.stringMatching(/backfill of sched at 4000 ms over \[500, 1500\) says it started sched-2030-01-01T00:00:00.000Z, but the schedule has no such run/),
    ]);
  });

  it("allows a backfill's fires to be counted beside the fires after the create, and no more", () => {
    const { sim } = cleanSchedule();
    const record = sim.build();
    const d = record.schedules.find((op) => op.op === "describe")!.description!;
    // Two fires skipped by a backfill (before the create, say) on top of three fires that all started.
    d.skipped = 2;
    expect(details(record)).toEqual([expect.stringMatching(/accounts for 2 fires that started no workflow \(0 triggers sent, 0 fire times backfilled\)/)]);
    sim.scheduleOp({ scheduleId: SCHEDULE, op: "backfill", outcome: "info", error: "connection reset", range: { startAtMs: 0, endAtMs: 2_000 } }, 5_000);
    const withBackfill = sim.build();
    withBackfill.schedules.find((op) => op.op === "describe")!.description!.skipped = 2;
    expect(scheduleFiresOnce(withBackfill)).toEqual([]);
    withBackfill.schedules.find((op) => op.op === "describe")!.description!.skipped = 3;
    expect(details(withBackfill)).toEqual([expect.stringMatching(/accounts for 3 fires .* 2 fire times backfilled/)]);
  });

  it("catches a run of a schedule the driver never created", () => {
    const { sim } = cleanSchedule();
    sim.scheduledRun("elsewhere", 1_000).complete();
    expect(details(sim.build())).toContainEqual(expect.stringMatching(/names schedule elsewhere, which the driver never created/));
  });

  it("holds a schedule's runs to the liveness bound", () => {
    const sim = new RecordBuilder();
    sim.createSchedule(SCHEDULE);
    sim.scheduledRun(SCHEDULE, 1_000).scheduleActivities(1);
    expect(terminalAfterHeal(sim.build()).map((v) => v.workflowId)).toEqual(["sched-2030-01-01T00:00:01.000Z"]);
  });
});
