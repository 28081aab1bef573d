// Proves that a run's config is checked where it enters and reported whole:
// defaults fill in, out-of-range or mistyped values are INVALID_SETTING
// errors naming the key, knobs a system does not read are kept in the
// result's config and named in a note, and run identifiers are fresh, valid
// and safe to quote.
import { describe, expect, it } from "vitest";
import { BenchError } from "./errors.ts";
import { checkDurations, checkWorkload, quoteIdentifier, runIdentifier, Settings } from "./settings.ts";

describe("Settings", () => {
  it("fills defaults, keeps given values, and records facts", () => {
    const s = new Settings({ workers: 2 });
    expect(s.int("workers", 1, 1, 8)).toBe(2);
    expect(s.int("batch", 100, 1, 1000)).toBe(100);
    expect(s.bool("notify", true)).toBe(true);
    expect(s.onOff("synchronousCommit", true)).toBe(true);
    expect(s.choice("queryMode", "prepared", ["prepared", "simple"] as const)).toBe("prepared");
    s.fact("stepsDepth", 10);
    expect(s.ignored()).toEqual({ config: { workers: 2, batch: 100, notify: true, synchronousCommit: "on", queryMode: "prepared", stepsDepth: 10 }, notes: [] });
  });

  it('takes synchronous_commit as true/false or "on"/"off", and reports "on"/"off"', () => {
    const s = new Settings({ a: "off", b: false, c: "on" });
    expect([s.onOff("a", true), s.onOff("b", true), s.onOff("c", false), s.onOff("d", true)]).toEqual([false, false, true, true]);
    expect(s.resolved).toEqual({ a: "off", b: "off", c: "on", d: "on" });
    expect(() => new Settings({ a: "local" }).onOff("a", true)).toThrow(/"on", "off", true or false/);
  });

  it("rejects values out of range or of the wrong type, naming the key", () => {
    const bad = (config: Record<string, string | number | boolean>, read: (s: Settings) => unknown) => {
      const err = (() => {
        try {
          read(new Settings(config));
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(BenchError);
      expect((err as BenchError).code).toBe("INVALID_SETTING");
      return (err as BenchError).message;
    };
    expect(bad({ workers: 0 }, (s) => s.int("workers", 1, 1, 8))).toContain("workers=0");
    expect(bad({ workers: 1.5 }, (s) => s.int("workers", 1, 1, 8))).toContain("whole number");
    expect(bad({ workers: "2" }, (s) => s.int("workers", 1, 1, 8))).toContain('workers="2"');
    expect(bad({ notify: "yes" }, (s) => s.bool("notify", true))).toContain("true or false");
    expect(bad({ queryMode: "fast" }, (s) => s.choice("queryMode", "prepared", ["prepared", "simple"]))).toContain("one of prepared, simple");
  });

  it("keeps knobs it did not read, and says they were ignored", () => {
    const s = new Settings({ workers: 1, notify: false, partitions: 4 });
    s.int("workers", 1, 1, 8);
    expect(s.ignored()).toEqual({ config: { workers: 1, notify: false, partitions: 4 }, notes: ["not applicable to this system, ignored: notify, partitions"] });
  });
});

describe("run checks and identifiers", () => {
  it("refuses workloads a system does not run, and impossible windows", () => {
    expect(() => checkWorkload("pgbench", "steps", ["commits"])).toThrow(/pgbench does not run the steps workload/);
    expect(() => checkDurations(0, 0)).toThrow(/windowMs/);
    expect(() => checkDurations(-1, 10)).toThrow(/warmupMs/);
    expect(() => checkDurations(0, 10)).not.toThrow();
  });

  it("makes fresh identifiers that quote cleanly, and refuses anything else", () => {
    const a = runIdentifier("bench_sql");
    expect(a).toMatch(/^bench_sql_[0-9a-f]{16}$/);
    expect(runIdentifier("bench_sql")).not.toBe(a);
    expect(quoteIdentifier(a)).toBe(`"${a}"`);
    expect(() => quoteIdentifier('a"b')).toThrow(BenchError);
    expect(() => quoteIdentifier("Upper")).toThrow(/invalid identifier/);
  });
});
