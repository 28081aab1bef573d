/**
 * Prebuilt histories for the replay micro-benchmarks: a workflow of N
 * sequential activities, with the history its live execution records.
 *
 * Each step is three events (WorkflowTaskCompleted, ActivityScheduled,
 * ActivityCompleted) after WorkflowStarted, so 1 + 3k events; 10, 100 and
 * 1,000 are all of that form. Replaying it runs every activation (k + 1
 * turns of the event loop) and decides CompleteWorkflow, as the workflow
 * task after the last activity would. The events are built as the store
 * writes them (data parsed, as loadRunWithHistory returns it), without
 * replaying k times to produce them; assertCompletes checks that a replay
 * of one decided what the live run would (no non-determinism error).
 */
import { assert } from "../../engine/assert.ts";
import type { HistoryEvent } from "../../engine/history/events.ts";
import { resolveActivityOptions } from "../../engine/workflow/options.ts";
import { replayWorkflowTask, type ReplayOutcome } from "../../engine/workflow/replay.ts";
import type { WorkflowFunction, WorkflowInfo } from "../../engine/workflow/types.ts";

/** Events per step of a sequential workflow. */
const EVENTS_PER_STEP = 3;
const T0_MS = Date.UTC(2026, 0, 1);
const STEP_MS = 10;

export interface ReplayFixture {
  info: WorkflowInfo;
  fn: WorkflowFunction;
  history: HistoryEvent[];
  /** The live activation's time. */
  nowMs: number;
  steps: number;
}

export function sequentialWorkflow(steps: number): WorkflowFunction {
  return async (ctx) => {
    for (let i = 0; i < steps; i++) await ctx.activity("step", i);
    return steps;
  };
}

/** A finished sequential workflow's history of exactly `eventCount` events (1 + 3k). */
export function sequentialHistory(eventCount: number): ReplayFixture {
  assert(Number.isInteger(eventCount) && eventCount >= 1 && (eventCount - 1) % EVENTS_PER_STEP === 0, `eventCount ${eventCount} is not 1 + ${EVENTS_PER_STEP}k`);
  const steps = (eventCount - 1) / EVENTS_PER_STEP;
  const info: WorkflowInfo = { workflowId: `micro-replay-${eventCount}`, runId: "00000000-0000-7000-8000-000000000000", workflowType: "sequential", taskQueue: "micro" };
  const options = resolveActivityOptions(undefined, info.taskQueue);
  const history: HistoryEvent[] = [];
  const add = (event: Omit<HistoryEvent, "eventId">) => history.push({ ...event, eventId: history.length + 1 } as HistoryEvent);
  add({ type: "WorkflowStarted", atMs: T0_MS, data: { workflowId: info.workflowId, workflowType: info.workflowType, taskQueue: info.taskQueue, input: null, randomSeed: "micro" } });
  for (let i = 0; i < steps; i++) {
    const seq = i + 1;
    const atMs = T0_MS + seq * STEP_MS;
    // The task that scheduled this step had seen everything before it.
    add({ type: "WorkflowTaskCompleted", atMs, data: { processedUpTo: history.length, workerId: "micro" } });
    add({ type: "ActivityScheduled", atMs, data: { seq, activityType: "step", input: i, options } });
    add({ type: "ActivityCompleted", atMs: atMs + 1, data: { seq, result: null, attempt: 1 } });
  }
  assert(history.length === eventCount, `built ${history.length} events, wanted ${eventCount}`);
  return { info, fn: sequentialWorkflow(steps), history, nowMs: T0_MS + (steps + 1) * STEP_MS, steps };
}

export function replayFixture(fixture: ReplayFixture): Promise<ReplayOutcome> {
  return replayWorkflowTask({ info: fixture.info, fn: fixture.fn, history: fixture.history, nowMs: fixture.nowMs });
}

/** What replaying a whole sequential history must decide: the workflow completes with its step count. */
export function assertCompletes(outcome: ReplayOutcome, fixture: ReplayFixture): void {
  if (outcome.kind !== "decided") throw new Error(`replay of ${fixture.history.length} events failed: ${outcome.error.message}`);
  const [command, ...rest] = outcome.commands;
  assert(
    rest.length === 0 && command?.type === "CompleteWorkflow" && command.resultJson === String(fixture.steps),
    `replay of ${fixture.history.length} events decided ${JSON.stringify(outcome.commands)}, not CompleteWorkflow(${fixture.steps})`,
  );
}
