/**
 * The simulator's checkers: pure functions over a recorded run (SimRecord)
 * that return what they found wrong. Each lives in its own file, named after
 * its check, whose header says exactly what it asserts and why a correct
 * engine never trips it; they know nothing of the faults that were injected
 * (Jepsen and TigerBeetle keep checkers and fault models apart the same way).
 */
import type { CheckName, Checker, SimRecord, Violation } from "../model.ts";
import { activityAttemptedAtLeastOnce } from "./activity-attempted-at-least-once.ts";
import { childWorkflowLinkage } from "./child-workflow-linkage.ts";
import { continueAsNewChain } from "./continue-as-new-chain.ts";
import { effectExactlyOncePerCompletion } from "./effect-exactly-once-per-completion.ts";
import { fairnessKeyInherited } from "./fairness-key-inherited.ts";
import { historyContiguousAppendOnly } from "./history-contiguous-append-only.ts";
import { leaseTokensIncrease } from "./lease-tokens-increase.ts";
import { localActivityRecordedOnce } from "./local-activity-recorded-once.ts";
import { namespaceIsolated } from "./namespace-isolated.ts";
import { noAcceptedWorkflowLost } from "./no-accepted-workflow-lost.ts";
import { noResultRecordedTwice } from "./no-result-recorded-twice.ts";
import { outboxAtomic } from "./outbox-atomic.ts";
import { queryReflectsHistory } from "./query-reflects-history.ts";
import { retentionSparesOpen } from "./retention-spares-open.ts";
import { scheduleFiresOnce } from "./schedule-fires-once.ts";
import { scheduleToStartUnstarted } from "./schedule-to-start-unstarted.ts";
import { startIdempotent } from "./start-idempotent.ts";
import { terminalAfterHeal } from "./terminal-after-heal.ts";
import { terminationFinal } from "./termination-final.ts";
import { updateAppliedOnce } from "./update-applied-once.ts";
import { versionBranchConsistent } from "./version-branch-consistent.ts";
import { visibilityAgrees } from "./visibility-agrees.ts";

export { digestEvent, EVENT_DIGEST_HEX_CHARS } from "./history-contiguous-append-only.ts";
export {
  activityAttemptedAtLeastOnce,
  childWorkflowLinkage,
  continueAsNewChain,
  effectExactlyOncePerCompletion,
  historyContiguousAppendOnly,
  leaseTokensIncrease,
  localActivityRecordedOnce,
  noAcceptedWorkflowLost,
  noResultRecordedTwice,
  queryReflectsHistory,
  scheduleFiresOnce,
  startIdempotent,
  terminalAfterHeal,
  terminationFinal,
  updateAppliedOnce,
  outboxAtomic,
  versionBranchConsistent,
  scheduleToStartUnstarted,
  fairnessKeyInherited,
  visibilityAgrees,
  retentionSparesOpen,
  namespaceIsolated,
};

export interface CheckerEntry {
  name: CheckName;
  description: string;
  check: Checker;
}

/** Every checker, in the order runCheckers reports them: safety first, liveness last. */
export const ALL_CHECKERS: readonly CheckerEntry[] = [
  {
    name: "no-accepted-workflow-lost",
    description: "every accepted start has its run, beginning with WorkflowStarted; every run comes from an accepted or ambiguous start",
    check: noAcceptedWorkflowLost,
  },
  {
    name: "start-idempotent",
    description: "starts repeated with one request id were acknowledged with one run, and made no more runs than the request ids they carried",
    check: startIdempotent,
  },
  {
    name: "activity-attempted-at-least-once",
    description: "every activity result comes from a claimed attempt, every result a worker saw committed is in history, no scheduled activity is dropped by an open run",
    check: activityAttemptedAtLeastOnce,
  },
  {
    name: "no-result-recorded-twice",
    description: "at most one result per activity or timer, none after a cancellation or for no command; one terminal event, last, matching the run's status",
    check: noResultRecordedTwice,
  },
  {
    name: "effect-exactly-once-per-completion",
    description: "no step applies a service effect twice; a completed step whose service answered ok applied it once",
    check: effectExactlyOncePerCompletion,
  },
  {
    name: "local-activity-recorded-once",
    description: "a local activity's outcome is recorded once per seq, on a seq of its own; one that ran is recorded once its run moved past it; a recorded result is one a call returned",
    check: localActivityRecordedOnce,
  },
  {
    name: "history-contiguous-append-only",
    description: "every history is events 1..n; every history read during the run agrees with the final one",
    check: historyContiguousAppendOnly,
  },
  {
    name: "lease-tokens-increase",
    description: "each claim of a task has a new token, increasing per worker incarnation; a completed activity holds its task's newest token",
    check: leaseTokensIncrease,
  },
  {
    name: "query-reflects-history",
    description: "a query's answer never reports more than the run's history records, and later answers never go back",
    check: queryReflectsHistory,
  },
  {
    name: "termination-final",
    description: "an acknowledged termination leaves its run terminated with WorkflowTerminated last; no run is terminated that no termination explains",
    check: terminationFinal,
  },
  {
    name: "continue-as-new-chain",
    description: "a run that continued as new handed its workflow to the run it named, started as asked; every continued run has that predecessor",
    check: continueAsNewChain,
  },
  {
    name: "child-workflow-linkage",
    description:
      "a child started as its parent asked and names that parent; a parent hears exactly how its child's last run closed; after the heal, closes are delivered and a closed parent's policy ends its children",
    check: childWorkflowLinkage,
  },
  {
    name: "update-applied-once",
    description:
      "an update is requested, decided and answered at most once per run, however often it is asked; a rejected one never runs its handler; a completed run answered what it accepted; the caller is told what history records",
    check: updateAppliedOnce,
  },
  {
    name: "outbox-atomic",
    description: "a transactional start commits or rolls back with the application's write: every committed order has exactly one run started with it, no run exists for an order rolled back or never committed",
    check: outboxAtomic,
  },
  {
    name: "schedule-fires-once",
    description:
      "each fire time of a schedule starts at most one workflow, named for it; only its spec's fire times or a trigger start any; no workflow starts while another of the schedule runs (but under allowAll); describe's counts match its runs, and a close wakes the fires that wait",
    check: scheduleFiresOnce,
  },
  {
    name: "version-branch-consistent",
    description:
      "no workflow task fails with non-determinism across a deploy of patched code; a versioned run took the new branch exactly when its history records the patch, in its first task; runs begun before the deploy keep the old branch, runs started after it take the new",
    check: versionBranchConsistent,
  },
  {
    name: "schedule-to-start-unstarted",
    description: "an activity that timed out with TIMEOUT (scheduleToStart) was never started: no claim, no attempt report, no service call; it is its only result, attempt 0",
    check: scheduleToStartUnstarted,
  },
  {
    name: "fairness-key-inherited",
    description: "a run has the fairness key its start asked for, a continued run its predecessor's, a child its parent's, and every task of a run read during the run carried the run's key",
    check: fairnessKeyInherited,
  },
  {
    name: "visibility-agrees",
    description:
      "every page walk of list(filter) lists each run once, newest first, in a state its history had during the call and matching the filter, and every run that matched throughout the call; count lies within the runs that matched throughout and those that may have",
    check: visibilityAgrees,
  },
  {
    name: "retention-spares-open",
    description:
      "history retention removed only runs closed before its cutoff when it was called, whole windows of them, nothing on a dry run, as many as it said; a removed run is not found and a dropped window counts no runs; created partitions never overlap",
    check: retentionSparesOpen,
  },
  {
    name: "namespace-isolated",
    description:
      "no worker of one namespace claims or runs a task of a run in the other; a start acknowledged in the second namespace has its run in its schema and not in the first's, closed by the liveness deadline",
    check: namespaceIsolated,
  },
  {
    name: "terminal-after-heal",
    description: "every accepted workflow's run (its chain's last, and its children's) and every run a driver's schedule started is closed by the end of the liveness phase",
    check: terminalAfterHeal,
  },
];

/** Run every checker; violations ordered by checker (ALL_CHECKERS order), then workflow id, then as found. */
export function runCheckers(record: SimRecord): Violation[] {
  return ALL_CHECKERS.flatMap(({ check }) => [...check(record)].sort((a, b) => compareText(a.workflowId, b.workflowId)));
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
