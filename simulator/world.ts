/**
 * The simulated world: real engine workers (each with its own link to the
 * database, connection pool and clock view), the workload driver, the mock
 * services and the database, all on one Scheduler, with faults acting on
 * them and every observable thing recorded for the checkers.
 *
 * The workers are the engine's own Worker class, started as in production;
 * only their ports are simulated. A crash ends a worker's incarnation (its
 * store calls are fenced off, its connections close) and a new incarnation
 * boots later under the same name.
 */
import {
  AbandonTask,
  Client,
  RatchetError,
  SeededRandom,
  Store,
  Worker,
  type FaultContext,
  type FaultPoint,
  type ClientTransaction,
  type Logger,
  type StoreOptions,
  type SqlDriver,
  type SqlSession,
  type WorkerOptions,
} from "../engine/index.ts";
import type { EnvDriver, EnvLink, SimEnvironment, SkewableClock } from "./environment.ts";
import { digestEvent } from "./checkers/index.ts";
import { ENGINE_POINT, drawSwarmFaults, scheduleFaults, type FaultTarget } from "./faults.ts";
import type {
  AppliedFault,
  EffectRecord,
  Fault,
  FinalRun,
  HistorySnapshot,
  ObservationRecord,
  OrderRow,
  Scenario,
  ScheduleDescriptionRecord,
  ScheduleOpRecord,
  ServiceBehavior,
  ServiceName,
  QueryRecord,
  SignalRecord,
  SimRecord,
  SimScheduleSpec,
  StartRecord,
  TaskKeySample,
  TerminationRecord,
  UpdateRecord,
  ListedRun,
  VisibilityRecord,
} from "./model.ts";
import { Prng } from "./prng.ts";
import { describeError } from "./driver-errors.ts";
import { readRuns, toEvent } from "./run-reader.ts";
import { SecondNamespace, openRunsSql, pickNamespaceBStarts } from "./namespace-b.ts";
import { RetentionDriver, SIM_HISTORY_WINDOW_MS, retentionHoldStart, retentionPlan } from "./retention.ts";
import { MockServices } from "./services/index.ts";
import {
  PROGRESS_QUERY,
  createOrdersTable,
  insertOrder,
  orderIdOf,
  planVisibility,
  planWorkload,
  selectOrders,
  VISIBILITY_PAGES_MAX,
  workloadActivities,
  workloadWorkflows,
  type OutboxInput,
  type PlannedScheduleOp,
  type PlannedStart,
  type PlannedUpdate,
  type PlannedVisibilityCall,
  type ScheduleShapeInput,
  type SignalProgress,
  type CodeVersion,
} from "./workloads/index.ts";
import { SCHEDULE_CATCHUP_WINDOW_MS_DEFAULT } from "../engine/limits.ts";

export const SIM_TASK_QUEUE = "sim";
export const WORKER_POOL_SIZE = 4;
export const DRIVER_POOL_SIZE = 4;
export const WORKER_POLL_INTERVAL_MS = 1_000;
export const WORKER_CLAIM_BATCH = 10;
export const WORKER_ACTIVITY_CONCURRENCY = 20;
export const WORKER_WORKFLOW_CONCURRENCY = 10;
/** Even-numbered workers (worker-2, worker-4...) claim round-robin across fairness keys; the others oldest first. */
export function claimsFairly(workerName: string): boolean {
  return Number(workerName.slice(workerName.lastIndexOf("-") + 1)) % 2 === 0;
}
/** A start or signal that failed ambiguously is retried (with useExisting) this many times, this far apart. */
export const DRIVER_RETRIES_MAX = 20;
export const DRIVER_RETRY_DELAY_MS = 1_000;
/** The driver waits this long for an update's answer before asking again (same update id), polling this often. */
export const UPDATE_ANSWER_TIMEOUT_MS = 10_000;
export const UPDATE_POLL_MS = 500;
/** Histories are read this often during a run, a few runs at a time, to check they only grow by appending. */
export const SNAPSHOT_INTERVAL_MS = 5_000;
export const SNAPSHOT_RUNS_MAX = 4;
/** The run goes on this long past its end, so reads taken at the end (the liveness deadline) can complete. */
export const END_GRACE_MS = 2_000;

/** A planted bug: a different store or activity keying, selected by --mutant. */
export interface Mutant {
  name: string;
  description: string;
  /** Replace the engine's store, the workers' and the driver's (the bug lives in a transition). */
  store?: (db: SqlDriver, options: StoreOptions) => Store;
  /** As `store`, from a maker made once per run: a bug that spans the stores of one process (both namespaces'). */
  storesPerRun?: () => (db: SqlDriver, options: StoreOptions) => Store;
  /** Key effects per attempt instead of per step. */
  activityKeyMode?: "step" | "attempt";
}

export interface WorldOptions {
  scenario: Scenario;
  seed: number;
  env: SimEnvironment;
  schema: string;
  /** The second namespace's schema (migrated beside `schema`): see namespace-b.ts. */
  schemaB: string;
  mutant: Mutant | null;
}

/** The root of a run's randomness: every stream (workload, faults, links, services...) derives from it by name. */
export function rootPrng(seed: number): Prng {
  return new Prng(`ratchet-sim:${seed}`);
}

interface CrashTrigger {
  point: FaultPoint;
  nth: number;
  afterMs: number;
  restartAfterMs: number;
  label: string;
  seen: number;
  fired: boolean;
}

class SimWorker {
  incarnation = 0;
  worker: Worker | undefined;
  driver: EnvDriver | undefined;
  readonly crashes: CrashTrigger[] = [];
  restartPending = false;

  constructor(
    readonly name: string,
    readonly link: EnvLink,
    readonly clock: SkewableClock,
  ) {}

  get down(): boolean {
    return this.worker === undefined;
  }
}

export class World implements FaultTarget {
  readonly env: SimEnvironment;
  readonly root: Prng;
  readonly services: MockServices;
  readonly faultsPlanned: Fault[];
  private readonly workers = new Map<string, SimWorker>();
  private readonly links: EnvLink[] = [];
  private readonly client: Client;
  /** The first namespace's starts go through `client` into `starts`; the second's through its own client into its own record. */
  private readonly namespaceA: StartTarget;
  private readonly namespaceB: SecondNamespace;
  private readonly makeStore: (db: SqlDriver, options: StoreOptions) => Store;
  /** The driver's own connections: the client's store uses them, and so do its transactional starts. */
  private readonly driverDb: EnvDriver;
  private readonly recorderDriver: EnvDriver;
  private readonly starts: StartRecord[] = [];
  private readonly signals: SignalRecord[] = [];
  private readonly updates: UpdateRecord[] = [];
  private readonly terminations: TerminationRecord[] = [];
  private readonly queries: QueryRecord[] = [];
  private readonly scheduleOps: ScheduleOpRecord[] = [];
  private readonly visibility: VisibilityRecord[] = [];
  /** Schedules whose create was sent (schedule shape), and whether a delete of each was acknowledged. */
  private readonly schedulesSent = new Map<string, { deleted: boolean }>();
  private readonly observations: ObservationRecord[] = [];
  private readonly snapshots: HistorySnapshot[] = [];
  private readonly taskKeys: TaskKeySample[] = [];
  private readonly faultsApplied: AppliedFault[] = [];
  /** The driver's history retention calls (partitions ahead, then old windows dropped), and the reads before them. */
  private readonly retention: RetentionDriver;
  private readonly accepted: Array<{ workflowId: string; runId: string }> = [];
  /** The workflow code workers boot with: version 2 from a scenario's deploy on. */
  private codeVersion: CodeVersion = 1;
  private readonly snapshotPrng: Prng;
  private readonly logger: Logger;
  private healed = false;
  private openAtDeadline: string[] | null = null;
  /** Faults in force per target; the newest wins, and an ending one reveals the one it interrupted. */
  private readonly linkFaults = new FaultStacks<{ mode: "delay" | "drop" | "reset"; extraLatencyMs: number }>((worker, top) => this.requireWorker(worker).link.setFault(top));
  private readonly commitFaults = new FaultStacks<number>((_all, top) => {
    for (const link of this.links) link.setAmbiguousCommits(top);
  });
  private readonly poolFaults = new FaultStacks<number>((worker) => this.applyPoolLimit(this.requireWorker(worker)));
  private readonly serviceFaults = new FaultStacks<ServiceBehavior>((service, top) => this.services.setBehavior(service as ServiceName, top ?? null));

  constructor(readonly options: WorldOptions) {
    const { scenario, seed, env } = options;
    this.env = env;
    this.makeStore = options.mutant?.storesPerRun?.() ?? options.mutant?.store ?? ((db, storeOptions) => new Store(db, storeOptions));
    this.root = rootPrng(seed);
    this.services = new MockServices({
      clock: env.clock("services"),
      prng: this.root.child("services"),
      startEpochMs: env.startEpochMs,
      trace: (line: string) => env.trace(line),
    });
    this.snapshotPrng = this.root.child("snapshots");
    this.logger = {
      log: (level, message) => {
        if (level === "warn" || level === "error") env.trace(`log ${level} ${message}`);
      },
    };
    for (let i = 1; i <= scenario.workers; i++) {
      const name = `worker-${i}`;
      const link = this.newLink(name);
      this.workers.set(name, new SimWorker(name, link, env.clock(name)));
    }
    const driverLink = this.newLink("driver");
    this.driverDb = env.driver(driverLink, DRIVER_POOL_SIZE);
    const driverStore = this.newStore(this.driverDb);
    this.client = new Client({
      store: driverStore,
      clock: env.clock("driver"),
      random: new SeededRandom(this.root.child("client").seed),
      // The driver queries workflows too: it replays their code, on the scheduler like the workers.
      workflows: workloadWorkflows(),
      ...(env.settle ? { settle: env.settle } : {}),
    });
    this.recorderDriver = env.driver(this.newLink("recorder"), 1);
    this.namespaceA = { client: this.client, starts: this.starts, accepted: this.accepted, trace: "" };
    this.namespaceB = new SecondNamespace({
      schema: options.schemaB,
      env,
      prng: this.root.child("namespace-b"),
      newLink: (name) => this.newLink(name),
      newStore: (driver, schema) => this.newStore(driver, schema),
      workerOptions: this.commonWorkerOptions(),
      driverPoolSize: DRIVER_POOL_SIZE,
      workerPoolSize: WORKER_POOL_SIZE,
      query: (sql) => this.recorderDriver.query(sql),
      elapsedMs: () => this.elapsedMs(),
    });
    this.faultsPlanned = [...scenario.faults, ...drawSwarmFaults(scenario, this.root.child("swarm"))];
    this.retention = new RetentionDriver({
      client: this.client,
      schema: options.schema,
      epochMs: env.startEpochMs,
      elapsedMs: () => this.elapsedMs(),
      trace: (line) => env.trace(line),
      query: (sql) => this.recorderDriver.query(sql),
    });
  }

  private newLink(name: string): EnvLink {
    const link = this.env.link(name);
    this.links.push(link);
    return link;
  }

  /** Run the scenario to its end and return everything the checkers need. */
  async run(): Promise<SimRecord> {
    const { scenario } = this.options;
    // The outbox shape's business table, beside the engine's (before anything runs, past every fault).
    await this.env.read(createOrdersTable(this.options.schema));
    this.at(0, "history partitions", () => this.retention.ensurePartitions());
    this.at(0, "boot workers", async () => {
      for (const w of this.workers.values()) await this.boot(w);
      await this.namespaceB.boot();
    });
    this.scheduleWorkload();
    scheduleFaults(this.faultsPlanned, this);
    if (scenario.deploy) this.at(scenario.deploy.atMs, "deploy", () => this.deploy(scenario.deploy!.restartAfterMs));
    this.at(scenario.liveness.healAtMs, "heal", () => this.heal());
    this.at(scenario.liveness.healAtMs + scenario.liveness.withinMs, "liveness deadline", () => this.readOpenAtDeadline());
    this.at(scenario.liveness.healAtMs + scenario.liveness.withinMs, `liveness deadline in ${this.namespaceB.schema}`, () => this.namespaceB.readOpenAtDeadline());
    this.at(scenario.liveness.healAtMs + scenario.liveness.withinMs, "wind down schedules", () => this.windDownSchedules());
    for (let t = SNAPSHOT_INTERVAL_MS; t < scenario.durationMs; t += SNAPSHOT_INTERVAL_MS) this.at(t, "snapshot", () => this.snapshot());
    const retentionCalls = retentionPlan(scenario, this.faultsPlanned);
    for (const call of retentionCalls) this.at(call.atMs, `retention${call.dryRun ? " (dry run)" : ""}`, () => this.retention.retain(call));
    const hold = retentionHoldStart(retentionCalls, scenario, SIM_TASK_QUEUE, this.env.startEpochMs);
    if (hold) this.at(hold.atMs, `start ${hold.workflowId}`, () => this.attemptStart(hold, 1));
    await this.env.run(scenario.durationMs + END_GRACE_MS);
    this.retention.finish();
    for (const w of this.workers.values()) w.worker?.kill();
    this.namespaceB.kill();
    await this.env.shutdown();
    return {
      scenario,
      seed: this.options.seed,
      starts: this.starts,
      signals: this.signals,
      updates: this.updates,
      terminations: this.terminations,
      queries: this.queries,
      schedules: this.scheduleOps,
      visibility: this.visibility,
      observations: this.observations,
      effects: this.services.effects as EffectRecord[],
      snapshots: this.snapshots,
      taskKeys: this.taskKeys,
      faults: this.faultsApplied,
      finalRuns: await this.readFinalRuns(),
      retention: this.retention.calls,
      partitionCalls: this.retention.partitionCalls,
      orders: await this.readOrders(),
      openAtDeadline: this.openAtDeadline,
      namespaceB: await this.namespaceB.record(),
      healAtMs: scenario.liveness.healAtMs,
      endMs: scenario.durationMs,
    };
  }

  // -- workers -------------------------------------------------------------

  private async boot(w: SimWorker): Promise<void> {
    w.incarnation += 1;
    w.restartPending = false;
    const driver = this.env.driver(w.link, WORKER_POOL_SIZE);
    const store = this.newStore(driver);
    const incarnation = w.incarnation;
    const worker = new Worker({
      ...this.commonWorkerOptions(),
      store,
      workflows: workloadWorkflows(this.codeVersion),
      activities: workloadActivities(this.services, { keyMode: this.options.mutant?.activityKeyMode ?? "step" }),
      identity: w.name,
      clock: w.clock,
      random: new SeededRandom(this.root.child(`${w.name}#${incarnation}`).seed),
      fairness: claimsFairly(w.name),
      faultHook: (point, context) => this.onFaultPoint(w, point, context),
      observer: (observation) => this.observations.push({ atMs: this.elapsedMs(), worker: w.name, incarnation, observation }),
    });
    w.worker = worker;
    w.driver = driver;
    this.applyPoolLimit(w);
    this.env.trace(`boot ${w.name}#${incarnation}`);
    await worker.start();
  }

  /** What every worker of either namespace starts with. */
  private commonWorkerOptions(): Omit<WorkerOptions, "store" | "workflows" | "activities" | "identity" | "clock" | "random"> {
    return {
      taskQueue: SIM_TASK_QUEUE,
      logger: this.logger,
      pollIntervalMs: WORKER_POLL_INTERVAL_MS,
      claimBatchSize: WORKER_CLAIM_BATCH,
      maxConcurrentActivities: WORKER_ACTIVITY_CONCURRENCY,
      maxConcurrentWorkflowTasks: WORKER_WORKFLOW_CONCURRENCY,
      // Where workers maintain the history partitions (real PostgreSQL), they use the driver's window size, as the README asks of every caller.
      ...(this.env.database === "postgres" ? { queueMaintenance: { historyWindowMs: SIM_HISTORY_WINDOW_MS } } : {}),
      ...(this.env.settle ? { settle: this.env.settle } : {}),
    };
  }

  /** The engine's store over a driver (on the first namespace's schema unless told); a planted bug's, if one is selected (the driver's client uses it too). */
  private newStore(driver: EnvDriver, schema = this.options.schema): Store {
    return this.makeStore(driver, { schema });
  }

  private onFaultPoint(w: SimWorker, point: FaultPoint, context: FaultContext): void {
    if (this.healed) return;
    for (const trigger of w.crashes) {
      if (trigger.fired || trigger.point !== point || this.elapsedMs() < trigger.afterMs) continue;
      trigger.seen += 1;
      if (trigger.seen < trigger.nth) continue;
      trigger.fired = true;
      this.noteFault({ kind: "worker.crash", worker: w.name, point: crashPointName(point), nth: trigger.nth, restartAfterMs: trigger.restartAfterMs }, `${w.name}#${w.incarnation} crashed at ${point} (task ${context.taskId}, ${context.kind}${context.activityType ? ` ${context.activityType}` : ""}, attempt ${context.attempt})`);
      this.crash(w, trigger.restartAfterMs);
      throw new AbandonTask(`simulated crash: ${trigger.label}`);
    }
  }

  private crash(w: SimWorker, restartAfterMs: number): void {
    const { worker, driver } = w;
    w.worker = undefined;
    w.driver = undefined;
    worker?.kill();
    // The database work of closing its sockets runs as an event, so the scheduler awaits it.
    if (driver) this.env.after(0, `abandon ${w.name}`, () => driver.abandon());
    this.env.trace(`crash ${w.name}#${w.incarnation}`);
    w.restartPending = true;
    this.env.after(restartAfterMs, `restart ${w.name}`, async () => {
      if (w.down && w.restartPending) await this.boot(w);
    });
  }

  /**
   * A deploy: the next version of the workflow code. Every worker stops at
   * once (killed and fenced, as in a crash: no version-1 task commits after
   * this), and each boots on version 2 when its restart comes; one already
   * down boots on version 2 at its own restart.
   */
  private deploy(restartAfterMs: number): void {
    this.codeVersion = 2;
    this.env.trace(`deploy: workflow code version ${this.codeVersion}`);
    for (const w of this.workers.values()) if (!w.down) this.crash(w, restartAfterMs);
  }

  // -- the workload driver -----------------------------------------------------

  private scheduleWorkload(): void {
    const { scenario } = this.options;
    const plan = planWorkload(scenario.workload, this.root.child("workload"), {
      taskQueue: SIM_TASK_QUEUE,
      durationMs: scenario.durationMs,
      healAtMs: scenario.liveness.healAtMs,
    });
    for (const start of plan.starts) {
      if (start.workflowType === "outbox") this.at(start.atMs, `start ${start.workflowId} with its order`, () => this.attemptTransactionalStart(start, 1));
      else if (start.workflowType === "schedule") this.at(start.atMs, `create schedule ${start.workflowId}`, () => this.attemptCreateSchedule(start.workflowId, start.atMs, start.input as ScheduleShapeInput, 1));
      else this.at(start.atMs, `start ${start.workflowId}`, () => this.attemptStart(start, 1));
    }
    // A stream of its own: choosing the second namespace's copies shifts no other draw.
    for (const start of pickNamespaceBStarts(plan.starts, this.root.child("namespace-b-starts"))) {
      const target: StartTarget = { client: this.namespaceB.client, starts: this.namespaceB.starts, accepted: null, trace: ` in ${this.namespaceB.schema}` };
      this.at(start.atMs, `start ${start.workflowId}${target.trace}`, () => this.attemptStart(start, 1, target));
    }
    for (const op of plan.scheduleOps) {
      this.at(op.atMs, `${op.op} schedule ${op.scheduleId}`, () => this.attemptScheduleOp(op, 1));
    }
    for (const signal of plan.signals) {
      this.at(signal.atMs, `signal ${signal.workflowId}`, () => this.attemptSignal(signal));
    }
    for (const update of plan.updates) {
      this.at(update.atMs, `update ${update.workflowId}`, () => this.attemptUpdate(update, 1));
    }
    for (const termination of plan.terminations) {
      this.at(termination.atMs, `terminate ${termination.workflowId}`, () => this.attemptTerminate(termination.workflowId));
    }
    const { healAtMs, withinMs } = scenario.liveness;
    // A stream of its own: planning visibility calls shifts no other draw.
    const visibilityCalls = planVisibility(this.root.child("visibility"), { healAtMs, deadlineMs: healAtMs + withinMs, durationMs: scenario.durationMs, epochMs: this.env.startEpochMs });
    for (const call of visibilityCalls) this.at(call.atMs, "list and count", () => this.listAndCount(call));
  }

  private async attemptStart(start: PlannedStart, attempt: number, ns: StartTarget = this.namespaceA): Promise<void> {
    const atMs = this.elapsedMs();
    // One request id per planned start: a retry after an ambiguous failure returns the run the first
    // attempt created if it landed — even if that run has closed since, where useExisting would start a second.
    const requestId = `${start.workflowId}#start`;
    try {
      const handle = await ns.client.start(start.workflowType, { workflowId: start.workflowId, taskQueue: SIM_TASK_QUEUE, input: start.input, requestId, ...keyOf(start) });
      ns.starts.push({ workflowId: start.workflowId, workflowType: start.workflowType, atMs, outcome: "ok", runId: handle.runId, answeredAtMs: this.elapsedMs(), requestId, ...keyOf(start) });
      ns.accepted?.push({ workflowId: start.workflowId, runId: handle.runId });
      this.env.trace(`started ${start.workflowId} ${handle.runId}${ns.trace}`);
    } catch (err) {
      const retryable = err instanceof RatchetError && err.retryable;
      ns.starts.push({ workflowId: start.workflowId, workflowType: start.workflowType, atMs, outcome: retryable ? "info" : "fail", error: describeError(err), requestId, ...keyOf(start) });
      this.env.trace(`start ${start.workflowId}${ns.trace} failed: ${describeError(err)}`);
      if (retryable && attempt < DRIVER_RETRIES_MAX) {
        this.env.after(DRIVER_RETRY_DELAY_MS, `retry start ${start.workflowId}${ns.trace}`, () => this.attemptStart(start, attempt + 1, ns));
      }
    }
  }

  /**
   * The outbox pattern: write the order and start its workflow in one
   * transaction (Client.startInTransaction), or roll both back on purpose.
   * Without an answer (a lost COMMIT reply, a dropped connection) run the
   * whole transaction again: the order's insert and the start's request id
   * both find what an earlier attempt committed, if it did.
   */
  private async attemptTransactionalStart(start: PlannedStart, attempt: number): Promise<void> {
    const atMs = this.elapsedMs();
    const { amount, rollback } = start.input as OutboxInput;
    const requestId = `${start.workflowId}#start`;
    const order = { orderId: orderIdOf(start.workflowId), rollback };
    const base = { workflowId: start.workflowId, workflowType: start.workflowType, atMs, requestId, order, ...keyOf(start) };
    try {
      const runId = await this.driverDb.transaction(async (tx) => {
        await tx.query(insertOrder(this.options.schema, order.orderId, start.workflowId, amount));
        const handle = await this.client.startInTransaction(clientTransaction(tx), start.workflowType, { workflowId: start.workflowId, taskQueue: SIM_TASK_QUEUE, input: start.input, requestId, ...keyOf(start) });
        if (rollback) throw new RolledBackOnPurpose(handle.runId);
        return handle.runId;
      });
      this.starts.push({ ...base, outcome: "ok", runId, answeredAtMs: this.elapsedMs() });
      this.accepted.push({ workflowId: start.workflowId, runId });
      this.env.trace(`started ${start.workflowId} ${runId} with ${order.orderId}`);
    } catch (err) {
      // A transaction rolled back on purpose never sent COMMIT: whatever else failed on the way, nothing landed.
      const retryable = !rollback && err instanceof RatchetError && err.retryable;
      this.starts.push({ ...base, outcome: retryable ? "info" : "fail", error: describeError(err) });
      this.env.trace(`start ${start.workflowId} with ${order.orderId} ${rollback ? "rolled back" : "failed"}: ${describeError(err)}`);
      if (retryable && attempt < DRIVER_RETRIES_MAX) {
        this.env.after(DRIVER_RETRY_DELAY_MS, `retry start ${start.workflowId} with its order`, () => this.attemptTransactionalStart(start, attempt + 1));
      }
    }
  }

  private async attemptTerminate(workflowId: string): Promise<void> {
    const atMs = this.elapsedMs();
    try {
      const { runId } = await this.client.terminate(workflowId, "planned by the driver");
      this.terminations.push({ workflowId, atMs, outcome: "ok", runId, answeredAtMs: this.elapsedMs() });
      this.env.trace(`terminated ${workflowId} ${runId}`);
    } catch (err) {
      const retryable = err instanceof RatchetError && err.retryable;
      this.terminations.push({ workflowId, atMs, outcome: retryable ? "info" : "fail", error: describeError(err) });
      this.env.trace(`terminate ${workflowId} failed: ${describeError(err)}`);
    }
  }

  private async attemptSignal(signal: { workflowId: string; name: string; payload: unknown }): Promise<void> {
    const atMs = this.elapsedMs();
    try {
      await this.client.signal(signal.workflowId, signal.name, signal.payload);
      this.signals.push({ workflowId: signal.workflowId, name: signal.name, atMs, outcome: "ok" });
      await this.attemptQuery(signal.workflowId);
    } catch (err) {
      const retryable = err instanceof RatchetError && err.retryable;
      this.signals.push({ workflowId: signal.workflowId, name: signal.name, atMs, outcome: retryable ? "info" : "fail", error: describeError(err) });
    }
  }

  /**
   * Send an update and wait for its answer. Without one (the reply was lost,
   * the connection dropped, the answer took too long) ask again under the
   * same update id, which the engine must apply once whatever landed.
   */
  private async attemptUpdate(update: PlannedUpdate, attempt: number): Promise<void> {
    const atMs = this.elapsedMs();
    const base = { workflowId: update.workflowId, updateId: update.updateId, name: update.name, args: update.args, atMs };
    try {
      const result = await this.client.update(update.workflowId, update.name, update.args, { updateId: update.updateId, timeoutMs: UPDATE_ANSWER_TIMEOUT_MS, pollMs: UPDATE_POLL_MS });
      this.updates.push({ ...base, outcome: "ok", result });
      this.env.trace(`updated ${update.workflowId} ${update.updateId}`);
    } catch (err) {
      // A timeout is no answer either: the update may still be applied.
      const unanswered = err instanceof RatchetError && (err.retryable || err.code === "TIMEOUT");
      const errorCode = err instanceof RatchetError ? err.code : "UNKNOWN";
      this.updates.push({ ...base, outcome: unanswered ? "info" : "fail", errorCode, error: describeError(err) });
      this.env.trace(`update ${update.updateId} failed: ${describeError(err)}`);
      if (unanswered && attempt < DRIVER_RETRIES_MAX) {
        this.env.after(DRIVER_RETRY_DELAY_MS, `retry update ${update.updateId}`, () => this.attemptUpdate(update, attempt + 1));
      }
    }
  }

  /** Ask a signal-shape workflow how far it got (after each signal the driver sends it). */
  private async attemptQuery(workflowId: string): Promise<void> {
    const atMs = this.elapsedMs();
    try {
      const answer = await this.client.query<SignalProgress>(workflowId, PROGRESS_QUERY);
      this.queries.push({ workflowId, atMs, outcome: "ok", answer });
    } catch (err) {
      const retryable = err instanceof RatchetError && err.retryable;
      this.queries.push({ workflowId, atMs, outcome: retryable ? "info" : "fail", error: describeError(err) });
    }
  }

  /**
   * Walk every page of client.list(filter), then client.count(filter), and
   * record what each returned and when it was asked and answered. Reads are
   * not retried: a failed page ends the walk (recorded, with the pages before it).
   * A count the run's end cuts short is left out (its walk is kept).
   */
  private async listAndCount(call: PlannedVisibilityCall): Promise<void> {
    const { filter, pageSize } = call;
    const record: VisibilityRecord = { filter, pageSize, invokedAtMs: this.elapsedMs(), answeredAtMs: 0, outcome: "ok", pages: [] };
    let pageToken: string | null | undefined;
    try {
      do {
        if (record.pages.length === VISIBILITY_PAGES_MAX) {
          record.outcome = "truncated";
          break;
        }
        const page = await this.client.list({ ...filter, pageSize, ...(pageToken ? { pageToken } : {}) });
        record.pages.push(page.workflows.map((w): ListedRun => ({ runId: w.runId, workflowId: w.workflowId, workflowType: w.workflowType, status: w.status, searchAttributes: w.searchAttributes })));
        pageToken = page.nextPageToken;
      } while (pageToken !== null);
    } catch (err) {
      record.outcome = "fail";
      record.error = describeError(err);
    }
    record.answeredAtMs = this.elapsedMs();
    // Recorded once the walk ended (a walk still in flight when the run ends is left out); the count is added when it answers.
    this.visibility.push(record);
    this.env.trace(`list ${JSON.stringify(filter)}: ${record.outcome}, ${record.pages.reduce((n, p) => n + p.length, 0)} runs in ${record.pages.length} pages`);
    if (record.outcome === "fail") return;
    const countInvokedAtMs = this.elapsedMs();
    try {
      const value = await this.client.count(filter);
      record.count = { invokedAtMs: countInvokedAtMs, answeredAtMs: this.elapsedMs(), outcome: "ok", value };
    } catch (err) {
      record.count = { invokedAtMs: countInvokedAtMs, answeredAtMs: this.elapsedMs(), outcome: "fail", error: describeError(err) };
    }
  }

  // -- schedules (the schedule shape) -------------------------------------------

  /** Create a schedule-shape schedule; `plannedAtMs` fixes its end, whenever a retry lands. Retried like a start. */
  private async attemptCreateSchedule(scheduleId: string, plannedAtMs: number, input: ScheduleShapeInput, attempt: number): Promise<void> {
    const { scenario } = this.options;
    const epochMs = this.env.startEpochMs;
    const spec: SimScheduleSpec = {
      everyMs: input.everyMs,
      phaseMs: input.phaseMs,
      endAtMs: Math.min(plannedAtMs + input.lifetimeMs, scenario.liveness.healAtMs),
      overlap: input.overlap,
      catchupWindowMs: input.catchupWindowMs ?? SCHEDULE_CATCHUP_WINDOW_MS_DEFAULT,
      jitterMs: input.jitterMs ?? 0,
      timeZone: input.timeZone ?? null,
      epochMs,
    };
    this.schedulesSent.set(scheduleId, { deleted: false });
    const outcome = await this.scheduleCall({ scheduleId, op: "create", spec }, async () => {
      await this.client.schedules.create(scheduleId, {
        // Virtual fire times t with t mod everyMs = phaseMs are these epoch times.
        spec: {
          intervals: [{ everyMs: spec.everyMs, offsetMs: mod(epochMs + spec.phaseMs, spec.everyMs) }],
          endAtMs: epochMs + spec.endAtMs,
          ...(spec.jitterMs > 0 ? { jitterMs: spec.jitterMs } : {}),
          ...(spec.timeZone === null ? {} : { timeZone: spec.timeZone }),
        },
        action: { workflowType: "schedule", taskQueue: SIM_TASK_QUEUE, input: input.work },
        policies: { overlap: spec.overlap, catchupWindowMs: spec.catchupWindowMs },
      });
      return {};
    });
    if (outcome === "info" && attempt < DRIVER_RETRIES_MAX) {
      this.env.after(DRIVER_RETRY_DELAY_MS, `retry create schedule ${scheduleId}`, () => this.attemptCreateSchedule(scheduleId, plannedAtMs, input, attempt + 1));
    }
  }

  /**
   * Pause, unpause and trigger are tried once; a delete is retried until it is acknowledged or finds the
   * schedule gone; a backfill whose answer was lost is retried as a user would (the retry must start no fire twice).
   */
  private async attemptScheduleOp(op: Pick<PlannedScheduleOp, "scheduleId" | "op" | "overlap" | "range">, attempt: number): Promise<void> {
    const sent = this.schedulesSent.get(op.scheduleId);
    if (!sent || sent.deleted) return;
    const handle = this.client.schedules.getHandle(op.scheduleId);
    const epochMs = this.env.startEpochMs;
    const overlap = op.overlap ? { overlap: op.overlap } : {};
    const outcome = await this.scheduleCall({ scheduleId: op.scheduleId, op: op.op, ...overlap, ...(op.range ? { range: op.range } : {}) }, async () => {
      if (op.op === "pause") await handle.pause("paused by the driver");
      else if (op.op === "unpause") await handle.unpause();
      else if (op.op === "delete") await handle.delete();
      else if (op.op === "backfill") {
        const r = await handle.backfill({ startAt: epochMs + op.range!.startAtMs, endAt: epochMs + op.range!.endAtMs, ...overlap });
        return { backfilled: { ...r, started: r.started.map((w) => w.workflowId) } };
      } else return { started: await handle.trigger(overlap) };
      return {};
    });
    if (op.op !== "delete" && op.op !== "backfill") return;
    const gone = this.scheduleOps.at(-1)?.error?.startsWith("SCHEDULE_NOT_FOUND") === true;
    if (op.op === "delete" && (outcome === "ok" || gone)) sent.deleted = true;
    else if (outcome === "info" && attempt < DRIVER_RETRIES_MAX) this.env.after(DRIVER_RETRY_DELAY_MS, `retry ${op.op} schedule ${op.scheduleId}`, () => this.attemptScheduleOp(op, attempt + 1));
  }

  /** At the liveness deadline: describe every schedule not deleted yet (what the checkers compare with the runs), then delete it. */
  private async windDownSchedules(): Promise<void> {
    for (const [scheduleId, sent] of this.schedulesSent) {
      if (sent.deleted) continue;
      await this.scheduleCall({ scheduleId, op: "describe" }, async () => ({ description: this.describedInVirtualTime(await this.client.schedules.getHandle(scheduleId).describe()) }));
      await this.attemptScheduleOp({ scheduleId, op: "delete" }, 1);
    }
  }

  private describedInVirtualTime(d: Awaited<ReturnType<ReturnType<Client["schedules"]["getHandle"]>["describe"]>>): ScheduleDescriptionRecord {
    const epochMs = this.env.startEpochMs;
    return {
      paused: d.paused,
      ...d.counts,
      buffered: d.buffered.map((t) => t - epochMs),
      running: d.running.map((r) => r.workflowId),
      recent: d.recent.map((r) => ({ fireAtMs: r.fireAtMs - epochMs, workflowId: r.workflowId, manual: r.manual, ...(r.runId === undefined ? {} : { runId: r.runId }), ...(r.error === undefined ? {} : { error: r.error }) })),
    };
  }

  /** Make one call on a schedule and record it: ok, fail (certainly did not happen) or info (may have). */
  private async scheduleCall(what: Omit<ScheduleOpRecord, "atMs" | "outcome">, call: () => Promise<Partial<ScheduleOpRecord>>): Promise<ScheduleOpRecord["outcome"]> {
    const atMs = this.elapsedMs();
    try {
      const extra = await call();
      this.scheduleOps.push({ ...what, atMs, outcome: "ok", ...extra });
      this.env.trace(`schedule ${what.op} ${what.scheduleId} ok`);
      return "ok";
    } catch (err) {
      const outcome = err instanceof RatchetError && err.retryable ? "info" : "fail";
      this.scheduleOps.push({ ...what, atMs, outcome, error: describeError(err) });
      this.env.trace(`schedule ${what.op} ${what.scheduleId} failed: ${describeError(err)}`);
      return outcome;
    }
  }

  // -- recording ---------------------------------------------------------------

  private async snapshot(): Promise<void> {
    await this.sampleTaskKeys();
    if (this.accepted.length === 0) return;
    const picks = new Set<string>();
    for (let i = 0; i < SNAPSHOT_RUNS_MAX; i++) picks.add(this.snapshotPrng.pick(this.accepted).runId);
    for (const runId of picks) {
      try {
        const rows = await this.recorderDriver.query<{ event_id: number; type: string; at_ms: number; data: unknown }>({
          text: `SELECT event_id, type, at_ms, data FROM "${this.options.schema}".history WHERE run_id = $1 ORDER BY event_id`,
          values: [runId],
        });
        this.snapshots.push({ atMs: this.elapsedMs(), runId, events: rows.map((r) => ({ eventId: r.event_id, digest: digestEvent(toEvent(r)) })) });
      } catch {
        // The database may be down: a snapshot is only a sample.
      }
    }
  }

  /** Which fairness key every waiting or leased workflow and activity task carries now (their runs' keys are read at the end). */
  private async sampleTaskKeys(): Promise<void> {
    try {
      const rows = await this.recorderDriver.query<{ run_id: string; kind: "workflow" | "activity"; fairness_key: string }>({
        text: `SELECT run_id, kind, fairness_key FROM "${this.options.schema}".tasks WHERE kind IN ('workflow', 'activity') ORDER BY task_id`,
        values: [],
      });
      const atMs = this.elapsedMs();
      for (const r of rows) this.taskKeys.push({ atMs, runId: r.run_id, kind: r.kind, fairnessKey: r.fairness_key });
    } catch {
      // The database may be down: a sample is only a sample.
    }
  }

  /** Which runs are still open at the liveness deadline (the run itself may go on past it). */
  private async readOpenAtDeadline(): Promise<void> {
    try {
      const rows = await this.recorderDriver.query<{ run_id: string }>(openRunsSql(this.options.schema));
      this.openAtDeadline = rows.map((r) => r.run_id);
    } catch (err) {
      this.env.trace(`liveness deadline read failed: ${describeError(err)}`);
    }
  }

  private async readOrders(): Promise<OrderRow[]> {
    const rows = await this.env.read<{ order_id: string; workflow_id: string }>(selectOrders(this.options.schema));
    return rows.map((r) => ({ orderId: r.order_id, workflowId: r.workflow_id }));
  }

  /** The runs in the database at the end, and the ones retention removed on the way (FinalRun.retained). */
  private async readFinalRuns(): Promise<FinalRun[]> {
    return this.retention.withRetained(await readRuns((sql) => this.env.read(sql), this.options.schema, this.env.startEpochMs));
  }

  // -- FaultTarget -------------------------------------------------------------

  elapsedMs(): number {
    return this.env.elapsedMs();
  }

  at(elapsedMs: number, label: string, fn: () => void | Promise<void>): void {
    this.env.at(elapsedMs, label, fn);
  }

  linkFault(worker: string, mode: "delay" | "drop" | "reset", extraLatencyMs: number): () => void {
    const w = this.requireWorker(worker);
    if (this.healed) return () => {};
    if (mode === "reset") w.link.breakConnections();
    return this.linkFaults.push(worker, { mode, extraLatencyMs });
  }

  async restartDatabase(downForMs: number): Promise<void> {
    if (this.healed) return;
    await this.env.restartDatabase(downForMs);
  }

  ambiguousCommits(probability: number): () => void {
    if (this.healed) return () => {};
    return this.commitFaults.push("all", probability);
  }

  poolLimit(worker: string, available: number): () => void {
    this.requireWorker(worker);
    if (this.healed) return () => {};
    return this.poolFaults.push(worker, available);
  }

  serviceOutage(service: ServiceName, behavior: ServiceBehavior): () => void {
    if (this.healed) return () => {};
    return this.serviceFaults.push(service, behavior);
  }

  setClockOffset(worker: string, offsetMs: number): void {
    if (this.healed) return;
    this.requireWorker(worker).clock.offsetMs = offsetMs;
  }

  armCrash(worker: string, point: FaultPoint, nth: number, afterElapsedMs: number, restartAfterMs: number, label: string): void {
    this.requireWorker(worker).crashes.push({ point, nth, afterMs: afterElapsedMs, restartAfterMs, label, seen: 0, fired: false });
  }

  noteFault(fault: Fault, note: string): void {
    this.faultsApplied.push({ atMs: this.elapsedMs(), fault, note });
    this.env.trace(`fault ${fault.kind}: ${note}`);
  }

  /** The liveness phase begins: every fault stops, every worker is up. */
  private async heal(): Promise<void> {
    this.healed = true;
    this.env.trace("heal");
    this.env.healDatabase();
    this.linkFaults.clear();
    this.commitFaults.clear();
    this.poolFaults.clear();
    this.serviceFaults.clear();
    for (const w of this.workers.values()) {
      w.clock.offsetMs = 0;
      if (w.down) await this.boot(w);
    }
  }

  private applyPoolLimit(w: SimWorker): void {
    w.driver?.setPoolLimit(this.poolFaults.top(w.name));
  }

  private requireWorker(name: string): SimWorker {
    const w = this.workers.get(name);
    if (!w) throw new Error(`scenario names unknown worker ${name}`);
    return w;
  }
}

function crashPointName(point: FaultPoint): Fault extends { kind: "worker.crash"; point: infer P } ? P : never {
  const entry = Object.entries(ENGINE_POINT).find(([, p]) => p === point);
  return (entry?.[0] ?? "task.afterClaim") as never;
}

/** Where the driver's starts go: a namespace's client, and the records of its starts (accepted: the runs the first namespace's snapshots sample). */
interface StartTarget {
  client: Client;
  starts: StartRecord[];
  accepted: Array<{ workflowId: string; runId: string }> | null;
  /** Appended to the start's trace lines and event labels ("" in the first namespace, so its trace reads as before). */
  trace: string;
}

/** The start option naming a planned start's tenant, if it has one. */
function keyOf(start: PlannedStart): { fairnessKey?: string } {
  return start.fairnessKey === undefined ? {} : { fairnessKey: start.fairnessKey };
}

/** The application changed its mind after starting the workflow: its transaction rolls back. */
class RolledBackOnPurpose extends Error {
  constructor(runId: string) {
    super(`rolled back on purpose after starting run ${runId}`);
  }
}

/** The driver's open transaction, as the application's transaction startInTransaction takes. */
function clientTransaction(tx: SqlSession): ClientTransaction {
  return { query: async (text, values) => ({ rows: await tx.query({ text, values: values ?? [] }) }) };
}

/** `n` mod `m`, in [0, m). */
function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}


/** Per-target stacks of faults in force; `apply` runs whenever a target's top changes. */
class FaultStacks<T> {
  private readonly stacks = new Map<string, Array<{ value: T }>>();

  constructor(private readonly apply: (target: string, top: T | undefined) => void) {}

  push(target: string, value: T): () => void {
    const stack = this.stacks.get(target) ?? [];
    this.stacks.set(target, stack);
    const entry = { value };
    stack.push(entry);
    this.apply(target, value);
    return () => {
      const i = stack.indexOf(entry);
      if (i < 0) return;
      stack.splice(i, 1);
      this.apply(target, stack.at(-1)?.value);
    };
  }

  top(target: string): T | undefined {
    return this.stacks.get(target)?.at(-1)?.value;
  }

  clear(): void {
    for (const [target, stack] of this.stacks) {
      stack.length = 0;
      this.apply(target, undefined);
    }
  }
}
