/**
 * The checker catalogue as a whole: a clean run that went through a crash
 * after an effect, a restart, refused and ambiguous starts, a pending
 * activity left by a completed workflow, a failed step and a workflow that
 * continued as new trips no checker;
 * ALL_CHECKERS lists every check of the model exactly once; runCheckers
 * reports by checker, then by workflow id.
 */
import { describe, expect, it } from "vitest";
import type { CheckName } from "../model.ts";
import { ALL_CHECKERS, runCheckers } from "./index.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

/** Every CheckName, once: `satisfies` fails to compile if the model adds or renames one. */
const CHECK_NAMES = Object.keys({
  "no-accepted-workflow-lost": true,
  "activity-attempted-at-least-once": true,
  "no-result-recorded-twice": true,
  "effect-exactly-once-per-completion": true,
  "history-contiguous-append-only": true,
  "lease-tokens-increase": true,
  "continue-as-new-chain": true,
  "child-workflow-linkage": true,
  "update-applied-once": true,
  "local-activity-recorded-once": true,
  "outbox-atomic": true,
  "schedule-fires-once": true,
  "version-branch-consistent": true,
  "fairness-key-inherited": true,
  "schedule-to-start-unstarted": true,
  "start-idempotent": true,
  "termination-final": true,
  "query-reflects-history": true,
  "visibility-agrees": true,
  "retention-spares-open": true,
  "namespace-isolated": true,
  "terminal-after-heal": true,
} satisfies Record<CheckName, true>);

describe("runCheckers", () => {
  it.each(ALL_CHECKERS.map((c) => [c.name, c] as const))("%s finds nothing in a clean run", (_name, checker) => {
    expect(checker.check(cleanRecord())).toEqual([]);
  });

  it("finds nothing in a clean run, all checkers together", () => {
    expect(runCheckers(cleanRecord())).toEqual([]);
  });

  it("does not change the record it reads", () => {
    const record = cleanRecord();
    const before = structuredClone(record);
    runCheckers(record);
    expect(record).toEqual(before);
  });

  it("orders violations by checker, then workflow id", () => {
    const record = cleanRecord();
    // Two accepted runs lost (their starts, and their activities' reported results, now point nowhere),
    // and wf-timer's status says running although its history is closed.
    record.finalRuns = record.finalRuns.filter((r) => r.workflowId !== "wf-saga" && r.workflowId !== "wf-fanout");
    runOf(record, "wf-timer").status = "running";
    const found = runCheckers(record).map((v) => [v.check, v.workflowId]);
    expect(found).toEqual([
      ["no-accepted-workflow-lost", "wf-fanout"],
      ["no-accepted-workflow-lost", "wf-saga"],
      ["activity-attempted-at-least-once", "wf-fanout"],
      ["activity-attempted-at-least-once", "wf-saga"],
      ["no-result-recorded-twice", "wf-timer"],
      ["terminal-after-heal", "wf-timer"],
    ]);
  });
});

describe("ALL_CHECKERS", () => {
  it("lists every check of the model once, each with a description", () => {
    expect([...ALL_CHECKERS.map((c) => c.name)].sort()).toEqual([...CHECK_NAMES].sort());
    for (const c of ALL_CHECKERS) expect(c.description.length).toBeGreaterThan(0);
  });
});
