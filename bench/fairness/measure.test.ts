/**
 * The fairness measurement on a small backlog: oldest first, B's workflows
 * finish only after (nearly) all of A's (their tasks are younger than every
 * one of A's); fairly, they finish while most of A's backlog still waits. Counts,
 * not timings, are asserted (noisy machine).
 */
import { describe, expect, it } from "vitest";
import { measureFairness } from "./measure.ts";

const databaseUrl = process.env.DATABASE_URL;

describe.skipIf(!databaseUrl)("fairness measurement (PostgreSQL)", () => {
  it("B waits for all of A oldest first, and for little of it fairly", async () => {
    const report = await measureFairness({ databaseUrl: databaseUrl!, backlog: 600, small: 5 });
    const [fifo, fair] = report.modes;
    expect(fifo!.mode).toBe("oldest-first");
    // B's workflow tasks are younger than all of A's, so they are claimed with A's last claim batch and
    // run beside A's last workflow tasks (20 at a time): up to that many of A's may finish after B.
    // The rest of A's 600 finish first. (Exactly 600 held only while recording transactions happened
    // to finish in claim order; it read 595 once transactions were grouped.)
    expect(fifo!.aCompletedWhileB).toBeGreaterThanOrEqual(600 - 20);
    expect(fifo!.aCompletedWhileB).toBeLessThanOrEqual(600);
    expect(fair!.mode).toBe("fair");
    expect(fair!.aCompletedWhileB).toBeLessThan(300);
    expect(report.ratios.bP50).toBeGreaterThan(0);
  }, 120_000);
});
