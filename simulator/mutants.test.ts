/**
 * The checkers can fail: every planted bug (`--mutant NAME`) is caught
 * within a bounded sweep of a shipped scenario, by the check its bug
 * breaks, while the same sweep of the correct engine finds nothing.
 */
import { describe, expect, it } from "vitest";
import type { CheckName } from "./model.ts";
import { MUTANTS } from "./mutants.ts";
import { loadScenarioFile } from "./scenario.ts";
import { runSweep } from "./sweep.ts";

/** Where each bug shows, and the seeds a sweep may take to find it. */
const HUNTS: Record<string, { scenario: string; seeds: number; check: CheckName }> = {
  "unfenced-completion": { scenario: "clock-skew", seeds: 3, check: "no-result-recorded-twice" },
  "delete-before-record": { scenario: "db-restart", seeds: 3, check: "activity-attempted-at-least-once" },
  "effects-per-attempt": { scenario: "service-outage", seeds: 3, check: "effect-exactly-once-per-completion" },
  "static-lease-token": { scenario: "network-blip", seeds: 3, check: "lease-tokens-increase" },
  "lost-continuation": { scenario: "worker-crash", seeds: 2, check: "continue-as-new-chain" },
  "lost-child-result": { scenario: "worker-crash", seeds: 2, check: "child-workflow-linkage" },
  "ignored-parent-close": { scenario: "db-restart", seeds: 2, check: "child-workflow-linkage" },
  "reapplied-update": { scenario: "ambiguous-commit", seeds: 2, check: "update-applied-once" },
  "crossed-update-answer": { scenario: "network-blip", seeds: 2, check: "update-applied-once" },
  "lost-local-marker": { scenario: "worker-crash", seeds: 2, check: "local-activity-recorded-once" },
  "separate-transaction-start": { scenario: "ambiguous-commit", seeds: 2, check: "outbox-atomic" },
  "schedule-overlap-ignored": { scenario: "clock-skew", seeds: 2, check: "schedule-fires-once" },
  "schedule-buffer-not-drained": { scenario: "db-restart", seeds: 2, check: "schedule-fires-once" },
  "lost-schedule-wake": { scenario: "network-blip", seeds: 2, check: "schedule-fires-once" },
  "lost-patch-marker": { scenario: "network-blip", seeds: 2, check: "version-branch-consistent" },
  "started-activity-timeout": { scenario: "service-outage", seeds: 2, check: "schedule-to-start-unstarted" },
  "uninherited-fairness-key": { scenario: "worker-crash", seeds: 2, check: "fairness-key-inherited" },
  "unindexed-continued-run": { scenario: "network-blip", seeds: 3, check: "visibility-agrees" },
  "retention-ignores-open": { scenario: "db-restart", seeds: 2, check: "retention-spares-open" },
  "first-namespace-statements": { scenario: "network-blip", seeds: 2, check: "namespace-isolated" },
};

/** A hunt runs up to twice its seeds (the mutant's sweep, then the control's); a run takes 15-30 s on a busy 2-core machine. */
const RUN_TIMEOUT_MS = 60_000;

describe("planted bugs are caught", () => {
  it("every mutant has a hunt", () => {
    expect(Object.keys(HUNTS).sort()).toEqual(MUTANTS.map((m) => m.name).sort());
  });

  for (const mutant of MUTANTS) {
    const hunt = HUNTS[mutant.name]!;
    it(`${mutant.name}: caught by ${hunt.check} within ${hunt.seeds} seeds of ${hunt.scenario}`, async () => {
      const path = `scenarios/${hunt.scenario}.json`;
      const scenario = await loadScenarioFile(path);
      const hunted = await runSweep([{ scenario, path }], { from: 1, to: hunt.seeds }, { mutant: mutant.name, stopAtFirstFailure: true });
      expect(hunted.failures.length, `no seed of ${hunt.scenario} caught ${mutant.name}`).toBeGreaterThan(0);
      const caught = hunted.failures[0]!;
      expect(caught.checks).toContain(hunt.check);
      expect(caught.replay).toBe(`npx ratchet sim run ${path} --seed ${caught.seed} --mutant ${mutant.name}`);
      // The correct engine passes the very runs that caught the bug.
      const control = await runSweep([{ scenario, path }], { from: 1, to: caught.seed });
      expect(control.failures).toEqual([]);
    }, 2 * hunt.seeds * RUN_TIMEOUT_MS);
  }
});
