/**
 * The child side of the worker protocol (child-protocol.ts): a worker script
 * calls serveChild(setup) and implements a ChildWorkload; this file answers
 * the parent's messages, keeps latency samples for the measured window only,
 * and makes sure the child never outlives its parent (it exits when the IPC
 * channel closes) or hides a failure (any error is reported, then exit 1).
 */
import { SAMPLES_PER_CHILD_MAX, type ChildMessage, type ParentMessage } from "./child-protocol.ts";

export interface ChildWorkload {
  /** Start working: every child got `go` at the same moment. */
  go(): void;
  /** Monotonic counters (completions, claims...), read at the window's edges. */
  counts(): Record<string, number>;
  /** Finish in-flight work and close connections. */
  stop(): Promise<void>;
}

export interface ChildContext {
  /** Report a fatal error from a background loop: the parent fails the run with it. */
  fail(err: unknown): void;
  /** Latency samples, kept only while the window is open. */
  sample(kind: string, valueMs: number): void;
  readonly sampling: boolean;
}

/** Keeps at most `capacity` values, each one of all offered with equal probability (reservoir sampling). */
export class Reservoir {
  private readonly values: number[] = [];
  private seen = 0;

  constructor(private readonly capacity: number) {}

  add(value: number): void {
    this.seen++;
    if (this.values.length < this.capacity) {
      this.values.push(value);
      return;
    }
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < this.capacity) this.values[slot] = value;
  }

  take(): number[] {
    return this.values.splice(0);
  }
}

export function serveChild(setup: (init: Record<string, unknown>, ctx: ChildContext) => Promise<ChildWorkload>): void {
  let workload: ChildWorkload | undefined;
  let stopping = false;
  let sampling = false;
  let reservoirs = new Map<string, Reservoir>();
  const ctx: ChildContext = {
    get sampling() {
      return sampling;
    },
    fail: (err) => failAndExit(err),
    sample(kind, valueMs) {
      if (!sampling) return;
      let r = reservoirs.get(kind);
      if (!r) reservoirs.set(kind, (r = new Reservoir(SAMPLES_PER_CHILD_MAX)));
      r.add(valueMs);
    },
  };

  const send = (message: ChildMessage): void => {
    if (process.connected) process.send!(message);
  };

  function failAndExit(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    send({ type: "error", message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) });
    // Let the message flush before exiting.
    setTimeout(() => process.exit(1), 50);
  }

  process.on("uncaughtException", failAndExit);
  process.on("unhandledRejection", failAndExit);
  // The parent is gone (crashed or killed): never run on as an orphan.
  process.on("disconnect", () => {
    if (!stopping) process.exit(1);
  });

  process.on("message", (raw: ParentMessage) => {
    void handle(raw).catch(failAndExit);
  });

  async function handle(message: ParentMessage): Promise<void> {
    switch (message.type) {
      case "init":
        workload = await setup(message.init, ctx);
        send({ type: "ready" });
        return;
      case "go":
        workload!.go();
        return;
      case "snapshot": {
        const counts = workload!.counts();
        let samples: Record<string, number[]> = {};
        if (message.phase === "start") {
          reservoirs = new Map();
          sampling = true;
        } else {
          sampling = false;
          samples = Object.fromEntries([...reservoirs].map(([kind, r]) => [kind, r.take()]));
        }
        send({ type: "snapshot", id: message.id, counts, samples });
        return;
      }
      case "stop":
        stopping = true;
        if (workload) await workload.stop();
        // Exit once the parent has the message (a library may leave timers behind).
        if (process.connected) process.send!({ type: "stopped" } satisfies ChildMessage, () => process.exit(0));
        else process.exit(0);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
