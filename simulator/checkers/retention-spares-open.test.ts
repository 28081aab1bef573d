/**
 * retention-spares-open passes a record where retention removed a window of
 * runs all closed before its cutoff, held nothing it should not, and a dry
 * run changed nothing — and every other checker reads the removed runs as
 * retained, not lost. It flags a removed run that was running or closed
 * after the cutoff, a dry run that removed something, a dropped window that
 * left a run behind or held an open one, a removal outside the dropped
 * windows, a wrong count, a removed run still found, and overlapping
 * partitions.
 */
import { describe, expect, it } from "vitest";
import type { FinalRun, RetentionRecord, SimRecord } from "../model.ts";
import { runCheckers } from "./index.ts";
import { retentionSparesOpen } from "./retention-spares-open.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

/** Run ids created in [0, WINDOW_END_MS) are in the first window; the rest later. */
const WINDOW_END_MS = 1_000;
const OLD = ["wf-linear", "wf-timer", "wf-saga"];

/**
 * The clean record, with retention: call 0 dropped the first window (the
 * runs of OLD, all closed, created before WINDOW_END_MS) with its runs;
 * call 1, a dry run, would drop nothing; windows created never overlap.
 */
function retainedRecord(): SimRecord {
  const record = cleanRecord();
  const old = record.finalRuns.filter((r) => OLD.includes(r.workflowId));
  const cutoffMs = Math.max(WINDOW_END_MS, ...old.map((r) => r.closedAtMs!)) + 100;
  const before = record.finalRuns.map((r) => ({ runId: r.runId, workflowId: r.workflowId, status: r.status, closedAtMs: r.closedAtMs, createdAtMs: OLD.includes(r.workflowId) ? 10 : WINDOW_END_MS + 10 }));
  for (const run of old) run.retained = { call: 0 };
  const window = { partition: "history_20300101_000000", fromMs: 0, toMs: WINDOW_END_MS };
  const call: RetentionRecord = {
    readAtMs: cutoffMs + 1_000,
    atMs: cutoffMs + 1_000,
    endMs: cutoffMs + 1_050,
    olderThanMs: 1_000,
    dryRun: false,
    outcome: "ok",
    report: { cutoffMs, dropped: [{ ...window, runs: old.length }], heldBack: [], runsRemoved: old.length, partitionsNewer: 1, defaultPartitionRows: 0 },
    before,
    probes: [
      { what: "describe", workflowId: old[0]!.workflowId, runId: old[0]!.runId, outcome: "notFound" },
      { what: "count", fromMs: 0, toMs: WINDOW_END_MS, outcome: "ok", count: 0 },
    ],
  };
  const left = before.filter((r) => !OLD.includes(r.workflowId));
  const dry: RetentionRecord = {
    ...call,
    readAtMs: call.endMs + 10,
    atMs: call.endMs + 10,
    endMs: call.endMs + 20,
    dryRun: true,
    report: { ...call.report!, cutoffMs: call.endMs - 990, dropped: [], runsRemoved: 0 },
    before: left,
    probes: [],
  };
  record.retention = [call, dry];
  record.partitionCalls = [
    { atMs: 0, windowMs: WINDOW_END_MS, outcome: "ok", created: [{ ...window, movedRows: 0 }, { partition: "history_20300101_000001", fromMs: WINDOW_END_MS, toMs: 2 * WINDOW_END_MS, movedRows: 0 }] },
    { atMs: call.atMs, windowMs: WINDOW_END_MS, outcome: "info", error: "CONNECTION_LOST: reset" },
  ];
  return record;
}

function details(record: SimRecord): string[] {
  return retentionSparesOpen(record).map((v) => `${v.workflowId}: ${v.detail}`);
}

const retained = (record: SimRecord, workflowId: string): FinalRun => runOf(record, workflowId);

describe("retention-spares-open", () => {
  it("passes a drop of a window of runs closed before the cutoff, and a dry run that changed nothing", () => {
    expect(retentionSparesOpen(retainedRecord())).toEqual([]);
  });

  it("leaves the other checkers reading the removed runs as they read any other", () => {
    expect(runCheckers(retainedRecord())).toEqual([]);
  });

  it("flags a removed run that was running when the call was made", () => {
    const record = retainedRecord();
    const run = retained(record, "wf-timer");
    const seen = record.retention[0]!.before.find((r) => r.runId === run.runId)!;
    seen.status = "running";
    seen.closedAtMs = null;
    const found = details(record);
    expect(found).toContain(`wf-timer: retention call 0 at ${record.retention[0]!.atMs} ms (older than 1000 ms, ok) removed run ${run.runId} of wf-timer, which was still running`);
    expect(found.some((d) => d.includes("dropped window history_20300101_000000 [0, 1000) ms, which held run") && d.includes("was still running"))).toBe(true);
  });

  it("flags a removed run that closed after the cutoff", () => {
    const record = retainedRecord();
    const run = retained(record, "wf-saga");
    const cutoffMs = record.retention[0]!.report!.cutoffMs;
    record.retention[0]!.before.find((r) => r.runId === run.runId)!.closedAtMs = cutoffMs + 5;
    expect(details(record)).toContain(
      `wf-saga: retention call 0 at ${record.retention[0]!.atMs} ms (older than 1000 ms, ok) removed run ${run.runId} of wf-saga, which closed at ${cutoffMs + 5} ms, not before the cutoff ${cutoffMs} ms`,
    );
  });

  it("judges a call whose answer was lost by the latest cutoff it could have had", () => {
    const record = retainedRecord();
    const call = record.retention[0]!;
    delete call.report;
    call.outcome = "info";
    call.error = "CONNECTION_LOST: the reply was lost";
    expect(retentionSparesOpen(record)).toEqual([]);
    const run = retained(record, "wf-linear");
    call.before.find((r) => r.runId === run.runId)!.closedAtMs = call.endMs - call.olderThanMs;
    expect(details(record)).toEqual([expect.stringContaining(`removed run ${run.runId} of wf-linear, which closed at ${call.endMs - 1_000} ms, not before the cutoff ${call.endMs - 1_000} ms`)]);
  });

  it("flags a dry run that removed a run", () => {
    const record = retainedRecord();
    retained(record, "wf-timer").retained = { call: 1 };
    record.retention[1]!.before.push(record.retention[0]!.before.find((r) => r.workflowId === "wf-timer")!);
    expect(details(record)).toContainEqual(expect.stringMatching(/^wf-timer: retention call 1 at \d+ ms \(dry run, older than 1000 ms, ok\) removed run .* a dry run changes nothing$/));
  });

  it("flags a dropped window that left a run behind: a run without its history", () => {
    const record = retainedRecord();
    delete retained(record, "wf-saga").retained;
    record.retention[0]!.report!.runsRemoved -= 1;
    expect(details(record)).toEqual([expect.stringMatching(/^wf-saga: retention call 0 .* dropped window history_20300101_000000 \[0, 1000\) ms, yet run .* in it is still there: a run without its history$/)]);
  });

  it("flags a run removed outside the windows dropped, and a count that does not match", () => {
    const record = retainedRecord();
    retained(record, "wf-chain").retained = { call: 0 };
    const found = details(record);
    expect(found).toContainEqual(expect.stringMatching(/^wf-chain: retention call 0 .* removed run .*, outside every window it reported dropping$/));
    expect(found).toContainEqual(expect.stringMatching(/reported 3 run\(s\) removed, and 4 went$/));
  });

  it("flags a dropped window that ends after the cutoff, or held a run closed after it", () => {
    const record = retainedRecord();
    const report = record.retention[1]!.report!;
    report.dropped = [{ partition: "history_20300101_000001", fromMs: WINDOW_END_MS, toMs: report.cutoffMs + 1, runs: 1 }];
    const found = details(record);
    expect(found).toContainEqual(expect.stringMatching(/dry run.*dropped window history_20300101_000001 .*, which ends after its cutoff/));
    // The dry run's window holds every run left, some still open or closed late.
    expect(found.filter((d) => d.includes("which held run")).length).toBeGreaterThan(0);
  });

  it("flags a removed run still described, and a dropped window that still counts runs", () => {
    const record = retainedRecord();
    record.retention[0]!.probes[0] = { ...record.retention[0]!.probes[0]!, outcome: "found", status: "completed" } as RetentionRecord["probes"][number];
    record.retention[0]!.probes[1] = { what: "count", fromMs: 0, toMs: WINDOW_END_MS, outcome: "ok", count: 2 };
    const found = details(record);
    expect(found).toContainEqual(expect.stringMatching(/^wf-linear: after retention call 0 .*, run .* of wf-linear was removed with its window, yet describe found it \(completed\)$/));
    expect(found).toContainEqual(expect.stringMatching(/dropped window \[0, 1000\) ms still counts 2 run\(s\)$/));
  });

  it("flags partitions created over one another", () => {
    const record = retainedRecord();
    record.partitionCalls.push({ atMs: 5, windowMs: 2 * WINDOW_END_MS, outcome: "ok", created: [{ partition: "history_20300101_000000_500", fromMs: 500, toMs: 1_500, movedRows: 0 }] });
    const found = details(record);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/history partitions history_20300101_000000 \[0, 1000\) ms and history_20300101_000000_500 \[500, 1500\) ms overlap$/);
  });
});
