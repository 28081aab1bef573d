/**
 * Fault models: how each scenario fault kind acts on the simulated world,
 * and the swarm (extra faults drawn from the seed). Checkers are elsewhere:
 * faults only break things; checkers only judge.
 */
import type { FaultPoint } from "../engine/index.ts";
import type { CrashPoint, Fault, FaultKind, Scenario, ServiceBehavior, ServiceName, WindowMs } from "./model.ts";
import { SERVICE_NAMES } from "./model.ts";
import type { Prng } from "./prng.ts";

/** Scenario crash points mapped onto the engine's named fault points. */
export const ENGINE_POINT: Record<CrashPoint, FaultPoint> = {
  "task.afterClaim": "task.afterClaim",
  "activity.beforeEffect": "activity.beforeRun",
  "activity.afterEffect": "activity.afterRun",
  "workflowTask.beforeComplete": "workflowTask.beforeComplete",
  "timer.beforeFire": "timer.beforeFire",
};

/** What the world exposes for faults to act on. */
export interface FaultTarget {
  /** Virtual ms since the start. */
  elapsedMs(): number;
  at(elapsedMs: number, label: string, fn: () => void | Promise<void>): void;
  /** Each fault that lasts a while begins with one of these and ends by calling what it returns. */
  linkFault(worker: string, mode: "delay" | "drop" | "reset", extraLatencyMs: number): () => void;
  restartDatabase(downForMs: number): Promise<void>;
  ambiguousCommits(probability: number): () => void;
  poolLimit(worker: string, available: number): () => void;
  serviceOutage(service: ServiceName, behavior: ServiceBehavior): () => void;
  setClockOffset(worker: string, offsetMs: number): void;
  armCrash(worker: string, point: FaultPoint, nth: number, afterElapsedMs: number, restartAfterMs: number, label: string): void;
  noteFault(fault: Fault, note: string): void;
}

/** Schedule every fault of the plan on the world. Nothing acts at or after healAtMs (the heal clears all). */
export function scheduleFaults(faults: readonly Fault[], world: FaultTarget): void {
  for (const fault of faults) {
    switch (fault.kind) {
      case "network.blip": {
        let end = () => {};
        world.at(fault.atMs, `fault network.blip ${fault.worker} ${fault.mode}`, () => {
          end = world.linkFault(fault.worker, fault.mode, fault.latencyMs ?? 0);
          world.noteFault(fault, `${fault.worker} link ${fault.mode} for ${fault.forMs} ms`);
        });
        world.at(fault.atMs + fault.forMs, `end network.blip ${fault.worker}`, () => end());
        break;
      }
      case "worker.crash":
        world.armCrash(fault.worker, ENGINE_POINT[fault.point], fault.nth, fault.atMs ?? 0, fault.restartAfterMs, `${fault.worker} at ${fault.point} #${fault.nth}`);
        break;
      case "db.restart":
        world.at(fault.atMs, "fault db.restart", async () => {
          world.noteFault(fault, `database down for ${fault.downForMs} ms`);
          await world.restartDatabase(fault.downForMs);
        });
        break;
      case "db.ambiguousCommit": {
        let end = () => {};
        world.at(fault.windowMs[0], "fault db.ambiguousCommit", () => {
          end = world.ambiguousCommits(fault.probability);
          world.noteFault(fault, `commit replies lost with p=${fault.probability.toFixed(3)} until ${fault.windowMs[1]} ms`);
        });
        world.at(fault.windowMs[1], "end db.ambiguousCommit", () => end());
        break;
      }
      case "db.poolExhaustion": {
        let end = () => {};
        world.at(fault.windowMs[0], `fault db.poolExhaustion ${fault.worker}`, () => {
          end = world.poolLimit(fault.worker, fault.available);
          world.noteFault(fault, `${fault.worker} pool down to ${fault.available} until ${fault.windowMs[1]} ms`);
        });
        world.at(fault.windowMs[1], `end db.poolExhaustion ${fault.worker}`, () => end());
        break;
      }
      case "service.outage": {
        let end = () => {};
        world.at(fault.windowMs[0], `fault service.outage ${fault.service}`, () => {
          end = world.serviceOutage(fault.service, fault.behavior);
          world.noteFault(fault, `${fault.service} ${fault.behavior} until ${fault.windowMs[1]} ms`);
        });
        world.at(fault.windowMs[1], `end service.outage ${fault.service}`, () => end());
        break;
      }
      case "clock.skew":
        world.at(fault.atMs, `fault clock.skew ${fault.worker}`, () => {
          world.setClockOffset(fault.worker, fault.offsetMs);
          world.noteFault(fault, `${fault.worker} clock ${fault.offsetMs >= 0 ? "+" : ""}${fault.offsetMs} ms`);
        });
        break;
    }
  }
}

const SWARM_KINDS_DEFAULT: readonly FaultKind[] = [
  "network.blip",
  "worker.crash",
  "db.restart",
  "db.ambiguousCommit",
  "db.poolExhaustion",
  "service.outage",
  "clock.skew",
];
const SWARM_NETWORK_MS_MAX = 5_000;
const SWARM_DELAY_MS_MAX = 4_000;
const SWARM_DB_DOWN_MS_MAX = 5_000;
const SWARM_WINDOW_MS_MAX = 20_000;
const SWARM_SKEW_MS_MAX = 30_000;
const SWARM_RESTART_MS_MAX = 10_000;
const SWARM_CRASH_NTH_MAX = 20;
const SWARM_AMBIGUOUS_P_MAX = 0.3;

/**
 * Swarm testing: `count` extra faults drawn from the seed — which kinds
 * (each run enables a random subset, as TigerBeetle's VOPR does, so runs
 * differ in character, not just in timing), targets, times and strengths.
 */
export function drawSwarmFaults(scenario: Scenario, prng: Prng): Fault[] {
  const swarm = scenario.swarm;
  if (!swarm || swarm.faults === 0) return [];
  const pool = swarm.kinds && swarm.kinds.length > 0 ? swarm.kinds : SWARM_KINDS_DEFAULT;
  const enabled = pool.filter(() => prng.chance(0.6));
  const kinds = enabled.length > 0 ? enabled : [prng.pick(pool)];
  const workers = Array.from({ length: scenario.workers }, (_, i) => `worker-${i + 1}`);
  const lastMs = scenario.liveness.healAtMs - 1;
  const time = (spanMs: number) => prng.int(0, Math.max(0, lastMs - spanMs));
  const window = (spanMax: number): WindowMs => {
    const span = prng.int(1, Math.min(spanMax, lastMs));
    const from = time(span);
    return [from, Math.min(from + span, lastMs)];
  };
  const faults: Fault[] = [];
  for (let i = 0; i < swarm.faults; i++) {
    const kind = prng.pick(kinds);
    switch (kind) {
      case "network.blip": {
        const mode = prng.pick(["delay", "drop", "reset"] as const);
        const forMs = prng.int(50, SWARM_NETWORK_MS_MAX);
        faults.push({ kind, worker: prng.pick(workers), atMs: time(forMs), forMs, mode, ...(mode === "delay" ? { latencyMs: prng.int(10, SWARM_DELAY_MS_MAX) } : {}) });
        break;
      }
      case "worker.crash":
        faults.push({
          kind,
          worker: prng.pick(workers),
          point: prng.pick(["task.afterClaim", "activity.beforeEffect", "activity.afterEffect", "workflowTask.beforeComplete", "timer.beforeFire"] as const),
          nth: prng.int(1, SWARM_CRASH_NTH_MAX),
          atMs: time(0),
          restartAfterMs: prng.int(0, SWARM_RESTART_MS_MAX),
        });
        break;
      case "db.restart":
        faults.push({ kind, atMs: time(SWARM_DB_DOWN_MS_MAX), downForMs: prng.int(0, SWARM_DB_DOWN_MS_MAX) });
        break;
      case "db.ambiguousCommit":
        faults.push({ kind, probability: prng.between(0.01, SWARM_AMBIGUOUS_P_MAX), windowMs: window(SWARM_WINDOW_MS_MAX) });
        break;
      case "db.poolExhaustion":
        faults.push({ kind, worker: prng.pick(workers), windowMs: window(SWARM_WINDOW_MS_MAX), available: prng.int(0, 1) });
        break;
      case "service.outage":
        faults.push({
          kind,
          service: prng.pick(SERVICE_NAMES),
          windowMs: window(SWARM_WINDOW_MS_MAX),
          behavior: prng.pick(["refuse", "timeout", "fail", "succeedThenTimeout"] as const),
        });
        break;
      case "clock.skew":
        faults.push({ kind, worker: prng.pick(workers), atMs: time(0), offsetMs: prng.int(-SWARM_SKEW_MS_MAX, SWARM_SKEW_MS_MAX) });
        break;
    }
  }
  return faults;
}
