/**
 * Property-based search over workloads and fault plans (fast-check): draw
 * small scenarios, run each through the simulator, and when one fails,
 * shrink it to a smaller scenario that still fails and write that out as a
 * scenario file, which `ratchet sim run <file>` replays (its seed is in it).
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { CRASH_POINTS, NETWORK_MODES, SERVICE_BEHAVIORS, SERVICE_NAMES, type Fault, type Scenario, type Violation } from "./model.ts";
import { runScenario } from "./run.ts";
import { parseScenario } from "./scenario.ts";

/**
 * Generated scenarios are small, so a property run takes about a second.
 * The liveness window must outlast the longest forward clock skew, plus the
 * longest lease or backoff a skewed or crashed worker can leave behind, plus
 * what a workflow still has to do after the heal (sleeps included): 65 s
 * against skews of at most 15 s.
 */
export const GENERATED_DURATION_MS = 90_000;
export const GENERATED_HEAL_AT_MS = 25_000;
export const GENERATED_WITHIN_MS = GENERATED_DURATION_MS - GENERATED_HEAL_AT_MS;
const WORKERS_MAX = 3;
const WORKFLOWS_MAX = 10;
const FAULTS_MAX = 6;
const WEIGHT_MAX = 3;
const SKEW_MS_MAX = 15_000;

const time = fc.integer({ min: 0, max: GENERATED_HEAL_AT_MS - 1 });
const window = fc.tuple(time, fc.integer({ min: 0, max: 10_000 })).map(([from, span]) => [from, Math.min(from + span, GENERATED_DURATION_MS)] as [number, number]);

function faultArbitrary(workers: number): fc.Arbitrary<Fault> {
  const worker = fc.integer({ min: 1, max: workers }).map((i) => `worker-${i}`);
  return fc.oneof(
    fc.record({ kind: fc.constant("network.blip" as const), worker, atMs: time, forMs: fc.integer({ min: 0, max: 8_000 }), mode: fc.constantFrom(...NETWORK_MODES), latencyMs: fc.integer({ min: 1, max: 3_000 }) }).map(
      (f): Fault => (f.mode === "delay" ? f : { kind: f.kind, worker: f.worker, atMs: f.atMs, forMs: f.forMs, mode: f.mode }),
    ),
    fc.record({ kind: fc.constant("worker.crash" as const), worker, point: fc.constantFrom(...CRASH_POINTS), nth: fc.integer({ min: 1, max: 5 }), atMs: time, restartAfterMs: fc.integer({ min: 0, max: 5_000 }) }),
    fc.record({ kind: fc.constant("db.restart" as const), atMs: time, downForMs: fc.integer({ min: 0, max: 4_000 }) }),
    fc.record({ kind: fc.constant("db.ambiguousCommit" as const), probability: fc.double({ min: 0, max: 0.5, noNaN: true }), windowMs: window }),
    fc.record({ kind: fc.constant("db.poolExhaustion" as const), worker, windowMs: window, available: fc.integer({ min: 0, max: 1 }) }),
    fc.record({ kind: fc.constant("service.outage" as const), service: fc.constantFrom(...SERVICE_NAMES), windowMs: window, behavior: fc.constantFrom(...SERVICE_BEHAVIORS) }),
    fc.record({ kind: fc.constant("clock.skew" as const), worker, atMs: time, offsetMs: fc.integer({ min: -SKEW_MS_MAX, max: SKEW_MS_MAX }) }),
  );
}

/** A small scenario with its seed, as plain JSON (what a regression file holds). */
export const scenarioArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.integer({ min: 1, max: WORKERS_MAX }).chain((workers) =>
  fc
    .record({
      seed: fc.integer({ min: 0, max: 1_000_000 }),
      workflows: fc.integer({ min: 1, max: WORKFLOWS_MAX }),
      mix: fc.record({
        linear: fc.integer({ min: 0, max: WEIGHT_MAX }),
        saga: fc.integer({ min: 0, max: WEIGHT_MAX }),
        fanout: fc.integer({ min: 0, max: WEIGHT_MAX }),
        timer: fc.integer({ min: 0, max: WEIGHT_MAX }),
        signal: fc.integer({ min: 0, max: WEIGHT_MAX }),
        chain: fc.integer({ min: 0, max: WEIGHT_MAX }),
      }),
      faults: fc.array(faultArbitrary(workers), { maxLength: FAULTS_MAX }),
      // Drawn last (in the order the shapes were added), so adding a shape left every earlier draw (the fault plans above) as it was for a given fast-check seed.
      child: fc.integer({ min: 0, max: WEIGHT_MAX }),
      update: fc.integer({ min: 0, max: WEIGHT_MAX }),
      outbox: fc.integer({ min: 0, max: WEIGHT_MAX }),
      versioned: fc.integer({ min: 0, max: WEIGHT_MAX }),
      deadline: fc.integer({ min: 0, max: WEIGHT_MAX }),
    })
    .filter(({ mix, child, update, outbox, versioned, deadline }) => [child, update, outbox, versioned, deadline, ...Object.values(mix)].some((w) => w > 0))
    .map(({ seed, workflows, mix, faults, child, update, outbox, versioned, deadline }) => ({
      name: "generated",
      description: "drawn by the property test",
      seed,
      durationMs: GENERATED_DURATION_MS,
      workers,
      workload: { workflows, startsPerSecond: 1, mix: { ...mix, child, update, outbox, versioned, deadline } },
      faults,
      liveness: { healAtMs: GENERATED_HEAL_AT_MS, withinMs: GENERATED_WITHIN_MS },
    })),
);

export interface PropertyFailure {
  /** The shrunk scenario, as written to the file. */
  scenario: Record<string, unknown>;
  violations: Violation[];
  /** Where it was written. */
  path: string;
  /** How many runs fast-check made, shrinking included. */
  runs: number;
}

export interface PropertyOptions {
  pglite: PGlite;
  numRuns: number;
  /** fast-check's seed (reproduces the search). */
  seed: number;
  mutant?: string | null;
  /** Where a shrunk failing scenario is written (scenarios/regressions in the suite). */
  regressionsDir: string;
  /** Stop searching and shrinking after this long (the best counterexample so far is kept): a safety net. */
  timeLimitMs: number;
  /**
   * Run at most this many shrunk candidates after the first failure, then keep the smallest failing
   * one found: unlike the time limit, the same seed shrinks to the same scenario on a fast machine
   * and a loaded one. Default: no limit.
   */
  shrinkRunsMax?: number;
}

/** Search; on a failure, shrink it, write it as a scenario file, and return it (null when every run passed). */
export async function searchForFailure(options: PropertyOptions): Promise<PropertyFailure | null> {
  // The time limit returns from fc.check without waiting for the run in flight, which goes on using the one
  // PGlite instance: the re-run below must wait for it, or both reset and write the same schema at once.
  let inFlight: Promise<unknown> = Promise.resolve();
  let failed = false;
  let shrinkRuns = 0;
  const property = fc.asyncProperty(scenarioArbitrary, async (raw) => {
    if (failed && shrinkRuns >= (options.shrinkRunsMax ?? Infinity)) return true; // budget spent: no candidate beats the one kept
    if (failed) shrinkRuns += 1;
    const scenario: Scenario = parseScenario(raw, "generated");
    const run = runScenario(scenario, { pglite: options.pglite, mutant: options.mutant ?? null });
    inFlight = run.catch(() => undefined);
    const { result } = await run;
    if (result.violations.length > 0) failed = true;
    return result.violations.length === 0;
  });
  const details = await fc.check(property, { numRuns: options.numRuns, seed: options.seed, plugins: [fc.interruptAfterTimeLimit(options.timeLimitMs)] });
  await inFlight;
  if (!details.failed || details.counterexample === null) return null;
  const counterexample = (details.counterexample as unknown as [Record<string, unknown>])[0];
  // Re-run the shrunk case so the violations reported are its own.
  const scenario = parseScenario(counterexample, "generated");
  const { result } = await runScenario(scenario, { pglite: options.pglite, mutant: options.mutant ?? null });
  const path = writeRegression(options.regressionsDir, counterexample, result.violations, options.mutant ?? null);
  return { scenario: counterexample, violations: result.violations, path, runs: details.numRuns + details.numShrinks };
}

/** Write a failing scenario as a regression file named after its content; returns the path. */
export function writeRegression(dir: string, raw: Record<string, unknown>, violations: Violation[], mutant: string | null): string {
  const digest = createHash("sha256").update(JSON.stringify(raw)).digest("hex").slice(0, 10);
  const name = `regression-${digest}`;
  const checks = [...new Set(violations.map((v) => v.check))].join(", ");
  const scenario = {
    ...raw,
    name,
    description: `Shrunk by the property test from a run that violated ${checks || "no check (it passed when re-run)"}${mutant ? ` with --mutant ${mutant}` : ""}. Replay: npx ratchet sim run ${join(dir, `${name}.json`)}${mutant ? ` --mutant ${mutant}` : ""}`,
  };
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(scenario, null, 2)}\n`);
  return path;
}
