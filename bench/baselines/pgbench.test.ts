// Proves, against real PostgreSQL, that the pgbench baseline runs the
// installed binary with its one-step-per-transaction script and returns a
// well-formed Result (commits/s, one server commit per transaction,
// per-transaction latency percentiles, the client's and the server's CPU),
// drops its schema, and leaves no process behind; and that a missing
// binary is a typed SYSTEM_UNAVAILABLE error raised before anything is
// created. Tiny windows; no speed is asserted.
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BenchError, SystemUnavailableError } from "./errors.ts";
import { findPgbench, pgbench } from "./pgbench.ts";
import { schemasLike } from "./server.ts";
import { childPidsOf, expectWellFormed } from "./testing.ts";

const databaseUrl = process.env.DATABASE_URL;

describe.skipIf(!databaseUrl)("pgbench baseline on PostgreSQL", () => {
  let admin: pg.Client;
  let schemasBefore: string[];

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });
  afterEach(async () => {
    expect((await schemasLike(admin, "bench_pgbench_")).filter((s) => !schemasBefore.includes(s))).toEqual([]);
    expect(childPidsOf()).toEqual([]);
  });

  it.skipIf(!findPgbench())("measures commits/s of one queue step per transaction", async () => {
    schemasBefore = await schemasLike(admin, "bench_pgbench_");
    expect(await pgbench.version()).toMatch(/^pgbench \(PostgreSQL\) \d+/);
    const result = await pgbench.run({ databaseUrl: databaseUrl!, workload: "commits", config: { clients: 2 }, warmupMs: 300, windowMs: 1500 });
    expectWellFormed(result, { system: "pgbench", workload: "commits", unit: "commits" });
    expect(result.config).toMatchObject({ clients: 2, threads: 2, queryMode: "prepared", seconds: 2, warmupSeconds: 1 });
    // Each pgbench transaction is one commit; other sessions on the database only add to it.
    expect(result.commitsPerUnit!).toBeGreaterThanOrEqual(0.95);
    expect(result.endToEndMs!.samples).toBe(result.count);
    expect(result.scheduleToStartMs).toBeNull();
    expect(result.notes.join("\n")).toMatch(/latency average [\d.]+ ms/);
  });

  it("says pgbench is unavailable, before creating anything, when the binary is missing", async () => {
    schemasBefore = await schemasLike(admin, "bench_pgbench_");
    const saved = process.env.RATCHET_PGBENCH;
    process.env.RATCHET_PGBENCH = "/nonexistent/bin/pgbench";
    try {
      const err = await pgbench.run({ databaseUrl: databaseUrl!, workload: "commits", config: {}, warmupMs: 0, windowMs: 1000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SystemUnavailableError);
      expect((err as BenchError).code).toBe("SYSTEM_UNAVAILABLE");
      expect((err as BenchError).message).toContain("/nonexistent/bin/pgbench");
      await expect(pgbench.version()).rejects.toBeInstanceOf(SystemUnavailableError);
    } finally {
      if (saved === undefined) delete process.env.RATCHET_PGBENCH;
      else process.env.RATCHET_PGBENCH = saved;
    }
  });
});
