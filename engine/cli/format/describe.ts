/**
 * The human summary printed by `ratchet describe`: what state the run is in
 * and, when it is stuck, why (a task failure such as a non-determinism
 * error, an activity retrying with its last failure, a timer not yet due).
 */
import type { PendingActivityInfo, WorkflowDescription } from "../../client/client.ts";
import { failureHeadline, failureLines, inlineJson, isoTime } from "./values.ts";

export function describeLines(d: WorkflowDescription): string[] {
  const lines = [
    `workflow   ${d.workflowId}`,
    `run        ${d.runId}`,
    `type       ${d.workflowType}`,
    `queue      ${d.taskQueue}`,
    `status     ${d.status}${d.cancelRequested && d.status === "running" ? " (cancellation requested)" : ""}`,
    `created    ${isoTime(d.createdAtMs)}`,
  ];
  if (d.closedAtMs !== null) lines.push(`closed     ${isoTime(d.closedAtMs)}`);
  lines.push(`history    ${d.historyLength} event${d.historyLength === 1 ? "" : "s"}`);
  if (d.searchAttributes) lines.push(`attributes ${inlineJson(d.searchAttributes)}`);
  if (d.status === "completed") lines.push(`result     ${inlineJson(d.result)}`);
  if (d.failure) lines.push("failure", ...failureLines(d.failure, "  "));
  if (d.parent) lines.push(`parent     ${d.parent.workflowId} (run ${d.parent.runId}, #${d.parent.seq}), parentClosePolicy ${d.parent.closePolicy}`);
  if (d.continuedAsRunId !== undefined) lines.push(`continued as run ${d.continuedAsRunId}`);
  if (d.terminationReason !== undefined) lines.push(`terminated ${d.terminationReason}`);
  if (d.workflowTask) {
    const t = d.workflowTask;
    const retry = t.state === "backingOff" ? `, retries at ${isoTime(t.visibleAtMs)}` : "";
    lines.push(`workflow task  ${t.state}, ${attemptText(t.attempt)}${retry}`);
  }
  if (d.taskFailure) lines.push("task failure (the workflow code cannot make progress; it is retried)", ...failureLines(d.taskFailure, "  "));
  if (d.pendingActivities.length > 0) {
    lines.push(`pending activities (${d.pendingActivities.length})`);
    for (const a of d.pendingActivities) lines.push(...activityLines(a));
  }
  if (d.pendingTimers.length > 0) {
    lines.push(`pending timers (${d.pendingTimers.length})`);
    for (const t of d.pendingTimers) lines.push(`  #${t.seq} fires ${isoTime(t.fireAtMs)}`);
  }
  if (d.children.length > 0) {
    lines.push(`children (${d.children.length})`);
    for (const c of d.children) lines.push(`  ${c.workflowId} ${c.workflowType}: ${c.status} (run ${c.runId}, parentClosePolicy ${c.parentClosePolicy})`);
  }
  return lines;
}

function activityLines(a: PendingActivityInfo): string[] {
  const limit = a.maximumAttempts > 0 ? ` of ${a.maximumAttempts}` : " (unlimited attempts)";
  const when =
    a.state === "started" && a.leaseExpiresAtMs !== null
      ? `, lease until ${isoTime(a.leaseExpiresAtMs)}`
      : a.state === "backingOff" && a.nextAttemptAtMs !== null
        ? `, next attempt ${isoTime(a.nextAttemptAtMs)}`
        : "";
  const lines = [`  #${a.seq} ${a.activityType} on ${a.taskQueue}: ${a.state}, ${attemptText(a.attempt)}${limit}${when}`];
  if (a.lastFailure) lines.push(`    last failure: ${failureHeadline(a.lastFailure)}`);
  if (a.heartbeatDetails !== null && a.heartbeatDetails !== undefined) lines.push(`    heartbeat: ${inlineJson(a.heartbeatDetails)}`);
  return lines;
}

/** Attempts are counted when a task is claimed: 0 means no worker has picked it up yet. */
function attemptText(attempt: number): string {
  return attempt === 0 ? "not yet attempted" : `attempt ${attempt}`;
}
