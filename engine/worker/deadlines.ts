/**
 * The deadlines of a worker's running activity attempts, kept by one loop
 * that sleeps until the earliest of them, instead of a timer and an
 * AbortController per attempt (with both, arming and disarming a watchdog
 * per activity was about 6% of a busy worker's CPU: steps benchmark
 * profile). Almost every attempt finishes long before its deadline, so the
 * common path is one Set insertion and one deletion.
 *
 * Deadlines are exact: an entry fires once the clock reaches its
 * `deadlineMs` (read each time the loop looks, so an entry may move its own
 * deadline and then call `moved`). Entries due together fire in deadline
 * order, ties in the order they were added. The loop sleeps on the worker's Clock, so under the simulator it
 * runs on virtual time, and it stops when no entry is left (nothing keeps
 * the process alive once a worker's attempts are done).
 */
import type { Clock } from "../ports/clock.ts";

export interface DeadlineEntry {
  readonly deadlineMs: number;
  /** Called once, when the clock reaches deadlineMs (not if the entry was deleted first). */
  fire(): void;
}

/** Why the loop's sleep ends early: an earlier deadline arrived, or nothing is left. A fixed value: abort() with no reason builds a DOMException, stack and all. */
const REARM = Symbol("deadlines rearm");

export class Deadlines {
  private readonly entries = new Set<DeadlineEntry>();
  /** The deadline the loop sleeps until (Infinity: not sleeping). */
  private armedAtMs = Infinity;
  private wake: AbortController | null = null;
  private looping = false;

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.entries.size;
  }

  add(entry: DeadlineEntry): void {
    this.entries.add(entry);
    if (!this.looping) {
      this.looping = true;
      void this.loop();
    } else if (entry.deadlineMs < this.armedAtMs) this.wake?.abort(REARM);
  }

  delete(entry: DeadlineEntry): void {
    if (!this.entries.delete(entry)) return;
    if (this.entries.size === 0) this.wake?.abort(REARM);
  }

  /** An entry's deadline changed: wake the loop if it is now earlier than what the loop waits for. */
  moved(entry: DeadlineEntry): void {
    if (this.entries.has(entry) && entry.deadlineMs < this.armedAtMs) this.wake?.abort(REARM);
  }

  private async loop(): Promise<void> {
    try {
      while (this.entries.size > 0) {
        const nowMs = this.clock.now();
        let earliest = Infinity;
        const due: DeadlineEntry[] = [];
        for (const entry of this.entries) {
          if (entry.deadlineMs <= nowMs) due.push(entry);
          else if (entry.deadlineMs < earliest) earliest = entry.deadlineMs;
        }
        due.sort((a, b) => a.deadlineMs - b.deadlineMs); // stable: ties in the order added
        for (const entry of due) {
          this.entries.delete(entry);
          try {
            entry.fire();
          } catch {
            // An entry's own failure is its own: the loop carries on for the others.
          }
        }
        if (due.length > 0 || this.entries.size === 0) continue;
        const wake = new AbortController();
        this.wake = wake;
        this.armedAtMs = earliest;
        try {
          await this.clock.sleep(earliest - nowMs, wake.signal);
        } catch {
          // re-armed or emptied: look again
        } finally {
          this.wake = null;
          this.armedAtMs = Infinity;
        }
      }
    } finally {
      this.looping = false;
    }
  }
}
