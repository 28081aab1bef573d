/**
 * Run ids are UUIDv7: their first 48 bits are the creating clock's
 * milliseconds, so a time is a run id bound (visibility's time filters,
 * history partitions' windows). Its own module so the store and the
 * partitions (which the store hands out) need not import each other.
 */

/** The lowest UUIDv7 of millisecond `ms`: every run id created at or after it sorts at or above it. */
export function runIdAtMs(ms: number): string {
  const hex = Math.max(0, Math.min(Math.floor(ms), 2 ** 48 - 1))
    .toString(16)
    .padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
