/**
 * visibility-agrees passes list walks and counts that agree with the runs'
 * histories in their windows — a continued run listed with the stage it
 * inherited, counts bounded while runs change — and flags each way a walk
 * or a count can disagree: a run repeated across pages or out of order, a
 * state a run never had (a continued run listed without its inherited
 * attribute, a status not its own), a state older than one an earlier call
 * saw, a closed run listed running, a run missing that matched throughout, a
 * listed run that does not match the filter or does not exist, and a count
 * outside its bounds or different from the walk when nothing changed.
 */
import { describe, expect, it } from "vitest";
import type { RunStatus } from "../../engine/index.ts";
import type { ListedRun, SimRecord, VisibilityFilter, VisibilityRecord } from "../model.ts";
import { RecordBuilder, type RunBuilder } from "./testing/record-builder.ts";
import { createdMsOf, visibilityAgrees } from "./visibility-agrees.ts";

const STAGE = "stage";

function row(run: RunBuilder, status: RunStatus, stage?: string): ListedRun {
  return { runId: run.runId, workflowId: run.workflowId, workflowType: run.final.workflowType, status, searchAttributes: stage === undefined ? null : { [STAGE]: stage } };
}

/** A walk of `pages` (page size 2 unless given), then a count, each taking a tick to answer. */
function walk(sim: RecordBuilder, filter: VisibilityFilter, pages: ListedRun[][], count?: number, pageSize = 2): VisibilityRecord {
  const invokedAtMs = sim.tick();
  const answeredAtMs = sim.tick();
  const record: VisibilityRecord = { filter, pageSize, invokedAtMs, answeredAtMs, outcome: "ok", pages };
  if (count !== undefined) record.count = { invokedAtMs: sim.tick(), answeredAtMs: sim.tick(), outcome: "ok", value: count };
  sim.record.visibility.push(record);
  return record;
}

function acknowledgeLastStart(sim: RecordBuilder): void {
  sim.record.starts.at(-1)!.answeredAtMs = sim.tick();
}

function upsert(stage: string) {
  return { type: "SearchAttributesUpserted" as const, data: { attributes: { [STAGE]: stage } } };
}

/**
 * A chain (run a sets stage step-1 and continues as new: run b inherits it, sets step-2 and completes) and a
 * linear workflow c the driver terminates, with five walks along the way: W1 chain, W2 stage step-1, W3 chain,
 * W4 terminated, W5 running.
 */
function visibleRecord(): { record: SimRecord; runs: Record<"a" | "b" | "c", RunBuilder> } {
  const sim = new RecordBuilder();
  const a = sim.startWorkflow("wf-chain", "chain");
  acknowledgeLastStart(sim);
  a.scheduleActivities(1);
  a.runActivity(1);
  a.decide(upsert("step-1"));
  const b = a.continueAsNew();
  walk(sim, { workflowType: "chain" }, [[row(b, "running", "step-1")], [row(a, "continuedAsNew", "step-1")]], 2, 1);
  b.scheduleActivities(1);
  b.runActivity(1);
  walk(sim, { searchAttributes: { [STAGE]: "step-1" } }, [[row(b, "running", "step-1"), row(a, "continuedAsNew", "step-1")]], 2, 5);
  b.decide(upsert("step-2"));
  b.complete();
  const c = sim.startWorkflow("wf-cut", "linear");
  acknowledgeLastStart(sim);
  c.terminate();
  sim.record.terminations.at(-1)!.answeredAtMs = sim.tick();
  walk(sim, { workflowType: "chain" }, [[row(b, "completed", "step-2"), row(a, "continuedAsNew", "step-1")]], 2);
  walk(sim, { status: "terminated" }, [[row(c, "terminated")]], 1);
  walk(sim, { status: "running" }, [[]], 0);
  return { record: sim.build(), runs: { a, b, c } };
}

const W1 = 0;
const W2 = 1;
const W3 = 2;
const W4 = 3;
const W5 = 4;

function details(record: SimRecord): string[] {
  return visibilityAgrees(record).map((v) => v.detail);
}

describe("visibility-agrees", () => {
  it("passes walks and counts that agree with history, a continued run listed with the stage it inherited", () => {
    const { record } = visibleRecord();
    expect(record.visibility).toHaveLength(5);
    expect(visibilityAgrees(record)).toEqual([]);
  });

  it("flags a run listed twice across pages, and runs out of newest-first order", () => {
    const { record, runs } = visibleRecord();
    record.visibility[W1]!.pages = [[row(runs.b, "running", "step-1")], [row(runs.b, "running", "step-1"), row(runs.a, "continuedAsNew", "step-1")]];
    expect(details(record)).toContainEqual(expect.stringMatching(new RegExp(`listed run ${runs.b.runId} on page 1 and again on page 2$`)));
    expect(details(record)).toContainEqual(expect.stringMatching(/returned 2 runs on page 2, more than its page size$/));

    const reordered = visibleRecord().record;
    reordered.visibility[W1]!.pages = [[row(runs.a, "continuedAsNew", "step-1")], [row(runs.b, "running", "step-1")]];
    expect(details(reordered)).toEqual([expect.stringMatching(new RegExp(`listed run ${runs.b.runId} after ${runs.a.runId}: not newest first$`))]);
  });

  it("flags a continued run listed without the attribute it inherited, and a status that was never its own", () => {
    const { record, runs } = visibleRecord();
    record.visibility[W1]!.pages[0] = [row(runs.b, "running")];
    const found = visibilityAgrees(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "visibility-agrees", workflowId: "wf-chain", runId: runs.b.runId });
    expect(found[0]!.detail).toMatch(/^list #1 of \{"workflowType":"chain"\} \(page size 1, asked at \d+ ms, answered at \d+ ms\) listed run \S+ running, a state it never had: its history went running \(stage="step-1"\), then running \(stage="step-2"\), then completed \(stage="step-2"\)$/);

    const failed = visibleRecord().record;
    failed.visibility[W3]!.pages[0]![0] = row(runs.b, "failed", "step-2");
    expect(details(failed)).toEqual([expect.stringMatching(/listed run \S+ failed \(stage="step-2"\), a state it never had/)]);
  });

  it("flags a state older than one an earlier call saw, and a run listed running after its termination was acknowledged", () => {
    const { record, runs } = visibleRecord();
    // A sixth walk, after W3 saw b completed, lists it running with its first stage.
    const late = { filter: { workflowType: "chain" }, pageSize: 2, invokedAtMs: 900_000, answeredAtMs: 900_010, outcome: "ok" as const, pages: [[row(runs.b, "running", "step-1"), row(runs.a, "continuedAsNew", "step-1")]] };
    record.visibility.push(late);
    const found = visibilityAgrees(record);
    // The two calls contradict each other (states only move forward): each is flagged by the other.
    expect(found.map((v) => v.detail)).toEqual([
      expect.stringMatching(/^list #3 .* listed run \S+ completed \(stage="step-2"\), but during the call it was running \(stage="step-1"\) \(its history went/),
      expect.stringMatching(/^list #6 .* listed run \S+ running \(stage="step-1"\), but during the call it was completed \(stage="step-2"\) \(its history went/),
    ]);
    expect(found[1]!.evidence).toEqual([expect.stringMatching(/^list #3 listed it completed \(stage="step-2"\) \(answered at \d+ ms\)$/), 'its last state is completed (stage="step-2")']);

    const cut = visibleRecord().record;
    cut.visibility[W5]!.pages = [[row(runs.c, "running")]];
    cut.visibility[W5]!.count!.value = 1;
    expect(details(cut)).toEqual([expect.stringMatching(/^list #5 .* listed run \S+ running, but during the call it was terminated, never matching the filter/), expect.stringMatching(/said 1: 0 runs matched throughout its window and 0 more may have$/)]);
  });

  it("flags a run missing from a walk that matched throughout it, but not one whose start was acknowledged during it", () => {
    const { record, runs } = visibleRecord();
    record.visibility[W3]!.pages = [[row(runs.a, "continuedAsNew", "step-1")]];
    const found = visibilityAgrees(record);
    expect(found.map((v) => v.detail)).toEqual([
      expect.stringMatching(new RegExp(`^list #3 .* does not list run ${runs.b.runId}, which matched in every state it can have had during the call \\(running \\(stage="step-1"\\), then running \\(stage="step-2"\\), then completed \\(stage="step-2"\\)\\)$`)),
      expect.stringMatching(/listed 1 runs, then count .* said 2, and no run could change how it matched in between$/),
    ]);
    expect(found[0]!.evidence).toEqual([expect.stringMatching(/^reported: worker-1#1 claimed workflow task \d+ seq 0 attempt 1 token 1 at \d+ ms$/), 'its last state is completed (stage="step-2")']);

    // c's start was acknowledged after the walk was asked (and it was not reported before): it need not be listed.
    const early = visibleRecord().record;
    const acknowledgedAtMs = early.starts.find((s) => s.workflowId === "wf-cut")!.answeredAtMs!;
    early.visibility.push({ filter: { workflowType: "linear" }, pageSize: 2, invokedAtMs: acknowledgedAtMs - 1, answeredAtMs: acknowledgedAtMs + 1, outcome: "ok", pages: [[]] });
    expect(visibilityAgrees(early)).toEqual([]);
    early.visibility.at(-1)!.invokedAtMs = acknowledgedAtMs + 1;
    early.visibility.at(-1)!.answeredAtMs = acknowledgedAtMs + 2;
    expect(details(early)).toEqual([expect.stringMatching(new RegExp(`does not list run ${runs.c.runId}`))]);
    // A failed walk, or one stopped at the driver's page bound, is not held to what it should have listed.
    early.visibility.at(-1)!.outcome = "fail";
    expect(visibilityAgrees(early)).toEqual([]);
    early.visibility.at(-1)!.outcome = "truncated";
    expect(visibilityAgrees(early)).toEqual([]);
  });

  it("flags a listed run that does not match the filter, or that the database does not have", () => {
    const { record, runs } = visibleRecord();
    record.visibility[W4]!.pages[0]!.push(row(runs.a, "continuedAsNew", "step-1"));
    expect(details(record)).toContainEqual(expect.stringMatching(/listed run \S+ continuedAsNew \(stage="step-1"\), which does not match the filter$/));

    const phantom = visibleRecord().record;
    phantom.visibility[W4]!.pages[0]!.push({ runId: "run-0", workflowId: "wf-ghost", workflowType: "linear", status: "terminated", searchAttributes: null });
    expect(details(phantom)).toContainEqual(expect.stringMatching(/listed run run-0 terminated, a run the database does not have at the end$/));
  });

  it("holds a count within the runs that matched throughout and those that may have; equal to the walk when none changed", () => {
    const { record } = visibleRecord();
    record.visibility[W4]!.count!.value = 2;
    expect(details(record)).toEqual([expect.stringMatching(/^list #4 .* then count \(asked at \d+ ms, answered at \d+ ms\) said 2: 1 runs matched throughout its window and 0 more may have$/)]);
    // During W2's count, b may have moved on from stage step-1 (W3 saw it completed with step-2): 1 or 2 is possible, 3 is not.
    const changing = visibleRecord().record;
    changing.visibility[W2]!.count!.value = 1;
    expect(visibilityAgrees(changing)).toEqual([]);
    changing.visibility[W2]!.count!.value = 3;
    expect(details(changing)).toEqual([expect.stringMatching(/said 3: 1 runs matched throughout its window and 1 more may have$/)]);
  });

  it("a run retention removed need not be listed once the call was made, and must not be once it answered", () => {
    const { record, runs } = visibleRecord();
    // Retention removes c (terminated) in a call made after W4 listed it and answered before W5 was asked.
    const c = record.finalRuns.find((r) => r.runId === runs.c.runId)!;
    const w4 = record.visibility[W4]!;
    const w5 = record.visibility[W5]!;
    const call = { readAtMs: w4.count!.answeredAtMs, atMs: w4.count!.answeredAtMs, endMs: w5.invokedAtMs - 1, olderThanMs: 1, dryRun: false, outcome: "ok" as const, before: [], probes: [] };
    record.retention = [call];
    c.retained = { call: 0 };
    record.visibility.push({ filter: { status: "terminated" }, pageSize: 2, invokedAtMs: w5.count!.answeredAtMs + 1, answeredAtMs: w5.count!.answeredAtMs + 2, outcome: "ok", pages: [[]], count: { invokedAtMs: w5.count!.answeredAtMs + 3, answeredAtMs: w5.count!.answeredAtMs + 4, outcome: "ok", value: 0 } });
    expect(visibilityAgrees(record)).toEqual([]);
    // Listed (or counted) after the call answered: it was gone.
    record.visibility.at(-1)!.pages = [[row(runs.c, "terminated")]];
    record.visibility.at(-1)!.count!.value = 1;
    const found = details(record);
    expect(found).toContainEqual(expect.stringMatching(/^list #6 .* listed run \S+ terminated, but during the call it was removed by retention, never matching the filter/));
    expect(found).toContainEqual(expect.stringMatching(/^list #6 .* said 1: 0 runs matched throughout its window and 0 more may have$/));
    // Without the removal on record, leaving it out is flagged: the checker does not excuse a run that was not removed.
    const kept = visibleRecord().record;
    kept.visibility.push({ filter: { status: "terminated" }, pageSize: 2, invokedAtMs: 900_000, answeredAtMs: 900_001, outcome: "ok", pages: [[]] });
    expect(details(kept)).toEqual([expect.stringMatching(new RegExp(`does not list run ${runs.c.runId}`))]);
  });

  it("judges creation-time filters by the time in the run id (UUIDv7)", () => {
    expect(createdMsOf("01b8dac5-c9ff-7788-b21b-23393365c93f")).toBe(0x01b8dac5c9ff);
    expect(createdMsOf("run-1")).toBeNaN();
    const { record, runs } = visibleRecord();
    const createdMs = 1_893_456_004_000;
    const uuid = (ms: number, n: number) => {
      const hex = ms.toString(16).padStart(12, "0");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-00000000000${n}`;
    };
    const ids: Record<string, string> = { [runs.a.runId]: uuid(createdMs, 1), [runs.b.runId]: uuid(createdMs + 50, 2), [runs.c.runId]: uuid(createdMs + 5_000, 3) };
    const renamed = JSON.parse(JSON.stringify(record).replace(/"(run-\d+)"/g, (whole, id: string) => (ids[id] ? `"${ids[id]}"` : whole))) as SimRecord;
    const [a, b] = [ids[runs.a.runId]!, ids[runs.b.runId]!];
    const listed = (runId: string, status: RunStatus, stage: string): ListedRun => ({ runId, workflowId: "wf-chain", workflowType: "chain", status, searchAttributes: { [STAGE]: stage } });
    renamed.visibility.push({ filter: { startedAfterMs: createdMs, startedBeforeMs: createdMs + 1_000 }, pageSize: 5, invokedAtMs: 900_000, answeredAtMs: 900_001, outcome: "ok", pages: [[listed(b, "completed", "step-2"), listed(a, "continuedAsNew", "step-1")]] });
    expect(visibilityAgrees(renamed)).toEqual([]);
    // c was created 5 s later: outside the range, so listing it is wrong and leaving it out is right.
    renamed.visibility.at(-1)!.pages[0]!.unshift({ runId: ids[runs.c.runId]!, workflowId: "wf-cut", workflowType: "linear", status: "terminated", searchAttributes: null });
    expect(details(renamed)).toEqual([expect.stringMatching(/terminated, which does not match the filter$/)]);
    renamed.visibility.at(-1)!.pages[0]!.splice(0, 2);
    expect(details(renamed)).toEqual([expect.stringMatching(new RegExp(`does not list run ${b}`))]);
  });
});
