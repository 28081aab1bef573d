/**
 * A Clock that moves only when told: tests advance it to fire timers, expire
 * leases and check retry intervals without waiting.
 */
import type { Clock } from "../ports/clock.ts";

interface Sleeper {
  wakeAtMs: number;
  seq: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const sleeper: Sleeper = { wakeAtMs: this.nowMs + Math.max(0, ms), seq: this.seq++, resolve: () => resolve() };
      if (ms <= 0) {
        resolve();
        return;
      }
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        "abort",
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Move time forward, waking every sleeper due by then, in order. */
  advance(ms: number): void {
    this.set(this.nowMs + ms);
  }

  set(ms: number): void {
    if (ms < this.nowMs) throw new Error(`ManualClock cannot go backwards (${ms} < ${this.nowMs})`);
    this.nowMs = ms;
    const due = this.sleepers.filter((s) => s.wakeAtMs <= ms).sort((a, b) => a.wakeAtMs - b.wakeAtMs || a.seq - b.seq);
    this.sleepers = this.sleepers.filter((s) => s.wakeAtMs > ms);
    for (const s of due) s.resolve();
  }

  /** When each waiting sleeper is due, earliest first (to wait until code under test is asleep). */
  get wakeTimes(): number[] {
    return this.sleepers.map((s) => s.wakeAtMs).sort((a, b) => a - b);
  }

  /** Sleepers waiting (for assertions that nothing is held). */
  get pendingSleeps(): number {
    return this.sleepers.length;
  }
}
