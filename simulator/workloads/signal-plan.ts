/**
 * When the driver signals a `signal`-shape workflow. Each wait gets a fate
 * drawn from the seed: the signal comes in time, late (after the wait's
 * timeout: it is buffered and never read), twice (the copy stays buffered),
 * or not at all.
 *
 * Times are planned against when each wait is *expected* to begin (the
 * workflow's start, or when the previous wait ended); faults that delay a
 * workflow can turn an in-time signal into a late one. That is part of the
 * test, not a planning error.
 */
import type { Prng } from "../prng.ts";
import type { PlannedSignal, PlannedStart } from "./plan.ts";
import { APPROVE_SIGNAL, CONFIRM_SIGNAL, type SignalInput, type SignalPayload } from "./shapes/signal.ts";

export type SignalFate = "inTime" | "late" | "duplicated" | "missing";

/** Relative weights: most signals come in time. */
export const SIGNAL_FATE_WEIGHTS: Readonly<Record<SignalFate, number>> = { inTime: 0.6, late: 0.2, duplicated: 0.15, missing: 0.05 };
/** An in-time signal comes at least this long after its wait is expected to begin... */
export const SIGNAL_IN_TIME_MS_MIN = 100;
/** ...and within this share of the wait's timeout, leaving the rest as slack for delays. */
export const SIGNAL_IN_TIME_TIMEOUT_SHARE_MAX = 0.5;
/** A late signal comes this long after the wait's timeout is expected to fire. */
export const SIGNAL_LATE_MS_MIN = 1_000;
export const SIGNAL_LATE_MS_MAX = 10_000;
/** A duplicate follows its original within this. */
export const SIGNAL_DUPLICATE_GAP_MS_MAX = 2_000;

export function planSignals(prng: Prng, start: PlannedStart, input: SignalInput): PlannedSignal[] {
  const sends: PlannedSignal[] = [];
  let waitStartsAtMs = start.atMs;
  for (const name of input.confirm ? [APPROVE_SIGNAL, CONFIRM_SIGNAL] : [APPROVE_SIGNAL]) {
    const send = (atMs: number, copy: number) => sends.push({ atMs, workflowId: start.workflowId, name, payload: { copy } satisfies SignalPayload });
    const fate = prng.weighted(SIGNAL_FATE_WEIGHTS);
    const timesOutAtMs = waitStartsAtMs + input.timeoutMs;
    switch (fate) {
      case "inTime":
      case "duplicated": {
        const atMs = waitStartsAtMs + prng.int(SIGNAL_IN_TIME_MS_MIN, Math.floor(input.timeoutMs * SIGNAL_IN_TIME_TIMEOUT_SHARE_MAX));
        send(atMs, 1);
        if (fate === "duplicated") send(atMs + prng.int(0, SIGNAL_DUPLICATE_GAP_MS_MAX), 2);
        waitStartsAtMs = atMs;
        break;
      }
      case "late":
        send(timesOutAtMs + prng.int(SIGNAL_LATE_MS_MIN, SIGNAL_LATE_MS_MAX), 1);
        waitStartsAtMs = timesOutAtMs;
        break;
      case "missing":
        waitStartsAtMs = timesOutAtMs;
        break;
    }
  }
  return sends;
}
