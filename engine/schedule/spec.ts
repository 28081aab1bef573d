/**
 * What a schedule is, checked where it enters (Client.schedules): when it
 * fires (cron expressions and fixed intervals, between optional bounds),
 * what a fire does (start a workflow), and what happens when a fire finds
 * the previous workflow still running (the overlap policy) or comes late
 * (the catch-up window). And the one pure function that decides a round of
 * firing (planScheduleRound), so the store only reads state and writes the
 * plan, and the tests can check every policy without a database.
 */
import { InvalidArgumentError } from "../errors.ts";
import {
  SCHEDULE_BUFFER_MAX,
  SCHEDULE_CATCHUP_WINDOW_MS_DEFAULT,
  SCHEDULE_CATCHUP_WINDOW_MS_MIN,
  SCHEDULE_FIRES_PER_ROUND_MAX,
  SCHEDULE_INTERVAL_MS_MIN,
  SCHEDULE_JITTER_MS_MAX,
  SCHEDULE_MISSED_COUNT_MAX,
  SCHEDULE_SPEC_ITEMS_MAX,
  TIMEOUT_MS_MAX,
} from "../limits.ts";
import { checkChoice, checkInteger } from "../names.ts";
import { nextCronTimeIn, parseCron, type Cron } from "./cron.ts";
import { SCHEDULE_TIME_ZONE_DEFAULT, checkTimeZone } from "./zone.ts";

/**
 * What a fire does when a workflow the schedule started is still running:
 * skip it (the default); bufferOne: start it when the running one closes
 * (at most one waits, later fires are skipped); bufferAll: start each in
 * turn as the previous closes (up to SCHEDULE_BUFFER_MAX wait); cancelOther:
 * request the running one's cancellation and start this one once it has
 * closed; terminateOther: the same, terminating it; allowAll: start it now.
 */
export type OverlapPolicy = "skip" | "bufferOne" | "bufferAll" | "cancelOther" | "terminateOther" | "allowAll";
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ["skip", "bufferOne", "bufferAll", "cancelOther", "terminateOther", "allowAll"];

/** When a schedule fires: every time any of its cron expressions or intervals matches, within [startAtMs, endAtMs]. */
export interface ScheduleSpec {
  /** Five-field cron expressions (minute hour day-of-month month day-of-week) or macros (@hourly, @daily...), in timeZone. */
  cron?: string | readonly string[];
  /**
   * The IANA time zone the cron expressions read the clock in (default "UTC"), e.g. "Europe/Berlin".
   * Across DST changes (see nextCronTimeIn): a fixed-time expression ("30 2 * * *") fires once a day — a
   * skipped local time extrapolated forward by the gap, a repeated one at its first occurrence; a wildcard
   * one ("*\/15 * * * *") follows the clock. Intervals are absolute and ignore it.
   */
  timeZone?: string;
  /** Fixed intervals: fires at every multiple of everyMs since the Unix epoch, shifted by offsetMs (0 <= offsetMs < everyMs). */
  intervals?: ReadonlyArray<{ everyMs: number; offsetMs?: number }>;
  /** No fire before this time. */
  startAtMs?: number;
  /** No fire after this time: the schedule then has nothing left to do. */
  endAtMs?: number;
  /**
   * Temporal's jitter: each fire starts up to this much after its time (default 0, at most
   * SCHEDULE_JITTER_MS_MAX), by a delay derived from the schedule id and the fire time (see jitterOf),
   * always less than the time to the next fire. The fire keeps its time: its workflow id, its
   * ratchetScheduledAtMs and the catch-up window go by it.
   */
  jitterMs?: number;
}

/** A spec checked and normalised (what the schedules table stores). */
export interface CheckedSpec {
  cron: string[];
  /** Absent in specs stored before time zones: UTC. */
  timeZone?: string;
  intervals: Array<{ everyMs: number; offsetMs: number }>;
  startAtMs: number | null;
  endAtMs: number | null;
  /** Absent in specs stored before jitter: 0. */
  jitterMs?: number;
}

/** A spec ready to compute fire times. */
export interface CompiledSpec extends CheckedSpec {
  crons: Cron[];
}

export function checkScheduleSpec(value: unknown): CheckedSpec {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidArgumentError("spec must be an object with cron and/or intervals", { field: "spec" });
  const v = value as ScheduleSpec;
  const cron = v.cron === undefined ? [] : typeof v.cron === "string" ? [v.cron] : Array.isArray(v.cron) ? [...(v.cron as unknown[])] : null;
  if (cron === null) throw new InvalidArgumentError("spec.cron must be a string or an array of strings", { field: "spec.cron" });
  for (const c of cron) parseCron(c as string);
  if (v.intervals !== undefined && !Array.isArray(v.intervals)) throw new InvalidArgumentError("spec.intervals must be an array of { everyMs, offsetMs? }", { field: "spec.intervals" });
  const intervals = (v.intervals ?? []).map((i, n) => {
    if (typeof i !== "object" || i === null) throw new InvalidArgumentError(`spec.intervals[${n}] must be { everyMs, offsetMs? }`, { field: "spec.intervals" });
    const everyMs = checkInteger(i.everyMs, `spec.intervals[${n}].everyMs`, SCHEDULE_INTERVAL_MS_MIN, TIMEOUT_MS_MAX);
    return { everyMs, offsetMs: checkInteger(i.offsetMs ?? 0, `spec.intervals[${n}].offsetMs`, 0, everyMs - 1) };
  });
  const items = cron.length + intervals.length;
  if (items === 0) throw new InvalidArgumentError("spec needs at least one cron expression or interval", { field: "spec" });
  if (items > SCHEDULE_SPEC_ITEMS_MAX) throw new InvalidArgumentError(`spec has ${items} cron expressions and intervals; at most ${SCHEDULE_SPEC_ITEMS_MAX}`, { field: "spec" });
  const startAtMs = v.startAtMs === undefined ? null : checkInteger(v.startAtMs, "spec.startAtMs", 0, Number.MAX_SAFE_INTEGER);
  const endAtMs = v.endAtMs === undefined ? null : checkInteger(v.endAtMs, "spec.endAtMs", 0, Number.MAX_SAFE_INTEGER);
  if (startAtMs !== null && endAtMs !== null && endAtMs < startAtMs) throw new InvalidArgumentError("spec.endAtMs is before spec.startAtMs", { field: "spec.endAtMs" });
  const timeZone = v.timeZone === undefined ? SCHEDULE_TIME_ZONE_DEFAULT : checkTimeZone(v.timeZone, "spec.timeZone");
  const jitterMs = checkInteger(v.jitterMs ?? 0, "spec.jitterMs", 0, SCHEDULE_JITTER_MS_MAX);
  return { cron: cron as string[], timeZone, intervals, startAtMs, endAtMs, jitterMs };
}

export function compileSpec(spec: CheckedSpec): CompiledSpec {
  return { ...spec, crons: spec.cron.map(parseCron) };
}

/** The first fire time strictly after `afterMs`, or null if the spec has none left. */
export function nextFireAfter(spec: CompiledSpec, afterMs: number): number | null {
  const after = spec.startAtMs !== null ? Math.max(afterMs, spec.startAtMs - 1) : afterMs;
  let best: number | null = null;
  const zone = spec.timeZone ?? SCHEDULE_TIME_ZONE_DEFAULT;
  for (const cron of spec.crons) {
    const t = nextCronTimeIn(cron, after, zone);
    if (t !== null && (best === null || t < best)) best = t;
  }
  for (const { everyMs, offsetMs } of spec.intervals) {
    const t = (Math.floor((after - offsetMs) / everyMs) + 1) * everyMs + offsetMs;
    if (best === null || t < best) best = t;
  }
  return best !== null && spec.endAtMs !== null && best > spec.endAtMs ? null : best;
}

/**
 * How long after its time the fire at `fireAtMs` starts: a deterministic
 * pseudo-random delay in [0, jitterMs), less than the time to the next fire
 * too (so fires still start in order, one per fire time), from a hash of the
 * schedule id and the fire time — the same in every worker and every retry
 * of a round, which a Random draw would not be.
 */
export function jitterOf(spec: CompiledSpec, scheduleId: string, fireAtMs: number): number {
  const jitterMs = spec.jitterMs ?? 0;
  if (jitterMs === 0) return 0;
  const next = nextFireAfter(spec, fireAtMs);
  const bound = next === null ? jitterMs : Math.min(jitterMs, next - fireAtMs);
  return hash32(`${scheduleId}\n${fireAtMs}`) % bound;
}

/** When the fire at `fireAtMs` is due: its time plus its jitter. */
export function fireDueAtMs(spec: CompiledSpec, scheduleId: string, fireAtMs: number): number {
  return fireAtMs + jitterOf(spec, scheduleId, fireAtMs);
}

/** FNV-1a over the UTF-16 code units, then murmur3's finaliser to spread the low bits: an unsigned 32-bit hash. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** How many fire times fall in (afterMs, uptoMs], counting at most `max` (past it the count stops). */
export function countFires(spec: CompiledSpec, afterMs: number, uptoMs: number, max: number): number {
  let n = 0;
  for (let t = nextFireAfter(spec, afterMs); t !== null && t <= uptoMs && n < max; t = nextFireAfter(spec, t)) n += 1;
  return n;
}

/** The fire times in [fromMs, toMs), oldest first, at most `max` (more: null). */
export function firesInRange(spec: CompiledSpec, fromMs: number, toMs: number, max: number): number[] | null {
  const out: number[] = [];
  for (let t = nextFireAfter(spec, fromMs - 1); t !== null && t < toMs; t = nextFireAfter(spec, t)) {
    if (out.length === max) return null;
    out.push(t);
  }
  return out;
}

/** Up to `count` fire times after `afterMs` (describe's upcoming fires). */
export function upcomingFires(spec: CompiledSpec, afterMs: number, count: number): number[] {
  const out: number[] = [];
  for (let t = nextFireAfter(spec, afterMs); t !== null && out.length < count; t = nextFireAfter(spec, t)) out.push(t);
  return out;
}

export interface SchedulePolicies {
  /** Default "skip". */
  overlap?: OverlapPolicy;
  /**
   * How late a fire may still happen (a worker was down, or the schedule's queue had no worker): fires
   * older than this when their turn comes are counted as missed, not run. Default one year, at least
   * SCHEDULE_CATCHUP_WINDOW_MS_MIN.
   */
  catchupWindowMs?: number;
  /** Pause the schedule when a workflow it started fails. Default false. */
  pauseOnFailure?: boolean;
}

export function checkPolicies(value: SchedulePolicies | undefined): Required<SchedulePolicies> {
  const p = value ?? {};
  return {
    overlap: p.overlap === undefined ? "skip" : checkChoice(p.overlap, "policies.overlap", OVERLAP_POLICIES),
    catchupWindowMs: checkInteger(p.catchupWindowMs ?? SCHEDULE_CATCHUP_WINDOW_MS_DEFAULT, "policies.catchupWindowMs", SCHEDULE_CATCHUP_WINDOW_MS_MIN, TIMEOUT_MS_MAX),
    pauseOnFailure: p.pauseOnFailure === undefined ? false : checkBoolean(p.pauseOnFailure, "policies.pauseOnFailure"),
  };
}

function checkBoolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new InvalidArgumentError(`${field} must be true or false`, { field });
  return value;
}

/**
 * One fire: its time, and for a manual trigger's fire the trigger's number
 * (1-based, counted per schedule), which its workflow id carries so it never
 * meets a scheduled fire's (see scheduledWorkflowId).
 */
export interface Fire {
  atMs: number;
  trigger?: number;
}

/** What a round of firing starts from: the schedule's state, read under its row lock. */
export interface RoundInput {
  spec: CompiledSpec;
  /** Keys the fires' jitter (see jitterOf). */
  scheduleId: string;
  overlap: OverlapPolicy;
  catchupWindowMs: number;
  /** Every fire time at or before this has been handled. */
  processedUptoMs: number;
  /** Fires waiting for the running workflows to close, oldest first. */
  buffered: readonly Fire[];
  /** Workflow ids of the runs the schedule started that are still running. */
  running: readonly string[];
  nowMs: number;
  /** Paused: the fires due now are counted as skippedWhilePaused, not run (only a trigger fires). */
  paused: boolean;
  /**
   * A backfill: past fire times of the spec to run now, oldest first, under
   * this policy, whatever the catch-up window (Temporal's backfill). Only
   * fires handled before this round count as past: later ones are the
   * schedule's own rounds' (this one's included), and one waiting in the
   * buffer will start anyway; both are left out (notYetDue, waiting).
   */
  backfill?: { fires: readonly number[]; overlap: OverlapPolicy };
  /** A manual trigger: one more fire, now, under this policy, numbered `number`. */
  trigger?: { overlap: OverlapPolicy; number: number };
  /** The workflow id a fire starts. */
  workflowIdFor: (fire: Fire) => string;
}

export interface RoundPlan {
  /** Workflows to start, in order: the fire each is for (a trigger's is at now, and numbered). */
  starts: Array<{ fire: Fire; workflowId: string }>;
  /** Running workflows to request cancellation of, or terminate (cancelOther, terminateOther). */
  cancel: string[];
  terminate: string[];
  buffered: Fire[];
  processedUptoMs: number;
  /** Fires dropped by the overlap policy, and fires older than the catch-up window (counted up to SCHEDULE_MISSED_COUNT_MAX per round). */
  skipped: number;
  missed: number;
  /** Fires whose turn came while the schedule was paused (counted up to SCHEDULE_MISSED_COUNT_MAX per round): never run. */
  skippedWhilePaused: number;
  /** More fires were due than one round takes (SCHEDULE_FIRES_PER_ROUND_MAX): run another round at once. */
  moreDue: boolean;
  /** A backfill's fires left out: after processedUpto (the rounds' own), or waiting in the buffer already. */
  backfillLeftOut: { notYetDue: number; waiting: number };
  /** The workflow ids of `starts` that are a backfill's. */
  backfillStarts: string[];
}

/**
 * Decide one round: first a buffered fire, if nothing is running any more;
 * then every fire time due since the last round, oldest first — all counted
 * as skippedWhilePaused if the schedule is paused, else those older than the
 * catch-up window counted as missed, the rest each under the overlap policy
 * against what is running by then (including what this round started) — then
 * a backfill's fires, and last a manual trigger's fire.
 */
export function planScheduleRound(input: RoundInput): RoundPlan {
  const plan: RoundPlan = { starts: [], cancel: [], terminate: [], buffered: [...input.buffered], processedUptoMs: input.processedUptoMs, skipped: 0, missed: 0, skippedWhilePaused: 0, moreDue: false, backfillLeftOut: { notYetDue: 0, waiting: 0 }, backfillStarts: [] };
  const running = [...input.running];
  const start = (fire: Fire) => {
    const workflowId = input.workflowIdFor(fire);
    plan.starts.push({ fire, workflowId });
    running.push(workflowId);
  };
  const handle = (fire: Fire, overlap: OverlapPolicy) => {
    if (running.length === 0 || overlap === "allowAll") return start(fire);
    switch (overlap) {
      case "skip":
        plan.skipped += 1;
        return;
      case "bufferOne":
      case "bufferAll": {
        const room = overlap === "bufferOne" ? 1 : SCHEDULE_BUFFER_MAX;
        if (plan.buffered.length < room) plan.buffered.push(fire);
        else plan.skipped += 1;
        return;
      }
      case "cancelOther":
      case "terminateOther": {
        const targets = overlap === "cancelOther" ? plan.cancel : plan.terminate;
        for (const id of running) if (!targets.includes(id)) targets.push(id);
        // The newest fire is the one that starts once they have closed; one it displaces is skipped.
        plan.skipped += plan.buffered.length;
        plan.buffered = [fire];
        return;
      }
    }
  };

  if (running.length === 0 && plan.buffered.length > 0) start(plan.buffered.shift()!);

  const { spec, nowMs } = input;
  let from = input.processedUptoMs;
  if (input.paused) {
    // Temporal takes no action while paused; here the fires are counted, so describe accounts for every fire time.
    plan.skippedWhilePaused = countFires(spec, from, nowMs, SCHEDULE_MISSED_COUNT_MAX);
    from = Math.max(from, nowMs);
  }
  const windowStart = nowMs - input.catchupWindowMs;
  if (from < windowStart - 1) {
    plan.missed = countFires(spec, from, windowStart - 1, SCHEDULE_MISSED_COUNT_MAX);
    from = windowStart - 1;
  }
  let fires = 0;
  // A fire is due at its time plus its jitter; jitter never reaches the next fire, so due times keep the fires' order.
  let waiting = false;
  for (let t = nextFireAfter(spec, from); t !== null && t <= nowMs; t = nextFireAfter(spec, from)) {
    if (fireDueAtMs(spec, input.scheduleId, t) > nowMs) {
      waiting = true;
      break;
    }
    if (fires === SCHEDULE_FIRES_PER_ROUND_MAX) {
      plan.moreDue = true;
      break;
    }
    handle({ atMs: t }, input.overlap);
    from = t;
    fires += 1;
  }
  // Handled up to now, or up to just before the first fire whose jittered start is still ahead.
  plan.processedUptoMs = plan.moreDue || waiting ? from : Math.max(from, nowMs);
  if (input.backfill) {
    // Handled before this round, and not waiting: fires this round handled itself, or one it took from the buffer, are not run again.
    const waitingTimes = new Set(input.buffered.filter((f) => f.trigger === undefined).map((f) => f.atMs));
    for (const t of input.backfill.fires) {
      if (t > input.processedUptoMs) plan.backfillLeftOut.notYetDue += 1;
      else if (waitingTimes.has(t)) plan.backfillLeftOut.waiting += 1;
      else {
        const before = plan.starts.length;
        handle({ atMs: t }, input.backfill.overlap);
        if (plan.starts.length > before) plan.backfillStarts.push(plan.starts.at(-1)!.workflowId);
      }
    }
  }
  if (input.trigger) handle({ atMs: nowMs, trigger: input.trigger.number }, input.trigger.overlap);
  return plan;
}
