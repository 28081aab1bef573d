/**
 * One line per history event for `ratchet history`: id, time, type, and the
 * few fields that say what happened. --json has everything.
 */
import type { HistoryEvent } from "../../history/events.ts";
import { failureHeadline, inlineJson, isoTime } from "./values.ts";

export function historyLine(event: HistoryEvent): string {
  const summary = eventSummary(event);
  return `${String(event.eventId).padStart(5)}  ${isoTime(event.atMs)}  ${event.type.padEnd(23)}${summary ? `  ${summary}` : ""}`;
}

export function eventSummary(event: HistoryEvent): string {
  switch (event.type) {
    case "WorkflowStarted":
      return `${event.data.workflowType} on ${event.data.taskQueue}, input ${inlineJson(event.data.input)}`;
    case "WorkflowTaskCompleted":
      return `by ${event.data.workerId}, saw events up to ${event.data.processedUpTo}`;
    case "WorkflowTaskFailed":
      return `attempt ${event.data.attempt} by ${event.data.workerId}: ${failureHeadline(event.data.failure)}`;
    case "ActivityScheduled":
      return `#${event.data.seq} ${event.data.activityType} on ${event.data.options.taskQueue}, input ${inlineJson(event.data.input)}`;
    case "ActivityCompleted":
      return `#${event.data.seq} attempt ${event.data.attempt}, result ${inlineJson(event.data.result)}`;
    case "ActivityFailed":
      return `#${event.data.seq} attempt ${event.data.attempt}: ${failureHeadline(event.data.failure)}`;
    case "ActivityCancelled":
    case "TimerFired":
    case "TimerCancelled":
      return `#${event.data.seq}`;
    case "TimerStarted":
      return `#${event.data.seq} ${event.data.durationMs} ms, fires ${isoTime(event.data.fireAtMs)}`;
    case "SignalReceived":
      return `${event.data.name}, payload ${inlineJson(event.data.payload)}`;
    case "WorkflowCancelRequested":
    case "WorkflowCancelled":
      return `reason ${JSON.stringify(event.data.reason)}`;
    case "WorkflowCompleted":
      return `result ${inlineJson(event.data.result)}`;
    case "WorkflowFailed":
      return failureHeadline(event.data.failure);
    case "ChildWorkflowInitiated":
      return `#${event.data.seq} ${event.data.workflowType} "${event.data.workflowId}" on ${event.data.taskQueue}, parentClosePolicy ${event.data.parentClosePolicy}, input ${inlineJson(event.data.input)}`;
    case "ChildWorkflowStarted":
      return `#${event.data.seq} "${event.data.workflowId}" run ${event.data.runId}`;
    case "ChildWorkflowStartFailed":
      return `#${event.data.seq} "${event.data.workflowId}" is already running (run ${event.data.runningRunId})`;
    case "ChildWorkflowCancelRequested":
      return `#${event.data.seq} "${event.data.workflowId}"`;
    case "ChildWorkflowCompleted":
      return `#${event.data.seq} run ${event.data.runId}, result ${inlineJson(event.data.result)}`;
    case "ChildWorkflowFailed":
      return `#${event.data.seq} run ${event.data.runId} ${event.data.status}: ${failureHeadline(event.data.failure)}`;
    default:
      // An event type newer than this CLI: show its data rather than nothing.
      return inlineJson((event as { data?: unknown }).data);
  }
}
