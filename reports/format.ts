/**
 * Numbers as a reader wants them in a benchmark report: three significant
 * digits with k/M suffixes for counts and rates, binary units for bytes,
 * milliseconds with two significant digits past the point where it matters.
 * A benchmark on a shared machine is noisy in the second or third digit, so
 * more digits would only claim precision the run does not have.
 *
 * Every formatter prints MISSING for null, undefined and non-finite numbers,
 * so a table never shows "NaN" or "null".
 */

/** What a cell shows when a number was not measured. */
export const MISSING = "—";

const SIGNIFICANT_DIGITS = 3;
const KIB = 1024;
const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;
/** Above this a duration reads better in seconds than in thousands of milliseconds. */
const SECONDS_FROM_MS = 10_000;
/** Above this, in minutes than in hundreds of seconds (an hour of churn is `60 min`, not `3600 s`). */
const MINUTES_FROM_MS = 2 * 60_000;

function measured(n: number | null | undefined): n is number {
  return typeof n === "number" && Number.isFinite(n);
}

/** `842`, `12.5`, `0.0853`: at most three significant digits, no trailing zeros. */
export function formatSignificant(n: number, digits = SIGNIFICANT_DIGITS): string {
  if (n === 0) return "0";
  // toPrecision may answer in exponent form ("1.23e+5"); Number() turns it back into plain digits.
  return String(Number(n.toPrecision(digits)));
}

/** Counts and rates: `842`, `12.3k`, `1.25M`, `2.1G`. */
export function formatCount(n: number | null | undefined): string {
  if (!measured(n)) return MISSING;
  const abs = Math.abs(n);
  // Rounding can carry into the next suffix (999.96k -> "1000k"), so pick the suffix after rounding.
  const suffixes: Array<[number, string]> = [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [scale, suffix] of suffixes) {
    if (Number(abs.toPrecision(SIGNIFICANT_DIGITS)) >= scale) return `${formatSignificant(n / scale)}${suffix}`;
  }
  return formatSignificant(n);
}

/** Bytes in binary units: `512 B`, `12.3 KiB`, `1.5 MiB`. */
export function formatBytes(n: number | null | undefined): string {
  if (!measured(n)) return MISSING;
  let value = n;
  let unit = 0;
  while (Math.abs(Number(value.toPrecision(SIGNIFICANT_DIGITS))) >= KIB && unit < BYTE_UNITS.length - 1) {
    value /= KIB;
    unit += 1;
  }
  const digits = unit === 0 ? Math.round(value).toString() : formatSignificant(value);
  return `${digits} ${BYTE_UNITS[unit]}`;
}

/**
 * Milliseconds: two decimals below 10 ms (`1.23 ms`), two significant digits
 * below 1 ms (`0.084 ms`), fewer decimals as values grow (`12.3 ms`,
 * `245 ms`), seconds from 10 s (`12.3 s`), minutes from 2 min (`55 min`).
 */
export function formatMs(ms: number | null | undefined): string {
  if (!measured(ms)) return MISSING;
  if (Math.abs(ms) >= MINUTES_FROM_MS) return `${formatSignificant(ms / 60_000)} min`;
  if (Math.abs(ms) >= SECONDS_FROM_MS) return `${formatSignificant(ms / 1000)} s`;
  return `${formatMsNumber(ms)} ms`;
}

/** Milliseconds without the unit, for an axis that names it once: `1.23`, `12.3`, `245`, `12.5k`. */
export function formatMsNumber(ms: number | null | undefined): string {
  if (!measured(ms)) return MISSING;
  const abs = Math.abs(ms);
  if (abs >= SECONDS_FROM_MS) return formatCount(ms);
  if (abs >= 100) return String(Math.round(ms));
  if (abs >= 10) return ms.toFixed(1);
  if (abs >= 1) return ms.toFixed(2);
  return formatSignificant(ms, 2);
}

/** A ratio between two measurements: `12×`, `1.5×`, `0.52×`. */
export function formatRatio(ratio: number | null | undefined): string {
  if (!measured(ratio)) return MISSING;
  return `${formatSignificant(ratio, ratio >= 10 ? SIGNIFICANT_DIGITS : 2)}×`;
}

/** A share of a whole, 0..1, as a whole percentage: `63%`. */
export function formatShare(share: number | null | undefined): string {
  if (!measured(share)) return MISSING;
  return `${Math.round(share * 100)}%`;
}

/** A setting exactly as the run recorded it (every digit), booleans as on/off. */
export function formatExactValue(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return MISSING;
  if (typeof value === "boolean") return value ? "on" : "off";
  return String(value);
}

/**
 * A config value in a table or label: booleans as on/off (the words Postgres
 * settings use); numbers by the unit their key ends in, since the project
 * names put units last (`durationMs` 3300000 is `55 min`, `payloadBytes`
 * 10240 is `10 KiB`); other large numbers compactly (`100k`, `1M`).
 */
export function formatConfigValue(value: string | number | boolean | null | undefined, key = ""): string {
  if (value === null || value === undefined) return MISSING;
  if (typeof value === "boolean") return value ? "on" : "off";
  if (typeof value !== "number") return value;
  if (key.endsWith("Ms")) return formatMs(value);
  if (key.endsWith("Bytes")) return formatBytes(value);
  return Math.abs(value) >= 10_000 ? formatCount(value) : String(value);
}
