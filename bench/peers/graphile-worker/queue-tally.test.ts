/**
 * The worker-process tally of the queue peers: a steps chain is `stepsDepth`
 * jobs long and ends once; every finished job counts, while latency samples
 * are kept only inside the window, at most LATENCY_SAMPLES_MAX of them; in
 * the steps workload end-to-end is the whole chain's, taken at its last step.
 */
import { describe, expect, it } from "vitest";
import { LATENCY_SAMPLES_MAX, endsChain, nextStep, type ChildMessage, type JobPayload, type QueueWorkerSettings } from "./queue-protocol.ts";
import { JobTally } from "./queue-tally.ts";

const settings = (overrides: Partial<QueueWorkerSettings>): QueueWorkerSettings => ({
  connectionString: "",
  schema: "s",
  concurrency: 1,
  stepsDepth: 0,
  reportEachJob: false,
  ...overrides,
});

describe("steps chains", () => {
  it("a chain runs stepsDepth jobs, carries its start and padding, and ends once", () => {
    let job: JobPayload | null = { t: 100, d: 1, s: 100, p: "xx" };
    const seen: JobPayload[] = [];
    for (let now = 101; job; now++) {
      seen.push(job);
      job = nextStep(job, 10, now);
    }
    expect(seen.map((j) => j.d)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seen.every((j) => j.s === 100 && j.p === "xx")).toBe(true);
    expect(seen.filter((j) => endsChain(j, 10))).toHaveLength(1);
    expect(nextStep({ t: 1 }, 10, 2)).toBeNull();
  });
});

describe("JobTally", () => {
  it("counts every job but samples latencies only inside the window", () => {
    const tally = new JobTally(settings({}), () => {});
    tally.started({ t: 0 }, 5);
    tally.finished({ t: 0 }, 7);
    expect(tally.mark("start")).toMatchObject({ completed: 1, startLatenciesMs: [], endToEndMs: [] });
    tally.started({ t: 10 }, 13);
    tally.finished({ t: 10 }, 20);
    tally.finished({ t: 10 }, null);
    expect(tally.mark("end")).toEqual({ completed: 3, chainsDone: 0, startLatenciesMs: [3], endToEndMs: [10] });
    tally.started({ t: 0 }, 1);
    expect(tally.mark("end").startLatenciesMs).toEqual([]);
  });

  it("in the steps workload, end-to-end is the chain's, at its last step", () => {
    const tally = new JobTally(settings({ stepsDepth: 2 }), () => {});
    tally.mark("start");
    tally.finished({ t: 100, d: 1, s: 100 }, 110);
    tally.finished({ t: 110, d: 2, s: 100 }, 125);
    expect(tally.mark("end")).toMatchObject({ completed: 2, chainsDone: 1, endToEndMs: [25] });
  });

  it("reports each job at once in the latency workload", () => {
    const sent: ChildMessage[] = [];
    const tally = new JobTally(settings({ reportEachJob: true }), (m) => sent.push(m));
    tally.finished({ t: 1, n: 7 }, 4);
    expect(sent).toEqual([{ type: "job-done", n: 7, endToEndMs: 3 }]);
  });

  it("keeps at most LATENCY_SAMPLES_MAX samples of each kind", () => {
    const tally = new JobTally(settings({}), () => {});
    tally.mark("start");
    for (let i = 0; i < LATENCY_SAMPLES_MAX + 5_000; i++) tally.started({ t: 0 }, i);
    expect(tally.mark("end").startLatenciesMs).toHaveLength(LATENCY_SAMPLES_MAX);
  });
});
