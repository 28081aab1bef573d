/**
 * The Random port: run ids and workflow random seeds come from here, so a
 * simulation can derive them from its seed.
 */
export interface Random {
  /** A uniformly distributed float in [0, 1). */
  float(): number;
  /** An RFC 4122 version-4 UUID string. */
  uuid(): string;
}

/** Format 16 bytes as a version-4 UUID string (used by seeded implementations). */
export function uuidFromBytes(bytes: ArrayLike<number>): string {
  const b = Array.from({ length: 16 }, (_, i) => (bytes[i] ?? 0) & 0xff);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Run ids
 * are time-ordered, which keeps index inserts local and lets history be
 * range-partitioned by run id for retention.
 */
export function uuidV7(nowMs: number, random: Random): string {
  const bytes: number[] = [];
  let ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  for (let i = 6; i < 16; i++) bytes[i] = Math.floor(random.float() * 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
