/**
 * namespace-isolated: two namespaces (schemas) in one database keep their
 * runs, queues and workers apart.
 *
 * The simulated database hosts a second namespace (`record.namespaceB`,
 * recorded apart from every other field): its own worker and client, and
 * copies of a few simple starts under the same workflow ids, request ids and
 * task queue name as the first namespace's. Asserts:
 * 1. no worker of one namespace reported claiming, completing or firing
 *    anything of a run that lives in the other (a run id the other's starts
 *    were acknowledged with, or that the other's schema holds at the end);
 * 2. every start acknowledged in the second namespace has its run in the
 *    second namespace's schema at the end, and the first's does not hold it;
 * 3. every such run was no longer running at the liveness deadline (read
 *    from the second schema at that instant; if that read failed, its final
 *    status stands in). terminal-after-heal does not see these runs: they
 *    are kept out of finalRuns so the first namespace's checkers read only
 *    the first namespace.
 *
 * Why it is sound: a namespace is a schema (README, Namespaces and
 * fairness). Every statement a store runs names its own schema's tables,
 * and a worker claims only through its own store, so nothing of one schema
 * reaches the other's workers, and a start commits its run in its own
 * schema before it is acknowledged. The second namespace's worker is never
 * crashed and its services never fail; after the heal it runs a linear or
 * timer workflow to its end well within the bound.
 */
import type { CheckName, Checker, ObservationRecord, SimRecord, Violation } from "../model.ts";
import { describeObservation } from "./evidence.ts";

const CHECK: CheckName = "namespace-isolated";

export const namespaceIsolated: Checker = (record) => {
  const b = record.namespaceB;
  const runsA = new Set([...record.finalRuns.map((r) => r.runId), ...acknowledged(record.starts)]);
  const runsB = new Set([...b.finalRuns.map((r) => r.runId), ...acknowledged(b.starts)]);
  return [
    ...crossed(record.observations, runsB, runsA, "first", record),
    ...crossed(b.observations, runsA, runsB, "second", record),
    ...startsOutOfPlace(record),
    ...openAtDeadline(record),
  ];
};

function acknowledged(starts: SimRecord["starts"]): string[] {
  return starts.flatMap((s) => (s.outcome === "ok" && s.runId !== undefined ? [s.runId] : []));
}

/** Observations of one namespace's workers that touch a run of the other (and not, by a run id clash, one of its own). */
function crossed(observations: readonly ObservationRecord[], others: ReadonlySet<string>, own: ReadonlySet<string>, which: "first" | "second", record: SimRecord): Violation[] {
  const workflowOf = new Map([...record.finalRuns, ...record.namespaceB.finalRuns].map((r) => [r.runId, r.workflowId]));
  return observations
    .filter((o) => others.has(o.observation.runId) && !own.has(o.observation.runId))
    .map((o) => {
      const { runId } = o.observation;
      return {
        check: CHECK,
        workflowId: workflowOf.get(runId) ?? "?",
        runId,
        detail: `${o.worker}#${o.incarnation}, a worker of the ${which} namespace, reported ${o.observation.type} for run ${runId} of the other namespace`,
        evidence: [describeObservation(o)],
      };
    });
}

/** Acknowledged starts of the second namespace whose run is not in its schema at the end, or is in the first's. */
function startsOutOfPlace(record: SimRecord): Violation[] {
  const b = record.namespaceB;
  const inB = new Set(b.finalRuns.map((r) => r.runId));
  return b.starts.flatMap((s): Violation[] => {
    if (s.outcome !== "ok" || s.runId === undefined) return [];
    const missing = !inB.has(s.runId);
    const inA = record.finalRuns.some((r) => r.runId === s.runId);
    if (!missing && !inA) return [];
    const where = [missing ? `is not in ${b.schema}` : "", inA ? "is in the first namespace's schema" : ""].filter(Boolean).join(" and ");
    return [{ check: CHECK, workflowId: s.workflowId, runId: s.runId, detail: `the start of ${s.workflowId} in ${b.schema} was acknowledged at ${s.answeredAtMs} ms with run ${s.runId}, which at the end ${where}` }];
  });
}

/** The second namespace's acknowledged runs still running at the liveness deadline. */
function openAtDeadline(record: SimRecord): Violation[] {
  const b = record.namespaceB;
  const deadlineMs = record.healAtMs + record.scenario.liveness.withinMs;
  const final = new Map(b.finalRuns.map((r) => [r.runId, r]));
  const open = b.openAtDeadline === null ? null : new Set(b.openAtDeadline);
  return b.starts.flatMap((s): Violation[] => {
    const run = s.outcome === "ok" && s.runId !== undefined ? final.get(s.runId) : undefined;
    if (!run || !(open ? open.has(run.runId) : run.status === "running")) return [];
    return [{ check: CHECK, workflowId: run.workflowId, runId: run.runId, detail: `run ${run.runId} of ${run.workflowId} in ${b.schema} was still running at the liveness deadline, ${deadlineMs} ms` }];
  });
}
