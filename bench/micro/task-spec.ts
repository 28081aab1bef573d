/**
 * One micro-benchmark as the suite adds it to tinybench: the timed function
 * and the untimed hooks that prepare each iteration (tinybench times only
 * `fn`; beforeAll/beforeEach/afterEach run outside the measurement and
 * outside the time budget).
 */
import type { FnOptions } from "tinybench";

export interface MicroTaskSpec {
  name: string;
  /** Database tasks get a ratio against the round-trip baseline; replay has none. */
  usesDatabase: boolean;
  fn: () => Promise<unknown>;
  hooks?: Pick<FnOptions, "beforeAll" | "beforeEach" | "afterEach">;
}
