/**
 * What the queue peers' tests check of every run: a well-formed Result, and
 * nothing left behind (the run's schema, its worker processes). Shared by
 * graphile-worker.test.ts and ../pg-boss/pg-boss.test.ts.
 */
import { readFileSync, readdirSync } from "node:fs";
import pg from "pg";
import { expect } from "vitest";
import type { BenchSystem, Result, RunRequest, Unit, WorkloadName } from "../../model.ts";

export const EXPECTED_UNITS: Partial<Record<WorkloadName, Unit>> = {
  fanout: "tasks",
  "one-activity": "workflows",
  steps: "steps",
  latency: "tasks",
  backlog: "tasks",
};

/** Runs one workload, returning its Result and the schema it announced (in its progress lines). */
export async function runAndTrack(system: BenchSystem, request: Omit<RunRequest, "progress">): Promise<{ result: Result; schema: string }> {
  let schema = "";
  const result = await system.run({
    ...request,
    progress: (line) => {
      const match = /creating schema (\S+)/.exec(line);
      if (match) schema = match[1]!;
    },
  });
  return { result, schema };
}

export function expectWellFormed(result: Result, system: string, workload: WorkloadName): void {
  expect(result.system).toBe(system);
  expect(result.workload).toBe(workload);
  expect(result.unit).toBe(EXPECTED_UNITS[workload]);
  expect(result.count).toBeGreaterThan(0);
  expect(result.perSecond).toBeGreaterThan(0);
  expect(result.windowMs).toBeGreaterThan(0);
  // Every field is there: a number, or null where not measurable.
  for (const key of ["commitsPerUnit", "walBytesPerUnit"] as const) expect(result[key] === null || typeof result[key] === "number").toBe(true);
  expect(result.cpu).not.toBeNull();
  expect(result.cpu!.nodeCpuSeconds).toBeGreaterThanOrEqual(0);
  expect(result.cpu!.postgresCpuSeconds).toBeGreaterThanOrEqual(0);
  expect(result.scheduleToStartMs).not.toBeNull();
  expect(result.scheduleToStartMs!.samples).toBeGreaterThan(0);
  expect(result.scheduleToStartMs!.p50).toBeLessThanOrEqual(result.scheduleToStartMs!.p99);
  expect(result.endToEndMs === null || result.endToEndMs.samples > 0).toBe(true);
  expect(typeof result.config.workers).toBe("number");
  expect(typeof result.config.concurrency).toBe("number");
  expect(typeof result.config.synchronousCommit).toBe("string");
  expect(result.notes.length).toBeGreaterThan(0);
}

export async function schemaExists(databaseUrl: string, schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    return rowCount !== 0;
  } finally {
    await client.end();
  }
}

/** Live child processes of this process whose command line mentions `scriptPath`. */
export function childProcessesRunning(scriptPath: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const parent = Number(fields[1]);
      const state = fields[0];
      if (parent !== process.pid || state === "Z") continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(scriptPath)) found.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}
