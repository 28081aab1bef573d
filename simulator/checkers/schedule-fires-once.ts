/**
 * schedule-fires-once: what a schedule (schedule shape) starts is what its
 * spec, its overlap policy and the driver's triggers ask for, each fire at
 * most once.
 *
 * Asserts, for every schedule the driver created (create ok or ambiguous),
 * over its runs (runs.schedule_id; the fire time from ratchetScheduledAtMs):
 * 1. one fire, one workflow: no workflow id of it has two runs that were
 *    started (rather than continued as new), no two of its scheduled
 *    workflows are for the same fire time, and no two of its triggers'
 *    workflows carry the same trigger number;
 * 2. a workflow's id is `<schedule id>-<fire time, ISO 8601>`, or a
 *    trigger's `<schedule id>-<fire time>-trigger-<n>` with n at most the
 *    triggers sent (so a trigger at exactly a fire time has its own);
 * 3. every scheduled workflow's fire time is one the spec makes — on its
 *    interval, at or before its end, and after the create was sent or in
 *    the range of a backfill the driver sent — and every
 *    trigger's workflow is explained by a trigger the driver sent (its
 *    answer named it, or it was sent at that fire time);
 * 4. unless the policy is allowAll, no workflow started while an earlier
 *    one of the same schedule was running (a trigger asking for allowAll
 *    excepted). Judged in true virtual time, never by skewed clocks: the
 *    later run's first claim was reported before the earlier run's last
 *    recorded step called its service — so the later run existed while the
 *    earlier one had yet to close;
 * 5. each fire describe lists as started names a run of the schedule for
 *    that fire time, and each workflow a backfill's answer lists as started
 *    is a scheduled run of the schedule for a fire time in its range;
 * and, from the describe at the liveness deadline (unpaused):
 * 6. when nothing runs and no fire waits, actions equals the workflows it
 *    started;
 * 7. no fire waits with nothing running once its runs have all been closed
 *    for WAKE_GRACE_MS: a close wakes its schedule;
 * 8. the fire times of its spec after the create that started no workflow
 *    are exactly what describe counts as skipped, missed, refused, still
 *    waiting or skipped while paused, give or take one per trigger sent (a
 *    trigger's fire is counted the same ways when it starts nothing) and
 *    one per fire time in a backfill's range (a backfill counts its fires
 *    the same ways, and may start a fire counted before):
 *    accounted - triggers - backfilled <= unstarted <= accounted.
 *
 * Why it is sound: a round of firing locks the schedule's row and moves
 * processed_upto past every fire it handles in the transaction that inserts
 * their runs, and a fire's workflow id is its time (a trigger's, its time
 * and its number, taken under the same lock), so no fire time is handled
 * twice and a trigger never takes a fire's id (1, 2); a backfill starts only
 * its range's fire times of the spec, none whose workflow id has a run, none
 * the schedule has yet to reach or holds in its buffer (1, 3); it fires only the spec's times up to the worker's
 * now, and a skewed-ahead worker only fires them early, never others (3);
 * a round starts a fire only when no run of the schedule is running, under
 * every policy but allowAll (the cancel and terminate policies wait for the
 * close too) (4); describe reads what the rounds committed (5, 6); a close
 * wakes the schedule in its own transaction when fires wait (7); every fire
 * time of the spec is handled by some round before the deadline (the faults
 * healed long before), or passed by an unpause or a trigger while paused,
 * and counted once by what was done with it (8). Not asserted:
 * when fires happen, nor that none falls in a paused window or after a
 * delete — a worker whose clock runs ahead fires early, legitimately.
 */
import type { CheckName, Checker, FinalRun, SimRecord, Violation } from "../model.ts";
import { listOf } from "./evidence.ts";
import { groupBy } from "./record-index.ts";
import { backfillRangesOf, fireWorkflowId, gridFiresAfter, gridFiresIn, onGrid, runTimesOf, schedulesOf, triggerFor, triggerNumberOf, type RunTimes, type SimSchedule } from "./schedule-index.ts";

const CHECK: CheckName = "schedule-fires-once";

/** How long after the last close of a schedule's runs a waiting fire must have started (a wake is one timer task; a lease is 5 s). */
export const WAKE_GRACE_MS = 10_000;

export const scheduleFiresOnce: Checker = (record) => {
  const schedules = schedulesOf(record);
  const known = new Set(schedules.map((s) => s.scheduleId));
  const timesOf = runTimesOf(record);
  return [
    ...record.finalRuns.filter((r) => r.schedule !== undefined && !known.has(r.schedule.scheduleId)).map((r) => unknownSchedule(r)),
    ...schedules.flatMap((s) => [
      ...duplicateFires(s),
      ...unexplainedFires(s),
      ...overlapping(s, timesOf),
      ...describedFires(s, record),
      ...finalAccounting(s),
    ]),
  ];
};

function violation(s: SimSchedule, detail: string, evidence: string[], run?: FinalRun): Violation {
  return { check: CHECK, workflowId: run?.workflowId ?? s.scheduleId, ...(run ? { runId: run.runId } : {}), detail, evidence };
}

function describeRun(run: FinalRun): string {
  return `run ${run.runId} of ${run.workflowId} for fire ${run.schedule?.fireAtMs} ms (${run.status}${run.closedAtMs === null ? "" : `, closed at ${run.closedAtMs} ms`})`;
}

function unknownSchedule(run: FinalRun): Violation {
  return { check: CHECK, workflowId: run.workflowId, runId: run.runId, detail: `run ${run.runId} names schedule ${run.schedule!.scheduleId}, which the driver never created`, evidence: [describeRun(run)] };
}

/** 1. */
function duplicateFires(s: SimSchedule): Violation[] {
  const out: Violation[] = [];
  for (const [workflowId, runs] of groupBy(s.runs, (r) => r.workflowId)) {
    if (runs.length > 1) out.push(violation(s, `schedule ${s.scheduleId} started ${workflowId} ${runs.length} times: a fire time was handled more than once`, runs.map(describeRun), runs[1]));
  }
  for (const [fireAtMs, runs] of groupBy(scheduledRuns(s), (r) => r.schedule!.fireAtMs)) {
    const ids = new Set(runs.map((r) => r.workflowId));
    if (ids.size > 1) out.push(violation(s, `schedule ${s.scheduleId} started ${ids.size} workflows for the fire at ${fireAtMs} ms`, runs.map(describeRun), runs[1]));
  }
  for (const [trigger, runs] of groupBy(s.runs.filter((r) => triggerNumberOf(r) !== undefined), (r) => triggerNumberOf(r)!)) {
    const ids = new Set(runs.map((r) => r.workflowId));
    if (ids.size > 1) out.push(violation(s, `schedule ${s.scheduleId} started ${ids.size} workflows for its trigger ${trigger}`, runs.map(describeRun), runs[1]));
  }
  return out;
}

/** The runs of its scheduled fires (not a trigger's). */
function scheduledRuns(s: SimSchedule): FinalRun[] {
  return s.runs.filter((r) => triggerNumberOf(r) === undefined);
}

/** 2 and 3. */
function unexplainedFires(s: SimSchedule): Violation[] {
  const triggerOps = s.ops.filter((op) => op.op === "trigger");
  const triggersMayHaveLanded = triggerOps.filter((op) => op.outcome !== "fail").length;
  const backfills = backfillRangesOf(s);
  const out: Violation[] = [];
  for (const run of s.runs) {
    const fireAtMs = run.schedule!.fireAtMs;
    const trigger = triggerNumberOf(run);
    const expectedId = fireWorkflowId(s, fireAtMs, trigger);
    if (run.workflowId !== expectedId || (trigger !== undefined && (trigger < 1 || trigger > triggersMayHaveLanded))) {
      out.push(
        violation(
          s,
          `the workflow of schedule ${s.scheduleId}'s fire at ${fireAtMs} ms is ${run.workflowId}, not ${fireWorkflowId(s, fireAtMs)} nor a trigger's ${fireWorkflowId(s, fireAtMs, 1).replace(/1$/, "<n>")} with n from 1 to ${triggersMayHaveLanded}`,
          [describeRun(run)],
          run,
        ),
      );
      continue;
    }
    if (trigger !== undefined) {
      if (!triggerFor(s, run.workflowId, fireAtMs)) {
        out.push(violation(s, `schedule ${s.scheduleId} started ${run.workflowId} for a trigger at ${fireAtMs} ms, but no trigger was sent then`, [describeRun(run), `triggers sent at: ${listOf(triggerOps.map((op) => op.atMs)) || "none"}`], run));
      }
      continue;
    }
    const backfilled = backfills.some((r) => r.startAtMs <= fireAtMs && fireAtMs < r.endAtMs);
    if (!(onGrid(s.spec, fireAtMs) && (fireAtMs > s.firstCreateAtMs || backfilled) && fireAtMs <= s.spec.endAtMs)) {
      out.push(
        violation(
          s,
          `schedule ${s.scheduleId} started ${run.workflowId} for ${fireAtMs} ms, which is not a fire time of its spec (every ${s.spec.everyMs} ms at phase ${s.spec.phaseMs}, after ${s.firstCreateAtMs} ms or in a backfill's range, to ${s.spec.endAtMs} ms)`,
          [describeRun(run), `backfill ranges: ${backfills.map((r) => `[${r.startAtMs}, ${r.endAtMs})`).join(", ") || "none"}`],
          run,
        ),
      );
    }
  }
  return out;
}

/** 4. */
function overlapping(s: SimSchedule, timesOf: (run: FinalRun) => RunTimes): Violation[] {
  if (s.spec.overlap === "allowAll") return [];
  const out: Violation[] = [];
  const times = s.runs.map(timesOf);
  for (const [j, later] of s.runs.entries()) {
    if (triggerNumberOf(later) !== undefined && triggerFor(s, later.workflowId, later.schedule!.fireAtMs)?.overlap === "allowAll") continue;
    const startedBeforeMs = times[j]!.startedBeforeMs;
    if (startedBeforeMs === undefined) continue;
    for (const [i, earlier] of s.runs.slice(0, j).entries()) {
      const runningAtMs = times[i]!.runningAtMs;
      if (runningAtMs === undefined || runningAtMs <= startedBeforeMs) continue;
      out.push(
        violation(
          s,
          `schedule ${s.scheduleId} (overlap ${s.spec.overlap}) started ${later.workflowId} while ${earlier.workflowId} was running: the later run was claimed at ${startedBeforeMs} ms, the earlier one still ran a step at ${runningAtMs} ms`,
          [describeRun(earlier), describeRun(later)],
          later,
        ),
      );
      break;
    }
  }
  return out;
}

/** 5. */
function describedFires(s: SimSchedule, record: SimRecord): Violation[] {
  const out: Violation[] = [];
  for (const op of s.ops) {
    for (const fire of op.description?.recent ?? []) {
      if (fire.runId === undefined) continue;
      const run = record.finalRuns.find((r) => r.runId === fire.runId);
      if (run?.schedule?.scheduleId === s.scheduleId && run.schedule.fireAtMs === fire.fireAtMs && run.workflowId === fire.workflowId) continue;
      out.push(violation(s, `describe of ${s.scheduleId} at ${op.atMs} ms lists run ${fire.runId} of ${fire.workflowId} for the fire at ${fire.fireAtMs} ms, but no such run of the schedule exists`, run ? [describeRun(run)] : ["no run has that id"]));
    }
    for (const workflowId of op.backfilled?.started ?? []) {
      const run = s.runs.find((r) => r.workflowId === workflowId);
      const fireAtMs = run?.schedule?.fireAtMs;
      if (run && triggerNumberOf(run) === undefined && fireAtMs !== undefined && op.range!.startAtMs <= fireAtMs && fireAtMs < op.range!.endAtMs) continue;
      out.push(violation(s, `backfill of ${s.scheduleId} at ${op.atMs} ms over [${op.range!.startAtMs}, ${op.range!.endAtMs}) says it started ${workflowId}, but the schedule has no such run for a fire time in that range`, run ? [describeRun(run)] : ["no run of the schedule has that workflow id"]));
    }
  }
  return out;
}

/** 6, 7 and 8: the describe at the deadline. */
function finalAccounting(s: SimSchedule): Violation[] {
  const final = s.finalDescription;
  if (!final || final.description.paused) return [];
  const d = final.description;
  const out: Violation[] = [];
  const counts = `actions ${d.actions}, skipped ${d.skipped}, missed ${d.missed}, startFailed ${d.startFailed}, skippedWhilePaused ${d.skippedWhilePaused}, buffered [${d.buffered.join(", ")}], running [${d.running.join(", ")}]`;
  if (d.running.length === 0 && d.buffered.length === 0 && d.actions !== s.runs.length) {
    out.push(violation(s, `describe of ${s.scheduleId} at ${final.atMs} ms counts ${d.actions} workflows started, but ${s.runs.length} runs of it exist`, [counts, ...s.runs.map(describeRun)]));
  }
  const lastCloseMs = Math.max(s.firstCreateAtMs, ...s.runs.map((r) => r.closedAtMs ?? Number.POSITIVE_INFINITY));
  if (d.running.length === 0 && d.buffered.length > 0 && final.atMs - lastCloseMs >= WAKE_GRACE_MS) {
    out.push(
      violation(s, `fires of ${s.scheduleId} at ${listOf(d.buffered)} ms still wait at ${final.atMs} ms with nothing running since ${lastCloseMs} ms: the close did not wake the schedule`, [
        counts,
        ...s.runs.slice(-2).map(describeRun),
      ]),
    );
  }
  // Every fire time is counted once by what was done with it; a trigger's fire that started nothing is counted the same ways.
  const fired = new Set(scheduledRuns(s).map((r) => r.schedule!.fireAtMs));
  const unstartedSince = (fromMs: number) => gridFiresAfter(s.spec, fromMs).filter((t) => !fired.has(t));
  const accounted = d.skipped + d.missed + d.startFailed + d.buffered.length + d.skippedWhilePaused;
  // The create that landed was sent between the first and the last try: at most the fires after the last, at least those after the first.
  const unstarted = unstartedSince(s.lastCreateAtMs);
  if (unstarted.length > accounted) {
    out.push(
      violation(s, `${unstarted.length} fire times of ${s.scheduleId} after ${s.lastCreateAtMs} ms started no workflow, but describe accounts for only ${accounted} (skipped, missed, refused, waiting or skipped while paused)`, [
        counts,
        `fires without a workflow: ${listOf(unstarted)}`,
      ]),
    );
  }
  const triggers = s.ops.filter((op) => op.op === "trigger").length;
  const backfilled = backfillRangesOf(s).reduce((n, range) => n + gridFiresIn(s.spec, range).length, 0);
  const atMost = unstartedSince(s.firstCreateAtMs);
  if (accounted - triggers - backfilled > atMost.length) {
    out.push(
      violation(s, `describe of ${s.scheduleId} accounts for ${accounted} fires that started no workflow (${triggers} triggers sent, ${backfilled} fire times backfilled), but only ${atMost.length} fire times after ${s.firstCreateAtMs} ms started none: a fire was counted twice, or counted and started`, [
        counts,
        `fires without a workflow: ${listOf(atMost)}`,
      ]),
    );
  }
  return out;
}
