/**
 * The visibility measurement on a small fill: every query shape runs, finds
 * what the fill's distribution says it must (so the timings are of correct
 * answers), and reports a plan. Timings are not asserted (noisy machine).
 */
import { describe, expect, it } from "vitest";
import { indexesIn, measureVisibility } from "./measure.ts";

const databaseUrl = process.env.DATABASE_URL;
const RUNS = 5_000;

/** How many of 1..RUNS satisfy `p`. */
const countOf = (p: (i: number) => boolean) => Array.from({ length: RUNS }, (_, k) => k + 1).filter(p).length;
const running = (i: number) => i % 101 === 0;
const failed = (i: number) => !running(i) && i % 103 === 0;

describe.skipIf(!databaseUrl)("visibility measurement (PostgreSQL)", () => {
  it("runs every shape against a fill whose answers are known", async () => {
    const report = await measureVisibility({ databaseUrl: databaseUrl!, runs: RUNS });
    const byQuery = new Map(report.results.map((r) => [r.query, r]));
    expect(report.runs).toBe(RUNS);
    expect(byQuery.get("count of a type")?.matches).toBe(countOf((i) => i % 10 === 3));
    expect(byQuery.get("count, failed")?.matches).toBe(countOf(failed));
    expect(byQuery.get("count of a type, running")?.matches).toBe(countOf((i) => i % 10 === 3 && running(i)));
    expect(byQuery.get("count, attribute customer")?.matches).toBe(countOf((i) => i % 2 === 0 && i % 1000 === 42));
    expect(byQuery.get("newest page, no filter")?.matches).toBe(100);
    for (const r of report.results) {
      expect(r.medianMs, r.query).toBeGreaterThan(0);
      expect(r.indexes.length, r.query).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe("indexesIn", () => {
  it("names the indexes a plan scans, and a table scan", () => {
    const plan = [{ Plan: { "Node Type": "Limit", Plans: [{ "Node Type": "Index Scan", "Index Name": "runs_by_type" }, { "Node Type": "Seq Scan" }] } }];
    expect(indexesIn(plan)).toEqual(["runs_by_type", "seq scan"]);
    expect(indexesIn(null)).toEqual([]);
  });
});
