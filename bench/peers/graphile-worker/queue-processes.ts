/**
 * The parent side of a queue peer's worker processes: spawns them (Node with
 * tsx, one script, settings in the environment), follows their progress,
 * marks the measured window, and makes sure every one of them is gone at
 * the end — asked to stop first, killed if it does not.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { BENCH_NODE_FLAGS } from "../../harness/node-flags.ts";
import { fileURLToPath } from "node:url";
import { WORKER_SETTINGS_ENV, type ChildMessage, type QueueWorkerSettings } from "./queue-protocol.ts";

/** How long a worker process may take to start its consumer (tsx compile, migrations check, LISTEN). */
export const WORKER_START_TIMEOUT_MS = 60_000;
/** How long a worker process may take to stop gracefully before it is killed. */
export const WORKER_STOP_TIMEOUT_MS = 10_000;
/** How long a worker process may take to answer a window mark. */
const MARK_TIMEOUT_MS = 10_000;
/** How long a failed send to a worker process waits for its exit event, to report the death rather than the pipe. */
const EXIT_AFTER_SEND_ERROR_MS = 2_000;
/** How much of a worker process's stderr is kept for the error message if it fails. */
const STDERR_TAIL_CHARS = 4_000;

/** The project root: worker processes run from it so `--import tsx` resolves. */
const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface WindowTotals {
  completed: number;
  chainsDone: number;
  startLatenciesMs: number[];
  endToEndMs: number[];
}

interface Worker {
  child: ChildProcess;
  completed: number;
  chainsDone: number;
  ready: boolean;
  exited: Promise<void>;
  hasExited: boolean;
  stderrTail: string;
  /** Settles the pending window mark: with the worker's totals, or with why it cannot answer. */
  onMark: ((outcome: WindowTotals | Error) => void) | null;
}

export class WorkerProcesses {
  private readonly workers: Worker[] = [];
  private stopping = false;
  private failureCause: Error | null = null;
  private progressWaiters: (() => void)[] = [];
  private readonly jobsDone = new JobsDone();
  private readyWaiter: (() => void) | null = null;

  constructor(
    private readonly script: string,
    private readonly count: number,
    private readonly settings: QueueWorkerSettings,
  ) {}

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Jobs finished so far, as last reported (at most a few ms old). */
  get completed(): number {
    return this.workers.reduce((sum, w) => sum + w.completed, 0);
  }

  get chainsDone(): number {
    return this.workers.reduce((sum, w) => sum + w.chainsDone, 0);
  }

  /** Why a worker process failed, if one did: every waiting driver stops with it. */
  get failure(): Error | null {
    return this.failureCause;
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.count; i++) this.workers.push(this.spawnWorker(i));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker processes did not start within ${WORKER_START_TIMEOUT_MS} ms (${this.script})`)),
        WORKER_START_TIMEOUT_MS,
      );
      const check = (): void => {
        if (this.failureCause) {
          clearTimeout(timer);
          reject(this.failureCause);
        } else if (this.workers.every((w) => w.ready)) {
          clearTimeout(timer);
          this.readyWaiter = null;
          resolve();
        }
      };
      this.readyWaiter = check;
      check();
    });
  }

  /** Resolves at the next progress report from any worker process, or after `timeoutMs`. */
  nextProgress(timeoutMs = 50): Promise<void> {
    this.throwIfFailed();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.progressWaiters.push(done);
    });
  }

  /** Resolves when a worker process reports the job with sequence number `n` finished (latency workload). */
  jobDone(n: number, timeoutMs: number): Promise<number | null> {
    this.throwIfFailed();
    return this.jobsDone.wait(n, timeoutMs);
  }

  /** Marks the window's start or end in every worker process; returns their summed counts (and, at the end, samples). */
  async mark(phase: "start" | "end"): Promise<WindowTotals> {
    this.throwIfFailed();
    const replies = this.workers.map(
      (w) =>
        new Promise<WindowTotals>((resolve, reject) => {
          const settle = (outcome: WindowTotals | Error): void => {
            clearTimeout(timer);
            w.onMark = null;
            if (outcome instanceof Error) reject(outcome);
            else resolve(outcome);
          };
          const timer = setTimeout(() => settle(new Error(`worker process ${w.child.pid} did not answer window-${phase}`)), MARK_TIMEOUT_MS);
          w.onMark = settle;
          w.child.send({ type: `window-${phase}` }, (err) => {
            // A pipe error (EPIPE) usually means the process just died, and can arrive before its exit
            // event: wait briefly for the exit, so the failure names the death rather than the pipe.
            if (err) void Promise.race([w.exited, delay(EXIT_AFTER_SEND_ERROR_MS)]).then(() => settle(this.failureCause ?? err));
          });
        }),
    );
    const all = await Promise.all(replies);
    return {
      completed: all.reduce((sum, t) => sum + t.completed, 0),
      chainsDone: all.reduce((sum, t) => sum + t.chainsDone, 0),
      startLatenciesMs: all.flatMap((t) => t.startLatenciesMs),
      endToEndMs: all.flatMap((t) => t.endToEndMs),
    };
  }

  /** Stops every worker process: asks, waits up to WORKER_STOP_TIMEOUT_MS, then kills. Never throws. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.hasExited) return;
        if (w.child.connected) w.child.send({ type: "stop" }, () => {});
        const stopped = await Promise.race([w.exited.then(() => true), delay(WORKER_STOP_TIMEOUT_MS).then(() => false)]);
        if (!stopped) {
          w.child.kill("SIGKILL");
          await w.exited;
        }
      }),
    );
  }

  throwIfFailed(): void {
    if (this.failureCause) throw this.failureCause;
  }

  private spawnWorker(index: number): Worker {
    const child = spawn(process.execPath, [...BENCH_NODE_FLAGS, "--import", "tsx", this.script], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, [WORKER_SETTINGS_ENV]: JSON.stringify(this.settings) },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let resolveExited!: () => void;
    const worker: Worker = {
      child,
      completed: 0,
      chainsDone: 0,
      ready: false,
      hasExited: false,
      exited: new Promise<void>((resolve) => (resolveExited = resolve)),
      stderrTail: "",
      onMark: null,
    };
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      worker.stderrTail = (worker.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.on("message", (message: ChildMessage) => this.onMessage(worker, message));
    child.on("error", (err) => this.fail(new Error(`worker process ${index} could not run: ${err.message}`)));
    child.on("exit", (code, signal) => {
      worker.hasExited = true;
      resolveExited();
      if (!this.stopping) {
        const tail = worker.stderrTail.trim();
        this.fail(new Error(`worker process ${index} (pid ${child.pid}) exited unexpectedly (code ${code}, signal ${signal})${tail ? `: ${tail}` : ""}`));
      }
    });
    return worker;
  }

  private onMessage(worker: Worker, message: ChildMessage): void {
    switch (message.type) {
      case "ready":
        worker.ready = true;
        this.readyWaiter?.();
        return;
      case "progress": {
        worker.completed = message.completed;
        worker.chainsDone = message.chainsDone;
        const waiters = this.progressWaiters;
        this.progressWaiters = [];
        for (const wake of waiters) wake();
        return;
      }
      case "window":
        worker.completed = message.completed;
        worker.chainsDone = message.chainsDone;
        worker.onMark?.(message);
        return;
      case "job-done":
        this.jobsDone.done(message.n, message.endToEndMs);
        return;
      case "failed":
        this.fail(new Error(`worker process (pid ${worker.child.pid}) failed: ${message.message}`));
        return;
    }
  }

  private fail(err: Error): void {
    if (this.failureCause || this.stopping) return;
    this.failureCause = err;
    this.readyWaiter?.();
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const wake of waiters) wake();
    this.jobsDone.failAll(err);
    for (const worker of this.workers) worker.onMark?.(err);
  }
}

/**
 * Where the latency driver meets the worker processes' reports of its jobs
 * (by sequence number). A report can arrive before the driver asks: the
 * worker may run the job, and its message reach this process, before the
 * add's own reply does. It is kept until asked for — dropped, the driver
 * waited out its whole timeout for a job long done (seen as 30 s tests and
 * latency windows with no sample).
 */
export class JobsDone {
  private readonly waiters = new Map<number, { resolve: (endToEndMs: number | null) => void; reject: (err: Error) => void }>();
  private readonly early = new Map<number, number | null>();

  /** Resolves with the job's end-to-end time (null: the worker did not measure one); rejects after `timeoutMs` without a report. */
  wait(n: number, timeoutMs: number): Promise<number | null> {
    if (this.early.has(n)) {
      const endToEndMs = this.early.get(n)!;
      this.early.delete(n);
      return Promise.resolve(endToEndMs);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(n);
        reject(new Error(`latency job ${n} was not processed within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(n, {
        resolve: (endToEndMs) => {
          clearTimeout(timer);
          resolve(endToEndMs);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  done(n: number, endToEndMs: number | null): void {
    const waiter = this.waiters.get(n);
    if (waiter === undefined) {
      this.early.set(n, endToEndMs);
      return;
    }
    this.waiters.delete(n);
    waiter.resolve(endToEndMs);
  }

  failAll(err: Error): void {
    for (const waiter of this.waiters.values()) waiter.reject(err);
    this.waiters.clear();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
