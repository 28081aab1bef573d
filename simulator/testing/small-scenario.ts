/** Small scenarios for the simulator's own tests: quick to run, still exercising faults. */
import type { Fault, Scenario } from "../model.ts";
import { parseScenario } from "../scenario.ts";

export function smallScenario(overrides: Partial<Scenario> & { faults?: Fault[] } = {}): Scenario {
  return parseScenario(
    {
      name: "small",
      description: "a small scenario for tests",
      seed: 1,
      durationMs: 90_000,
      workers: 2,
      workload: { workflows: 16, startsPerSecond: 2, mix: { linear: 1, saga: 1, fanout: 1, timer: 1, signal: 1, chain: 1, child: 1, update: 1, schedule: 1, versioned: 1 } },
      faults: [
        { kind: "worker.crash", worker: "worker-1", point: "activity.afterEffect", nth: 2, restartAfterMs: 2_000 },
        { kind: "network.blip", worker: "worker-2", atMs: 5_000, forMs: 4_000, mode: "drop" },
        { kind: "db.restart", atMs: 12_000, downForMs: 1_500 },
      ],
      deploy: { atMs: 4_000, restartAfterMs: 1_000 },
      liveness: { healAtMs: 30_000, withinMs: 60_000 },
      ...overrides,
    },
    "small-scenario.ts",
  );
}
