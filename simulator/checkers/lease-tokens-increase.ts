/**
 * lease-tokens-increase: every claim of a task hands out a new, higher
 * fencing token, and a completed activity was completed under the newest.
 *
 * Asserts, over the "claimed" and "activityCompleted" observations:
 * 1. unique: no two claims of one task id carry the same lease token, across
 *    all workers and incarnations;
 * 2. increasing: the claims of one task that one worker incarnation reports
 *    carry strictly increasing tokens in record order;
 * 3. fenced: an "activityCompleted" names a token that the same incarnation
 *    claimed for that task, and no claim of that task carries a higher one.
 *
 * Why it is sound: the claim query bumps lease_token in the statement that
 * leases the task, under the row lock, and nothing lowers it; task ids are
 * never reused (an identity column), so every committed claim of a task gets
 * a token above all earlier ones (1). An incarnation claims tasks of one kind
 * from one poll loop, one claim query at a time, and reports each claim
 * synchronously when its query returns, so its reports follow commit order
 * (2). Completing an activity deletes its task only under the current token
 * (README, Guarantees 4): a newer claim committed first would have fenced the
 * completion off, and a deleted task cannot be claimed again (3).
 *
 * Why not "increasing in record order across all workers", which is what the
 * model's "lease tokens only increase" first suggests: the record orders
 * claims by when a worker *heard* of them, not by when they committed. A
 * claim's reply delayed by a network fault can arrive after another worker
 * (whose clock runs ahead, say) re-claimed the task, and the correct engine
 * then shows tokens 6, 5 in record order. Rules 1 and 3 catch what a global
 * order would (a claim that does not bump the token; a completion that
 * ignores it) without that false positive.
 */
import type { CheckName, Checker, Violation } from "../model.ts";
import { describeObservation } from "./evidence.ts";
import { groupBy, incarnationOf, observationsOfType, workflowIdLookup, type ObservationOf } from "./record-index.ts";

const CHECK: CheckName = "lease-tokens-increase";

type Claim = ObservationOf<"claimed">;
type Problem = { runId: string } & Pick<Violation, "detail" | "evidence">;

export const leaseTokensIncrease: Checker = (record) => {
  const workflowIdOf = workflowIdLookup(record);
  const claimsByTask = groupBy(observationsOfType(record, "claimed"), (c) => c.observation.taskId);
  const problems = [
    ...[...claimsByTask.values()].flatMap((claims) => [...repeatedTokens(claims), ...decreasingTokens(claims)]),
    ...observationsOfType(record, "activityCompleted").flatMap((done) => unfencedCompletion(done, claimsByTask.get(done.observation.taskId) ?? [])),
  ];
  return problems.map(({ runId, ...rest }) => ({ check: CHECK, workflowId: workflowIdOf(runId), runId, ...rest }));
};

/** `claims`: every claim of one task. */
function repeatedTokens(claims: readonly Claim[]): Problem[] {
  const byToken = groupBy(claims, (c) => c.observation.leaseToken);
  return [...byToken.values()]
    .filter((same) => same.length > 1)
    .map((same) => {
      const o = same[0]!.observation;
      return { runId: o.runId, detail: `${o.kind} task ${o.taskId} was claimed ${same.length} times with lease token ${o.leaseToken}`, evidence: same.map(describeObservation) };
    });
}

/** `claims`: every claim of one task, in record order. */
function decreasingTokens(claims: readonly Claim[]): Problem[] {
  const byIncarnation = groupBy(claims, incarnationOf);
  return [...byIncarnation.entries()].flatMap(([incarnation, own]) =>
    own.slice(1).flatMap((claim, i) => {
      const before = own[i]!;
      if (claim.observation.leaseToken >= before.observation.leaseToken) return [];
      const o = claim.observation;
      return [
        {
          runId: o.runId,
          detail: `${incarnation} claimed ${o.kind} task ${o.taskId} with lease token ${o.leaseToken} after claiming it with token ${before.observation.leaseToken}`,
          evidence: [describeObservation(before), describeObservation(claim)],
        },
      ];
    }),
  );
}

/** `claims`: every claim of the completed task. */
function unfencedCompletion(done: ObservationOf<"activityCompleted">, claims: readonly Claim[]): Problem[] {
  const o = done.observation;
  const own = claims.some((c) => incarnationOf(c) === incarnationOf(done) && c.observation.leaseToken === o.leaseToken);
  const newer = claims.filter((c) => c.observation.leaseToken > o.leaseToken);
  const what = `${incarnationOf(done)} completed activity task ${o.taskId} (seq ${o.seq}) with lease token ${o.leaseToken}`;
  const problems: Problem[] = [];
  if (!own) problems.push({ runId: o.runId, detail: `${what}, a token it never claimed that task with`, evidence: [describeObservation(done), ...claims.map(describeObservation)] });
  if (newer.length > 0) {
    problems.push({
      runId: o.runId,
      detail: `${what}, but the task was also claimed with a newer token: the completion was not fenced off`,
      evidence: [describeObservation(done), ...newer.map(describeObservation)],
    });
  }
  return problems;
}
