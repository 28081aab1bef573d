/**
 * Sweeps: many seeds over one or more scenarios, on one reused PGlite
 * instance. Used by `ratchet sim sweep` and by the test suite's bounded
 * sweeps.
 */
import { PGlite } from "@electric-sql/pglite";
import type { CheckName, Scenario, SimResult } from "./model.ts";
import { runScenario } from "./run.ts";

export interface SweepTarget {
  scenario: Scenario;
  /** As shown in replay commands. */
  path: string;
}

export interface SweepFailure {
  scenario: string;
  seed: number;
  violations: number;
  checks: CheckName[];
  replay: string;
}

export interface SweepRow {
  scenario: string;
  runs: number;
  failed: number;
  wallMs: number;
  /** The schedule shape's numbers (SimResult.schedules), summed over the seeds. */
  schedules: SimResult["schedules"];
}

export interface SweepResult {
  runs: number;
  rows: SweepRow[];
  failures: SweepFailure[];
  results: SimResult[];
}

export async function runSweep(
  targets: readonly SweepTarget[],
  seeds: { from: number; to: number },
  options: {
    mutant?: string | null;
    /** "pglite" (default) or a postgres:// URL for real-Postgres runs. */
    database?: string;
    wallClock?: () => number;
    onRun?: (result: SimResult, failuresSoFar: number) => void;
    stopAtFirstFailure?: boolean;
  } = {},
): Promise<SweepResult> {
  const rows: SweepRow[] = [];
  const failures: SweepFailure[] = [];
  const results: SimResult[] = [];
  const real = options.database !== undefined && options.database !== "pglite";
  const pglite = real ? undefined : await PGlite.create();
  try {
    for (const { scenario, path } of targets) {
      const row: SweepRow = { scenario: scenario.name, runs: 0, failed: 0, wallMs: 0, schedules: { created: 0, started: 0, manual: 0, buffered: 0, skipped: 0, missed: 0, startFailed: 0 } };
      rows.push(row);
      for (let seed = seeds.from; seed <= seeds.to; seed++) {
        const { result } = await runScenario(scenario, {
          seed,
          mutant: options.mutant ?? null,
          scenarioPath: path,
          ...(pglite ? { pglite } : { database: options.database! }),
          ...(options.wallClock ? { wallClock: options.wallClock } : {}),
        });
        results.push(result);
        row.runs += 1;
        row.wallMs += result.wallMs;
        for (const key of Object.keys(row.schedules) as Array<keyof SimResult["schedules"]>) row.schedules[key] += result.schedules[key];
        if (result.violations.length > 0) {
          row.failed += 1;
          failures.push({ scenario: scenario.name, seed, violations: result.violations.length, checks: [...new Set(result.violations.map((v) => v.check))], replay: result.replay });
        }
        options.onRun?.(result, failures.length);
        if (options.stopAtFirstFailure && failures.length > 0) return { runs: results.length, rows, failures, results };
      }
    }
  } finally {
    await pglite?.close();
  }
  return { runs: results.length, rows, failures, results };
}
