/**
 * Production adapter of the Random port: the only place in engine/ that uses
 * the system's entropy (the lint rule allows it here).
 */
import { randomUUID, randomBytes } from "node:crypto";
import type { Random } from "./random.ts";

export class CryptoRandom implements Random {
  float(): number {
    // 53 random bits, the full precision of a double in [0, 1).
    const buf = randomBytes(8);
    const hi = buf.readUInt32BE(0) >>> 5; // 27 bits
    const lo = buf.readUInt32BE(4) >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uuid(): string {
    return randomUUID();
  }
}
