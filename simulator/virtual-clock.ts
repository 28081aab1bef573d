/**
 * The Clock port on virtual time. Each worker gets its own view, so a
 * clock-skew fault can move one worker's idea of "now" without touching
 * anyone else's; sleeps measure intervals on the shared timeline, as a
 * monotonic timer does even when the wall clock jumps.
 */
import type { Clock } from "../engine/index.ts";
import type { Scheduler } from "./scheduler.ts";

export class VirtualClock implements Clock {
  /** Added to the shared virtual time when this clock is read (clock skew). */
  offsetMs = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly owner: string,
  ) {}

  now(): number {
    return this.scheduler.nowMs() + this.offsetMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        this.scheduler.cancel(event);
        reject(signal?.reason);
      };
      const event = this.scheduler.after(Math.ceil(Math.max(0, ms)), `${this.owner} wake`, () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
