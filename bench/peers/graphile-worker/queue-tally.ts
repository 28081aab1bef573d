/**
 * The worker-process side of a queue peer: counts finished jobs, samples
 * latencies inside the measured window, and answers the parent over IPC.
 * A peer's worker script calls `runWorkerProcess` with a function that starts
 * its consumer and returns how to stop it.
 */
import {
  LATENCY_SAMPLES_MAX,
  PROGRESS_INTERVAL_MS,
  WORKER_SETTINGS_ENV,
  endsChain,
  type ChildMessage,
  type JobPayload,
  type ParentMessage,
  type QueueWorkerSettings,
  type WindowMark,
} from "./queue-protocol.ts";

/** Keeps at most `max` values, each seen value equally likely to be kept (reservoir sampling). */
class Reservoir {
  private seen = 0;
  values: number[] = [];
  constructor(private readonly max: number) {}

  add(value: number): void {
    this.seen += 1;
    if (this.values.length < this.max) {
      this.values.push(value);
      return;
    }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < this.max) this.values[slot] = value;
  }

  clear(): void {
    this.seen = 0;
    this.values = [];
  }
}

export class JobTally {
  completed = 0;
  chainsDone = 0;
  private recording = false;
  private readonly startLatencies = new Reservoir(LATENCY_SAMPLES_MAX);
  private readonly endToEnd = new Reservoir(LATENCY_SAMPLES_MAX);

  constructor(
    private readonly settings: QueueWorkerSettings,
    private readonly send: (message: ChildMessage) => void,
  ) {}

  /** A handler began this job at `atMs` (wall clock). */
  started(payload: JobPayload, atMs: number): void {
    if (this.recording) this.startLatencies.add(atMs - payload.t);
  }

  /**
   * The job is finished. `completedAtMs` is when its completion was committed, where this process
   * can see that (null where the peer completes jobs out of the handler's sight).
   */
  finished(payload: JobPayload, completedAtMs: number | null): void {
    this.completed += 1;
    const lastStep = endsChain(payload, this.settings.stepsDepth);
    if (lastStep) this.chainsDone += 1;
    let endToEndMs: number | null = null;
    if (completedAtMs !== null) {
      // Steps: end-to-end is the whole chain's, taken at its last step; other workloads: the job's own.
      if (this.settings.stepsDepth === 0) endToEndMs = completedAtMs - payload.t;
      else if (lastStep) endToEndMs = completedAtMs - (payload.s ?? payload.t);
    }
    if (endToEndMs !== null && this.recording) this.endToEnd.add(endToEndMs);
    if (this.settings.reportEachJob && payload.n !== undefined) this.send({ type: "job-done", n: payload.n, endToEndMs });
  }

  mark(phase: "start" | "end"): WindowMark {
    const mark: WindowMark = {
      completed: this.completed,
      chainsDone: this.chainsDone,
      startLatenciesMs: phase === "end" ? this.startLatencies.values : [],
      endToEndMs: phase === "end" ? this.endToEnd.values : [],
    };
    this.recording = phase === "start";
    this.startLatencies.clear();
    this.endToEnd.clear();
    return mark;
  }
}

/** This process's settings, from the environment its parent set. */
export function readWorkerSettings<T extends QueueWorkerSettings>(): T {
  const raw = process.env[WORKER_SETTINGS_ENV];
  if (!raw) throw new Error(`${WORKER_SETTINGS_ENV} is not set: this script runs as a benchmark worker process, started by its peer's run()`);
  return JSON.parse(raw) as T;
}

/** Starts a consumer and returns how to stop it (gracefully: finish or return what it holds). */
export type StartConsumer<T extends QueueWorkerSettings> = (settings: T, tally: JobTally) => Promise<() => Promise<void>>;

/** The whole life of a worker process: start the consumer, report, stop when told, exit with the parent. */
export function runWorkerProcess<T extends QueueWorkerSettings>(startConsumer: StartConsumer<T>): void {
  const send = (message: ChildMessage): void => {
    if (process.connected) process.send!(message);
  };
  const fail = (err: unknown): never => {
    send({ type: "failed", message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  };
  if (!process.send) fail(new Error("a benchmark worker process needs an IPC channel to its parent"));
  // The parent is gone (crashed, killed): nothing left to measure for.
  process.on("disconnect", () => process.exit(1));
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);

  void (async () => {
    const settings = readWorkerSettings<T>();
    const tally = new JobTally(settings, send);
    const stopConsumer = await startConsumer(settings, tally);
    let reported = { completed: -1, chainsDone: -1 };
    const progress = setInterval(() => {
      if (tally.completed === reported.completed && tally.chainsDone === reported.chainsDone) return;
      reported = { completed: tally.completed, chainsDone: tally.chainsDone };
      send({ type: "progress", ...reported });
    }, PROGRESS_INTERVAL_MS);
    process.on("message", (message: ParentMessage) => {
      switch (message.type) {
        case "window-start":
          send({ type: "window", phase: "start", ...tally.mark("start") });
          return;
        case "window-end":
          send({ type: "window", phase: "end", ...tally.mark("end") });
          return;
        case "stop":
          clearInterval(progress);
          stopConsumer().then(() => process.exit(0), fail);
          return;
      }
    });
    send({ type: "ready" });
  })().catch(fail);
}
