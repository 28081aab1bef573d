/**
 * Test support: the workloads on the real engine, one worker in step mode
 * on a ManualClock, with the mock services on the same clock.
 *
 * Why a driver loop: `worker.runUntilIdle()` waits for the activities it
 * runs, and a service call only answers once the clock passes its latency,
 * which a ManualClock does only when told. So a round runs in the
 * background while the driver nudges the clock in small steps whenever
 * something sleeps on it; once the round is idle, the clock moves a bigger
 * step to bring the next timer or retry due, and a new round starts.
 * No assertion depends on real time: the loop is bounded in steps.
 */
import { Client, SeededRandom, Worker, silentLogger, type Store, type WorkflowHandle } from "../../engine/index.ts";
import { ManualClock } from "../../engine/testing/index.ts";
import type { WorkloadShape } from "../model.ts";
import { Prng } from "../prng.ts";
import { MockServices, SERVICE_LATENCY_MS_MIN } from "../services/index.ts";
import type { CodeVersion } from "./shapes/versioned.ts";
import { workloadActivities, workloadWorkflows, type KeyMode } from "./index.ts";

/** While a round waits on the clock: no bigger than the shortest latency, so no deadline is jumped far past. */
export const BUSY_STEP_MS = SERVICE_LATENCY_MS_MIN;
/** Between rounds: nothing is due now, so move towards the next timer or retry (at most this late). */
export const IDLE_STEP_MS = 250;
/** Steps one drive may take before the test gives up (a workflow stuck for good). */
export const DRIVE_STEPS_MAX = 20_000;

interface Round {
  promise: Promise<number>;
  settled: boolean;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class WorkloadHarness {
  readonly clock = new ManualClock();
  readonly services: MockServices;
  readonly client: Client;
  readonly worker: Worker;
  private round: Round | null = null;
  private started = 0;

  constructor(
    store: Store,
    readonly taskQueue: string,
    options: { keyMode?: KeyMode; codeVersion?: CodeVersion } = {},
  ) {
    const random = new SeededRandom(taskQueue);
    this.services = new MockServices({ clock: this.clock, prng: new Prng(taskQueue), startEpochMs: this.clock.now() });
    this.client = new Client({ store, clock: this.clock, random });
    this.worker = new Worker({
      store,
      taskQueue,
      workflows: workloadWorkflows(options.codeVersion ?? 1),
      activities: workloadActivities(this.services, { keyMode: options.keyMode ?? "step" }),
      clock: this.clock,
      random,
      logger: silentLogger,
      identity: `${taskQueue}-worker`,
    });
  }

  start(shape: WorkloadShape, input: unknown): Promise<WorkflowHandle & { readonly runId: string }> {
    this.started += 1;
    return this.client.start(shape, { workflowId: `${this.taskQueue}-${this.started}-${shape}`, taskQueue: this.taskQueue, input });
  }

  /** True between rounds: nothing the worker could claim is running. */
  get idle(): boolean {
    return this.round === null;
  }

  /** Drive the engine until `done` holds (checked before every step). */
  async driveUntil(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let step = 0; step < DRIVE_STEPS_MAX; step++) {
      if (await done()) return;
      await this.step();
    }
    throw new Error(`not within ${DRIVE_STEPS_MAX} drive steps: ${what}`);
  }

  /** Drive until every named workflow is closed (completed, failed, ...) and the worker is idle. */
  async runToClose(...workflowIds: string[]): Promise<void> {
    const closed = async () => this.idle && (await Promise.all(workflowIds.map((id) => this.client.describe(id)))).every((d) => d.status !== "running");
    await this.driveUntil(closed, `${workflowIds.join(", ")} closed`);
  }

  /** Let the round in flight finish, so nothing runs after the test. */
  async settle(): Promise<void> {
    await this.driveUntil(() => this.idle, "the worker idle");
  }

  private async step(): Promise<void> {
    if (this.round === null) {
      this.clock.advance(IDLE_STEP_MS);
      const round: Round = { promise: this.worker.runUntilIdle(), settled: false };
      round.promise.then(
        () => (round.settled = true),
        () => (round.settled = true),
      );
      this.round = round;
    }
    await nextTurn();
    if (this.round.settled) {
      const finished = this.round;
      this.round = null;
      await finished.promise; // a worker error fails the test here
    } else if (this.clock.pendingSleeps > 0) {
      this.clock.advance(BUSY_STEP_MS);
    }
  }
}
