// Proves, against real PostgreSQL, that the DBOS peer runs each of its
// workloads with the installed @dbos-inc/dbos-sdk in worker processes and
// returns a well-formed Result in the right unit, with the workers' counts
// cross-checked against DBOS's own tables; that the latency workload is one
// workflow at a time whatever the config asks; and that every run drops its
// own system database and leaves no process behind. Tiny windows; no speed
// is asserted.
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WorkloadName } from "../../model.ts";
import { BenchError } from "../../baselines/errors.ts";
import { databasesLike } from "../../baselines/server.ts";
import { childPidsOf, expectWellFormed } from "../../baselines/testing.ts";
import { dbos, withDatabase } from "./dbos.ts";

const databaseUrl = process.env.DATABASE_URL;
const QUICK = { warmupMs: 300, windowMs: 1500 };

describe("dbos peer without a server", () => {
  it("reports the installed package's version", async () => {
    expect(await dbos.version()).toMatch(/^5\.\d+\.\d+/);
  });

  it("points DBOS at its own database on the same server", () => {
    expect(withDatabase("postgres://u:p@db.example:6543/app?sslmode=disable", "bench_dbos_ab")).toBe("postgres://u:p@db.example:6543/bench_dbos_ab?sslmode=disable");
    expect(() => withDatabase("host=localhost dbname=x", "bench_dbos_ab")).toThrow(BenchError);
  });
});

describe.skipIf(!databaseUrl)("dbos peer on PostgreSQL", () => {
  let admin: pg.Client;
  let databasesBefore: string[];

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });
  afterEach(async () => {
    expect((await databasesLike(admin, "bench_dbos_")).filter((d) => !databasesBefore.includes(d))).toEqual([]);
    expect(childPidsOf()).toEqual([]);
  });

  const cases: Array<{ workload: WorkloadName; unit: "workflows" | "steps" }> = [
    { workload: "one-activity", unit: "workflows" },
    { workload: "steps", unit: "steps" },
  ];
  for (const c of cases) {
    it(`runs ${c.workload} and reports ${c.unit}/s, agreeing with DBOS's tables`, async () => {
      databasesBefore = await databasesLike(admin, "bench_dbos_");
      const result = await dbos.run({ databaseUrl: databaseUrl!, workload: c.workload, config: { concurrency: 10 }, ...QUICK });
      expectWellFormed(result, { system: "dbos", workload: c.workload, unit: c.unit });
      expect(result.config).toMatchObject({ workers: 1, concurrency: 10, connections: 10, stepsPerWorkflow: c.workload === "steps" ? 10 : 1 });
      expect(result.scheduleToStartMs).not.toBeNull();
      expect(result.endToEndMs).not.toBeNull();
      // The parent's reading of DBOS's tables at the window's edges is within a few units of the workers' count.
      const crossCheck = /gained (\d+) .* the workers counted (\d+)/.exec(result.notes.join("\n"));
      expect(crossCheck).not.toBeNull();
      expect(Math.abs(Number(crossCheck![1]) - Number(crossCheck![2]))).toBeLessThanOrEqual(Math.max(20, result.count * 0.1));
    });
  }

  it("runs latency one workflow at a time, whatever the config asks", async () => {
    databasesBefore = await databasesLike(admin, "bench_dbos_");
    const result = await dbos.run({ databaseUrl: databaseUrl!, workload: "latency", config: { workers: 3, concurrency: 40 }, ...QUICK });
    expectWellFormed(result, { system: "dbos", workload: "latency", unit: "workflows" });
    expect(result.config).toMatchObject({ workers: 1, concurrency: 1 });
    expect(result.scheduleToStartMs!.p50).toBeLessThanOrEqual(result.endToEndMs!.p50);
  });

  it("refuses workloads DBOS does not run here, before creating anything", async () => {
    databasesBefore = await databasesLike(admin, "bench_dbos_");
    const err = await dbos.run({ databaseUrl: databaseUrl!, workload: "fanout", config: {}, ...QUICK }).catch((e: unknown) => e);
    expect((err as BenchError).code).toBe("WORKLOAD_NOT_SUPPORTED");
  });
});
