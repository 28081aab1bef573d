/**
 * A guided run of the flagship scenario (what `npm start` shows after the
 * order saga): the real engine through seeded chaos on simulated time,
 * network, database and services; the checkers' verdict; the same seed run
 * again to show the trace is identical; and a planted bug, to show the
 * checkers catch what they claim to.
 */
import { PGlite } from "@electric-sql/pglite";
import { ALL_CHECKERS } from "./checkers/index.ts";
import type { SimRecord, SimResult } from "./model.ts";
import { runScenario } from "./run.ts";
import { loadScenarioFile } from "./scenario.ts";

export const FLAGSHIP_SCENARIO = "scenarios/chaos.json";
/** Faults shown in the timeline; the rest are counted. */
const TIMELINE_LINES_MAX = 16;
const PLANTED_BUG = "effects-per-attempt";

export interface GuidedRunOutcome {
  passed: boolean;
  result: SimResult;
  deterministic: boolean;
  bugCaught: boolean;
}

export async function runGuidedSimulation(print: (line: string) => void, options: { scenarioPath?: string; seed?: number } = {}): Promise<GuidedRunOutcome> {
  const path = options.scenarioPath ?? FLAGSHIP_SCENARIO;
  const scenario = await loadScenarioFile(path);
  const seed = options.seed ?? scenario.seed;
  print(`Scenario "${scenario.name}" (${path}), seed ${seed}:`);
  print(`  ${scenario.description}`);
  print(
    `  ${scenario.workers} workers, ${scenario.workload.workflows} workflows; ${scenario.faults.length} faults from the file${scenario.swarm ? ` and ${scenario.swarm.faults} drawn from the seed` : ""}; ` +
      `everything heals at ${s(scenario.liveness.healAtMs)}, and every workflow must then finish within ${s(scenario.liveness.withinMs)}.`,
  );
  const pglite = await PGlite.create();
  try {
    const first = await runScenario(scenario, { seed, pglite, scenarioPath: path });
    const r = first.result;
    print("");
    print(`What happened (${s(r.virtualMs)} of virtual time in ${s(r.wallMs)}):`);
    printTimeline(first.record, print);
    print(`  workflows: ${r.workflows.accepted} accepted; ${r.workflows.completed} completed, ${r.workflows.failed} failed (sagas that compensated), ${r.workflows.open} still open`);
    print(`  activities: ${r.activities.scheduled} scheduled, ${r.activities.attempts} attempts (retries and re-deliveries), ${r.activities.recorded} results recorded, each once`);
    print(`  external effects: ${r.effects.applied} applied under ${r.effects.keys} idempotency keys; ${r.effects.duplicates} applied twice`);
    print("");
    print("The checkers' verdict:");
    const failed = new Set(r.violations.map((v) => v.check));
    for (const checker of ALL_CHECKERS) print(`  ${failed.has(checker.name) ? "FAIL" : "ok  "}  ${checker.name}: ${checker.description}`);
    for (const v of r.violations.slice(0, 10)) print(`        [${v.check}] ${v.workflowId}: ${v.detail}`);

    const again = await runScenario(scenario, { seed, pglite, scenarioPath: path });
    const deterministic = again.result.traceHash === r.traceHash;
    print("");
    print(`Run again with the same seed: trace ${again.result.traceHash.slice(0, 16)} ${deterministic ? "=" : "!="} ${r.traceHash.slice(0, 16)}${deterministic ? ", the same run byte for byte" : " — NOT deterministic"}.`);

    const bug = await runScenario(scenario, { seed, pglite, scenarioPath: path, mutant: PLANTED_BUG });
    const bugChecks = [...new Set(bug.result.violations.map((v) => v.check))];
    const bugCaught = bug.result.violations.length > 0;
    print(
      `With a planted bug (--mutant ${PLANTED_BUG}: effects keyed per attempt, not per step): ` +
        (bugCaught ? `caught, ${bug.result.violations.length} violation(s) of ${bugChecks.join(", ")}; ${bug.result.effects.duplicates} steps applied their effect twice.` : "NOT caught."),
    );
    print("");
    print(`Replay this run: ${r.replay}`);
    print(`Sweep seeds:     npx ratchet sim sweep scenarios --seeds 1..20`);
    return { passed: r.violations.length === 0 && deterministic && bugCaught, result: r, deterministic, bugCaught };
  } finally {
    await pglite.close();
  }
}

function printTimeline(record: SimRecord, print: (line: string) => void): void {
  const faults = [...record.faults].sort((a, b) => a.atMs - b.atMs);
  for (const f of faults.slice(0, TIMELINE_LINES_MAX)) print(`  ${s(f.atMs).padStart(7)}  ${f.note}`);
  if (faults.length > TIMELINE_LINES_MAX) print(`           ... and ${faults.length - TIMELINE_LINES_MAX} more faults`);
  print(`  ${s(record.healAtMs).padStart(7)}  heal: every fault stops, crashed workers are back`);
}

function s(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
