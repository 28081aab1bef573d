/**
 * planVisibility is a pure function of the seed's stream and the options: a
 * few calls (one every 4-6 s under faults, two after the heal), in time
 * order, within the run, each with a small page size and the filters in
 * turn, so every kind of filter comes up in one run.
 */
import { describe, expect, it } from "vitest";
import { Prng } from "../prng.ts";
import { planVisibility, VISIBILITY_FAULTY_UNTIL_MS, VISIBILITY_INTERVAL_MS, VISIBILITY_PAGE_SIZE_MAX, VISIBILITY_PAGE_SIZE_MIN, visibilityFilters } from "./visibility-plan.ts";

const EPOCH_MS = Date.UTC(2030, 0, 1);
const OPTIONS = { healAtMs: 90_000, deadlineMs: 150_000, durationMs: 150_000, epochMs: EPOCH_MS };

describe("planVisibility", () => {
  it("plans the same calls for a seed, other calls for another", () => {
    const plan = planVisibility(new Prng("seed-1"), OPTIONS);
    expect(planVisibility(new Prng("seed-1"), OPTIONS)).toEqual(plan);
    expect(planVisibility(new Prng("seed-2"), OPTIONS)).not.toEqual(plan);
  });

  it("plans a few calls in time order, within the run, with small pages and every filter in turn", () => {
    const plan = planVisibility(new Prng("seed-1"), OPTIONS);
    const faulty = plan.filter((c) => c.atMs < OPTIONS.healAtMs);
    expect(faulty).toHaveLength(VISIBILITY_FAULTY_UNTIL_MS / VISIBILITY_INTERVAL_MS - 1);
    expect(plan.slice(faulty.length).map((c) => c.atMs)).toEqual([92_000, 148_000]);
    for (const [i, call] of plan.entries()) {
      if (i > 0) expect(call.atMs).toBeGreaterThan(plan[i - 1]!.atMs);
      expect(call.pageSize).toBeGreaterThanOrEqual(VISIBILITY_PAGE_SIZE_MIN);
      expect(call.pageSize).toBeLessThanOrEqual(VISIBILITY_PAGE_SIZE_MAX);
    }
    const filters = visibilityFilters(EPOCH_MS);
    expect(plan.length).toBeGreaterThanOrEqual(filters.length);
    expect(new Set(plan.map((c) => JSON.stringify(c.filter)))).toEqual(new Set(filters.map((f) => JSON.stringify(f))));
  });

  it("leaves out calls at or after the run's end, and stops the faulty ones at the heal", () => {
    const short = planVisibility(new Prng("seed-1"), { healAtMs: 10_000, deadlineMs: 20_000, durationMs: 15_000, epochMs: EPOCH_MS });
    expect(short.every((c) => c.atMs < 15_000)).toBe(true);
    expect(short.filter((c) => c.atMs < 10_000)).toHaveLength(2);
    expect(short.map((c) => c.atMs).filter((t) => t >= 10_000)).toEqual([12_000]);
  });
});
