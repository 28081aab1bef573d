/**
 * Real-Postgres mode: the same scenarios against a real server, with real
 * concurrent workers on real pools and real faults (TCP proxies that delay,
 * black-hole and reset; pg_terminate_backend for a database restart; lost
 * COMMIT replies after real commits). Reproducible by seed, not byte for
 * byte; the same checkers. Skipped without DATABASE_URL.
 */
import { describe, expect, it } from "vitest";
import { postgresUrl } from "../engine/testing/databases.ts";
import { runScenario } from "./run.ts";
import { loadScenarioFile } from "./scenario.ts";

const SCENARIOS = ["worker-crash", "db-restart", "chaos"];

describe.skipIf(!postgresUrl())("simulator on real PostgreSQL (skipped without DATABASE_URL)", () => {
  for (const name of SCENARIOS) {
    it(`${name}, seed 1: every checker passes with real sessions and real faults`, { timeout: 5 * 60_000 }, async () => {
      const path = `scenarios/${name}.json`;
      const { result, record } = await runScenario(await loadScenarioFile(path), { seed: 1, database: postgresUrl()!, scenarioPath: path });
      expect(result.violations.map((v) => `[${v.check}] ${v.workflowId}: ${v.detail}`)).toEqual([]);
      expect(result.database).toBe("postgres");
      expect(result.workflows.accepted).toBeGreaterThan(0);
      expect(result.workflows.open).toBe(0);
      expect(result.faults.applied).toBeGreaterThan(0);
      expect(result.replay).toContain("--db postgres://");
      // Work really ran on the server: every accepted run is in its final state there.
      expect(record.finalRuns.length).toBeGreaterThanOrEqual(result.workflows.accepted);
    });
  }
});
