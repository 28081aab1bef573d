/**
 * The retention measurement on a tiny fill: the DROP path removes exactly the
 * older window's runs, and the DELETE path exactly the newer window's runs
 * and events, so the timings compare the same work. Timings are not asserted
 * (noisy machine).
 */
import { describe, expect, it } from "vitest";
import { measureRetention } from "./measure.ts";

const databaseUrl = process.env.DATABASE_URL;

describe.skipIf(!databaseUrl)("retention measurement (PostgreSQL)", () => {
  it("drops one window and deletes the other, each holding the same runs and events", async () => {
    const m = await measureRetention({ databaseUrl: databaseUrl!, runs: 500, events: 4 });
    expect(m.drop.runsRemoved).toBe(500);
    expect(m.delete).toMatchObject({ runs: 500, historyRows: 2_000 });
    for (const ms of [m.drop.ms, m.vacuumAfterDrop.ms, m.delete.ms, m.vacuumAfterDelete.ms]) expect(ms).toBeGreaterThan(0);
    expect(m.delete.walBytes).toBeGreaterThan(0);
  }, 60_000);
});
