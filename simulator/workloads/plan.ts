/**
 * The driver's plan for a run: which workflow starts when, with what input,
 * and which signals it sends when. A pure function of the workload spec,
 * the PRNG's seed and the options (never of the PRNG's position: it draws
 * only from child streams), so a seed always plans the same run.
 *
 * Starts are spread evenly at `startsPerSecond`, each jittered within its
 * own slot (so they stay in order); shapes are drawn by the mix. Each
 * workflow's parameters come from a stream of its own, so changing what one
 * shape draws never shifts another workflow's draws.
 */
import { InvalidArgumentError, type OverlapPolicy } from "../../engine/index.ts";
import { WORKLOAD_SHAPES, type WorkloadShape, type WorkloadSpec } from "../model.ts";
import type { Prng } from "../prng.ts";
import { SHAPES } from "./shapes/index.ts";
import { type ScheduleOpKind, type ScheduleShapeInput } from "./shapes/schedule.ts";
import type { SignalInput } from "./shapes/signal.ts";
import { planSignals } from "./signal-plan.ts";
import type { UpdateInput } from "./shapes/update.ts";
import { planUpdates, type PlannedUpdate } from "./update-plan.ts";

/** Most workflows one plan may start. */
export const WORKLOAD_WORKFLOWS_MAX = 1_000_000;
/** Workflow ids are `sim-0001-linear`: the number padded to at least this many digits. */
export const WORKFLOW_ID_DIGITS = 4;
const MS_PER_SECOND = 1_000;

export interface PlannedStart {
  atMs: number;
  workflowId: string;
  workflowType: WorkloadShape;
  taskQueue: string;
  input: unknown;
  /** The tenant the start names (StartOptions.fairnessKey); none for unkeyed work. */
  fairnessKey?: string;
}

export interface PlannedSignal {
  atMs: number;
  workflowId: string;
  name: string;
  payload: unknown;
}

export interface PlannedTermination {
  atMs: number;
  workflowId: string;
}

/** A call the driver makes on a schedule it created (schedule shape). */
export interface PlannedScheduleOp {
  atMs: number;
  scheduleId: string;
  op: ScheduleOpKind;
  overlap?: OverlapPolicy;
  /** backfill: the fire times in [startAtMs, endAtMs), virtual ms. */
  range?: { startAtMs: number; endAtMs: number };
}
/**
 * Fairness keys: a few tenants share the queue, one (tenant-a) with most of
 * the work, and some work has no key. Children and continued runs inherit
 * their run's key.
 */
export const FAIRNESS_KEY_WEIGHTS: Readonly<Record<string, number>> = { "tenant-a": 0.45, "tenant-b": 0.15, "tenant-c": 0.1, "": 0.3 };

/** The share of workflows the driver terminates (client.terminate), each at a time drawn after its start. */
export const TERMINATE_FRACTION = 0.05;
/** A planned termination comes up to this long after its workflow's start. */
export const TERMINATE_AFTER_MS_MAX = 400;

export interface WorkloadPlan {
  /** In start order (atMs never decreases). */
  starts: PlannedStart[];
  /** By atMs; sends planned for the same ms keep their planning order. */
  signals: PlannedSignal[];
  /** By atMs; sends planned for the same ms keep their planning order; none at or after the run's end. */
  updates: PlannedUpdate[];
  /** By atMs; none at or after the run's end. */
  terminations: PlannedTermination[];
  /** By atMs; none at or after the run's end. A schedule-shape "start" creates the schedule instead. */
  scheduleOps: PlannedScheduleOp[];
}

export interface PlanOptions {
  taskQueue: string;
  /** Virtual length of the run: signals planned at or after it are never sent, so they are left out. */
  durationMs: number;
  /** Every start must fall before it (see checkPlanInput). */
  healAtMs: number;
}

export function planWorkload(spec: WorkloadSpec, prng: Prng, options: PlanOptions): WorkloadPlan {
  checkPlanInput(spec, options);
  const slotMs = MS_PER_SECOND / spec.startsPerSecond;
  const startsPrng = prng.child("starts");
  const starts: PlannedStart[] = [];
  const signals: PlannedSignal[] = [];
  const updates: PlannedUpdate[] = [];
  const terminations: PlannedTermination[] = [];
  const scheduleOps: PlannedScheduleOp[] = [];
  for (let i = 0; i < spec.workflows; i++) {
    const atMs = Math.floor((i + startsPrng.float()) * slotMs);
    const workflowType = startsPrng.weighted(spec.mix);
    const workflowId = `sim-${String(i + 1).padStart(WORKFLOW_ID_DIGITS, "0")}-${workflowType}`;
    const own = prng.child(`workflow:${workflowId}`);
    // A stream of its own, so drawing keys shifts no other draw.
    const fairnessKey = prng.child(`fairness:${workflowId}`).weighted(FAIRNESS_KEY_WEIGHTS);
    const start: PlannedStart = { atMs, workflowId, workflowType, taskQueue: options.taskQueue, input: SHAPES[workflowType].drawInput(own), ...(fairnessKey === "" ? {} : { fairnessKey }) };
    starts.push(start);
    if (workflowType === "signal") signals.push(...planSignals(own, start, start.input as SignalInput));
    if (workflowType === "update") updates.push(...planUpdates(own, start, start.input as UpdateInput));
    if (workflowType === "schedule") {
      scheduleOps.push(...planScheduleOps(start, start.input as ScheduleShapeInput));
      // A schedule is created, never terminated: the driver deletes it instead.
      continue;
    }
    // A stream of its own, so planning terminations shifts no other draw.
    const fate = prng.child(`terminate:${workflowId}`);
    if (fate.float() < TERMINATE_FRACTION) terminations.push({ workflowId, atMs: atMs + fate.int(0, TERMINATE_AFTER_MS_MAX) });
  }
  return {
    starts,
    signals: signals.filter((s) => s.atMs < options.durationMs).sort((a, b) => a.atMs - b.atMs),
    updates: updates.filter((u) => u.atMs < options.durationMs).sort((a, b) => a.atMs - b.atMs),
    terminations: terminations.filter((t) => t.atMs < options.durationMs).sort((a, b) => a.atMs - b.atMs),
    scheduleOps: scheduleOps.filter((o) => o.atMs < options.durationMs).sort((a, b) => a.atMs - b.atMs),
  };
}

/** The calls on one schedule, at times after its creation: a trigger drawn onFire moved up to the next of the spec's fire times; a backfill's range made absolute (never before virtual 0). */
function planScheduleOps(start: PlannedStart, input: ScheduleShapeInput): PlannedScheduleOp[] {
  return input.ops.map(({ afterMs, op, overlap, onFire, range }) => {
    let atMs = start.atMs + afterMs;
    if (onFire) atMs += (((input.phaseMs - atMs) % input.everyMs) + input.everyMs) % input.everyMs;
    return {
      atMs,
      scheduleId: start.workflowId,
      op,
      ...(overlap ? { overlap } : {}),
      ...(range ? { range: { startAtMs: Math.max(0, start.atMs + range.fromMs), endAtMs: start.atMs + range.toMs } } : {}),
    };
  });
}

/** Bad specs get an error naming the field (scenario files are user input). */
function checkPlanInput(spec: WorkloadSpec, options: PlanOptions): void {
  const fail = (field: string, why: string) => {
    throw new InvalidArgumentError(`invalid ${field}: ${why}`, { field });
  };
  if (!Number.isInteger(spec.workflows) || spec.workflows < 0 || spec.workflows > WORKLOAD_WORKFLOWS_MAX) fail("workload.workflows", `expected a whole number in [0, ${WORKLOAD_WORKFLOWS_MAX}], got ${spec.workflows}`);
  if (!Number.isFinite(spec.startsPerSecond) || spec.startsPerSecond <= 0) fail("workload.startsPerSecond", `expected a number > 0, got ${spec.startsPerSecond}`);
  for (const [shape, weight] of Object.entries(spec.mix)) {
    if (!WORKLOAD_SHAPES.includes(shape as WorkloadShape)) fail(`workload.mix.${shape}`, `unknown shape (known: ${WORKLOAD_SHAPES.join(", ")})`);
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight < 0) fail(`workload.mix.${shape}`, `expected a weight >= 0, got ${weight}`);
  }
  if (spec.workflows > 0 && !Object.values(spec.mix).some((w) => (w ?? 0) > 0)) fail("workload.mix", "no shape has a positive weight");
  if (!Number.isFinite(options.durationMs) || options.durationMs <= 0) fail("durationMs", `expected a number > 0, got ${options.durationMs}`);
  if (!Number.isFinite(options.healAtMs) || options.healAtMs < 0 || options.healAtMs > options.durationMs) fail("liveness.healAtMs", `expected a number in [0, durationMs], got ${options.healAtMs}`);
  // The liveness bound counts from heal: a workflow started after it could not be held to the bound.
  const lastSlotEndMs = (spec.workflows * MS_PER_SECOND) / spec.startsPerSecond;
  if (lastSlotEndMs > options.healAtMs) {
    fail("workload", `${spec.workflows} workflows at ${spec.startsPerSecond}/s take ${lastSlotEndMs} ms to start, past liveness.healAtMs (${options.healAtMs})`);
  }
}
