/**
 * planWorkload is a pure function of (spec, seed, options): the same seed
 * plans the same run whatever the PRNG was used for before, another seed
 * plans another. A plan honours the spec: the number of starts, their rate,
 * the mix (roughly), every drawn parameter within its named bounds, ids like
 * sim-0001-linear; signals go only to signal-shape workflows, in time, late
 * or twice, sorted and within the run; updates go only to update-shape
 * workflows, 1-3 each with an id apiece, about a quarter refused. Bad specs are refused naming the field.
 */
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../engine/index.ts";
import { WORKLOAD_SHAPES, type WorkloadShape, type WorkloadSpec } from "../model.ts";
import { Prng } from "../prng.ts";
import { FORWARD_OPERATIONS } from "./activities.ts";
import { FAIRNESS_KEY_WEIGHTS, planWorkload, TERMINATE_AFTER_MS_MAX, TERMINATE_FRACTION, type PlanOptions } from "./plan.ts";
import { CHAIN_RUNS_MAX, CHAIN_RUNS_MIN, type ChainInput } from "./shapes/chain.ts";
import { CHILD_STEPS_MAX, CHILD_STEPS_MIN, CHILDREN_MAX, CHILDREN_MIN, SIDECAR_CLOSE_POLICIES, type ChildParentInput } from "./shapes/child.ts";
import { FANOUT_BRANCHES_MAX, FANOUT_BRANCHES_MIN, type FanoutInput } from "./shapes/fanout.ts";
import { LINEAR_LOCAL_STEP_PROBABILITY, LINEAR_STEPS_MAX, LINEAR_STEPS_MIN, type LinearInput } from "./shapes/linear.ts";
import { SAGA_AMOUNT_CENTS_MAX, SAGA_AMOUNT_CENTS_MIN, type SagaInput } from "./shapes/saga.ts";
import { APPROVE_SIGNAL, CONFIRM_SIGNAL, SIGNAL_WAIT_TIMEOUT_MS, type SignalInput } from "./shapes/signal.ts";
import { TIMER_SLEEP_MS_MAX, TIMER_SLEEP_MS_MIN, type TimerInput } from "./shapes/timer.ts";
import { SIGNAL_LATE_MS_MIN } from "./signal-plan.ts";
import {
  onScheduleGrid,
  PAUSE_MS_MAX,
  SCHEDULE_EVERY_MS_MAX,
  SCHEDULE_EVERY_MS_MIN,
  SCHEDULE_LIFETIME_MS_MAX,
  SCHEDULE_LIFETIME_MS_MIN,
  SCHEDULE_OVERLAPS,
  SCHEDULED_STEPS_MAX,
  SHORT_CATCHUP_MS_MIN,
  type ScheduleShapeInput,
} from "./shapes/schedule.ts";
import { DEPOSIT_UPDATE, UPDATE_WINDOW_MS, depositRefusal, type UpdateInput } from "./shapes/update.ts";
import { VERSIONED_PAUSE_MS_MAX, VERSIONED_PAUSE_MS_MIN, type VersionedInput } from "./shapes/versioned.ts";
import { UPDATE_REFUSED_PROBABILITY, UPDATES_PER_WORKFLOW_MAX, UPDATES_PER_WORKFLOW_MIN } from "./update-plan.ts";

const OPTIONS: PlanOptions = { taskQueue: "sim", durationMs: 600_000, healAtMs: 400_000 };
/** Every shape, weighed alike (a shape added to the model is in it). */
const EVEN_MIX: WorkloadSpec["mix"] = Object.fromEntries(WORKLOAD_SHAPES.map((shape) => [shape, 1]));

function plan(seed: string, spec: Partial<WorkloadSpec> = {}, options: Partial<PlanOptions> = {}) {
  return planWorkload({ workflows: 1_000, startsPerSecond: 5, mix: EVEN_MIX, ...spec }, new Prng(seed), { ...OPTIONS, ...options });
}

describe("planWorkload", () => {
  it("plans the same run for a seed, whatever the PRNG drew before, and another run for another seed", () => {
    const used = new Prng("seed-1");
    for (let i = 0; i < 10; i++) used.float();
    const a = plan("seed-1");
    expect(planWorkload({ workflows: 1_000, startsPerSecond: 5, mix: EVEN_MIX }, used, OPTIONS)).toEqual(a);
    expect(plan("seed-1")).toEqual(a);
    expect(plan("seed-2")).not.toEqual(a);
  });

  it("starts every workflow once, in order, at the spec's rate, with ids that name the shape", () => {
    const { starts } = plan("rate", { workflows: 100, startsPerSecond: 10 });
    expect(starts).toHaveLength(100);
    expect(starts[0]!.workflowId).toMatch(new RegExp(`^sim-0001-(${WORKLOAD_SHAPES.join("|")})$`));
    expect(starts.map((s) => s.workflowId.slice(0, 8))).toEqual(Array.from({ length: 100 }, (_, i) => `sim-${String(i + 1).padStart(4, "0")}`));
    for (const [i, s] of starts.entries()) {
      // Each start is jittered within its own 100 ms slot.
      expect(s.atMs).toBeGreaterThanOrEqual(i * 100);
      expect(s.atMs).toBeLessThan((i + 1) * 100);
      expect(s.workflowId.endsWith(`-${s.workflowType}`)).toBe(true);
      expect(s.taskQueue).toBe("sim");
    }
  });

  it("gives most starts a tenant's fairness key, tenant-a the most, and leaves some unkeyed", () => {
    const { starts } = plan("keys");
    const count = (key: string | undefined) => starts.filter((s) => s.fairnessKey === key).length;
    expect(Object.keys(FAIRNESS_KEY_WEIGHTS).sort()).toEqual(["", "tenant-a", "tenant-b", "tenant-c"]);
    expect(count("tenant-a")).toBeGreaterThan(count("tenant-b"));
    expect(count("tenant-b")).toBeGreaterThan(0);
    expect(count("tenant-c")).toBeGreaterThan(0);
    expect(count(undefined)).toBeGreaterThan(200);
    expect(count("tenant-a") + count("tenant-b") + count("tenant-c") + count(undefined)).toBe(1_000);
  });

  it("draws shapes by the mix, roughly", () => {
    const { starts } = plan("mix", { mix: { linear: 3, saga: 1 } });
    const count = (shape: WorkloadShape) => starts.filter((s) => s.workflowType === shape).length;
    expect(count("linear")).toBeGreaterThan(680);
    expect(count("linear")).toBeLessThan(820);
    expect(count("linear") + count("saga")).toBe(1_000);
    const even = plan("even").starts;
    // An even share of twelve shapes is 1000/12 = 83 (one standard deviation: 8.7); 0.7 of it is 2.9 deviations below.
    for (const shape of WORKLOAD_SHAPES) expect(even.filter((s) => s.workflowType === shape).length).toBeGreaterThan((0.7 * even.length) / WORKLOAD_SHAPES.length);
  });

  it("draws every shape's parameters within their bounds", () => {
    for (const start of plan("params").starts) {
      switch (start.workflowType) {
        case "linear": {
          const { steps, local } = start.input as LinearInput;
          // Local steps: indices of steps, in order, each once.
          expect(local!.every((index, i) => Number.isInteger(index) && index >= 0 && index < steps.length && (i === 0 || local![i - 1]! < index))).toBe(true);
          expect(steps.length).toBeGreaterThanOrEqual(LINEAR_STEPS_MIN);
          expect(steps.length).toBeLessThanOrEqual(LINEAR_STEPS_MAX);
          steps.forEach((step, i) => {
            expect(FORWARD_OPERATIONS).toContain(step);
            if (i > 0) expect(step).not.toBe(steps[i - 1]);
          });
          break;
        }
        case "saga": {
          const { amountCents } = start.input as SagaInput;
          expect(amountCents).toBeGreaterThanOrEqual(SAGA_AMOUNT_CENTS_MIN);
          expect(amountCents).toBeLessThanOrEqual(SAGA_AMOUNT_CENTS_MAX);
          break;
        }
        case "fanout": {
          const { branches } = start.input as FanoutInput;
          expect(branches.length).toBeGreaterThanOrEqual(FANOUT_BRANCHES_MIN);
          expect(branches.length).toBeLessThanOrEqual(FANOUT_BRANCHES_MAX);
          break;
        }
        case "timer":
          for (const ms of (start.input as TimerInput).sleepsMs) {
            expect(ms).toBeGreaterThanOrEqual(TIMER_SLEEP_MS_MIN);
            expect(ms).toBeLessThanOrEqual(TIMER_SLEEP_MS_MAX);
          }
          break;
        case "signal":
          expect((start.input as SignalInput).timeoutMs).toBe(SIGNAL_WAIT_TIMEOUT_MS);
          break;
        case "chain": {
          const { steps, receipts } = start.input as ChainInput;
          expect(steps.length).toBeGreaterThanOrEqual(CHAIN_RUNS_MIN);
          expect(steps.length).toBeLessThanOrEqual(CHAIN_RUNS_MAX);
          expect(steps.every((op) => FORWARD_OPERATIONS.includes(op))).toBe(true);
          expect(receipts).toEqual([]);
          break;
        }
        case "child": {
          const { children, parallel, detached, sidecar } = start.input as ChildParentInput;
          expect(children.length).toBeGreaterThanOrEqual(CHILDREN_MIN);
          expect(children.length).toBeLessThanOrEqual(CHILDREN_MAX);
          for (const steps of detached ? [...children, detached] : children) {
            expect(steps.length).toBeGreaterThanOrEqual(CHILD_STEPS_MIN);
            expect(steps.length).toBeLessThanOrEqual(CHILD_STEPS_MAX);
            expect(steps.every((op) => FORWARD_OPERATIONS.includes(op))).toBe(true);
          }
          expect(typeof parallel).toBe("boolean");
          expect([null, ...SIDECAR_CLOSE_POLICIES]).toContain(sidecar);
          break;
        }
        case "schedule": {
          const { everyMs, phaseMs, lifetimeMs, overlap, catchupWindowMs, work, ops } = start.input as ScheduleShapeInput;
          expect(everyMs).toBeGreaterThanOrEqual(SCHEDULE_EVERY_MS_MIN);
          expect(everyMs).toBeLessThanOrEqual(SCHEDULE_EVERY_MS_MAX);
          expect(phaseMs).toBeGreaterThanOrEqual(0);
          expect(phaseMs).toBeLessThan(everyMs);
          expect(lifetimeMs).toBeGreaterThanOrEqual(SCHEDULE_LIFETIME_MS_MIN);
          expect(lifetimeMs).toBeLessThanOrEqual(SCHEDULE_LIFETIME_MS_MAX);
          expect(SCHEDULE_OVERLAPS).toContain(overlap);
          if (catchupWindowMs !== null) expect(catchupWindowMs).toBeGreaterThanOrEqual(SHORT_CATCHUP_MS_MIN);
          // A sleeping fire has a step after its sleep.
          expect(work.steps.length).toBe(work.sleepMs > 0 ? SCHEDULED_STEPS_MAX : work.steps.length);
          expect(work.sleepMs).toBeLessThanOrEqual(1.2 * everyMs);
          expect(ops.every((op, i) => op.afterMs <= lifetimeMs + PAUSE_MS_MAX && (i === 0 || ops[i - 1]!.afterMs <= op.afterMs))).toBe(true);
          break;
        }
        case "update":
          expect((start.input as UpdateInput).windowMs).toBe(UPDATE_WINDOW_MS);
          break;
        case "versioned": {
          const { pauseMs } = start.input as VersionedInput;
          expect(pauseMs).toBeGreaterThanOrEqual(VERSIONED_PAUSE_MS_MIN);
          expect(pauseMs).toBeLessThanOrEqual(VERSIONED_PAUSE_MS_MAX);
          break;
        }
      }
    }
  });

  it("creates schedules instead of starting them: their calls come after the create, some triggers on their fire times, backfills over a range around the create, none terminated", () => {
    const { starts, scheduleOps, terminations } = plan("schedules");
    const created = new Map(starts.filter((s) => s.workflowType === "schedule").map((s) => [s.workflowId, s]));
    expect(created.size).toBeGreaterThan(50);
    expect(scheduleOps.every((op, i) => i === 0 || scheduleOps[i - 1]!.atMs <= op.atMs)).toBe(true);
    for (const op of scheduleOps) {
      const start = created.get(op.scheduleId)!;
      expect(op.atMs).toBeGreaterThanOrEqual(start.atMs);
      const input = start.input as ScheduleShapeInput;
      if (op.op === "trigger" && input.ops.find((o) => o.op === "trigger")!.onFire) expect(onScheduleGrid(input, op.atMs)).toBe(true);
      if (op.op === "backfill") {
        expect(op.range!.startAtMs).toBeLessThan(start.atMs);
        expect(op.range!.endAtMs).toBeLessThanOrEqual(Math.max(op.atMs, start.atMs + input.everyMs));
        expect(op.range!.endAtMs - op.range!.startAtMs).toBeLessThanOrEqual(3 * input.everyMs);
      }
    }
    const triggers = scheduleOps.filter((op) => op.op === "trigger");
    const onFire = triggers.filter((op) => onScheduleGrid(created.get(op.scheduleId)!.input as ScheduleShapeInput, op.atMs));
    expect(onFire.length).toBeGreaterThan(triggers.length * 0.3);
    expect(onFire.length).toBeLessThan(triggers.length * 0.8);
    expect(new Set(scheduleOps.map((op) => op.op))).toEqual(new Set(["pause", "unpause", "trigger", "backfill", "delete"]));
    const inputs = [...created.values()].map((s) => s.input as ScheduleShapeInput);
    expect(inputs.some((i) => i.jitterMs > 0) && inputs.some((i) => i.jitterMs === 0) && inputs.some((i) => i.timeZone !== null)).toBe(true);
    expect(terminations.some((t) => created.has(t.workflowId))).toBe(false);
  });

    it("terminates about TERMINATE_FRACTION of the workflows, each soon after its start, in time order", () => {
    const { starts, terminations } = plan("terminations");
    const startOf = new Map(starts.map((s) => [s.workflowId, s.atMs]));
    expect(terminations.length).toBeGreaterThan(starts.length * TERMINATE_FRACTION * 0.5);
    expect(terminations.length).toBeLessThan(starts.length * TERMINATE_FRACTION * 1.5);
    expect(new Set(terminations.map((t) => t.workflowId)).size).toBe(terminations.length);
    for (const t of terminations) {
      expect(t.atMs - startOf.get(t.workflowId)!).toBeGreaterThanOrEqual(0);
      expect(t.atMs - startOf.get(t.workflowId)!).toBeLessThanOrEqual(TERMINATE_AFTER_MS_MAX);
    }
    expect(terminations.every((t, i) => i === 0 || terminations[i - 1]!.atMs <= t.atMs)).toBe(true);
  });

  it("signals only signal-shape workflows: sorted, within the run, in time, late, twice or never", () => {
    const { starts, signals } = plan("signals");
    const signalStarts = new Map(starts.filter((s) => s.workflowType === "signal").map((s) => [s.workflowId, s]));
    expect(signals.every((s, i) => i === 0 || signals[i - 1]!.atMs <= s.atMs)).toBe(true);
    expect(signals.every((s) => s.atMs < OPTIONS.durationMs && signalStarts.has(s.workflowId))).toBe(true);
    const approvals = (id: string) => signals.filter((s) => s.workflowId === id && s.name === APPROVE_SIGNAL);
    let inTime = 0;
    let late = 0;
    let twice = 0;
    let never = 0;
    for (const [id, start] of signalStarts) {
      const sent = approvals(id);
      if (sent.length === 0) never += 1;
      else if (sent.length === 2) twice += 1;
      else if (sent[0]!.atMs >= start.atMs + SIGNAL_WAIT_TIMEOUT_MS + SIGNAL_LATE_MS_MIN) late += 1;
      else inTime += 1;
      expect(sent.length).toBeLessThanOrEqual(2);
      // A confirm is only sent to a run that waits for one.
      if (!(start.input as SignalInput).confirm) expect(signals.some((s) => s.workflowId === id && s.name === CONFIRM_SIGNAL)).toBe(false);
    }
    expect(inTime).toBeGreaterThan(late);
    expect(late).toBeGreaterThan(0);
    expect(twice).toBeGreaterThan(0);
    expect(never).toBeGreaterThan(0);
    expect(signals.some((s) => s.name === CONFIRM_SIGNAL)).toBe(true);
  });

  it("runs about LINEAR_LOCAL_STEP_PROBABILITY of linear steps as local activities", () => {
    const inputs = plan("local", { mix: { linear: 1 } }).starts.map((s) => s.input as LinearInput);
    const share = inputs.reduce((n, input) => n + input.local!.length, 0) / inputs.reduce((n, input) => n + input.steps.length, 0);
    expect(share).toBeGreaterThan(LINEAR_LOCAL_STEP_PROBABILITY * 0.8);
    expect(share).toBeLessThan(LINEAR_LOCAL_STEP_PROBABILITY * 1.2);
  });

  it("updates only update-shape workflows: 1-3 each, sorted, within the first half of their window, one id apiece, about a quarter refused", () => {
    const { starts, updates } = plan("updates");
    const updateStarts = new Map(starts.filter((s) => s.workflowType === "update").map((s) => [s.workflowId, s]));
    expect(updates.every((u, i) => i === 0 || updates[i - 1]!.atMs <= u.atMs)).toBe(true);
    for (const [id, start] of updateStarts) {
      const own = updates.filter((u) => u.workflowId === id);
      expect(own.length).toBeGreaterThanOrEqual(UPDATES_PER_WORKFLOW_MIN);
      expect(own.length).toBeLessThanOrEqual(UPDATES_PER_WORKFLOW_MAX);
      const window = (start.input as UpdateInput).windowMs;
      for (const u of own) expect(u.atMs - start.atMs).toBeLessThanOrEqual(window / 2);
      expect(new Set(own.map((u) => u.updateId)).size).toBe(own.length);
    }
    expect(updates.every((u) => updateStarts.has(u.workflowId) && u.name === DEPOSIT_UPDATE)).toBe(true);
    const refused = updates.filter((u) => depositRefusal(u.args) !== null).length / updates.length;
    expect(refused).toBeGreaterThan(UPDATE_REFUSED_PROBABILITY / 2);
    expect(refused).toBeLessThan(UPDATE_REFUSED_PROBABILITY * 2);
  });

  it("leaves out signals planned at or after the end of the run", () => {
    const { signals } = plan("short", { workflows: 50, startsPerSecond: 10, mix: { signal: 1 } }, { durationMs: 15_000, healAtMs: 10_000 });
    expect(signals.length).toBeGreaterThan(0);
    expect(signals.every((s) => s.atMs < 15_000)).toBe(true);
    expect(plan("short", { workflows: 50, startsPerSecond: 10, mix: { signal: 1 } }).signals.length).toBeGreaterThan(signals.length);
  });

  it("plans nothing for zero workflows", () => {
    expect(plan("none", { workflows: 0, mix: {} })).toEqual({ starts: [], signals: [], updates: [], terminations: [], scheduleOps: [] });
  });

  it("refuses bad specs, naming the field", () => {
    const bad: Array<[Partial<WorkloadSpec>, Partial<PlanOptions>, string]> = [
      [{ workflows: -1 }, {}, "workload.workflows"],
      [{ workflows: 1.5 }, {}, "workload.workflows"],
      [{ startsPerSecond: 0 }, {}, "workload.startsPerSecond"],
      [{ mix: { linear: 1, batch: 1 } as never }, {}, "workload.mix.batch"],
      [{ mix: { linear: -1 } }, {}, "workload.mix.linear"],
      [{ mix: { linear: 0 } }, {}, "workload.mix"],
      [{}, { healAtMs: 700_000 }, "liveness.healAtMs"],
      // 1,000 workflows at 5/s take 200 s to start: past a heal at 100 s.
      [{}, { healAtMs: 100_000 }, "workload"],
    ];
    for (const [spec, options, field] of bad) {
      const error = (() => {
        try {
          plan("bad", spec, options);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(error, field).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).details).toEqual({ field });
    }
  });
});
