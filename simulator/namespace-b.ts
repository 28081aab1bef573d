/**
 * The second namespace: a schema of its own in the simulated database, with
 * its own worker, its own client (and driver connections) and its own mock
 * services, beside the first namespace the rest of the world runs in.
 *
 * The driver sends it copies of a few simple starts (linear and timer
 * shapes), under the same workflow ids, request ids and task queue name as
 * the first namespace's, so anything that leaked between the schemas would
 * collide. It is recorded apart (`SimRecord.namespaceB`): no other field,
 * and so no other checker, sees its starts, observations, effects or runs;
 * namespace-isolated reads it. Its worker is never crashed and its services
 * never fail; database restarts and lost COMMIT replies reach it as they
 * reach everyone.
 */
import { Client, SeededRandom, Worker, type Row, type Sql, type Store, type WorkerOptions } from "../engine/index.ts";
import type { EnvDriver, EnvLink, SimEnvironment } from "./environment.ts";
import type { NamespaceRecord, ObservationRecord, StartRecord, WorkloadShape } from "./model.ts";
import type { Prng } from "./prng.ts";
import { MockServices } from "./services/index.ts";
import { workloadActivities, workloadWorkflows, type PlannedStart } from "./workloads/index.ts";

/** The shapes the second namespace gets copies of: simple ones, which need nothing of the driver but their start. */
export const NAMESPACE_B_SHAPES: ReadonlySet<WorkloadShape> = new Set<WorkloadShape>(["linear", "timer"]);
/** The share of those shapes' starts copied there: about 5% of all starts in the shipped scenarios' mix. */
export const NAMESPACE_B_SHARE = 0.25;
export const NAMESPACE_B_WORKERS = 1;

/** What the second namespace takes from the world it runs in. */
export interface NamespaceBContext {
  schema: string;
  env: SimEnvironment;
  /** Its own stream of the run's randomness. */
  prng: Prng;
  newLink(name: string): EnvLink;
  newStore(driver: EnvDriver, schema: string): Store;
  /** The options every worker of either namespace starts with (taskQueue, polling, concurrency...). */
  workerOptions: Omit<WorkerOptions, "store" | "workflows" | "activities" | "identity" | "clock" | "random">;
  driverPoolSize: number;
  workerPoolSize: number;
  /** The recorder's reads during the run (through the simulated server, like the first namespace's). */
  query<R extends Row>(sql: Sql): Promise<R[]>;
  elapsedMs(): number;
}

/**
 * Which planned starts the second namespace gets a copy of. Drawn from a stream of its own, so no
 * other draw shifts; at least one whenever any start has a simple shape, so every run exercises it.
 */
export function pickNamespaceBStarts(starts: readonly PlannedStart[], prng: Prng): PlannedStart[] {
  const simple = starts.filter((s) => NAMESPACE_B_SHAPES.has(s.workflowType));
  const picked = simple.filter(() => prng.chance(NAMESPACE_B_SHARE));
  return picked.length > 0 || simple.length === 0 ? picked : [prng.pick(simple)];
}

/** The statement listing a schema's runs still running (the liveness deadline's read, in either namespace). */
export function openRunsSql(schema: string): Sql {
  return { text: `SELECT run_id FROM "${schema}".runs WHERE status = 'running' ORDER BY run_seq`, values: [] };
}

export class SecondNamespace {
  readonly client: Client;
  readonly starts: StartRecord[] = [];
  private readonly observations: ObservationRecord[] = [];
  private readonly services: MockServices;
  private readonly workers: Array<{ name: string; driver: EnvDriver; worker?: Worker }> = [];
  private openAtDeadline: string[] | null = null;

  constructor(private readonly o: NamespaceBContext) {
    const { env, prng, schema } = o;
    this.services = new MockServices({ clock: env.clock(`services@${schema}`), prng: prng.child("services"), startEpochMs: env.startEpochMs, trace: (line) => env.trace(`${schema}: ${line}`) });
    this.client = new Client({
      store: o.newStore(env.driver(o.newLink(`driver@${schema}`), o.driverPoolSize), schema),
      clock: env.clock(`driver@${schema}`),
      random: new SeededRandom(prng.child("client").seed),
      workflows: workloadWorkflows(),
      ...(env.settle ? { settle: env.settle } : {}),
    });
    // Links are made up front: on a real server each is a proxy that must listen before the run begins.
    for (let i = 1; i <= NAMESPACE_B_WORKERS; i++) {
      const name = `ns-b-worker-${i}`;
      this.workers.push({ name, driver: env.driver(o.newLink(name), o.workerPoolSize) });
    }
  }

  get schema(): string {
    return this.o.schema;
  }

  async boot(): Promise<void> {
    const { env, prng, schema } = this.o;
    for (const w of this.workers) {
      w.worker = new Worker({
        ...this.o.workerOptions,
        store: this.o.newStore(w.driver, schema),
        workflows: workloadWorkflows(),
        activities: workloadActivities(this.services, { keyMode: "step" }),
        identity: w.name,
        clock: env.clock(w.name),
        random: new SeededRandom(prng.child(w.name).seed),
        observer: (observation) => this.observations.push({ atMs: this.o.elapsedMs(), worker: w.name, incarnation: 1, observation }),
      });
      env.trace(`boot ${w.name}#1 in ${schema}`);
      await w.worker.start();
    }
  }

  /** At the liveness deadline: which of its runs are still running. */
  async readOpenAtDeadline(): Promise<void> {
    try {
      this.openAtDeadline = (await this.o.query<{ run_id: string }>(openRunsSql(this.o.schema))).map((r) => r.run_id);
    } catch {
      // The checker falls back to the final statuses.
    }
  }

  kill(): void {
    for (const w of this.workers) w.worker?.kill();
  }

  /** Everything namespace-isolated needs, its runs read at the end (after every worker stopped). */
  async record(): Promise<NamespaceRecord> {
    const rows = await this.o.env.read<{ workflow_id: string; run_id: string; status: NamespaceRecord["finalRuns"][number]["status"] }>({
      text: `SELECT workflow_id, run_id, status FROM "${this.o.schema}".runs ORDER BY run_seq`,
      values: [],
    });
    return {
      schema: this.o.schema,
      starts: this.starts,
      observations: this.observations,
      finalRuns: rows.map((r) => ({ workflowId: r.workflow_id, runId: r.run_id, status: r.status })),
      openAtDeadline: this.openAtDeadline,
    };
  }
}
