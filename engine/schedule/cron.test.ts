import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { nextCronTime, parseCron, type Cron } from "./cron.ts";

const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The reference: every minute after `after`, checked field by field against the cron's sets. */
function bruteForce(cron: Cron, after: number, minutes: number): number | null {
  for (let t = Math.floor(after / MINUTE) * MINUTE + MINUTE, i = 0; i < minutes; t += MINUTE, i++) {
    const d = new Date(t);
    const dom = cron.daysOfMonth.has(d.getUTCDate());
    const dow = cron.daysOfWeek.has(d.getUTCDay());
    const day = cron.domRestricted && cron.dowRestricted ? dom || dow : dom && dow;
    if (cron.minutes.has(d.getUTCMinutes()) && cron.hours.has(d.getUTCHours()) && cron.months.has(d.getUTCMonth() + 1) && day) return t;
  }
  return null;
}

describe("cron expressions", () => {
  it("parses values, ranges, steps, lists, names and macros", () => {
    const c = parseCron("*/15 9-17 1,15 jan-mar mon-fri");
    expect([...c.minutes]).toEqual([0, 15, 30, 45]);
    expect([...c.hours]).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect([...c.daysOfMonth]).toEqual([1, 15]);
    expect([...c.months]).toEqual([1, 2, 3]);
    expect([...c.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect([...parseCron("5/20 * * * 7").minutes]).toEqual([5, 25, 45]);
    expect([...parseCron("0 0 * * 7").daysOfWeek]).toEqual([0]);
    expect(parseCron("@daily")).toMatchObject({ minutes: new Set([0]), hours: new Set([0]) });
  });

  it("finds the next fire", () => {
    const every5 = parseCron("*/5 * * * *");
    expect(iso(nextCronTime(every5, at("2026-11-29T10:03:12Z")))).toBe("2026-11-29T10:05:00.000Z");
    // Strictly after: a time on the minute is not its own next fire.
    expect(iso(nextCronTime(every5, at("2026-11-29T10:05:00Z")))).toBe("2026-11-29T10:10:00.000Z");
    expect(iso(nextCronTime(parseCron("0 0 1 1 *"), at("2026-11-29T10:00:00Z")))).toBe("2027-01-01T00:00:00.000Z");
    // Leap day: the next one is in 2028.
    expect(iso(nextCronTime(parseCron("30 6 29 2 *"), at("2026-03-01T00:00:00Z")))).toBe("2028-02-29T06:30:00.000Z");
    // Day-of-month OR day-of-week when both are restricted: the 13th, or any Friday.
    expect(iso(nextCronTime(parseCron("0 12 13 * fri"), at("2026-11-01T00:00:00Z")))).toBe("2026-11-06T12:00:00.000Z");
    // Never: 30 February.
    expect(nextCronTime(parseCron("0 0 30 2 *"), at("2026-01-01T00:00:00Z"))).toBeNull();
  });

  it("refuses malformed expressions with a typed error naming the field", () => {
    for (const [bad, why] of [
      ["* * * *", /expected 5 fields/],
      ["60 * * * *", /minute value 60 is outside 0-59/],
      ["* * * foo *", /month value "foo" is not a number or a name/],
      ["*/0 * * * *", /minute step "0" must be a positive integer/],
      ["5-1 * * * *", /minute range "5-1" runs backwards/],
      ["@sometimes", /unknown macro/],
      ["1,,2 * * * *", /minute field "1,,2" is malformed/],
    ] as const) {
      expect(() => parseCron(bad)).toThrow(why);
      expect(() => parseCron(bad)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
  });

  const field = (min: number, max: number) =>
    fc.oneof(
      fc.constant("*"),
      fc.integer({ min, max }).map(String),
      fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.integer({ min: 1, max: 7 }).map((s) => `*/${s}`),
      fc.array(fc.integer({ min, max }), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(",")),
    );
  const expression = fc.tuple(field(0, 59), field(0, 23), field(1, 31), fc.constantFrom("*", "1-6", "*/2", "11"), field(0, 6)).map((f) => f.join(" "));

  test.prop([expression, fc.integer({ min: at("2026-01-01T00:00:00Z"), max: at("2027-12-31T00:00:00Z") })], { numRuns: 60 })(
    "agrees with a minute-by-minute search over a year",
    (source, after) => {
      const cron = parseCron(source);
      const reference = bruteForce(cron, after, 366 * 24 * 60);
      const next = nextCronTime(cron, after);
      if (reference !== null) expect(iso(next)).toBe(iso(reference));
      else expect(next === null || next - after > 365 * 24 * 3600 * 1000).toBe(true);
    },
  );
});
