/**
 * Results grouped by workload, in the order a reader asks about them, and
 * the one result in each group the others are compared with.
 */
import type { Result } from "../bench/model.ts";

/** Workloads in report order; any the model adds later follow, in the order they appear. */
export const WORKLOAD_ORDER: readonly string[] = ["steps", "fanout", "one-activity", "latency", "backlog", "churn", "commits"];

/** What each workload asks of a system (from bench/model.ts), for the heading of its table. */
export const WORKLOAD_DESCRIPTIONS: Readonly<Record<string, string>> = {
  steps: "workflows of 10 sequential no-op activities; a step is an activity plus the workflow task that records it",
  fanout: "one workflow fanning out 1,000 no-op activities: the pure queue path",
  "one-activity": "workflows of one no-op activity (queues: one job)",
  latency: "an idle system, one workflow or job at a time: schedule-to-start latency",
  backlog: "one-activity throughput with tasks already waiting in the same queue",
  churn: "sustained one-activity load for a duration, sampling table and index sizes",
  commits: "the server's raw commit rate (pgbench): the ceiling for one-commit-per-step designs",
};

/** Systems in report order: Ratchet, then its ceilings, then its peers. */
export const SYSTEM_ORDER: readonly string[] = ["ratchet", "sql-ceiling", "pgbench", "graphile-worker", "pg-boss", "dbos"];

/** The system every ratio is taken against, when it ran. */
export const REFERENCE_SYSTEM = "ratchet";

export interface WorkloadGroup {
  workload: string;
  /** In system order, then in the order the harness reported them. */
  results: Result[];
}

function rank(order: readonly string[], name: string): number {
  const index = order.indexOf(name);
  return index < 0 ? order.length : index;
}

export function groupByWorkload(results: readonly Result[]): WorkloadGroup[] {
  const groups = new Map<string, Result[]>();
  for (const result of results) {
    const group = groups.get(result.workload) ?? [];
    group.push(result);
    groups.set(result.workload, group);
  }
  const firstSeen = [...groups.keys()];
  return [...groups.entries()]
    .sort(([a], [b]) => rank(WORKLOAD_ORDER, a) - rank(WORKLOAD_ORDER, b) || firstSeen.indexOf(a) - firstSeen.indexOf(b))
    .map(([workload, members]) => ({
      workload,
      // Array.prototype.sort is stable, so runs of one system keep the harness's order.
      results: [...members].sort((a, b) => rank(SYSTEM_ORDER, a.system) - rank(SYSTEM_ORDER, b.system)),
    }));
}

/**
 * The result a group's ratios are taken against: Ratchet's fastest run (the
 * number a target would quote), or the group's first result when Ratchet did
 * not run it (a pgbench-only `commits` group).
 */
export function referenceResult(results: readonly Result[]): Result | undefined {
  const ratchet = results.filter((r) => r.system === REFERENCE_SYSTEM);
  if (ratchet.length === 0) return results[0];
  return ratchet.reduce((best, r) => (r.perSecond > best.perSecond ? r : best));
}

/** `value / reference`, or null when the reference measured nothing. */
export function ratioTo(value: number, reference: Result | undefined): number | null {
  if (reference === undefined || !(reference.perSecond > 0)) return null;
  return value / reference.perSecond;
}
