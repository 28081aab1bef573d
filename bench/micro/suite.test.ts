// The micro-suite measures what it names: a quick run on PGlite (and on
// PostgreSQL when DATABASE_URL is set) returns every task, in order, with
// positive, finite, self-consistent numbers and a ratio only for database
// tasks; and every timed claim leased exactly the batch its name says. No
// speed is asserted: these machines are shared and noisy.
import { describe, expect, it } from "vitest";
import type { MicroResult } from "../model.ts";
import { MICRO_SETTINGS, MICRO_TASK_NAMES, runMicroSuite } from "./suite.ts";

async function quickRun(database: string): Promise<{ results: MicroResult[]; claims: Map<string, number[]>; progress: string[] }> {
  const claims = new Map<string, number[]>();
  const progress: string[] = [];
  const results = await runMicroSuite({
    database,
    quick: true,
    progress: (line) => progress.push(line),
    onClaim: (name, claimed) => claims.set(name, [...(claims.get(name) ?? []), claimed]),
  });
  return { results, claims, progress };
}

function expectSane(results: MicroResult[], kind: "pglite" | "postgres"): void {
  expect(results.map((r) => r.name)).toEqual([...MICRO_TASK_NAMES]);
  for (const r of results) {
    expect(r.database, r.name).toBe(kind);
    for (const value of [r.opsPerSecond, r.meanMs, r.p99Ms]) {
      expect(Number.isFinite(value) && value > 0, `${r.name}: ${JSON.stringify(r)}`).toBe(true);
    }
    // ops/s is the reciprocal of the mean (both rounded).
    expect(Math.abs(r.opsPerSecond - 1_000 / r.meanMs) / r.opsPerSecond, r.name).toBeLessThan(0.01);
    expect(Number.isInteger(r.samples) && r.samples >= MICRO_SETTINGS.quick.task.iterations, `${r.name} samples ${r.samples}`).toBe(true);
    if (r.name.startsWith("replay")) expect(r.vsBaseline, r.name).toBeNull();
    else expect(r.vsBaseline !== null && r.vsBaseline > 0, `${r.name} vsBaseline ${r.vsBaseline}`).toBe(true);
  }
  expect(results[0]!.vsBaseline).toBe(1);
}

function expectFullClaims(claims: Map<string, number[]>, results: MicroResult[]): void {
  for (const batch of [1, 10, 100]) {
    const name = `claim ${batch}`;
    const counts = claims.get(name) ?? [];
    // Warm-up iterations claim too, so there are at least as many claims as samples.
    expect(counts.length, name).toBeGreaterThanOrEqual(results.find((r) => r.name === name)!.samples);
    expect(new Set(counts), name).toEqual(new Set([batch]));
  }
}

describe("micro-suite on PGlite", () => {
  it("returns every named task with sane fields, and each claim leases a full batch", async () => {
    const { results, claims, progress } = await quickRun("pglite");
    expectSane(results, "pglite");
    expectFullClaims(claims, results);
    expect(progress[0]).toMatch(/^micro: pglite/);
    expect(progress.filter((line) => / ops\/s, mean /.test(line))).toHaveLength(MICRO_TASK_NAMES.length);
    // The baseline is measured in bursts around every database task (7 tasks, so 8 bursts), pooled.
    expect(progress.find((line) => line.startsWith("micro 1/11 round trip (SELECT 1):"))).toMatch(/\(8 bursts\)$/);
  });

  it("refuses a database that is neither pglite nor a postgres:// URL", async () => {
    await expect(runMicroSuite({ database: "mysql://localhost/x", quick: true })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe.skipIf(!process.env.DATABASE_URL)("micro-suite on PostgreSQL (DATABASE_URL)", () => {
  it("returns every named task with sane fields, and each claim leases a full batch", async () => {
    const { results, claims } = await quickRun(process.env.DATABASE_URL!);
    expectSane(results, "postgres");
    expectFullClaims(claims, results);
  });
});
