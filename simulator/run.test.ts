/**
 * One simulation run: the same seed reproduces the same trace byte for byte
 * (on a fresh PGlite instance or a reused one), another seed gives another
 * run, and the result has the stable shape `ratchet sim run --json` prints
 * (and the record a second namespace's runs beside the first's).
 */
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parentOf } from "./checkers/record-index.ts";
import { runScenario } from "./run.ts";
import { smallScenario } from "./testing/small-scenario.ts";

describe("runScenario", () => {
  let pglite: PGlite;
  beforeAll(async () => {
    pglite = await PGlite.create();
  });
  afterAll(async () => {
    await pglite.close();
  });

  it("reproduces a seed byte for byte, on a reused instance and on a fresh one", async () => {
    const scenario = smallScenario();
    const first = await runScenario(scenario, { seed: 7, pglite, keepTrace: true });
    const second = await runScenario(scenario, { seed: 7, pglite, keepTrace: true });
    const fresh = await runScenario(scenario, { seed: 7, keepTrace: true });
    expect(second.result.traceHash).toBe(first.result.traceHash);
    expect(fresh.result.traceHash).toBe(first.result.traceHash);
    expect(second.trace).toEqual(first.trace);
    const { wallMs: _a, ...a } = first.result;
    const { wallMs: _b, ...b } = second.result;
    expect(b).toEqual(a);
    // Something did happen: faults fired and work was done under them.
    expect(first.result.faults.applied).toBeGreaterThanOrEqual(2);
    expect(first.trace.length).toBeGreaterThan(1_000);
  });

  it("a different seed gives a different run", async () => {
    const scenario = smallScenario();
    const a = await runScenario(scenario, { seed: 1, pglite });
    const b = await runScenario(scenario, { seed: 2, pglite });
    expect(a.result.traceHash).not.toBe(b.result.traceHash);
  });

  it("returns the stable result shape, with the command that replays the run", async () => {
    const { result, record } = await runScenario(smallScenario(), { seed: 47, pglite, scenarioPath: "scenarios/small.json" });
    expect(Object.keys(result).sort()).toEqual(
      ["activities", "database", "effects", "faults", "mutant", "replay", "scenario", "schedules", "seed", "traceHash", "updates", "violations", "virtualMs", "wallMs", "workflows"].sort(),
    );
    expect(result).toMatchObject({
      scenario: "small",
      seed: 47,
      database: "pglite",
      mutant: null,
      workflows: { open: 0 },
      effects: { duplicates: 0 },
      violations: [],
      replay: "npx ratchet sim run scenarios/small.json --seed 47",
    });
    expect(result.traceHash).toMatch(/^[0-9a-f]{64}$/);
    // A schedule-shape "start" creates a schedule instead of a workflow.
    expect(result.workflows.accepted + result.schedules.created).toBe(16);
    // The driver's last retention call (after the deadline) removed the first window's runs: the record keeps them,
    // marked with the call, as read just before it.
    const retained = record.finalRuns.filter((r) => r.retained !== undefined);
    expect(retained.length).toBeGreaterThan(0);
    for (const run of retained) expect(record.retention[run.retained!.call]!.before.map((r) => r.runId)).toContain(run.runId);
    expect(result.workflows.completed + result.workflows.failed + result.workflows.cancelled + result.workflows.terminated).toBe(result.workflows.accepted);
    // Each chain workflow's runs but the last continued as new; the record holds every one of them.
    const continued = record.finalRuns.filter((r) => r.status === "continuedAsNew");
    expect(result.workflows.continuedAsNew).toBe(continued.length);
    expect(continued.length).toBeGreaterThan(0);
    // Child-shape parents started children: runs the driver never started, each naming its parent's run.
    const children = record.finalRuns.filter((r) => parentOf(r) !== undefined);
    expect(children.length).toBeGreaterThan(0);
    const runIds = new Set(record.finalRuns.map((r) => r.runId));
    for (const child of children) expect(runIds.has(parentOf(child)!.runId)).toBe(true);
    expect(result.activities.recorded).toBeGreaterThan(0);
    // Update-shape workflows took the driver's updates: some accepted, each id decided once.
    expect(result.updates.ids).toBe(new Set(record.updates.map((u) => u.updateId)).size);
    expect(result.updates.accepted).toBeGreaterThan(0);
    expect(result.updates.accepted + result.updates.rejected).toBeLessThanOrEqual(result.updates.ids);
    // The deploy at 4 s swapped the code: a versioned run begun before it kept the old branch, those started after took the patched one.
    const patched = record.finalRuns.filter((r) => r.workflowType === "versioned").map((r) => r.history.some((e) => e.type === "MarkerRecorded" && e.data.marker === "patch"));
    expect(patched).toEqual([false, false, true]);
    expect(result.activities.attempts).toBeGreaterThanOrEqual(result.activities.recorded);
    // The faults run through the inline-decisions path too, not only through workflow tasks.
    expect(result.activities.inlined).toBeGreaterThan(0);
    expect(result.activities.inlined).toBeLessThanOrEqual(result.activities.recorded);
    // The record behind it holds what the checkers read.
    expect(record.starts.filter((s) => s.outcome === "ok")).toHaveLength(result.workflows.accepted);
    // The schedules fired: runs the driver never started, each stamped with its schedule and fire time.
    const scheduled = record.finalRuns.filter((r) => r.schedule !== undefined);
    expect(result.schedules.created).toBeGreaterThan(0);
    expect(result.schedules.started).toBe(scheduled.length);
    expect(scheduled.length).toBeGreaterThan(0);
    expect(scheduled.every((r) => r.workflowType === "schedule" && record.schedules.some((op) => op.op === "create" && op.scheduleId === r.schedule!.scheduleId))).toBe(true);
    expect(record.observations.length).toBeGreaterThan(0);
    expect(record.effects.length).toBeGreaterThan(0);
    expect(record.openAtDeadline).toEqual([]);
    // The second namespace ran its copies of some starts (same workflow ids) on its own worker, into runs of its own schema, closed by the deadline.
    const b = record.namespaceB;
    const acknowledgedB = b.starts.filter((s) => s.outcome === "ok");
    expect(acknowledgedB.length).toBeGreaterThan(0);
    for (const s of acknowledgedB) {
      expect(record.starts.map((a) => a.workflowId)).toContain(s.workflowId);
      expect(b.finalRuns.map((r) => r.runId)).toContain(s.runId);
    }
    expect(b.observations.filter((o) => o.observation.type === "claimed").length).toBeGreaterThan(0);
    expect(b.openAtDeadline).toEqual([]);
  });

  it("refuses an unknown mutant as bad input", async () => {
    await expect(runScenario(smallScenario(), { seed: 1, pglite, mutant: "no-such-bug" })).rejects.toMatchObject({ exitCode: 2 });
  });
});
