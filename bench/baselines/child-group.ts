/**
 * The parent side of the worker protocol (child-protocol.ts): start worker
 * child processes (`node --import tsx <script>`), wait until every one is
 * ready, start them together, take counter snapshots at the edges of the
 * measured window, and stop them — gracefully, then by SIGKILL, so a run
 * never leaves a process behind, even when it fails.
 *
 * A child that reports an error or exits before it was told to stop fails
 * the whole run: `race()` rejects with a CHILD_FAILED BenchError carrying the
 * tail of the child's stderr.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { BENCH_NODE_FLAGS } from "../harness/node-flags.ts";
import { fileURLToPath } from "node:url";
import { BenchError } from "./errors.ts";
import type { ChildMessage, ChildSnapshot, ParentMessage } from "./child-protocol.ts";

/** The repository root: children run from it so `--import tsx` and package imports resolve. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** How long a child may take to connect and set up (DBOS loads a large library). */
export const CHILD_READY_TIMEOUT_MS = 120_000;
/** How long a snapshot answer may take (a child's event loop can be busy). */
export const CHILD_SNAPSHOT_TIMEOUT_MS = 30_000;
/** How long children get to finish in-flight work and close connections before SIGKILL. */
export const CHILD_STOP_GRACE_MS = 15_000;
/** Bytes of each child's stderr kept for error messages. */
const STDERR_TAIL_BYTES = 8_192;

export interface ChildSpec {
  /** Absolute path of the worker script (it calls serveChild). */
  script: string;
  /** Names the child in errors and results ("worker 1", "producer"). */
  label: string;
  init: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

interface Child {
  spec: ChildSpec;
  process: ChildProcess;
  stderrTail: string;
  exited: Promise<number | null>;
  stopRequested: boolean;
  pending: Map<number, (message: ChildMessage & { type: "snapshot" }) => void>;
  onReady: (() => void) | undefined;
}

export class ChildGroup {
  private readonly children: Child[] = [];
  private nextId = 1;
  private failure: BenchError | undefined;
  private rejectFailed!: (err: BenchError) => void;
  /** Rejects with the first child failure; never resolves. */
  readonly failed: Promise<never>;

  private constructor() {
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => undefined); // observed through race()
  }

  /**
   * Start every child and wait until all are ready (or one fails: then all
   * are killed and the error thrown). With `firstAlone`, the first child is
   * ready before the others start (it sets up what they share, e.g. runs
   * migrations).
   */
  static async start(specs: readonly ChildSpec[], options: { firstAlone?: boolean } = {}): Promise<ChildGroup> {
    const group = new ChildGroup();
    try {
      const waves = options.firstAlone ? [specs.slice(0, 1), specs.slice(1)] : [specs];
      for (const wave of waves) {
        const ready = wave.map((spec) => group.spawnOne(spec));
        await group.race(withTimeout(Promise.all(ready), CHILD_READY_TIMEOUT_MS, "children to be ready"));
      }
      return group;
    } catch (err) {
      await group.kill();
      throw err;
    }
  }

  pids(): number[] {
    return this.children.map((c) => c.process.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Everything they write on stderr, by child (the last few kB), for notes on a successful run. */
  stderrTails(): Array<{ label: string; tail: string }> {
    return this.children.map((c) => ({ label: c.spec.label, tail: c.stderrTail }));
  }

  go(): void {
    for (const c of this.children) this.send(c, { type: "go" });
  }

  /** Wait for `promise`, failing at once if a child fails meanwhile. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failed]);
  }

  /** Counters (and, at "end", the window's latency samples) of every child. */
  async snapshot(phase: "start" | "end"): Promise<ChildSnapshot[]> {
    const answers = this.children.map(
      (c) =>
        new Promise<ChildSnapshot>((resolve) => {
          const id = this.nextId++;
          c.pending.set(id, (m) => resolve({ label: c.spec.label, counts: m.counts, samples: m.samples }));
          this.send(c, { type: "snapshot", id, phase });
        }),
    );
    return this.race(withTimeout(Promise.all(answers), CHILD_SNAPSHOT_TIMEOUT_MS, `${phase} snapshot`));
  }

  /** Ask every child to stop, wait up to the grace period, then SIGKILL whatever is left. Safe to call twice. */
  async stop(graceMs = CHILD_STOP_GRACE_MS): Promise<void> {
    for (const c of this.children) {
      c.stopRequested = true;
      this.send(c, { type: "stop" });
    }
    const allExited = Promise.all(this.children.map((c) => c.exited));
    const inTime = await Promise.race([allExited.then(() => true), delay(graceMs).then(() => false)]);
    if (!inTime) await this.kill();
  }

  /** SIGKILL every child still running and wait for their exits. */
  async kill(): Promise<void> {
    for (const c of this.children) {
      c.stopRequested = true;
      if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
    }
    await Promise.all(this.children.map((c) => c.exited));
  }

  private spawnOne(spec: ChildSpec): Promise<void> {
    const proc = spawn(process.execPath, [...BENCH_NODE_FLAGS, "--import", "tsx", spec.script], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    const child: Child = {
      spec,
      process: proc,
      stderrTail: "",
      exited: new Promise((resolve) => {
        proc.once("exit", (code) => resolve(code));
        proc.once("error", () => resolve(null)); // never started: there is no exit to wait for
      }),
      stopRequested: false,
      pending: new Map(),
      onReady: undefined,
    };
    this.children.push(child);
    proc.stderr!.setEncoding("utf8");
    proc.stderr!.on("data", (chunk: string) => {
      child.stderrTail = (child.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    proc.on("error", (err) => this.fail(child, `could not start: ${err.message}`));
    proc.on("message", (message: ChildMessage) => this.receive(child, message));
    proc.once("exit", (code, signal) => {
      if (!child.stopRequested) this.fail(child, `exited early (code ${code}, signal ${signal})`);
    });
    const ready = new Promise<void>((resolve) => (child.onReady = resolve));
    this.send(child, { type: "init", init: spec.init });
    return ready;
  }

  private receive(child: Child, message: ChildMessage): void {
    switch (message.type) {
      case "ready":
        child.onReady?.();
        return;
      case "snapshot":
        child.pending.get(message.id)?.(message);
        child.pending.delete(message.id);
        return;
      case "error":
        this.fail(child, message.stack ?? message.message);
        return;
      case "stopped":
        return;
    }
  }

  private fail(child: Child, reason: string): void {
    if (this.failure) return;
    const tail = child.stderrTail.trim();
    this.failure = new BenchError("CHILD_FAILED", `${child.spec.label} failed: ${reason}${tail ? `\n--- its stderr (tail) ---\n${tail}` : ""}`, {
      child: child.spec.label,
      pid: child.process.pid,
    });
    this.rejectFailed(this.failure);
  }

  private send(child: Child, message: ParentMessage): void {
    if (child.process.connected) child.process.send(message);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchError("CHILD_FAILED", `timed out after ${ms} ms waiting for ${what}`, { timeoutMs: ms })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether a process is still alive (for tests that check nothing was left behind). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
