/**
 * Seeded randomness for the simulator. One master seed derives a child
 * stream per subsystem by name (workload, network, faults, services, ...),
 * so adding a consumer of randomness to one subsystem never shifts the
 * numbers another draws: a seed keeps reproducing the same run.
 */
import { createHash } from "node:crypto";
import seedrandom from "seedrandom";

export class Prng {
  private readonly rng: seedrandom.PRNG;

  constructor(readonly seed: string) {
    this.rng = seedrandom(seed);
  }

  /** A child stream, independent of this one's position: derived from the seed and the name only. */
  child(name: string): Prng {
    return new Prng(deriveSeed(this.seed, name));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.rng.double();
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new Error(`Prng.int: bad range [${min}, ${max}]`);
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Prng.pick: no items");
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** A key drawn with probability proportional to its weight (weights >= 0, not all 0). */
  weighted<K extends string>(weights: Partial<Record<K, number>>): K {
    const entries = (Object.entries(weights) as Array<[K, number]>).filter(([, w]) => w > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    if (entries.length === 0 || !(total > 0)) throw new Error("Prng.weighted: no positive weight");
    let x = this.float() * total;
    for (const [key, w] of entries) {
      x -= w;
      if (x < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }

  /** A float in [min, max). */
  between(min: number, max: number): number {
    return min + this.float() * (max - min);
  }
}

/** The child seed for `name` under `seed`: a hash, so names never collide in practice. */
export function deriveSeed(seed: string, name: string): string {
  return createHash("sha256").update(`${seed}\u0000${name}`).digest("hex").slice(0, 32);
}
