/**
 * effect-exactly-once-per-completion catches two applied effects for one
 * step (keys made per attempt: a retry after the effect applies it again),
 * whether or not the step completed, and a completed step whose service said
 * ok although nothing was applied for it (two steps sharing a key); it does
 * not flag deduplicated retries (applied: false), a step that calls two
 * services once each, nor a completed step whose only call failed.
 */
import { describe, expect, it } from "vitest";
import { effectExactlyOncePerCompletion } from "./effect-exactly-once-per-completion.ts";
import { cleanRecord, WORKER_1, WORKER_2 } from "./testing/clean-record.ts";

describe("effect-exactly-once-per-completion", () => {
  it("flags two applied effects for one step, listing keys and attempts", () => {
    const record = cleanRecord((sim) => {
      const run = sim.startWorkflow("wf-per-attempt");
      run.scheduleActivities(1);
      run.crashAfterEffect(1, WORKER_1, { key: `${run.runId}:1#1` });
      run.runActivity(1, WORKER_2, { key: `${run.runId}:1#2` });
    });
    const found = effectExactlyOncePerCompletion(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "effect-exactly-once-per-completion", workflowId: "wf-per-attempt" });
    expect(found[0]!.detail).toMatch(/payments\.charge of step (run-\d+):1 was applied 2 times \(keys \1:1#1 and \1:1#2; attempts 1 and 2\)/);
    expect(found[0]!.evidence).toHaveLength(2);
  });

  it("flags two applied effects for a step that never completed", () => {
    const record = cleanRecord((sim) => {
      const run = sim.startWorkflow("wf-never-completed");
      run.scheduleActivities(1);
      run.crashAfterEffect(1, WORKER_1, { key: "k1" });
      run.crashAfterEffect(1, WORKER_2, { key: "k2" });
    });
    expect(effectExactlyOncePerCompletion(record).map((v) => v.workflowId)).toEqual(["wf-never-completed"]);
  });

  it("flags a completed step whose service said ok but applied nothing for it", () => {
    const record = cleanRecord((sim) => {
      const first = sim.startWorkflow("wf-key-owner");
      first.scheduleActivities(1);
      first.runActivity(1, WORKER_1, { key: "shared-key" });
      const second = sim.startWorkflow("wf-key-borrower");
      second.scheduleActivities(1);
      second.runActivity(1, WORKER_1, { key: "shared-key" });
    });
    const found = effectExactlyOncePerCompletion(record);
    expect(found.map((v) => v.workflowId)).toEqual(["wf-key-borrower"]);
    expect(found[0]!.detail).toMatch(/completed \(#\d+ ActivityCompleted\(seq 1, attempt 1\) .*\) and the service answered ok, but no call applied it for this step/);
  });

  it("does not flag deduplicated retries, two services in one step, or a completed step whose call failed", () => {
    const record = cleanRecord((sim) => {
      const run = sim.startWorkflow("wf-two-services");
      run.scheduleActivities(1, 2);
      const claim = run.claim("activity", 1);
      run.callService(1, claim, { service: "inventory", operation: "reserve" });
      run.callService(1, claim, { service: "payments", operation: "charge" });
      run.recordCompletion(1, claim);
      const swallowed = run.claim("activity", 2);
      run.recordCompletion(2, swallowed);
      sim.record.effects.push({ atMs: 1, service: "notifications", operation: "notify", key: `${run.runId}:2`, step: `${run.runId}:2`, workflowId: run.workflowId, attempt: 1, applied: false, outcome: "failed" });
    });
    expect(record.effects.some((e) => !e.applied && e.outcome === "ok")).toBe(true); // the clean run's deduplicated retry
    expect(effectExactlyOncePerCompletion(record)).toEqual([]);
  });
});
