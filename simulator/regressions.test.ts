/**
 * Every scenario the property tests ever shrunk from a failure
 * (scenarios/regressions/*.json) is replayed, from its recorded seed, and
 * must pass every checker.
 */
import { readdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenario } from "./run.ts";
import { loadScenarioFile } from "./scenario.ts";

const DIR = "scenarios/regressions";
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();

describe("regression scenarios", () => {
  let pglite: PGlite;
  beforeAll(async () => {
    pglite = await PGlite.create();
  });
  afterAll(async () => {
    await pglite.close();
  });

  if (files.length === 0) it.skip("none recorded yet: the property tests have not found a failure to keep", () => {});
  for (const file of files) {
    it(`${file} passes every checker`, async () => {
      const path = `${DIR}/${file}`;
      const { result } = await runScenario(await loadScenarioFile(path), { pglite, scenarioPath: path });
      expect(result.violations.map((v) => `[${v.check}] ${v.workflowId}: ${v.detail}`)).toEqual([]);
    });
  }
});
