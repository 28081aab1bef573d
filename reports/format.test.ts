/**
 * Number formatting: counts with k/M suffixes, bytes in binary units,
 * milliseconds with two significant decimals, ratios, shares, config values
 * by the unit their key names; and a dash, never "NaN" or "null", for what
 * was not measured.
 */
import { describe, expect, it } from "vitest";
import { formatBytes, formatConfigValue, formatCount, formatExactValue, formatMs, formatMsNumber, formatRatio, formatShare, MISSING } from "./format.ts";

describe("formatCount", () => {
  it.each([
    [0, "0"],
    [842, "842"],
    [0.0853, "0.0853"],
    [12_345, "12.3k"],
    [1_250_000, "1.25M"],
    [999_960, "1M"],
    [-4_200, "-4.2k"],
    [2.1e9, "2.1G"],
  ])("%d -> %s", (n, text) => expect(formatCount(n)).toBe(text));
});

describe("formatBytes", () => {
  it.each([
    [512, "512 B"],
    [12_595, "12.3 KiB"],
    [1.5 * 1024 * 1024, "1.5 MiB"],
    [8 * 1024 ** 3, "8 GiB"],
  ])("%d -> %s", (n, text) => expect(formatBytes(n)).toBe(text));
});

describe("formatMs", () => {
  it.each([
    [1.234, "1.23 ms"],
    [0.0843, "0.084 ms"],
    [12.34, "12.3 ms"],
    [245.6, "246 ms"],
    [12_345, "12.3 s"],
    [55 * 60_000, "55 min"],
  ])("%d -> %s", (n, text) => expect(formatMs(n)).toBe(text));

  it("drops the unit for an axis that names it", () => {
    expect(formatMsNumber(1.6)).toBe("1.60");
    expect(formatMsNumber(1_010)).toBe("1010");
  });
});

describe("ratios, shares and config values", () => {
  it("formats ratios with two significant digits below 10", () => {
    expect(formatRatio(0.523)).toBe("0.52×");
    expect(formatRatio(1)).toBe("1×");
    expect(formatRatio(11.95)).toBe("11.9×");
  });

  it("formats shares as whole percentages", () => {
    expect(formatShare(1 / 3)).toBe("33%");
  });

  it("formats config values by the unit their key ends in", () => {
    expect(formatConfigValue(true)).toBe("on");
    expect(formatConfigValue(100_000, "backlog")).toBe("100k");
    expect(formatConfigValue(10_240, "payloadBytes")).toBe("10 KiB");
    expect(formatConfigValue(3_600_000, "durationMs")).toBe("60 min");
    expect(formatConfigValue(4, "workers")).toBe("4");
  });

  it("keeps every digit of a setting", () => {
    expect(formatExactValue(1_000_000)).toBe("1000000");
    expect(formatExactValue(false)).toBe("off");
  });

  it("shows a dash for anything not measured", () => {
    for (const f of [formatCount, formatBytes, formatMs, formatRatio, formatShare]) {
      expect(f(null)).toBe(MISSING);
      expect(f(undefined)).toBe(MISSING);
      expect(f(Number.NaN)).toBe(MISSING);
      expect(f(Number.POSITIVE_INFINITY)).toBe(MISSING);
    }
  });
});
