/**
 * `ratchet sim`: run a scenario, sweep seeds, list the planted bugs.
 *
 *   ratchet sim run <scenario.json> [--seed N] [--db pglite|postgres://...] [--json] [--mutant NAME] [--check-determinism]
 *   ratchet sim sweep <scenario.json|dir> --seeds A..B [--json] [--mutant NAME] [--db ...]
 *   ratchet sim mutants [--json]
 *
 * Exit codes: 0 no violation; 1 violations (or a determinism mismatch);
 * 2 bad input (a malformed scenario, an unknown mutant or flag).
 */
import { readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import type { Scenario, SimResult } from "./model.ts";
import { MUTANTS } from "./mutants.ts";
import { runScenario, UnknownMutantError, type RunOutput } from "./run.ts";
import { runSweep, type SweepResult, type SweepTarget } from "./sweep.ts";
import { loadScenarioFile, ScenarioError } from "./scenario.ts";

export interface SimIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  cwd: string;
  /** Wall time, for progress and speed only. */
  wallClock: () => number;
}

/** Seeds one sweep may run. */
export const SWEEP_SEEDS_MAX = 100_000;

class UsageError extends Error {
  readonly exitCode = 2;
}

export async function simMain(argv: string[], io: SimIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await runCommand(rest, io);
      case "sweep":
        return await sweepCommand(rest, io);
      case "mutants":
        return mutantsCommand(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout.write(HELP);
        return 0;
      default:
        throw new UsageError(`unknown sim command ${JSON.stringify(command)} (run \`ratchet sim help\`)`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof ScenarioError || err instanceof UnknownMutantError) {
      io.stderr.write(`ratchet sim: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

const HELP = `ratchet sim — the deterministic simulator

  ratchet sim run <scenario.json> [--seed N] [--db pglite|postgres://...] [--json] [--mutant NAME] [--check-determinism]
      Run one scenario with one seed: the real engine, simulated ports, seeded faults; then the checkers.
      --check-determinism runs the seed twice and compares the trace hashes (PGlite only).
  ratchet sim sweep <scenario.json|dir> --seeds A..B [--json] [--mutant NAME] [--db ...]
      Run every scenario for every seed in A..B; print failing seeds with the command that replays each.
  ratchet sim mutants [--json]
      List the planted bugs --mutant can select.

exit codes: 0 no violation, 1 violations or a determinism mismatch, 2 bad input
`;

/** parseArgs, with its errors (unknown flag, missing value) turned into usage errors (exit 2). */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function parseSeed(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`invalid ${flag} ${JSON.stringify(text)}: expected a non-negative whole number`);
  return Number(text);
}

function checkDatabase(db: string | undefined): "pglite" | string {
  if (db === undefined || db === "pglite") return "pglite";
  if (/^postgres(ql)?:\/\//.test(db)) return db;
  throw new UsageError(`invalid --db ${JSON.stringify(db)}: expected pglite or postgres://...`);
}

async function runCommand(argv: string[], io: SimIo): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { seed: { type: "string" }, db: { type: "string" }, json: { type: "boolean" }, mutant: { type: "string" }, "check-determinism": { type: "boolean" } },
    }),
  );
  if (positionals.length !== 1) throw new UsageError("sim run takes one scenario file");
  const path = positionals[0]!;
  const scenario = await loadScenarioFile(resolve(io.cwd, path));
  const seed = parseSeed(values.seed, "--seed") ?? scenario.seed;
  const database = checkDatabase(values.db);
  const mutant = values.mutant ?? null;
  if (database !== "pglite") {
    if (values["check-determinism"]) throw new UsageError("--check-determinism needs --db pglite: on a real server runs are reproducible by seed, not byte for byte");
    if (!values.json) io.stdout.write(describeRun(scenario, seed, mutant, path));
    const { result } = await runScenario(scenario, { seed, mutant, scenarioPath: displayPath(io.cwd, path), database, wallClock: io.wallClock });
    io.stdout.write(values.json ? `${JSON.stringify(result)}\n` : describeResult(result));
    return result.violations.length > 0 ? 1 : 0;
  }
  const pglite = await PGlite.create();
  try {
    if (!values.json) io.stdout.write(describeRun(scenario, seed, mutant, path));
    const first = await runScenario(scenario, { seed, mutant, scenarioPath: displayPath(io.cwd, path), pglite, keepTrace: values["check-determinism"] === true, wallClock: io.wallClock });
    let mismatch: string | undefined;
    if (values["check-determinism"]) {
      const second = await runScenario(scenario, { seed, mutant, scenarioPath: displayPath(io.cwd, path), pglite, keepTrace: true, wallClock: io.wallClock });
      mismatch = compareTraces(first, second);
    }
    if (values.json) io.stdout.write(`${JSON.stringify(values["check-determinism"] ? { ...first.result, determinism: mismatch === undefined ? "same" : mismatch } : first.result)}\n`);
    else io.stdout.write(describeResult(first.result, values["check-determinism"] ? (mismatch ?? "same trace twice") : undefined));
    return first.result.violations.length > 0 || mismatch !== undefined ? 1 : 0;
  } finally {
    await pglite.close();
  }
}

function compareTraces(a: RunOutput, b: RunOutput): string | undefined {
  if (a.result.traceHash === b.result.traceHash) return undefined;
  const n = Math.min(a.trace.length, b.trace.length);
  for (let i = 0; i < n; i++) {
    if (a.trace[i] !== b.trace[i]) return `traces differ at line ${i + 1}: "${a.trace[i]}" vs "${b.trace[i]}"`;
  }
  return `traces differ in length: ${a.trace.length} vs ${b.trace.length} lines`;
}

/** Seed and every option drawn, first, so a run can always be reproduced from its output. */
function describeRun(scenario: Scenario, seed: number, mutant: string | null, path: string): string {
  const lines = [
    `scenario ${scenario.name} (${path}): ${scenario.description}`,
    `seed ${seed}${mutant ? `, mutant ${mutant}` : ""}`,
    `  ${scenario.workers} workers, ${scenario.workload.workflows} workflows at ${scenario.workload.startsPerSecond}/s, mix ${JSON.stringify(scenario.workload.mix)}`,
    `  ${scenario.faults.length} faults from the file${scenario.swarm ? `, ${scenario.swarm.faults} more drawn from the seed (swarm)` : ""}; heal at ${scenario.liveness.healAtMs} ms, terminal within ${scenario.liveness.withinMs} ms; ${scenario.durationMs} ms virtual`,
  ];
  return `${lines.join("\n")}\n`;
}

function describeResult(r: SimResult, determinism?: string): string {
  const lines = [
    `workflows: ${r.workflows.accepted} accepted, ${r.workflows.completed} completed, ${r.workflows.failed} failed, ${r.workflows.cancelled} cancelled, ${r.workflows.terminated} terminated, ${r.workflows.open} open (${r.workflows.continuedAsNew} runs continued as new)`,
    `activities: ${r.activities.scheduled} scheduled, ${r.activities.attempts} attempts, ${r.activities.recorded} results recorded, ${r.activities.local} local activities recorded`,
    `effects: ${r.effects.applied} applied over ${r.effects.keys} idempotency keys, ${r.effects.duplicates} steps applied twice`,
    `updates: ${r.updates.ids} sent in ${r.updates.attempts} attempts (${r.updates.retried} asked again), ${r.updates.accepted} accepted, ${r.updates.rejected} rejected`,
    `schedules: ${r.schedules.created} created, ${r.schedules.started} workflows started (${r.schedules.manual} by a trigger, ${r.schedules.buffered} after waiting), ${r.schedules.skipped} fires skipped, ${r.schedules.missed} missed, ${r.schedules.startFailed} refused`,
    `faults applied: ${r.faults.applied} ${JSON.stringify(r.faults.byKind)}`,
    `trace ${r.traceHash.slice(0, 16)}, ${r.virtualMs} ms virtual in ${r.wallMs} ms wall`,
  ];
  if (determinism) lines.push(`determinism: ${determinism}`);
  if (r.violations.length === 0) lines.push("no violations");
  else {
    lines.push(`${r.violations.length} violation(s):`);
    for (const v of r.violations.slice(0, 20)) lines.push(`  [${v.check}] ${v.workflowId}: ${v.detail}`);
    if (r.violations.length > 20) lines.push(`  ... and ${r.violations.length - 20} more (--json lists all)`);
  }
  lines.push(`replay: ${r.replay}`);
  return `${lines.join("\n")}\n`;
}

function parseSeedRange(text: string | undefined): [number, number] {
  if (text === undefined) throw new UsageError("sim sweep needs --seeds A..B");
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (!m) throw new UsageError(`invalid --seeds ${JSON.stringify(text)}: expected A..B, e.g. 1..50`);
  const [from, to] = [Number(m[1]), Number(m[2])];
  if (to < from) throw new UsageError(`invalid --seeds ${text}: the range is empty`);
  if (to - from + 1 > SWEEP_SEEDS_MAX) throw new UsageError(`invalid --seeds ${text}: at most ${SWEEP_SEEDS_MAX} seeds`);
  return [from, to];
}

function scenarioFiles(target: string): string[] {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    throw new UsageError(`no such scenario file or directory: ${target}`);
  }
  if (!stat.isDirectory()) return [target];
  const files = readdirSync(target)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => join(target, f));
  if (files.length === 0) throw new UsageError(`no scenario files (*.json) in ${target}`);
  return files;
}

async function sweepCommand(argv: string[], io: SimIo): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { seeds: { type: "string" }, json: { type: "boolean" }, mutant: { type: "string" }, db: { type: "string" } },
    }),
  );
  if (positionals.length !== 1) throw new UsageError("sim sweep takes one scenario file or directory");
  const [from, to] = parseSeedRange(values.seeds);
  const database = checkDatabase(values.db);
  const target = resolve(io.cwd, positionals[0]!);
  const scenarios: SweepTarget[] = [];
  for (const file of scenarioFiles(target)) scenarios.push({ path: displayPath(io.cwd, file), scenario: await loadScenarioFile(file) });
  const total = scenarios.length * (to - from + 1);
  const progress = new Progress(io, total, values.json === true);
  const startedWall = io.wallClock();
  let sweep: SweepResult;
  try {
    sweep = await runSweep(scenarios, { from, to }, { mutant: values.mutant ?? null, database, wallClock: io.wallClock, onRun: (_result, failing) => progress.tick(failing) });
  } finally {
    progress.done();
  }
  const { rows, failures } = sweep;
  const wallMs = Math.round(io.wallClock() - startedWall);
  const runs = rows.reduce((n, r) => n + r.runs, 0);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ seeds: { from, to }, mutant: values.mutant ?? null, runs, failed: failures.length, wallMs, seedsPerMinute: perMinute(runs, wallMs), scenarios: rows, failures })}\n`);
  } else {
    io.stdout.write(sweepTable(rows));
    io.stdout.write(`${runs} runs, ${failures.length} failing, ${perMinute(runs, wallMs)} seeds/min\n`);
    for (const f of failures) io.stdout.write(`FAIL ${f.scenario} seed ${f.seed}: ${f.violations} violation(s) [${f.checks.join(", ")}]\n  replay: ${f.replay}\n`);
  }
  return failures.length > 0 ? 1 : 0;
}

function perMinute(runs: number, wallMs: number): number {
  return wallMs > 0 ? Math.round((runs * 60_000 * 10) / wallMs) / 10 : 0;
}

function sweepTable(rows: Array<{ scenario: string; runs: number; failed: number; wallMs: number }>): string {
  const header = ["scenario", "runs", "failed", "mean ms/run"];
  const body = rows.map((r) => [r.scenario, String(r.runs), String(r.failed), String(Math.round(r.wallMs / Math.max(1, r.runs)))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return `${[line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n")}\n`;
}

/** A progress bar on a terminal; silent when stderr is not a TTY or with --json. */
class Progress {
  private done_ = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly io: SimIo,
    private readonly total: number,
    json: boolean,
  ) {
    this.enabled = !json && io.stderr.isTTY === true;
  }

  tick(failing: number): void {
    this.done_ += 1;
    if (!this.enabled) return;
    const width = 30;
    const filled = Math.round((this.done_ / this.total) * width);
    this.io.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${this.done_}/${this.total} runs, ${failing} failing`);
  }

  done(): void {
    if (this.enabled) this.io.stderr.write("\n");
  }
}

function mutantsCommand(argv: string[], io: SimIo): number {
  const { values } = usage(() => parseArgs({ args: argv, allowPositionals: false, strict: true, options: { json: { type: "boolean" } } }));
  const list = MUTANTS.map((m) => ({ name: m.name, description: m.description }));
  if (values.json) io.stdout.write(`${JSON.stringify(list)}\n`);
  else for (const m of list) io.stdout.write(`${m.name.padEnd(22)} ${m.description}\n`);
  return 0;
}

function displayPath(cwd: string, path: string): string {
  const absolute = isAbsolute(path) ? path : resolve(cwd, path);
  const rel = relative(cwd, absolute);
  return rel.startsWith("..") ? absolute : rel;
}
