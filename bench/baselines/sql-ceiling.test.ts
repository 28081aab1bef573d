// Proves, against real PostgreSQL, that the raw SQL ceiling runs each of its
// workloads end to end and returns a well-formed Result in the right unit;
// that batch = 1 really is one row per transaction (two commits per task);
// that bad settings fail before anything is created; and that every run —
// including one whose worker connections are killed mid-window — drops its
// schema and leaves no child process behind. Tiny windows; no speed is
// asserted.
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WorkloadName } from "../model.ts";
import { delay } from "./child-group.ts";
import { BenchError } from "./errors.ts";
import { schemasLike, terminateSessions } from "./server.ts";
import { sqlCeiling } from "./sql-ceiling.ts";
import { childPidsOf, expectWellFormed } from "./testing.ts";

const databaseUrl = process.env.DATABASE_URL;
const QUICK = { warmupMs: 300, windowMs: 1500 };

describe.skipIf(!databaseUrl)("sql-ceiling on PostgreSQL", () => {
  let admin: pg.Client;
  let schemasBefore: string[];

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });

  const newSchemas = async () => (await schemasLike(admin, "bench_sql_")).filter((s) => !schemasBefore.includes(s));

  afterEach(async () => {
    expect(await newSchemas()).toEqual([]);
    expect(childPidsOf()).toEqual([]);
  });

  const cases: Array<{ workload: WorkloadName; unit: "tasks" | "steps"; config?: Record<string, number> }> = [
    { workload: "one-activity", unit: "tasks" },
    { workload: "fanout", unit: "tasks" },
    { workload: "backlog", unit: "tasks", config: { backlog: 5_000 } },
    { workload: "steps", unit: "steps" },
  ];
  for (const c of cases) {
    it(`runs ${c.workload} and reports ${c.unit}/s`, async () => {
      schemasBefore = await schemasLike(admin, "bench_sql_");
      const result = await sqlCeiling.run({ databaseUrl: databaseUrl!, workload: c.workload, config: c.config ?? {}, ...QUICK });
      expectWellFormed(result, { system: "sql-ceiling", workload: c.workload, unit: c.unit });
      expect(result.config).toMatchObject({ workers: 1, connections: 4, batch: 100, ...c.config });
      expect(result.scheduleToStartMs).not.toBeNull();
      expect(result.cpu).not.toBeNull();
    });
  }

  it("batch = 1 is one row per transaction: at least two write transactions per task (claim, complete)", async () => {
    schemasBefore = await schemasLike(admin, "bench_sql_");
    // Transaction ids, not pg_stat_database: backends flush commit counts up to a second late,
    // too coarse for a 1.5 s window. Every write transaction takes one id, immediately.
    const nextXid = async () => Number((await admin.query<{ x: string }>("SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x")).rows[0]!.x);
    const xidBefore = await nextXid();
    const result = await sqlCeiling.run({ databaseUrl: databaseUrl!, workload: "one-activity", config: { batch: 1, workers: 2, connections: 1 }, ...QUICK });
    const xids = (await nextXid()) - xidBefore;
    expectWellFormed(result, { system: "sql-ceiling", workload: "one-activity", unit: "tasks" });
    expect(result.config).toMatchObject({ batch: 1, workers: 2, connections: 1 });
    // The whole run (warm-up included) completed more rows than the window counted, each
    // with its own claim and its own delete; other sessions only add transactions.
    expect(xids / result.count).toBeGreaterThanOrEqual(2);
  });

  it("refuses bad settings and unknown workloads before creating anything", async () => {
    schemasBefore = await schemasLike(admin, "bench_sql_");
    const bad = await sqlCeiling.run({ databaseUrl: databaseUrl!, workload: "one-activity", config: { batch: 0 }, ...QUICK }).catch((e: unknown) => e);
    expect((bad as BenchError).code).toBe("INVALID_SETTING");
    const unknown = await sqlCeiling.run({ databaseUrl: databaseUrl!, workload: "latency", config: {}, ...QUICK }).catch((e: unknown) => e);
    expect((unknown as BenchError).code).toBe("WORKLOAD_NOT_SUPPORTED");
  });

  it("fails with CHILD_FAILED when its workers lose their connections mid-window, and still cleans up", async () => {
    schemasBefore = await schemasLike(admin, "bench_sql_");
    const running = sqlCeiling.run({ databaseUrl: databaseUrl!, workload: "one-activity", config: {}, warmupMs: 300, windowMs: 10_000 }).catch((e: unknown) => e);
    // Wait for the run's schema and its sessions, then end them from outside.
    let schema: string | undefined;
    for (let i = 0; i < 200 && !schema; i++) {
      schema = (await newSchemas())[0];
      if (!schema) await delay(50);
    }
    expect(schema).toBeDefined();
    await delay(1_500);
    await terminateSessions(admin, schema!);
    const err = await running;
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe("CHILD_FAILED");
  });
});
