/**
 * Cron in IANA time zones, across DST changes in three zones (Berlin and New
 * York in the northern spring and autumn, Sydney in the southern): a
 * fixed-time expression fires once a day — a skipped local time extrapolated
 * forward by the gap, a repeated one at its first occurrence only — and a
 * wildcard one follows the clock (nothing in the gap, both passes of the
 * repeated hour); away from transitions, a zone's fires are its wall clock's;
 * an unknown zone is INVALID_ARGUMENT naming it; UTC is the default.
 */
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { nextCronTime, nextCronTimeIn, parseCron } from "./cron.ts";
import { checkScheduleSpec, compileSpec, upcomingFires } from "./spec.ts";
import { checkTimeZone, instantsOfLocal, localMsOf } from "./zone.ts";

/** The next `count` fires of `expr` in `zone` after `fromIso`, as UTC ISO strings. */
function fires(expr: string, zone: string, fromIso: string, count: number): string[] {
  return upcomingFires(compileSpec(checkScheduleSpec({ cron: expr, timeZone: zone })), Date.parse(fromIso), count).map((t) => new Date(t).toISOString());
}

describe("time zones", () => {
  it("Europe/Berlin, spring forward (2026-03-29, 02:00 CET -> 03:00 CEST): a fixed time in the gap fires an hour later by the clock; a wildcard one skips it", () => {
    // 02:30 CET (01:30Z) the day before; 02:30 does not exist on the 29th: 03:30 CEST (01:30Z); then 02:30 CEST (00:30Z).
    expect(fires("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z", 3)).toEqual(["2026-03-28T01:30:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z"]);
    expect(fires("*/30 2 * * *", "Europe/Berlin", "2026-03-28T00:00:00Z", 4)).toEqual(["2026-03-28T01:00:00.000Z", "2026-03-28T01:30:00.000Z", "2026-03-30T00:00:00.000Z", "2026-03-30T00:30:00.000Z"]);
    // Every 30 minutes straight through the change: 01:30 CET (00:30Z), then 03:00 CEST (01:00Z).
    expect(fires("*/30 * * * *", "Europe/Berlin", "2026-03-29T00:10:00Z", 3)).toEqual(["2026-03-29T00:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T01:30:00.000Z"]);
    // Two local times that land on one instant (02:30 extrapolated, and 03:30) are one fire.
    expect(fires("30 2,3 * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", 2)).toEqual(["2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z"]);
  });

  it("Europe/Berlin, fall back (2026-10-25, 03:00 CEST -> 02:00 CET): a fixed time in the repeated hour fires once, a wildcard one in both passes", () => {
    expect(fires("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2)).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
    expect(fires("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:40:00Z", 6)).toEqual([
      "2026-10-25T00:00:00.000Z", // 02:00 CEST
      "2026-10-25T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T01:00:00.000Z", // 02:00 CET
      "2026-10-25T01:30:00.000Z", // 02:30 CET
      "2026-10-25T02:00:00.000Z",
      "2026-10-25T02:30:00.000Z",
    ]);
    // Asked from inside the repeated hour's first pass, a fixed time already fired that day does not fire again.
    expect(fires("30 2 * * *", "Europe/Berlin", "2026-10-25T00:30:00Z", 1)).toEqual(["2026-10-26T01:30:00.000Z"]);
  });

  it("America/New_York, both changes of 2026 (03-08 02:00 EST -> 03:00 EDT, 11-01 02:00 EDT -> 01:00 EST)", () => {
    expect(fires("30 2 * * *", "America/New_York", "2026-03-06T12:00:00Z", 3)).toEqual(["2026-03-07T07:30:00.000Z", "2026-03-08T07:30:00.000Z", "2026-03-09T06:30:00.000Z"]);
    expect(fires("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 2)).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
    // @hourly is a wildcard (hour field *): 01:00 fires in EDT and again in EST.
    expect(fires("@hourly", "America/New_York", "2026-11-01T03:30:00Z", 4)).toEqual(["2026-11-01T04:00:00.000Z", "2026-11-01T05:00:00.000Z", "2026-11-01T06:00:00.000Z", "2026-11-01T07:00:00.000Z"]);
    // Weekday and month fields read the local date: 23:00 New York on a Friday is Saturday in UTC.
    expect(fires("0 23 * * fri", "America/New_York", "2026-11-01T00:00:00Z", 1)).toEqual(["2026-11-07T04:00:00.000Z"]);
  });

  it("Australia/Sydney, the southern changes (2026-04-05 03:00 AEDT -> 02:00 AEST, 2026-10-04 02:00 AEST -> 03:00 AEDT)", () => {
    expect(fires("30 2 * * *", "Australia/Sydney", "2026-04-04T00:00:00Z", 2)).toEqual(["2026-04-04T15:30:00.000Z", "2026-04-05T16:30:00.000Z"]);
    expect(fires("30 2 * * *", "Australia/Sydney", "2026-10-02T12:00:00Z", 3)).toEqual(["2026-10-02T16:30:00.000Z", "2026-10-03T16:30:00.000Z", "2026-10-04T15:30:00.000Z"]);
  });

  it("instantsOfLocal: none in a gap, two in an overlap, one elsewhere", () => {
    const local = (iso: string) => Date.parse(iso);
    expect(instantsOfLocal("Europe/Berlin", local("2026-03-29T02:30:00Z")).instants).toEqual([]);
    expect(instantsOfLocal("Europe/Berlin", local("2026-10-25T02:30:00Z")).instants.map((t) => new Date(t).toISOString())).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-25T01:30:00.000Z"]);
    expect(instantsOfLocal("Asia/Kolkata", local("2026-10-25T02:30:00Z")).instants.map((t) => new Date(t).toISOString())).toEqual(["2026-10-24T21:00:00.000Z"]);
  });

  test.prop([fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), fc.constantFrom("*/7 * * * *", "15 */3 * * *", "0 9 * * mon-fri", "30 2 1,15 * *")], { numRuns: 60 })(
    "in a zone without DST, a fire is the wall clock's UTC match shifted by the offset",
    (after, expr) => {
      const cron = parseCron(expr);
      const local = nextCronTime(cron, localMsOf("Asia/Kolkata", after));
      expect(nextCronTimeIn(cron, after, "Asia/Kolkata")).toBe(local === null ? null : local - 5.5 * 3_600_000);
    },
  );

  it("UTC is the default; an unknown or malformed zone is INVALID_ARGUMENT naming the field", () => {
    expect(checkScheduleSpec({ cron: "@daily" }).timeZone).toBe("UTC");
    expect(checkTimeZone("Etc/UTC", "spec.timeZone")).toBe("UTC");
    expect(checkTimeZone("europe/berlin", "spec.timeZone")).toBe("Europe/Berlin");
    for (const bad of ["Mars/Olympus_Mons", "", 5, "x".repeat(65)]) {
      expect(() => checkScheduleSpec({ cron: "@daily", timeZone: bad })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT", details: expect.objectContaining({ field: "spec.timeZone" }) }));
    }
  });
});
