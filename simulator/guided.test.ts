/**
 * The guided run `npm start` shows: it runs a scenario, reports the
 * checkers' verdict, shows the same seed reproduces the trace, and shows a
 * planted bug being caught — and says so in what it prints.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runGuidedSimulation } from "./guided.ts";
import { smallScenario } from "./testing/small-scenario.ts";

const scratch = mkdtempSync(join(tmpdir(), "ratchet-guided-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("guided simulation", () => {
  it("runs, passes, reproduces itself and catches the planted bug", async () => {
    const path = join(scratch, "small.json");
    // A crash after the effect makes a retry that must reuse the idempotency key: the planted bug shows there.
    writeFileSync(path, JSON.stringify(smallScenario({ faults: [{ kind: "service.outage", service: "payments", windowMs: [0, 20_000], behavior: "succeedThenTimeout" }] })));
    const lines: string[] = [];
    const outcome = await runGuidedSimulation((line) => lines.push(line), { scenarioPath: path, seed: 4 });
    expect(outcome).toMatchObject({ passed: true, deterministic: true, bugCaught: true });
    const text = lines.join("\n");
    expect(text).toContain('Scenario "small"');
    expect(text).toMatch(/ok {4}no-result-recorded-twice/);
    expect(text).toContain("the same run byte for byte");
    expect(text).toMatch(/With a planted bug .*: caught/);
    expect(text).toContain(`Replay this run: npx ratchet sim run ${path} --seed 4`);
  });
});
