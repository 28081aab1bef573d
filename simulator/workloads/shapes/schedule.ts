/**
 * schedule: the driver creates a schedule (client.schedules) instead of
 * starting a workflow. It fires every few virtual seconds for a drawn
 * lifetime (its spec's endAtMs, never past the heal), under a drawn overlap
 * policy and sometimes a short catch-up window; each fire starts the
 * workflow registered under this shape's name, which runs one or two steps
 * and, in some schedules, sleeps between them long enough to overlap the
 * next fire. The driver sometimes pauses it for a while, triggers it (under
 * its own policy or allowAll), or deletes it early; the rest it describes
 * and deletes at the liveness deadline. Under faults this checks a
 * schedule's promises: each fire time starts at most one workflow, only fire
 * times its spec makes (or a trigger) start any, the overlap policy holds,
 * and fires waiting for a running workflow start once it closes.
 *
 * Some schedules also jitter their fires (spec.jitterMs), name a time zone
 * (intervals ignore it: this only carries it through create and describe —
 * a cron fires at most once a minute, longer than a schedule here lives),
 * have a trigger sent at exactly one of their fire times (its workflow must
 * not take the fire's id), and get a backfill of a range around their
 * creation (fires before it, which only the backfill runs, and the first
 * fires after, which already ran or were skipped), retried when its answer
 * is lost: a backfilled fire time is a fire time, and still starts once.
 *
 * The shape's drawn input is the schedule (ScheduleShapeInput); the input of
 * the workflows it starts is its `work`. Fire times are in virtual ms: the
 * driver shifts the spec's interval offset by the epoch of virtual time 0.
 */
import type { OverlapPolicy, WorkflowContext } from "../../../engine/index.ts";
import type { Prng } from "../../prng.ts";
import { FORWARD_OPERATIONS, type Operation } from "../activities.ts";
import { STEP_OPTIONS } from "../activity-options.ts";

/** A fire every 4-8 virtual seconds, for 12-24 s: at most 7 fires (the bound keeps a bufferAll backlog, run one at a time after a long outage, inside the liveness bound). */
export const SCHEDULE_EVERY_MS_MIN = 4_000;
export const SCHEDULE_EVERY_MS_MAX = 8_000;
export const SCHEDULE_LIFETIME_MS_MIN = 12_000;
export const SCHEDULE_LIFETIME_MS_MAX = 24_000;
/** The overlap policies drawn, each as likely. */
export const SCHEDULE_OVERLAPS: readonly OverlapPolicy[] = ["skip", "bufferOne", "bufferAll", "allowAll", "cancelOther", "terminateOther"];
/** The share of schedules with a short catch-up window (the engine's least, 10 s, up to 15 s); the rest keep the default (a year). */
export const SHORT_CATCHUP_PROBABILITY = 0.3;
export const SHORT_CATCHUP_MS_MIN = 10_000;
export const SHORT_CATCHUP_MS_MAX = 15_000;
/** The share of schedules whose workflows sleep between their steps, 0.3-1.2 fire intervals (so some overlap the next fire). */
export const SLEEPING_WORK_PROBABILITY = 0.6;
export const SCHEDULED_STEPS_MIN = 1;
export const SCHEDULED_STEPS_MAX = 2;
/** The shares of schedules the driver pauses (for 3-8 s), triggers, and deletes before their end. */
export const PAUSE_PROBABILITY = 0.4;
export const PAUSE_MS_MIN = 3_000;
export const PAUSE_MS_MAX = 8_000;
export const TRIGGER_PROBABILITY = 0.4;
export const EARLY_DELETE_PROBABILITY = 0.2;
/** The share of triggers sent at exactly one of the schedule's fire times (the rest fall where drawn). */
export const TRIGGER_ON_FIRE_PROBABILITY = 0.5;
/** The share of schedules with jitter, of 0.5 s up to their interval (the engine keeps each delay under the interval). */
export const JITTER_PROBABILITY = 0.3;
export const JITTER_MS_MIN = 500;
/** The share of schedules that name a time zone (carried, not exercised: see above). */
export const TIME_ZONE_PROBABILITY = 0.3;
export const TIME_ZONES: readonly string[] = ["Europe/Berlin", "America/New_York", "Australia/Sydney"];
/**
 * The share of schedules the driver backfills, at a time in their lifetime, over 1-2 fire intervals
 * before their creation and 0-1 after, half under bufferAll (all run, in turn) and half under the
 * schedule's own policy: at most four fires, so a backlog stays inside the liveness bound.
 */
export const BACKFILL_PROBABILITY = 0.3;
export const BACKFILL_INTERVALS_BEFORE_MAX = 2;
export const BACKFILL_INTERVALS_AFTER_MAX = 1;

/** What each fire's workflow does: its steps in order, with a durable sleep after the first (sleepMs > 0: two steps). */
export interface ScheduledWorkInput {
  steps: Operation[];
  sleepMs: number;
}

export type ScheduleOpKind = "pause" | "unpause" | "trigger" | "backfill" | "delete";

export interface ScheduleShapeInput {
  everyMs: number;
  /** Fires at virtual times t with t mod everyMs = phaseMs. */
  phaseMs: number;
  /** Fires stop this long after the schedule's creation (or at the heal, if sooner). */
  lifetimeMs: number;
  overlap: OverlapPolicy;
  /** null: the engine's default. */
  catchupWindowMs: number | null;
  work: ScheduledWorkInput;
  /** The driver's calls on it, this long after its creation, in order (a trigger's or backfill's overlap: undefined is the schedule's own). */
  ops: Array<{
    afterMs: number;
    op: ScheduleOpKind;
    overlap?: OverlapPolicy;
    /** trigger: sent at the first fire time at or after afterMs. */
    onFire?: true;
    /** backfill: its range, relative to the schedule's creation: [fromMs, toMs). */
    range?: { fromMs: number; toMs: number };
  }>;
  /** spec.jitterMs (0: none). */
  jitterMs: number;
  /** spec.timeZone, or null for the default (UTC). */
  timeZone: string | null;
}

export function drawScheduleInput(prng: Prng): ScheduleShapeInput {
  const everyMs = prng.int(SCHEDULE_EVERY_MS_MIN, SCHEDULE_EVERY_MS_MAX);
  const lifetimeMs = prng.int(SCHEDULE_LIFETIME_MS_MIN, SCHEDULE_LIFETIME_MS_MAX);
  const sleepMs = prng.chance(SLEEPING_WORK_PROBABILITY) ? prng.int(Math.floor(0.3 * everyMs), Math.floor(1.2 * everyMs)) : 0;
  // A sleeping workflow has a step after its sleep: the work that may overlap the next fire's workflow.
  const stepCount = sleepMs > 0 ? SCHEDULED_STEPS_MAX : prng.int(SCHEDULED_STEPS_MIN, SCHEDULED_STEPS_MAX);
  const steps = Array.from({ length: stepCount }, () => prng.pick(FORWARD_OPERATIONS));
  const ops: ScheduleShapeInput["ops"] = [];
  if (prng.chance(PAUSE_PROBABILITY)) {
    const pauseAtMs = prng.int(0, lifetimeMs - PAUSE_MS_MIN);
    ops.push({ afterMs: pauseAtMs, op: "pause" }, { afterMs: pauseAtMs + prng.int(PAUSE_MS_MIN, PAUSE_MS_MAX), op: "unpause" });
  }
  if (prng.chance(TRIGGER_PROBABILITY)) ops.push({ afterMs: prng.int(0, lifetimeMs), op: "trigger", ...(prng.chance(0.5) ? { overlap: "allowAll" as const } : {}) });
  if (prng.chance(EARLY_DELETE_PROBABILITY)) ops.push({ afterMs: prng.int(Math.floor(lifetimeMs / 2), lifetimeMs), op: "delete" });
  const drawn = {
    everyMs,
    phaseMs: prng.int(0, everyMs - 1),
    lifetimeMs,
    overlap: prng.pick(SCHEDULE_OVERLAPS),
    catchupWindowMs: prng.chance(SHORT_CATCHUP_PROBABILITY) ? prng.int(SHORT_CATCHUP_MS_MIN, SHORT_CATCHUP_MS_MAX) : null,
    work: { steps, sleepMs },
  };
  // Drawn after everything above, so the draws a seed made before these existed are unchanged.
  const trigger = ops.find((o) => o.op === "trigger");
  if (trigger && prng.chance(TRIGGER_ON_FIRE_PROBABILITY)) trigger.onFire = true;
  const jitterMs = prng.chance(JITTER_PROBABILITY) ? prng.int(JITTER_MS_MIN, everyMs) : 0;
  const timeZone = prng.chance(TIME_ZONE_PROBABILITY) ? prng.pick(TIME_ZONES) : null;
  if (prng.chance(BACKFILL_PROBABILITY)) {
    const range = { fromMs: -prng.int(1, BACKFILL_INTERVALS_BEFORE_MAX) * everyMs, toMs: prng.int(0, BACKFILL_INTERVALS_AFTER_MAX) * everyMs };
    const afterMs = prng.int(range.toMs, lifetimeMs);
    ops.push({ afterMs, op: "backfill", range, ...(prng.chance(0.5) ? { overlap: "bufferAll" as const } : {}) });
  }
  return { ...drawn, ops: ops.sort((a, b) => a.afterMs - b.afterMs), jitterMs, timeZone };
}

/** Whether virtual time `atMs` is one of the schedule's fire times (ignoring its bounds). */
export function onScheduleGrid(input: Pick<ScheduleShapeInput, "everyMs" | "phaseMs">, atMs: number): boolean {
  return (((atMs - input.phaseMs) % input.everyMs) + input.everyMs) % input.everyMs === 0;
}

/** A fire's workflow: its first step, the sleep, the rest; returns the receipts. */
export async function scheduled(ctx: WorkflowContext, input: ScheduledWorkInput): Promise<string[]> {
  const receipts: string[] = [];
  for (const [index, operation] of input.steps.entries()) {
    if (index === 1 && input.sleepMs > 0) await ctx.sleep(input.sleepMs);
    receipts.push(await ctx.activity<string>(operation, { step: index + 1 }, STEP_OPTIONS));
  }
  return receipts;
}
