/**
 * IANA time zones for cron expressions, through Intl (Node 20 carries full
 * ICU): a zone's UTC offset at an instant, and the instants a local wall-clock
 * time names — none in a spring-forward gap, two in a fall-back overlap.
 *
 * Wall-clock times are written as "local milliseconds": the epoch ms the same
 * calendar fields would have in UTC, so the UTC field search in cron.ts runs
 * on them unchanged.
 */
import { InvalidArgumentError } from "../errors.ts";

/** The zone a spec's cron expressions use when it names none. */
export const SCHEDULE_TIME_ZONE_DEFAULT = "UTC";
/** Characters of a time zone name (the longest IANA name, America/Argentina/ComodRivadavia, has 32). */
export const TIME_ZONE_CHARS_MAX = 64;
/**
 * How far on either side of an instant a zone's offset is sampled to find
 * the transition that makes a local time skipped or repeated. Real DST
 * transitions are months apart and shift by at most two hours, so a
 * transition within this window is the only one near.
 */
export const ZONE_TRANSITION_WINDOW_MS = 6 * 3600 * 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    formatters.set(zone, f);
  }
  return f;
}

/** A zone name Intl knows, in its canonical spelling; INVALID_ARGUMENT naming the field otherwise. */
export function checkTimeZone(value: unknown, field: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > TIME_ZONE_CHARS_MAX) {
    throw new InvalidArgumentError(`${field} must be an IANA time zone name such as "Europe/Berlin" (at most ${TIME_ZONE_CHARS_MAX} characters)`, { field });
  }
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat("en-US", { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw new InvalidArgumentError(`${field}: unknown time zone "${value}" (use an IANA name such as "Europe/Berlin", or "UTC")`, { field, timeZone: value });
  }
  return canonical === "Etc/UTC" || canonical === "Etc/GMT" ? SCHEDULE_TIME_ZONE_DEFAULT : canonical;
}

/** en-US's "M/D/YYYY, HH:MM:SS". */
const FORMATTED = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;

/**
 * The zone's offset from UTC at instant `utcMs` (local = utc + offset), to
 * the second. Parses format() (measured: 2 µs a call, formatToParts 13 µs),
 * falling back to formatToParts for any other shape.
 */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const formatter = formatterOf(zone);
  const date = new Date(utcMs);
  const m = FORMATTED.exec(formatter.format(date));
  let local: number;
  if (m) local = Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]));
  else {
    const parts = formatter.formatToParts(date);
    const field = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    local = Date.UTC(field("year"), field("month") - 1, field("day"), field("hour"), field("minute"), field("second"));
  }
  return local - Math.floor(utcMs / 1000) * 1000;
}

/** The local wall-clock time (local ms) at an instant. */
export function localMsOf(zone: string, utcMs: number): number {
  return utcMs + zoneOffsetMs(zone, utcMs);
}

/**
 * The instants at which the zone's clocks show `localMs`, earliest first:
 * one normally, none in a spring-forward gap, two in a fall-back overlap.
 * Also the offsets in force around it (`before` and `after` the nearby
 * transition, equal when there is none): a gap's local time is `after -
 * before` ms of clock the zone skipped.
 */
export function instantsOfLocal(zone: string, localMs: number): { instants: number[]; offsetBeforeMs: number; offsetAfterMs: number } {
  const guess = localMs - zoneOffsetMs(zone, localMs);
  const offsetBeforeMs = zoneOffsetMs(zone, guess - ZONE_TRANSITION_WINDOW_MS);
  const offsetAfterMs = zoneOffsetMs(zone, guess + ZONE_TRANSITION_WINDOW_MS);
  // No transition near (the common case): the one instant is the guess's offset away.
  if (offsetBeforeMs === offsetAfterMs && zoneOffsetMs(zone, localMs - offsetBeforeMs) === offsetBeforeMs) return { instants: [localMs - offsetBeforeMs], offsetBeforeMs, offsetAfterMs };
  const instants: number[] = [];
  for (const offset of new Set([offsetBeforeMs, zoneOffsetMs(zone, guess), offsetAfterMs])) {
    const t = localMs - offset;
    if (zoneOffsetMs(zone, t) === offset && !instants.includes(t)) instants.push(t);
  }
  return { instants: instants.sort((a, b) => a - b), offsetBeforeMs, offsetAfterMs };
}
