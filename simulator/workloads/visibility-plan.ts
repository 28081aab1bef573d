/**
 * The driver's visibility calls: at a few times drawn from the seed it walks
 * every page of client.list(filter) with a small page size, then asks
 * client.count(filter), under faults and after the heal. The filters cover
 * each kind the engine offers — a workflow type, a status, a creation time
 * range, the `stage` search attribute the chain and child shapes upsert
 * (continued runs inherit it, children set their own) — alone and combined.
 * A pure function of the seed's stream and the options.
 */
import type { Prng } from "../prng.ts";
import type { VisibilityFilter } from "../model.ts";
import { CHILD_STEPS_WORKFLOW } from "./shapes/child.ts";
import { STAGE_ATTRIBUTE, stageAfter } from "./shapes/stage.ts";

/** Visibility rounds under faults: one in every slot this long (at a time drawn in its first half), from the second slot... */
export const VISIBILITY_INTERVAL_MS = 4_000;
/** ...up to this long into the run (most workflows have closed by then), or the heal if sooner. */
export const VISIBILITY_FAULTY_UNTIL_MS = 48_000;
/** Two rounds in the liveness phase: this long after the heal, and this long before the liveness deadline (by when every workflow has closed). */
export const VISIBILITY_AFTER_HEAL_MS = 2_000;
/** Page sizes the driver walks with (small, so walks take several pages). */
export const VISIBILITY_PAGE_SIZE_MIN = 3;
export const VISIBILITY_PAGE_SIZE_MAX = 8;
/** A walk stops (recorded as truncated) after this many pages. */
export const VISIBILITY_PAGES_MAX = 100;

export interface PlannedVisibilityCall {
  atMs: number;
  filter: VisibilityFilter;
  pageSize: number;
}

export interface VisibilityPlanOptions {
  healAtMs: number;
  /** The liveness deadline (healAtMs + withinMs). */
  deadlineMs: number;
  /** Before the run's end: a round planned at or after it is left out. */
  durationMs: number;
  /** The epoch ms of virtual time 0 (time-range filters are epoch ms). */
  epochMs: number;
}

/** The filters, in the order rounds take them (from an offset drawn from the seed). */
export function visibilityFilters(epochMs: number): VisibilityFilter[] {
  const stage = (step: number) => ({ [STAGE_ATTRIBUTE]: stageAfter(step) });
  return [
    { workflowType: "chain" },
    { status: "running" },
    { searchAttributes: stage(1) },
    { workflowType: CHILD_STEPS_WORKFLOW, status: "completed" },
    { startedAfterMs: epochMs + 4_000, startedBeforeMs: epochMs + 12_000 },
    { searchAttributes: stage(2), status: "running" },
    { status: "continuedAsNew" },
    { workflowType: "chain", searchAttributes: stage(2) },
    { status: "terminated" },
    { workflowType: CHILD_STEPS_WORKFLOW, startedBeforeMs: epochMs + 10_000, searchAttributes: stage(1) },
  ];
}

export function planVisibility(prng: Prng, options: VisibilityPlanOptions): PlannedVisibilityCall[] {
  const filters = visibilityFilters(options.epochMs);
  let next = prng.int(0, filters.length - 1);
  const call = (atMs: number): PlannedVisibilityCall => ({ atMs, filter: filters[next++ % filters.length]!, pageSize: prng.int(VISIBILITY_PAGE_SIZE_MIN, VISIBILITY_PAGE_SIZE_MAX) });
  const calls: PlannedVisibilityCall[] = [];
  const faultyUntilMs = Math.min(VISIBILITY_FAULTY_UNTIL_MS, options.healAtMs);
  for (let atMs = VISIBILITY_INTERVAL_MS; atMs < faultyUntilMs; atMs += VISIBILITY_INTERVAL_MS) calls.push(call(atMs + prng.int(0, VISIBILITY_INTERVAL_MS / 2)));
  calls.push(call(options.healAtMs + VISIBILITY_AFTER_HEAL_MS), call(Math.max(options.healAtMs + VISIBILITY_AFTER_HEAL_MS + 1, options.deadlineMs - VISIBILITY_AFTER_HEAL_MS)));
  return calls.filter((c) => c.atMs < options.durationMs);
}
