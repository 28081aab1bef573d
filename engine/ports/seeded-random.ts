/**
 * A deterministic Random from a seed (seedrandom's ARC4 generator). Used for
 * workflow code's ctx.random()/ctx.uuid() (seeded from the run's recorded
 * seed, so replay draws the same numbers) and by the simulator.
 */
import seedrandom from "seedrandom";
import { type Random, uuidFromBytes } from "./random.ts";

export class SeededRandom implements Random {
  private readonly prng: seedrandom.PRNG;

  constructor(seed: string) {
    this.prng = seedrandom(seed);
  }

  float(): number {
    return this.prng.double();
  }

  uuid(): string {
    const bytes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const word = this.prng.int32() >>> 0;
      bytes.push(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
    }
    return uuidFromBytes(bytes);
  }
}
