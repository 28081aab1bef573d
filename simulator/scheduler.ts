/**
 * The simulator's event loop: virtual time and an event queue ordered by
 * (time, sequence). Every actor (workers, the workload driver, the database,
 * the network, mock services, faults) acts only through events on it.
 *
 * One event runs at a time, and the next is taken only once the JavaScript
 * world is quiet again: everything the event set off has run until it is
 * blocked on another event. The engine's only waits are the Clock port
 * (virtual sleeps: events), the SQL driver port (round trips: events) and
 * replay's settle (an event too). The one piece of real asynchronous work
 * is the database executing a statement (PGlite), which the simulated
 * server registers with track(). So "quiet" is "no tracked work pending and
 * the microtask queue empty". An event's handler is never awaited as such:
 * an actor's code may well wait for later events. With the same seed the
 * same events run in the same order, and the trace is the same byte for
 * byte.
 */
import { createHash } from "node:crypto";

export interface ScheduledEvent {
  readonly atMs: number;
  readonly seq: number;
  readonly label: string;
  cancelled: boolean;
}

interface QueuedEvent extends ScheduledEvent {
  run: () => void | Promise<void>;
}

/** Bounds a run's work, so a livelock ends as an error instead of a hang. */
export const EVENTS_PER_RUN_MAX = 20_000_000;

export class Scheduler {
  /** Absolute virtual time (epoch ms), integral. */
  private now: number;
  private seq = 0;
  private readonly heap: QueuedEvent[] = [];
  private readonly hash = createHash("sha256");
  private traceLines = 0;
  private readonly keptTrace: string[] | undefined;
  private executed = 0;
  /** Set by an event that failed unexpectedly: the run stops with it. */
  private failure: unknown;
  /** Real asynchronous work in progress (the database executing statements). */
  private readonly tracked = new Set<Promise<unknown>>();

  constructor(
    readonly startEpochMs: number,
    options: { keepTrace?: boolean } = {},
  ) {
    this.now = startEpochMs;
    this.keptTrace = options.keepTrace ? [] : undefined;
  }

  /** Virtual epoch milliseconds. */
  nowMs(): number {
    return this.now;
  }

  /** Virtual milliseconds since the run began. */
  elapsedMs(): number {
    return this.now - this.startEpochMs;
  }

  get eventsExecuted(): number {
    return this.executed;
  }

  /** Run `fn` at virtual time `atMs` (epoch ms; never earlier than now). */
  at(atMs: number, label: string, fn: () => void | Promise<void>): ScheduledEvent {
    const event: QueuedEvent = { atMs: Math.max(this.now, Math.ceil(atMs)), seq: this.seq++, label, cancelled: false, run: fn };
    this.push(event);
    return event;
  }

  /** Run `fn` after `delayMs` of virtual time. */
  after(delayMs: number, label: string, fn: () => void | Promise<void>): ScheduledEvent {
    return this.at(this.now + Math.max(0, delayMs), label, fn);
  }

  cancel(event: ScheduledEvent): void {
    event.cancelled = true;
  }

  /** A promise that resolves as an event now: after everything already due at this instant. */
  yield(label = "settle"): Promise<void> {
    return new Promise((resolve) => this.after(0, label, resolve));
  }

  /** Record a line in the trace (hashed; kept only when asked). */
  trace(line: string): void {
    const text = `${this.now - this.startEpochMs} ${line}\n`;
    this.hash.update(text);
    this.traceLines += 1;
    this.keptTrace?.push(text.trimEnd());
  }

  get traceHash(): string {
    return this.hash.copy().digest("hex");
  }

  get traceLog(): readonly string[] {
    return this.keptTrace ?? [];
  }

  get traceLineCount(): number {
    return this.traceLines;
  }

  fail(err: unknown): void {
    this.failure ??= err;
  }

  /** Register real asynchronous work (a database statement) that must finish before the next event. */
  track<T>(work: Promise<T>): Promise<T> {
    this.tracked.add(work);
    const untrack = () => this.tracked.delete(work);
    work.then(untrack, untrack);
    return work;
  }

  /** Let everything the last event set off run until it blocks on another event. */
  private async quiesce(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.tracked.size === 0) return;
      await Promise.allSettled([...this.tracked]);
    }
  }

  /** Run events until the queue is empty or the next one is after `untilMs` (epoch ms); time ends at untilMs. */
  async runUntil(untilMs: number): Promise<void> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const next = this.peek();
      if (!next || next.atMs > untilMs) break;
      this.pop();
      if (next.cancelled) continue;
      if (++this.executed > EVENTS_PER_RUN_MAX) throw new Error(`simulation exceeded ${EVENTS_PER_RUN_MAX} events (livelock?)`);
      this.now = next.atMs;
      try {
        const outcome = next.run();
        if (outcome instanceof Promise) outcome.catch((err: unknown) => this.fail(err));
      } catch (err) {
        this.fail(err);
      }
      await this.quiesce();
    }
    if (this.failure !== undefined) throw this.failure;
    this.now = Math.max(this.now, untilMs);
  }

  // -- a binary min-heap on (atMs, seq) ------------------------------------

  private less(a: QueuedEvent, b: QueuedEvent): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private push(event: QueuedEvent): void {
    const h = this.heap;
    h.push(event);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private peek(): QueuedEvent | undefined {
    return this.heap[0];
  }

  private pop(): QueuedEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
