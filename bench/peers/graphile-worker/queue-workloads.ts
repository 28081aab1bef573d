/**
 * Runs one workload against a queue peer (graphile-worker, pg-boss): the
 * parent process enqueues and measures; worker processes consume. The same
 * drivers serve both peers, so the two differ only where their libraries do.
 *
 * The workloads, for a queue (see model.ts for what they ask of a workflow engine):
 * - fanout: batches of `fanoutSize` (1,000) jobs, each batch added by one bulk call; a new
 *   batch is added whenever fewer than `fanoutInFlight` batches' worth of jobs are unfinished, so the
 *   workers never wait for the parent and never wait on their idle poll.
 * - backlog: `backlog` jobs are preloaded (bulk, before the workers start, then ANALYZEd), and kept
 *   topped up the same way, so the queue holds about `backlog` waiting jobs throughout the window.
 * - one-activity: `producers` loops each add single jobs, one call (one transaction) per job, while at
 *   most `outstandingMax` are unfinished: the enqueue path is part of what is measured.
 * - steps: `chains` chains run at once; each job enqueues its successor until `stepsDepth` (10); the
 *   parent starts a new chain (bulk) for every one that ends. A step is a job.
 * - latency: one job at a time, the next added a random 0..`latencyGapMsMax` ms after the previous
 *   one completed (so a polling consumer is not phase-locked to the producer).
 *
 * Counts are jobs whose handler finished, as the worker processes report them; the window is marked
 * in every worker process over IPC, and its length is measured by the parent.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { schemaIdentifier } from "../../../engine/names.ts";
import { InvalidArgumentError } from "../../../engine/errors.ts";
import { cpuShare, cpuSnapshot, percentiles, perUnit, round, serverCounters } from "../../harness/metrics.ts";
import type { Result, RunRequest, SystemName, Unit, WorkloadName } from "../../model.ts";
import type { JobPayload, QueueWorkerSettings } from "./queue-protocol.ts";
import { WorkerProcesses, delay, type WindowTotals } from "./queue-processes.ts";
import { choiceSetting, intSetting, type Config } from "./queue-settings.ts";

/** Jobs per bulk add (fanout batches, backlog top-ups, preload chunks are this or PRELOAD_CHUNK). */
export const FANOUT_SIZE = 1_000;
const PRELOAD_CHUNK = 10_000;
const BACKLOG_MAX = 10_000_000;
const WORKERS_MAX = 64;
const CONCURRENCY_MAX = 1_000;
const PAYLOAD_BYTES_MAX = 1_000_000;
/** A latency job not finished within this is a failure, not a sample. */
const LATENCY_JOB_TIMEOUT_MS = 30_000;
/** Fewer latency samples than this in a window gets a note (the issue asks for at least 200). */
const LATENCY_SAMPLES_WANTED = 200;

const UNITS: Record<WorkloadName, Unit> = {
  fanout: "tasks",
  backlog: "tasks",
  latency: "tasks",
  "one-activity": "workflows",
  steps: "steps",
  churn: "tasks",
  commits: "commits",
};

const SYNCHRONOUS_COMMIT = ["server", "on", "off", "local", "remote_write", "remote_apply"] as const;

export type Settings = Record<string, string | number | boolean>;

/** A connection of the parent to the peer's queue, for enqueueing. */
export interface QueueSession {
  /** Adds these jobs in one bulk call (one statement). */
  addBatch(payloads: JobPayload[]): Promise<void>;
  /** Adds one job in its own call (its own transaction); returns its id. */
  addOne(payload: JobPayload): Promise<string>;
  /**
   * For peers whose worker completes jobs out of the handler's sight: waits until the job is seen
   * complete in the database and returns that wall-clock time (ms). Latency workload only.
   */
  observeCompletion?(jobId: string): Promise<number>;
  /** Releases the session's connections (the schema is dropped by the caller). */
  close(): Promise<void>;
}

export interface QueuePeer {
  readonly system: SystemName;
  readonly workloads: readonly WorkloadName[];
  /** Each run's schema is `<prefix>_<random hex>`. */
  readonly schemaPrefix: string;
  /** Absolute path of the worker-process script. */
  readonly workerScript: string;
  /** Jobs (or loops) per worker process when `config.concurrency` is not given. */
  readonly defaultConcurrency: number;
  /** The peer's own settings, with its documented fastest defaults; recorded in `result.config`. */
  peerSettings(config: Config): Settings;
  /** Default of `latencyGapMsMax` under these settings. */
  defaultLatencyGapMsMax(settings: Settings): number;
  /** Creates the schema (migrations) and opens the parent's enqueueing connections (`connections` of them at most). */
  open(connectionString: string, schema: string, settings: Settings, connections: number): Promise<QueueSession>;
  /** Notes about this peer's result for this workload. */
  notes(workload: WorkloadName, settings: Settings): string[];
}

interface CommonSettings {
  workers: number;
  concurrency: number;
  fanoutSize: number;
  fanoutInFlight: number;
  backlog: number;
  producers: number;
  outstandingMax: number;
  chains: number;
  stepsDepth: number;
  latencyGapMsMax: number;
  payloadBytes: number;
  synchronousCommit: (typeof SYNCHRONOUS_COMMIT)[number];
}

function commonSettings(config: Config, peer: QueuePeer, settings: Settings): CommonSettings {
  return {
    workers: intSetting(config, "workers", 1, 1, WORKERS_MAX),
    concurrency: intSetting(config, "concurrency", peer.defaultConcurrency, 1, CONCURRENCY_MAX),
    fanoutSize: intSetting(config, "fanoutSize", FANOUT_SIZE, 1, PRELOAD_CHUNK),
    fanoutInFlight: intSetting(config, "fanoutInFlight", 2, 1, 100),
    backlog: intSetting(config, "backlog", 100_000, 1, BACKLOG_MAX),
    producers: intSetting(config, "producers", 8, 1, 100),
    outstandingMax: intSetting(config, "outstandingMax", 5_000, 1, BACKLOG_MAX),
    chains: intSetting(config, "chains", 500, 1, 100_000),
    stepsDepth: intSetting(config, "stepsDepth", 10, 1, 1_000),
    latencyGapMsMax: intSetting(config, "latencyGapMsMax", peer.defaultLatencyGapMsMax(settings), 0, 60_000),
    payloadBytes: intSetting(config, "payloadBytes", 0, 0, PAYLOAD_BYTES_MAX),
    synchronousCommit: choiceSetting(config, "synchronousCommit", SYNCHRONOUS_COMMIT, "server"),
  };
}

/** The settings of `common` that apply to `workload`, for the result's config. */
function appliedSettings(workload: WorkloadName, common: CommonSettings): Settings {
  const applied: Settings = { workers: common.workers, concurrency: common.concurrency, payloadBytes: common.payloadBytes };
  if (workload === "fanout" || workload === "backlog") applied.fanoutSize = common.fanoutSize;
  if (workload === "fanout") applied.fanoutInFlight = common.fanoutInFlight;
  if (workload === "backlog") applied.backlog = common.backlog;
  if (workload === "one-activity") Object.assign(applied, { producers: common.producers, outstandingMax: common.outstandingMax });
  if (workload === "steps") Object.assign(applied, { chains: common.chains, stepsDepth: common.stepsDepth });
  if (workload === "latency") applied.latencyGapMsMax = common.latencyGapMsMax;
  return applied;
}

/** Adds `options=-c synchronous_commit=...` to the URL, so every connection of the run uses it. */
function withSynchronousCommit(databaseUrl: string, value: CommonSettings["synchronousCommit"]): string {
  if (value === "server") return databaseUrl;
  if (/[?&]options=/.test(databaseUrl)) {
    throw new InvalidArgumentError("setting synchronousCommit cannot be combined with a database URL that already has options=", { field: "synchronousCommit" });
  }
  return `${databaseUrl}${databaseUrl.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c synchronous_commit=${value}`)}`;
}

export async function runQueueWorkload(peer: QueuePeer, request: RunRequest): Promise<Result> {
  const { workload } = request;
  if (!peer.workloads.includes(workload)) {
    throw new InvalidArgumentError(`${peer.system} does not run the ${workload} workload (it runs ${peer.workloads.join(", ")})`, { field: "workload", value: workload });
  }
  const settings = peer.peerSettings(request.config);
  const common = commonSettings(request.config, peer, settings);
  if (workload === "backlog" && common.backlog < common.fanoutSize) {
    throw new InvalidArgumentError(`setting backlog (${common.backlog}) must be at least fanoutSize (${common.fanoutSize})`, { field: "backlog", value: common.backlog });
  }
  const schema = `${peer.schemaPrefix}_${randomBytes(4).toString("hex")}`;
  const quotedSchema = schemaIdentifier(schema);
  const connectionString = withSynchronousCommit(request.databaseUrl, common.synchronousCommit);
  const progress = (message: string): void => request.progress?.(`${peer.system} ${workload}: ${message}`);
  const payloads = new PayloadMaker(common.payloadBytes);

  const admin = new pg.Pool({ connectionString, max: 2 });
  admin.on("error", () => {}); // a dropped idle connection surfaces at the next query instead
  let session: QueueSession | null = null;
  let processes: WorkerProcesses | null = null;
  let failed = true;
  try {
    const { rows } = await admin.query<{ synchronous_commit: string }>("SHOW synchronous_commit");
    const synchronousCommit = rows[0]!.synchronous_commit;
    progress(`creating schema ${schema}`);
    session = await peer.open(connectionString, schema, settings, workload === "one-activity" ? common.producers + 1 : 2);
    if (workload === "backlog") {
      progress(`preloading ${common.backlog} jobs`);
      for (let added = 0; added < common.backlog; added += PRELOAD_CHUNK) {
        await session.addBatch(payloads.many(Math.min(PRELOAD_CHUNK, common.backlog - added), {}));
      }
      await analyzeSchema(admin, schema);
    }
    progress(`starting ${common.workers} worker process(es)`);
    processes = new WorkerProcesses(peer.workerScript, common.workers, {
      connectionString,
      schema,
      concurrency: common.concurrency,
      stepsDepth: workload === "steps" ? common.stepsDepth : 0,
      reportEachJob: workload === "latency",
      ...settings,
    } satisfies QueueWorkerSettings);
    await processes.start();

    const driver = startDriver(workload, session, processes, common, payloads);
    let measured: Measured;
    try {
      progress(`warming up for ${request.warmupMs} ms`);
      await sleepUnlessFailed(request.warmupMs, driver);
      progress(`measuring for ${request.windowMs} ms`);
      measured = await measureWindow(admin, processes, driver, request.windowMs);
    } finally {
      driver.stop();
      await driver.done.catch(() => {});
    }
    const result = resultOf(peer, workload, { ...appliedSettings(workload, common), synchronousCommit, ...settings }, measured, driver);
    failed = false;
    return result;
  } finally {
    progress("cleaning up");
    await processes?.stop();
    await session?.close().catch(() => {});
    // A failure to drop must not hide the failure that ended the run.
    await admin
      .query(`DROP SCHEMA IF EXISTS ${quotedSchema} CASCADE`)
      .catch((err: unknown) => {
        if (!failed) throw err;
      })
      .finally(() => admin.end());
  }
}

interface Measured {
  start: WindowTotals;
  end: WindowTotals;
  elapsedMs: number;
  counters: ReturnType<typeof perUnit>;
  cpu: ReturnType<typeof cpuShare>;
}

async function measureWindow(admin: pg.Pool, processes: WorkerProcesses, driver: Driver, windowMs: number): Promise<Measured> {
  // The parent enqueues, so its CPU is the system's too.
  const pids = [process.pid, ...processes.pids];
  const countersBefore = await serverCounters(admin);
  const cpuBefore = cpuSnapshot(pids);
  const startedAt = performance.now();
  const start = await processes.mark("start");
  driver.recording = true;
  await sleepUnlessFailed(windowMs, driver);
  driver.recording = false;
  const end = await processes.mark("end");
  const elapsedMs = performance.now() - startedAt;
  const cpuAfter = cpuSnapshot(pids);
  const countersAfter = await serverCounters(admin);
  const count = end.completed - start.completed;
  return { start, end, elapsedMs, counters: perUnit(countersBefore, countersAfter, count), cpu: cpuShare(cpuBefore, cpuAfter) };
}

function resultOf(peer: QueuePeer, workload: WorkloadName, config: Settings, measured: Measured, driver: Driver): Result {
  const count = measured.end.completed - measured.start.completed;
  const endToEnd = driver.endToEndMs.length > 0 ? driver.endToEndMs : measured.end.endToEndMs;
  const notes = [
    "count: jobs whose handler finished inside the window, as the worker processes report them (a step is a job)",
    "cpu.nodeCpuSeconds: the worker processes and the parent process, which enqueues (and measures)",
    "commitsPerUnit: every commit in the database during the window, the harness's few included; pg_stat_database is flushed by busy backends about once a second, so short windows make it approximate",
    ...peer.notes(workload, config),
  ];
  const scheduleToStart = percentiles(measured.end.startLatenciesMs);
  if (workload === "latency" && (scheduleToStart?.samples ?? 0) < LATENCY_SAMPLES_WANTED) {
    notes.push(`latency: only ${scheduleToStart?.samples ?? 0} samples in the window (${LATENCY_SAMPLES_WANTED} wanted): lengthen the window`);
  }
  return {
    system: peer.system,
    workload,
    config,
    perSecond: round(count / (measured.elapsedMs / 1000), 1),
    unit: UNITS[workload],
    count,
    windowMs: Math.round(measured.elapsedMs),
    scheduleToStartMs: scheduleToStart,
    endToEndMs: percentiles(endToEnd),
    commitsPerUnit: measured.counters.commitsPerUnit,
    walBytesPerUnit: measured.counters.walBytesPerUnit,
    cpu: measured.cpu,
    notes,
  };
}

async function analyzeSchema(admin: pg.Pool, schema: string): Promise<void> {
  // A queue that has held this backlog for a while has been auto-analyzed; a freshly loaded one has not.
  const { rows } = await admin.query<{ relname: string }>(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')",
    [schema],
  );
  for (const { relname } of rows) await admin.query(`ANALYZE ${schemaIdentifier(schema)}.${pg.Client.prototype.escapeIdentifier(relname)}`);
}

/** Builds job payloads, padded to `payloadBytes`. */
class PayloadMaker {
  private readonly padding: string | undefined;
  constructor(payloadBytes: number) {
    this.padding = payloadBytes > 0 ? "x".repeat(payloadBytes) : undefined;
  }

  one(fields: Omit<JobPayload, "t" | "p">): JobPayload {
    const payload: JobPayload = { t: Date.now(), ...fields };
    if (this.padding !== undefined) payload.p = this.padding;
    return payload;
  }

  many(count: number, fields: Omit<JobPayload, "t" | "p">): JobPayload[] {
    const t = Date.now();
    return Array.from({ length: count }, () => {
      const payload: JobPayload = { t, ...fields };
      if (payload.d !== undefined) payload.s = t;
      if (this.padding !== undefined) payload.p = this.padding;
      return payload;
    });
  }
}

/** The parent's enqueueing loop(s) for one workload. */
interface Driver {
  /** While true, the latency driver keeps its end-to-end samples. */
  recording: boolean;
  /** Latency workload, peers that observe completion from the parent: samples (ms). */
  endToEndMs: number[];
  stop(): void;
  /** Settles when the loops end; rejects with the first failure (theirs or a worker process's). */
  done: Promise<void>;
}

function startDriver(workload: WorkloadName, session: QueueSession, processes: WorkerProcesses, common: CommonSettings, payloads: PayloadMaker): Driver {
  let stopped = false;
  const driver: Driver = {
    recording: false,
    endToEndMs: [],
    stop: () => (stopped = true),
    done: Promise.resolve(),
  };
  let added = workload === "backlog" ? common.backlog : 0;

  // Keeps about `target` jobs unfinished, adding them `fanoutSize` at a time.
  const topUp = async (target: number): Promise<void> => {
    while (!stopped) {
      if (added - processes.completed <= target - common.fanoutSize) {
        added += common.fanoutSize;
        await session.addBatch(payloads.many(common.fanoutSize, {}));
      } else {
        await processes.nextProgress();
      }
    }
  };

  const produceSingles = async (): Promise<void> => {
    while (!stopped) {
      if (added - processes.completed >= common.outstandingMax) {
        await processes.nextProgress();
        continue;
      }
      added += 1;
      await session.addOne(payloads.one({}));
    }
  };

  const runChains = async (): Promise<void> => {
    let started = 0;
    // Start chains in bulk: at least a tenth of them at a time once running.
    const batchMin = Math.max(1, Math.floor(common.chains / 10));
    while (!stopped) {
      const missing = common.chains - (started - processes.chainsDone);
      if (started === 0 ? missing > 0 : missing >= batchMin) {
        started += missing;
        await session.addBatch(payloads.many(missing, { d: 1 }));
      } else {
        await processes.nextProgress();
      }
    }
  };

  const sampleLatency = async (): Promise<void> => {
    for (let n = 0; !stopped; n++) {
      await delay(Math.random() * common.latencyGapMsMax);
      processes.throwIfFailed();
      const payload = payloads.one({ n });
      const recording = driver.recording;
      const jobId = await session.addOne(payload);
      const childEndToEndMs = await processes.jobDone(n, LATENCY_JOB_TIMEOUT_MS);
      const endToEndMs = session.observeCompletion ? (await session.observeCompletion(jobId)) - payload.t : childEndToEndMs;
      if (recording && driver.recording && endToEndMs !== null) driver.endToEndMs.push(endToEndMs);
    }
  };

  const loops: Promise<void>[] = [];
  switch (workload) {
    case "fanout":
      loops.push(topUp(common.fanoutInFlight * common.fanoutSize));
      break;
    case "backlog":
      loops.push(topUp(common.backlog));
      break;
    case "one-activity":
      for (let i = 0; i < common.producers; i++) loops.push(produceSingles());
      break;
    case "steps":
      loops.push(runChains());
      break;
    case "latency":
      loops.push(sampleLatency());
      break;
    default:
      throw new InvalidArgumentError(`no queue driver for the ${workload} workload`, { field: "workload", value: workload });
  }
  const failed = new Promise<never>((_, reject) => {
    const watch = (): void => {
      if (processes.failure) reject(processes.failure);
      else if (!stopped) void processes.nextProgress(200).then(watch, reject);
    };
    watch();
  });
  driver.done = Promise.race([Promise.all(loops).then(() => {}), failed]);
  driver.done.catch(() => (stopped = true));
  return driver;
}

/** Waits `ms`, or rejects as soon as the driver (or a worker process) fails. */
async function sleepUnlessFailed(ms: number, driver: Driver): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), driver.done.then(() => new Promise<void>(() => {}))]).finally(
    () => clearTimeout(timer),
  );
}
