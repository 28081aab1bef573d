/**
 * The messages between a measuring parent and its worker child processes
 * (ChildGroup in child-group.ts, serveChild in child-runtime.ts).
 *
 * A run goes: init -> ready (every child set up: connected, schema known,
 * queue filled), then go (all start together), then a snapshot at the start
 * and one at the end of the measured window (counters, and the latency
 * samples kept in between), then stop -> stopped, and the child exits.
 */

export type ParentMessage =
  | { type: "init"; init: Record<string, unknown> }
  | { type: "go" }
  | { type: "snapshot"; id: number; phase: "start" | "end" }
  | { type: "stop" };

export type ChildMessage =
  | { type: "ready" }
  | { type: "snapshot"; id: number; counts: Record<string, number>; samples: Record<string, number[]> }
  | { type: "error"; message: string; stack?: string }
  | { type: "stopped" };

export interface ChildSnapshot {
  label: string;
  counts: Record<string, number>;
  samples: Record<string, number[]>;
}

/** Latency samples each child keeps per measured window and kind (reservoir-sampled beyond this). */
export const SAMPLES_PER_CHILD_MAX = 20_000;
