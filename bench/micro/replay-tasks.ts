/**
 * The replay micro-benchmarks: replayWorkflowTask over a prebuilt history of
 * 10, 100 and 1,000 events, no database. Every replay must decide what the
 * live run would (CompleteWorkflow), checked on each iteration: a replay that
 * failed fast would otherwise look fast.
 */
import { assertCompletes, replayFixture, sequentialHistory } from "./histories.ts";
import type { MicroTaskSpec } from "./task-spec.ts";

export const REPLAY_EVENT_COUNTS = [10, 100, 1_000] as const;

export function replayTasks(): MicroTaskSpec[] {
  return REPLAY_EVENT_COUNTS.map((events) => {
    const fixture = sequentialHistory(events);
    return {
      name: `replay ${events} events`,
      usesDatabase: false,
      fn: async () => assertCompletes(await replayFixture(fixture), fixture),
    };
  });
}
