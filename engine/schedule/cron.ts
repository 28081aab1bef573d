/**
 * Cron expressions: the classic five fields (minute hour day-of-month month
 * day-of-week), in UTC or an IANA time zone, parsed once into sets of
 * allowed values, and the next matching minute after a time found field by
 * field (a month that cannot match is skipped whole, then a day, then an
 * hour) rather than minute by minute.
 *
 * Each field takes `*`, a value, a range `a-b`, a step `*\/n`, `a-b/n` or
 * `a/n` (from a to the field's end), and comma-separated lists of these.
 * Months and weekdays also take names (jan..dec, sun..sat); Sunday is 0 or 7.
 * As in Vixie cron, when both day-of-month and day-of-week are restricted
 * (neither starts with `*`) a day matches if either does. Macros: @yearly
 * (@annually), @monthly, @weekly, @daily (@midnight), @hourly.
 */
import { InvalidArgumentError } from "../errors.ts";
import { SCHEDULE_TIME_ZONE_DEFAULT, instantsOfLocal, localMsOf, zoneOffsetMs, ZONE_TRANSITION_WINDOW_MS } from "./zone.ts";

/** Characters of one cron expression. */
export const CRON_EXPRESSION_CHARS_MAX = 200;
/** How far ahead nextCronTime looks before deciding an expression never fires (30 February, say). */
export const CRON_LOOKAHEAD_YEARS = 8;

const MINUTE_MS = 60_000;

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day-of-week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** A parsed cron expression: for each field, which values match. */
export interface Cron {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0-6, Sunday 0. */
  readonly daysOfWeek: ReadonlySet<number>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
  /**
   * A fixed-time expression names its hours and minutes (neither field
   * starts with `*`, as in Vixie cron): across a DST change it keeps to its
   * local time once a day — see nextCronTimeIn. A wildcard one follows the
   * clock.
   */
  readonly fixedTime: boolean;
}

function invalid(source: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`invalid cron expression "${source}": ${why}`, { cron: source });
}

/** Parse a cron expression, or throw INVALID_ARGUMENT naming the field at fault. */
export function parseCron(source: string): Cron {
  if (typeof source !== "string") throw new InvalidArgumentError("a cron expression must be a string", { cron: source });
  if (source.length > CRON_EXPRESSION_CHARS_MAX) throw invalid(source.slice(0, 40) + "...", `longer than ${CRON_EXPRESSION_CHARS_MAX} characters`);
  const trimmed = source.trim().toLowerCase();
  const expanded = trimmed.startsWith("@") ? MACROS[trimmed] : trimmed;
  if (expanded === undefined) throw invalid(source, `unknown macro (known: ${Object.keys(MACROS).join(", ")})`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== FIELDS.length) throw invalid(source, `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  const sets = parts.map((part, i) => parseField(source, part, FIELDS[i]!));
  const dow = sets[4]!;
  if (dow.has(7)) {
    dow.delete(7);
    dow.add(0);
  }
  return {
    source,
    minutes: sets[0]!,
    hours: sets[1]!,
    daysOfMonth: sets[2]!,
    months: sets[3]!,
    daysOfWeek: dow,
    domRestricted: !parts[2]!.startsWith("*"),
    dowRestricted: !parts[4]!.startsWith("*"),
    fixedTime: !parts[0]!.startsWith("*") && !parts[1]!.startsWith("*"),
  };
}

function parseField(source: string, text: string, field: Field): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const [rangeText, stepText, extra] = item.split("/");
    if (extra !== undefined || rangeText === undefined || rangeText === "") throw invalid(source, `${field.name} field "${text}" is malformed`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw invalid(source, `${field.name} step "${stepText}" must be a positive integer`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (rangeText === "*") {
      from = field.min;
      to = field.name === "day-of-week" ? 6 : field.max;
    } else {
      const bounds = rangeText.split("-");
      if (bounds.length > 2) throw invalid(source, `${field.name} range "${rangeText}" is malformed`);
      from = fieldValue(source, bounds[0]!, field);
      // "a/n" runs from a to the field's end; "a" alone is just a.
      to = bounds.length === 2 ? fieldValue(source, bounds[1]!, field) : stepText !== undefined ? field.max : from;
      if (to < from) throw invalid(source, `${field.name} range "${rangeText}" runs backwards`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function fieldValue(source: string, text: string, field: Field): number {
  const named = field.names?.indexOf(text) ?? -1;
  if (named >= 0) return field.name === "month" ? named + 1 : named;
  if (!/^\d+$/.test(text)) throw invalid(source, `${field.name} value "${text}" is not a number${field.names ? " or a name" : ""}`);
  const v = Number(text);
  if (v < field.min || v > field.max) throw invalid(source, `${field.name} value ${v} is outside ${field.min}-${field.max}`);
  return v;
}

function dayMatches(cron: Cron, d: Date): boolean {
  const dom = cron.daysOfMonth.has(d.getUTCDate());
  const dow = cron.daysOfWeek.has(d.getUTCDay());
  if (cron.domRestricted && cron.dowRestricted) return dom || dow;
  return dom && dow;
}

/** The first time strictly after `afterMs` that the expression matches (a whole minute, UTC), or null if none within CRON_LOOKAHEAD_YEARS. */
export function nextCronTime(cron: Cron, afterMs: number): number | null {
  let t = Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const limit = afterMs + CRON_LOOKAHEAD_YEARS * 366 * 24 * 3600 * 1000;
  while (t <= limit) {
    const d = new Date(t);
    if (!cron.months.has(d.getUTCMonth() + 1)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      continue;
    }
    if (!dayMatches(cron, d)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
      continue;
    }
    if (!cron.hours.has(d.getUTCHours())) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
      continue;
    }
    if (!cron.minutes.has(d.getUTCMinutes())) {
      t += MINUTE_MS;
      continue;
    }
    return t;
  }
  return null;
}

/**
 * The first instant strictly after `afterMs` at which the expression matches
 * the wall clock of time zone `zone`. Across DST changes (Vixie cron's rule
 * for which expressions are affected; RFC 5545's, which is also JavaScript
 * Temporal's and Go's, for where a skipped time lands):
 * - a local time the zone skips (spring forward): a fixed-time expression
 *   fires at it extrapolated forward by the gap (02:30 in a 02:00-03:00 gap
 *   fires at 03:30 summer time), so a daily job still runs that day; a
 *   wildcard one does not fire at it (the clock never showed it);
 * - a local time the zone repeats (fall back): a fixed-time expression
 *   fires at its first occurrence only, a wildcard one at both, so an
 *   every-15-minutes job keeps its pace through the repeated hour.
 * Two local times that land on one instant are one fire.
 */
export function nextCronTimeIn(cron: Cron, afterMs: number, zone: string): number | null {
  if (zone === SCHEDULE_TIME_ZONE_DEFAULT) return nextCronTime(cron, afterMs);
  // A fall-back near afterMs shows again local times the clock read before it: search from back by the shift.
  const shiftMs = Math.max(0, zoneOffsetMs(zone, afterMs - ZONE_TRANSITION_WINDOW_MS) - zoneOffsetMs(zone, afterMs + ZONE_TRANSITION_WINDOW_MS));
  const startLocalMs = localMsOf(zone, afterMs);
  const limitLocalMs = startLocalMs + CRON_LOOKAHEAD_YEARS * 366 * 24 * 3600 * 1000;
  let best: number | null = null;
  for (let local = nextCronTime(cron, startLocalMs - shiftMs - MINUTE_MS); local !== null && local <= limitLocalMs; local = nextCronTime(cron, local)) {
    const { instants, offsetBeforeMs, offsetAfterMs } = instantsOfLocal(zone, local);
    // No later local time maps to an instant before this one's earliest possible instant.
    if (best !== null && local - Math.max(offsetBeforeMs, offsetAfterMs) > best) break;
    const fires = instants.length === 0 ? (cron.fixedTime ? [local - offsetBeforeMs] : []) : cron.fixedTime ? instants.slice(0, 1) : instants;
    for (const t of fires) if (t > afterMs && (best === null || t < best)) best = t;
  }
  return best;
}
