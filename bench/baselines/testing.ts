/**
 * Test helpers for the measured systems: what a well-formed Result looks
 * like, and which processes this process still has as children (a run must
 * leave none).
 */
import { readFileSync, readdirSync } from "node:fs";
import { expect } from "vitest";
import type { Result, SystemName, Unit, WorkloadName } from "../model.ts";

/** Pids of this process's live (or unreaped) child processes. */
export function childPidsOf(parentPid: number = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parentPid) pids.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}

/** Every Result field present and sane, whatever the system measured. */
export function expectWellFormed(result: Result, expected: { system: SystemName; workload: WorkloadName; unit: Unit }): void {
  expect(result.system).toBe(expected.system);
  expect(result.workload).toBe(expected.workload);
  expect(result.unit).toBe(expected.unit);
  expect(result.perSecond).toBeGreaterThan(0);
  expect(result.count).toBeGreaterThan(0);
  expect(result.windowMs).toBeGreaterThan(0);
  // perSecond is count over the window (rounded to one decimal).
  expect(Math.abs(result.perSecond - result.count / (result.windowMs / 1000))).toBeLessThan(Math.max(1, result.perSecond * 0.01));
  for (const [key, value] of Object.entries(result.config)) {
    expect(["string", "number", "boolean"], `config.${key}`).toContain(typeof value);
  }
  for (const latency of [result.scheduleToStartMs, result.endToEndMs]) {
    if (latency === null) continue;
    expect(latency.samples).toBeGreaterThan(0);
    expect(latency.p50).toBeGreaterThanOrEqual(0);
    expect(latency.p95).toBeGreaterThanOrEqual(latency.p50);
    expect(latency.p99).toBeGreaterThanOrEqual(latency.p95);
  }
  expect(result.commitsPerUnit === null || result.commitsPerUnit > 0).toBe(true);
  expect(result.walBytesPerUnit === null || result.walBytesPerUnit >= 0).toBe(true);
  if (result.cpu !== null) {
    expect(result.cpu.nodeCpuSeconds).toBeGreaterThanOrEqual(0);
    expect(result.cpu.postgresCpuSeconds).toBeGreaterThanOrEqual(0);
    expect(result.cpu.nodeShare).toBeGreaterThanOrEqual(0);
    expect(result.cpu.nodeShare).toBeLessThanOrEqual(1);
  }
  expect(Array.isArray(result.notes)).toBe(true);
  for (const note of result.notes) expect(typeof note).toBe("string");
}
