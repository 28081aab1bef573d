/**
 * The latency driver's rendezvous with the worker processes' job reports:
 * a report that arrives before the driver asks for it is not lost.
 */
import { describe, expect, it } from "vitest";
import { JobsDone } from "./queue-processes.ts";

describe("JobsDone", () => {
  it("a report that arrives before the wait is kept for it", async () => {
    const jobs = new JobsDone();
    jobs.done(7, 12);
    jobs.done(8, null);
    await expect(jobs.wait(7, 10_000)).resolves.toBe(12);
    await expect(jobs.wait(8, 10_000)).resolves.toBeNull();
  });

  it("a wait resolves when its report comes, and only its own", async () => {
    const jobs = new JobsDone();
    const seven = jobs.wait(7, 10_000);
    jobs.done(6, 1);
    jobs.done(7, 3);
    await expect(seven).resolves.toBe(3);
    await expect(jobs.wait(6, 10_000)).resolves.toBe(1);
  });

  it("a wait without a report times out; a failure rejects every wait", async () => {
    const jobs = new JobsDone();
    await expect(jobs.wait(1, 20)).rejects.toThrow(/latency job 1 was not processed within 20 ms/);
    const a = jobs.wait(2, 10_000);
    const b = jobs.wait(3, 10_000);
    jobs.failAll(new Error("worker died"));
    await expect(a).rejects.toThrow("worker died");
    await expect(b).rejects.toThrow("worker died");
  });
});
