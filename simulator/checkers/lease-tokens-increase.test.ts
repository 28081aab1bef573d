/**
 * lease-tokens-increase catches a token that goes down within one worker
 * incarnation, a token handed out twice (a claim that does not bump it), and
 * an activity completed under a token older than a later claim (completion
 * without the lease-token check); it does not flag claims that reach the
 * record out of commit order across workers (a claim reply delayed by the
 * network while a skewed worker re-claimed the task).
 */
import { describe, expect, it } from "vitest";
import type { ObservationRecord } from "../model.ts";
import { runCheckers } from "./index.ts";
import { leaseTokensIncrease } from "./lease-tokens-increase.ts";
import { cleanRecord, WORKER_1, WORKER_2 } from "./testing/clean-record.ts";

function claimOf(record: { observations: ObservationRecord[] }, workflowId: string, worker: string): ObservationRecord {
  const found = record.observations.find((o) => o.worker === worker && o.observation.type === "claimed" && o.observation.kind === "activity" && o.observation.workflowId === workflowId);
  if (!found) throw new Error(`no activity claim of ${workflowId} by ${worker}`);
  return found;
}

function setToken(o: ObservationRecord, leaseToken: number): void {
  if (o.observation.type !== "claimed") throw new Error("not a claim");
  o.observation.leaseToken = leaseToken;
}

describe("lease-tokens-increase", () => {
  it("flags a token that goes down within one incarnation", () => {
    const record = cleanRecord((sim) => {
      const run = sim.startWorkflow("wf-reclaimed");
      run.scheduleActivities(1);
      run.claim("activity", 1, WORKER_1);
      run.claim("activity", 1, WORKER_1);
    });
    const claims = record.observations.filter((o) => o.observation.type === "claimed" && o.observation.workflowId === "wf-reclaimed");
    setToken(claims[1]!, 0);
    const found = leaseTokensIncrease(record);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ check: "lease-tokens-increase", workflowId: "wf-reclaimed" });
    expect(found[0]!.detail).toMatch(/worker-1#1 claimed activity task \d+ with lease token 0 after claiming it with token 1/);
  });

  it("flags a token handed out twice", () => {
    const record = cleanRecord();
    setToken(claimOf(record, "wf-linear", "worker-2"), 1); // the retry's claim did not bump the token
    const details = leaseTokensIncrease(record).map((v) => v.detail);
    expect(details).toEqual(expect.arrayContaining([expect.stringMatching(/activity task \d+ was claimed 2 times with lease token 1/)]));
  });

  it("flags a completion under a token older than a later claim", () => {
    const record = cleanRecord((sim) => {
      const run = sim.startWorkflow("wf-unfenced");
      run.scheduleActivities(1);
      const stale = run.crashAfterEffect(1, WORKER_1);
      run.claim("activity", 1, WORKER_2);
      run.recordCompletion(1, stale);
    });
    const found = leaseTokensIncrease(record);
    expect(found.map((v) => v.workflowId)).toEqual(["wf-unfenced"]);
    expect(found[0]!.detail).toMatch(/worker-1#1 completed activity task \d+ \(seq 1\) with lease token 1, but the task was also claimed with a newer token/);
    expect(found[0]!.evidence).toEqual([expect.stringMatching(/activityCompleted .* token 1/), expect.stringMatching(/worker-2#1 claimed activity .* token 2/)]);
  });

  it("does not flag claims recorded out of commit order across workers", () => {
    const record = cleanRecord();
    // worker-1's claim (token 1) is heard only after worker-2's re-claim (token 2) and completion.
    const late = claimOf(record, "wf-linear", "worker-1");
    record.observations.splice(record.observations.indexOf(late), 1);
    const afterCompletion = record.observations.findIndex((o) => o.observation.type === "activityCompleted" && o.worker === "worker-2");
    record.observations.splice(afterCompletion + 1, 0, late);
    expect(leaseTokensIncrease(record)).toEqual([]);
    expect(runCheckers(record)).toEqual([]);
  });
});
