/**
 * pg-boss as a benchmark peer: each of its workloads runs against a real
 * PostgreSQL (DATABASE_URL) with tiny windows and yields a well-formed Result
 * in the right unit, with latency percentiles where it measures them; the
 * run's schema is dropped and its worker processes are gone afterwards. Both
 * consumers (the fetch loop, pg-boss's work()) run. Bad settings and foreign
 * workloads are refused before anything is created. (Speed is not asserted.)
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../../engine/errors.ts";
import type { WorkloadName } from "../../model.ts";
import { childProcessesRunning, expectWellFormed, runAndTrack, schemaExists } from "../graphile-worker/queue-checks.ts";
import { pgBoss } from "./pg-boss.ts";

const databaseUrl = process.env.DATABASE_URL ?? "";
const workerScript = fileURLToPath(new URL("./worker.ts", import.meta.url));
const tiny = { warmupMs: 300, windowMs: 1500 };

describe("pg-boss peer, without a database", () => {
  it("reports the installed version", async () => {
    expect(await pgBoss.version()).toMatch(/^10\./);
  });

  it("refuses a workload it does not run, and a malformed setting, before connecting", async () => {
    const request = { databaseUrl: "postgres://nobody@127.0.0.1:1/none", ...tiny };
    await expect(pgBoss.run({ ...request, workload: "churn", config: {} })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(pgBoss.run({ ...request, workload: "fanout", config: { consumer: "subscribe" } })).rejects.toThrow(/consumer/);
    // work() cannot poll faster than every 500 ms; the fetch loop keeps the same floor.
    await expect(pgBoss.run({ ...request, workload: "latency", config: { idlePollMs: 10 } })).rejects.toThrow(/idlePollMs/);
  });
});

describe.skipIf(!databaseUrl)("pg-boss peer on PostgreSQL", () => {
  const workloads: WorkloadName[] = ["fanout", "one-activity", "steps", "latency", "backlog"];
  it.each(workloads)("%s: a well-formed result, nothing left behind", async (workload) => {
    // Latency: a 500 ms poll gives a few samples a second, so a longer window and no gap between samples.
    const window = workload === "latency" ? { warmupMs: 300, windowMs: 3000 } : tiny;
    const config = { backlog: 2000, chains: 50, latencyGapMsMax: 0 };
    const { result, schema } = await runAndTrack(pgBoss, { databaseUrl, workload, config, ...window });
    expectWellFormed(result, "pg-boss", workload);
    expect(result.config).toMatchObject({ consumer: "fetch-loop", batchSize: 100 });
    // The fetch loop sees each completion commit, so end-to-end is measured in every workload.
    expect(result.endToEndMs).not.toBeNull();
    expect(schema).toMatch(/^bench_pgboss_[0-9a-f]{8}$/);
    expect(await schemaExists(databaseUrl, schema)).toBe(false);
    expect(childProcessesRunning(workerScript)).toEqual([]);
  });

  it("runs through pg-boss's own work() too", async () => {
    const { result, schema } = await runAndTrack(pgBoss, { databaseUrl, workload: "fanout", config: { consumer: "work" }, ...tiny });
    expectWellFormed(result, "pg-boss", "fanout");
    expect(result.config.consumer).toBe("work");
    expect(result.endToEndMs).toBeNull();
    expect(await schemaExists(databaseUrl, schema)).toBe(false);
    expect(childProcessesRunning(workerScript)).toEqual([]);
  });
});
