/**
 * graphile-worker as a benchmark peer: each of its workloads runs against a
 * real PostgreSQL (DATABASE_URL) with tiny windows and yields a well-formed
 * Result in the right unit, with latency percentiles where it measures them;
 * the run's schema is dropped and its worker processes are gone afterwards.
 * A worker process that dies fails the run, which still cleans up. Bad
 * settings and foreign workloads are refused before anything is created.
 * (Speed is not asserted: the machine is shared and noisy.)
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../engine/errors.ts";
import type { WorkloadName } from "../../model.ts";
import { graphileWorker } from "./graphile-worker.ts";
import { childProcessesRunning, expectWellFormed, runAndTrack, schemaExists } from "./queue-checks.ts";

const databaseUrl = process.env.DATABASE_URL ?? "";
const workerScript = fileURLToPath(new URL("./worker.ts", import.meta.url));
const tiny = { warmupMs: 300, windowMs: 1500 };

describe("graphile-worker peer, without a database", () => {
  it("reports the installed version", async () => {
    expect(await graphileWorker.version()).toMatch(/^0\.17\./);
  });

  it("refuses a workload it does not run, and a malformed setting, before connecting", async () => {
    const request = { databaseUrl: "postgres://nobody@127.0.0.1:1/none", ...tiny };
    await expect(graphileWorker.run({ ...request, workload: "commits", config: {} })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(graphileWorker.run({ ...request, workload: "fanout", config: { localQueueSize: "big" } })).rejects.toThrow(/localQueueSize/);
    await expect(graphileWorker.run({ ...request, workload: "fanout", config: { workers: 0 } })).rejects.toThrow(/workers/);
  });
});

describe.skipIf(!databaseUrl)("graphile-worker peer on PostgreSQL", () => {
  const workloads: WorkloadName[] = ["fanout", "one-activity", "steps", "latency", "backlog"];
  it.each(workloads)("%s: a well-formed result, nothing left behind", async (workload) => {
    const { result, schema } = await runAndTrack(graphileWorker, { databaseUrl, workload, config: { backlog: 2000, chains: 50 }, ...tiny });
    expectWellFormed(result, "graphile-worker", workload);
    expect(result.config.localQueueSize).toBe(500);
    expect(result.config.completeJobBatchDelay).toBe(0);
    if (workload === "latency") expect(result.endToEndMs).not.toBeNull();
    else expect(result.endToEndMs).toBeNull();
    if (workload === "backlog") expect(result.config.backlog).toBe(2000);
    expect(schema).toMatch(/^bench_gw_[0-9a-f]{8}$/);
    expect(await schemaExists(databaseUrl, schema)).toBe(false);
    expect(childProcessesRunning(workerScript)).toEqual([]);
  });

  it("fails the run when a worker process dies, and still cleans up", async () => {
    let schema = "";
    const run = graphileWorker.run({
      databaseUrl,
      workload: "fanout",
      config: {},
      warmupMs: 300,
      windowMs: 5_000,
      progress: (line) => {
        schema = /creating schema (\S+)/.exec(line)?.[1] ?? schema;
        if (line.includes("measuring")) for (const pid of childProcessesRunning(workerScript)) process.kill(pid, "SIGKILL");
      },
    });
    await expect(run).rejects.toThrow(/exited unexpectedly/);
    expect(await schemaExists(databaseUrl, schema)).toBe(false);
    expect(childProcessesRunning(workerScript)).toEqual([]);
  });

  it("runs with graphile-worker's own defaults too, and two worker processes", async () => {
    const config = { localQueueSize: -1, completeJobBatchDelay: -1, failJobBatchDelay: -1, concurrency: 1, workers: 2 };
    const { result, schema } = await runAndTrack(graphileWorker, { databaseUrl, workload: "fanout", config, ...tiny });
    expectWellFormed(result, "graphile-worker", "fanout");
    expect(result.config).toMatchObject(config);
    expect(await schemaExists(databaseUrl, schema)).toBe(false);
    expect(childProcessesRunning(workerScript)).toEqual([]);
  });
});
