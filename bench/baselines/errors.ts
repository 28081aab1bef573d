/**
 * Typed errors of the measured systems (baselines and peers), with stable
 * codes the harness can report: a system that cannot run on this machine is
 * an operating failure to print and move past, not a crash.
 *
 * (A candidate for bench/model.ts: every BenchSystem needs the same codes.)
 */

export type BenchErrorCode =
  /** The system cannot run here (a binary or package is missing); the harness reports it and moves on. */
  | "SYSTEM_UNAVAILABLE"
  /** The system does not run this workload. */
  | "WORKLOAD_NOT_SUPPORTED"
  /** A config value is malformed or out of range. */
  | "INVALID_SETTING"
  /** A worker child process failed or exited early. */
  | "CHILD_FAILED";

export class BenchError extends Error {
  override name = "BenchError";

  constructor(
    readonly code: BenchErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** A system that cannot run on this machine (e.g. pgbench not installed). */
export class SystemUnavailableError extends BenchError {
  override name = "SystemUnavailableError";

  constructor(
    readonly system: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super("SYSTEM_UNAVAILABLE", `${system} cannot run here: ${reason}`, { system, reason }, options);
  }
}
