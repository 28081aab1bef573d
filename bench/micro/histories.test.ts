// The replay benchmarks time what they say: each prebuilt history has exactly
// the named number of events, replays to the decision the live run would make
// (CompleteWorkflow), and a history the code no longer matches is caught by
// the per-iteration check instead of being timed as a fast failure.
import { describe, expect, it } from "vitest";
import { assertCompletes, replayFixture, sequentialHistory } from "./histories.ts";
import { REPLAY_EVENT_COUNTS } from "./replay-tasks.ts";

describe("replay fixtures", () => {
  it.each([...REPLAY_EVENT_COUNTS])("a %i-event history replays to CompleteWorkflow", async (events) => {
    const fixture = sequentialHistory(events);
    expect(fixture.history).toHaveLength(events);
    expect(fixture.history.map((e) => e.eventId)).toEqual(Array.from({ length: events }, (_, i) => i + 1));
    const outcome = await replayFixture(fixture);
    expect(outcome).toMatchObject({ kind: "decided", processedUpTo: events, commands: [{ type: "CompleteWorkflow", resultJson: String(fixture.steps) }] });
    expect(() => assertCompletes(outcome, fixture)).not.toThrow();
  });

  it("a history the code does not match fails the check (non-determinism is not timed as a fast replay)", async () => {
    const fixture = sequentialHistory(10);
    const scheduled = fixture.history.find((e) => e.type === "ActivityScheduled")!;
    (scheduled.data as { activityType: string }).activityType = "renamed";
    const outcome = await replayFixture(fixture);
    expect(outcome.kind).toBe("taskFailed");
    expect(() => assertCompletes(outcome, fixture)).toThrow(/NON_DETERMINISM|failed/);
  });

  it("refuses an event count that is not 1 + 3k", () => {
    expect(() => sequentialHistory(11)).toThrow(/1 \+ 3k/);
  });
});
