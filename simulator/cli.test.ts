/**
 * `ratchet sim`: exit codes (0 clean, 1 violations, 2 bad input), the JSON
 * shapes of run, sweep and mutants, the replay command, determinism
 * checking, and scenario errors that name the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { simMain } from "./cli.ts";
import { smallScenario } from "./testing/small-scenario.ts";

const scratch = mkdtempSync(join(tmpdir(), "ratchet-sim-cli-"));
const smallPath = join(scratch, "small.json");
writeFileSync(smallPath, JSON.stringify(smallScenario({ workload: { workflows: 6, startsPerSecond: 2, mix: { linear: 1, fanout: 1 } } })));

async function sim(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await simMain(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    cwd: scratch,
    wallClock: () => performance.now(),
  });
  return { code, stdout, stderr };
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("ratchet sim", () => {
  it("run --json: exit 0 and the stable result object", async () => {
    const { code, stdout } = await sim("run", "small.json", "--seed", "5", "--json");
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ scenario: "small", seed: 5, violations: [], replay: "npx ratchet sim run small.json --seed 5" });
    for (const key of ["traceHash", "workflows", "activities", "effects"]) expect(result).toHaveProperty(key);
    expect(result.workflows).toHaveProperty("accepted", 6);
  });

  it("run prints the seed and every drawn option first, then the summary and the replay command", async () => {
    const { code, stdout } = await sim("run", "small.json", "--seed", "2");
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^scenario small \(small\.json\)/);
    expect(lines[1]).toBe("seed 2");
    expect(stdout).toContain("no violations");
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("replay: npx ratchet sim run small.json --seed 2");
  });

  it("--check-determinism runs the seed twice and reports the same trace", async () => {
    const { code, stdout } = await sim("run", "small.json", "--seed", "3", "--check-determinism", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout).determinism).toBe("same");
  });

  it("a mutant's violations exit 1, and sweep lists each failing seed with its replay command", async () => {
    const run = await sim("sweep", "small.json", "--seeds", "1..3", "--mutant", "static-lease-token", "--json");
    expect(run.code).toBe(1);
    const sweep = JSON.parse(run.stdout);
    expect(sweep).toMatchObject({ seeds: { from: 1, to: 3 }, mutant: "static-lease-token", runs: 3 });
    expect(sweep.failed).toBeGreaterThan(0);
    expect(sweep.failures[0].replay).toMatch(/^npx ratchet sim run small\.json --seed \d+ --mutant static-lease-token$/);
    const human = await sim("sweep", "small.json", "--seeds", "1..1", "--mutant", "static-lease-token");
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^scenario\s+runs\s+failed/);
    expect(human.stdout).toMatch(/FAIL small seed 1: \d+ violation\(s\) \[lease-tokens-increase/);
  });

  it("mutants lists the planted bugs", async () => {
    const { code, stdout } = await sim("mutants", "--json");
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as Array<{ name: string; description: string }>;
    expect(list.map((m) => m.name)).toEqual(["unfenced-completion", "delete-before-record", "effects-per-attempt", "lost-child-result", "ignored-parent-close", "reapplied-update", "crossed-update-answer", "lost-local-marker", "separate-transaction-start", "lost-patch-marker", "started-activity-timeout", "uninherited-fairness-key", "unindexed-continued-run", "retention-ignores-open", "lost-continuation", "first-namespace-statements", "static-lease-token", "schedule-overlap-ignored", "schedule-buffer-not-drained", "lost-schedule-wake"]);
    for (const m of list) expect(m.description.length).toBeGreaterThan(20);
  });

  it("bad input exits 2 with a message naming the problem", async () => {
    writeFileSync(join(scratch, "bad.json"), JSON.stringify({ ...smallScenario(), faults: [{ kind: "network.blip", worker: "worker-9", atMs: 1, forMs: 1, mode: "drop" }] }));
    const badWorker = await sim("run", "bad.json");
    expect(badWorker.code).toBe(2);
    expect(badWorker.stderr).toContain("faults[0].worker");
    writeFileSync(join(scratch, "kind.json"), JSON.stringify({ ...smallScenario(), faults: [{ kind: "disk.full", atMs: 1 }] }));
    expect((await sim("run", "kind.json")).stderr).toMatch(/faults\[0\]\.kind/);
    expect((await sim("run", "small.json", "--mutant", "nope")).code).toBe(2);
    expect((await sim("run", "missing.json")).code).toBe(2);
    expect((await sim("run", "small.json", "--seed", "-1")).code).toBe(2);
    expect((await sim("sweep", "small.json", "--seeds", "5..1")).code).toBe(2);
    expect((await sim("run", "small.json", "--bogus")).code).toBe(2);
    expect((await sim("frobnicate")).code).toBe(2);
  });
});
