/**
 * One simulation run: a scenario and a seed in, a result (with its trace
 * hash and any violations) out. The PGlite instance is reused across runs
 * (starting one takes seconds): each run resets its schema first, and the
 * same seed gives the same trace, byte for byte, on a fresh or a reused
 * instance.
 */
import { PGlite } from "@electric-sql/pglite";
import { randomBytes } from "node:crypto";
import { PgDriver, PgliteDriver, migrate } from "../engine/index.ts";
import { describeConnectionString } from "../engine/db/pg-driver.ts";
import { RealEnvironment } from "./real/real-environment.ts";
import { runCheckers } from "./checkers/index.ts";
import { groupBy } from "./checkers/record-index.ts";
import { schedulesOf, triggerNumberOf } from "./checkers/schedule-index.ts";
import type { FaultKind, Scenario, SimRecord, SimResult } from "./model.ts";
import type { Mutant } from "./world.ts";
import { findMutant } from "./mutants.ts";
import { PgliteSimEnvironment } from "./sim-environment.ts";
import { World, rootPrng } from "./world.ts";

/** The schema every run uses inside its (reused) PGlite instance. */
export const SIM_SCHEMA = "sim";
/** The second namespace's schema, beside it (see namespace-b.ts). */
export const SIM_SCHEMA_B = "sim_b";

export interface RunOptions {
  seed?: number;
  /** "pglite" (default: deterministic, byte for byte) or a postgres:// URL (real sessions and faults; reproducible by seed only). */
  database?: string;
  mutant?: string | null;
  /** The scenario file's path, for the replay command. */
  scenarioPath?: string;
  /** A PGlite instance to reuse (see SimDatabasePool); a fresh one otherwise. */
  pglite?: PGlite;
  /** Keep every trace line in memory (for --check-determinism diffs); the hash is always computed. */
  keepTrace?: boolean;
  /** Wall-clock source for wallMs only (never for the simulation itself). */
  wallClock?: () => number;
}

export interface RunOutput {
  result: SimResult;
  record: SimRecord;
  trace: readonly string[];
}

export class UnknownMutantError extends Error {
  readonly exitCode = 2;
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunOutput> {
  const seed = options.seed ?? scenario.seed;
  const mutantName = options.mutant ?? null;
  const mutant = mutantName === null ? null : findMutant(mutantName);
  if (mutantName !== null && !mutant) throw new UnknownMutantError(`unknown mutant "${mutantName}" (see \`ratchet sim mutants\`)`);
  const wall = options.wallClock ?? (() => performance.now());
  const startedWall = wall();
  if (options.database !== undefined && options.database !== "pglite") {
    return runOnPostgres(scenario, seed, mutantName, mutant ?? null, options.database, options, wall, startedWall);
  }
  const pglite = options.pglite ?? (await PGlite.create());
  try {
    await resetSchema(pglite);
    const env = new PgliteSimEnvironment(pglite, rootPrng(seed), { keepTrace: options.keepTrace ?? false });
    const world = new World({ scenario, seed, env, schema: SIM_SCHEMA, schemaB: SIM_SCHEMA_B, mutant: mutant ?? null });
    const record = await world.run();
    const violations = runCheckers(record);
    const result = summarize(record, {
      traceHash: env.traceHash(),
      mutant: mutantName,
      violations,
      wallMs: Math.round(wall() - startedWall),
      replay: replayCommand(options.scenarioPath ?? `scenarios/${scenario.name}.json`, seed, mutantName),
    });
    return { result, record, trace: env.traceLog() };
  } finally {
    if (!options.pglite) await pglite.close();
  }
}

async function resetSchema(pglite: PGlite): Promise<void> {
  // A fresh start for the session the instance is: no prepared statement or open transaction of the last run.
  await pglite.exec("DEALLOCATE ALL");
  const driver = await PgliteDriver.open({ instance: pglite });
  for (const schema of [SIM_SCHEMA, SIM_SCHEMA_B]) {
    await pglite.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await migrate(driver, schema);
  }
}

export function replayCommand(scenarioPath: string, seed: number, mutant: string | null, database?: string): string {
  return `npx ratchet sim run ${scenarioPath} --seed ${seed}${mutant ? ` --mutant ${mutant}` : ""}${database ? ` --db ${database}` : ""}`;
}

/** The same scenario against a real server: real sessions, real faults, reproducible by seed but not byte for byte. */
async function runOnPostgres(
  scenario: Scenario,
  seed: number,
  mutantName: string | null,
  mutant: Mutant | null,
  url: string,
  options: RunOptions,
  wall: () => number,
  startedWall: number,
): Promise<RunOutput> {
  const schema = `sim_${seed}_${randomBytes(4).toString("hex")}`;
  const setup = new PgDriver({ connectionString: url, maxConnections: 1, applicationName: `ratchet-sim-setup-${schema}` });
  const schemaB = `${schema}_b`;
  await setup.ping();
  await migrate(setup, schema);
  await migrate(setup, schemaB);
  // The engine's clocks start at the real date here, so the server's own logs line up with the run.
  const env = await RealEnvironment.open(url, schema, rootPrng(seed), Date.now());
  try {
    const world = new World({ scenario, seed, env, schema, schemaB, mutant });
    const record = await world.run();
    const result = summarize(record, {
      traceHash: env.traceHash(),
      mutant: mutantName,
      violations: runCheckers(record),
      wallMs: Math.round(wall() - startedWall),
      replay: replayCommand(options.scenarioPath ?? `scenarios/${scenario.name}.json`, seed, mutantName, describeConnectionString(url)),
    });
    return { result: { ...result, database: "postgres" }, record, trace: [] };
  } finally {
    await env.close();
    for (const s of [schema, schemaB]) await setup.query({ text: `DROP SCHEMA IF EXISTS "${s}" CASCADE`, values: [] }).catch(() => {});
    await setup.close();
  }
}

function summarize(record: SimRecord, extra: Pick<SimResult, "traceHash" | "mutant" | "violations" | "wallMs" | "replay">): SimResult {
  const acceptedIds = new Set(record.starts.filter((s) => s.outcome === "ok").map((s) => s.workflowId));
  const workflows = { accepted: acceptedIds.size, completed: 0, failed: 0, cancelled: 0, terminated: 0, open: 0, continuedAsNew: 0 };
  let scheduled = 0;
  let recorded = 0;
  let local = 0;
  const updates = { ids: new Set(record.updates.map((u) => u.updateId)).size, attempts: record.updates.length, retried: 0, accepted: 0, rejected: 0 };
  for (const run of record.finalRuns) {
    if (acceptedIds.has(run.workflowId)) {
      if (run.status === "completed") workflows.completed += 1;
      else if (run.status === "failed") workflows.failed += 1;
      else if (run.status === "cancelled") workflows.cancelled += 1;
      else if (run.status === "terminated") workflows.terminated += 1;
      else if (run.status === "running") workflows.open += 1;
      else if (run.status === "continuedAsNew") workflows.continuedAsNew += 1;
    }
    for (const e of run.history) {
      if (e.type === "ActivityScheduled") scheduled += 1;
      if (e.type === "ActivityCompleted" || e.type === "ActivityFailed") recorded += 1;
      if (e.type === "MarkerRecorded" && e.data.marker === "localActivity") local += 1;
      if (e.type === "WorkflowUpdateAccepted") updates.accepted += 1;
      if (e.type === "WorkflowUpdateRejected") updates.rejected += 1;
    }
  }
  updates.retried = updates.attempts === 0 ? 0 : [...groupBy(record.updates, (u) => u.updateId).values()].filter((tries) => tries.length > 1).length;
  const attempts = record.observations.filter((o) => o.observation.type === "claimed" && o.observation.kind === "activity").length;
  const appliedPerStep = new Map<string, number>();
  for (const e of record.effects) if (e.applied) appliedPerStep.set(e.step, (appliedPerStep.get(e.step) ?? 0) + 1);
  const byKind: Partial<Record<FaultKind, number>> = {};
  for (const f of record.faults) byKind[f.fault.kind] = (byKind[f.fault.kind] ?? 0) + 1;
  return {
    scenario: record.scenario.name,
    seed: record.seed,
    traceHash: extra.traceHash,
    database: "pglite",
    mutant: extra.mutant,
    workflows,
    activities: { scheduled, attempts, recorded, inlined: record.observations.filter((o) => o.observation.type === "decisionsInlined").length, local },
    effects: {
      keys: new Set(record.effects.map((e) => e.key)).size,
      applied: record.effects.filter((e) => e.applied).length,
      duplicates: [...appliedPerStep.values()].filter((n) => n > 1).length,
    },
    updates,
    schedules: summarizeSchedules(record),
    faults: { applied: record.faults.length, byKind },
    violations: extra.violations,
    virtualMs: record.endMs,
    wallMs: extra.wallMs,
    replay: extra.replay,
  };
}

/** The schedule shape's numbers: a fire is buffered when it fell due before the previous workflow (by insert order) closed and still started. */
function summarizeSchedules(record: SimRecord): SimResult["schedules"] {
  const out = { created: 0, started: 0, manual: 0, buffered: 0, skipped: 0, missed: 0, startFailed: 0 };
  for (const s of schedulesOf(record)) {
    out.created += 1;
    out.started += s.runs.length;
    for (const [i, run] of s.runs.entries()) {
      const fireAtMs = run.schedule!.fireAtMs;
      if (triggerNumberOf(run) !== undefined) out.manual += 1;
      const previousCloseMs = i > 0 ? s.runs[i - 1]!.closedAtMs : null;
      if (previousCloseMs !== null && fireAtMs < previousCloseMs) out.buffered += 1;
    }
    const d = s.finalDescription?.description;
    if (d) {
      out.skipped += d.skipped;
      out.missed += d.missed;
      out.startFailed += d.startFailed;
    }
  }
  return out;
}
