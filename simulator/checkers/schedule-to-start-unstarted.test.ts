/**
 * schedule-to-start-unstarted catches a schedule-to-start timeout of an
 * activity a worker had claimed or reported on, one whose step called its
 * service, one that is not its activity's only result or not attempt 0, and
 * one whose activity asked for no such timeout; the clean record's deadline
 * workflow (one step timed out on an unserved queue, one started in time)
 * passes, and activity-attempted-at-least-once does not ask a claim of it.
 */
import { describe, expect, it } from "vitest";
import type { FinalRun, SimRecord } from "../model.ts";
import { activityAttemptedAtLeastOnce } from "./activity-attempted-at-least-once.ts";
import { scheduleToStartUnstarted } from "./schedule-to-start-unstarted.ts";
import { cleanRecord, runOf } from "./testing/clean-record.ts";

function deadline(record: SimRecord): FinalRun {
  return runOf(record, "wf-deadline");
}

function details(record: SimRecord): string[] {
  return scheduleToStartUnstarted(record).map((v) => v.detail);
}

/** A copy of the timeout of seq 1 recorded for seq 2 instead of its completion: the mutant's history. */
function timeOutStartedStep(record: SimRecord): FinalRun {
  const run = deadline(record);
  const timeout = run.history.find((e) => e.type === "ActivityFailed")!;
  const completed = run.history.findIndex((e) => e.type === "ActivityCompleted" && e.data.seq === 2);
  run.history[completed] = { ...structuredClone(timeout), eventId: run.history[completed]!.eventId, data: { ...structuredClone(timeout.data), seq: 2 } } as FinalRun["history"][number];
  return run;
}

describe("schedule-to-start-unstarted", () => {
  it("passes the clean record: a step timed out unstarted on an unserved queue, one started in time", () => {
    const record = cleanRecord();
    expect(deadline(record).history.filter((e) => e.type === "ActivityFailed").map((e) => e.data)).toEqual([expect.objectContaining({ seq: 1, attempt: 0, failure: expect.objectContaining({ timeoutType: "scheduleToStart" }) })]);
    expect(scheduleToStartUnstarted(record)).toEqual([]);
    expect(activityAttemptedAtLeastOnce(record)).toEqual([]);
  });

  it("flags a timeout of an activity a worker started and whose service was called, naming the reports and calls", () => {
    const record = cleanRecord();
    const run = timeOutStartedStep(record);
    const found = scheduleToStartUnstarted(record);
    expect(found.map((v) => v.detail)).toEqual([
      expect.stringMatching(/^activity seq 2 of run .* timed out \(scheduleToStart\) at \d+ ms, but a worker had started it: 2 attempt report\(s\)$/),
      expect.stringMatching(/^activity seq 2 of run .* timed out \(scheduleToStart\) at \d+ ms, but it had called its service 1 time\(s\)$/),
    ]);
    expect(found[0]).toMatchObject({ check: "schedule-to-start-unstarted", workflowId: "wf-deadline", runId: run.runId });
    expect(found[0]!.evidence).toEqual(expect.arrayContaining([expect.stringMatching(/claimed activity task \d+ seq 2 attempt 1/), expect.stringMatching(/activityCompleted task \d+ seq 2/)]));
    expect(found[1]!.evidence).toEqual(expect.arrayContaining([expect.stringMatching(/payments\.charge key .*:2 attempt 1: applied/)]));
  });

  it("flags a timeout recorded as a later attempt than 0", () => {
    const later = cleanRecord();
    const timeout = deadline(later).history.find((e) => e.type === "ActivityFailed")!;
    (timeout.data as { attempt: number }).attempt = 2;
    expect(details(later)).toEqual([expect.stringMatching(/timed out \(scheduleToStart\) at \d+ ms, but as attempt 2 among 1 results/)]);
  });

  it("flags a timeout of an activity that asked for none", () => {
    const record = cleanRecord();
    const scheduled = deadline(record).history.find((e) => e.type === "ActivityScheduled" && e.data.seq === 1)!;
    delete (scheduled.data as { options: { scheduleToStartTimeoutMs?: number } }).options.scheduleToStartTimeoutMs;
    expect(details(record)).toEqual([expect.stringMatching(/but its ActivityScheduled asked for no schedule-to-start timeout$/)]);
  });
});
