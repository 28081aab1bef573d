/**
 * The Clock port. Every time the engine reads, and every wait it makes, goes
 * through a Clock, so the simulator can run the real engine on virtual time.
 * Time is milliseconds since the Unix epoch, as a number.
 */
export interface Clock {
  now(): number;
  /** Resolve after `ms` of this clock's time; reject with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
