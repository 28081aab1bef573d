/**
 * Exit codes, and which error codes map to which. Part of the CLI's contract
 * (documented in `ratchet help`): scripts branch on them.
 */
import { RatchetError, type ErrorCode } from "../errors.ts";

export const EXIT = {
  ok: 0,
  /** The operation ran but the answer is a failure: workflow failed/cancelled/still running, not found, already running. */
  failure: 1,
  /** Bad input: usage errors, invalid names or payloads, unknown types, a worker module that cannot be used. */
  badInput: 2,
  /** The database: unreachable, not migrated, checksum mismatch, a database error, a pglite directory in use. */
  database: 3,
  /** A bug: an error that is not a RatchetError. A stack trace is printed. */
  internal: 4,
  /** The worker got a second SIGINT/SIGTERM and exited without finishing its graceful shutdown (128 + SIGINT). */
  interrupted: 130,
} as const;

const BAD_INPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "INVALID_ARGUMENT",
  "PAYLOAD_TOO_LARGE",
  "PAYLOAD_NOT_SERIALIZABLE",
  "UNKNOWN_WORKFLOW_TYPE",
  "UNKNOWN_ACTIVITY_TYPE",
]);

const DATABASE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "DATABASE_UNAVAILABLE",
  "SCHEMA_NOT_MIGRATED",
  "MIGRATION_CHECKSUM_MISMATCH",
  // A failed login or a missing database arrive as DATABASE_ERROR (SQLSTATE 28xxx, 3D000):
  // to someone at a shell they are "the database is not usable", like a refused connection.
  "DATABASE_ERROR",
  "COMMIT_OUTCOME_UNKNOWN",
]);

export function exitCodeFor(err: unknown): number {
  if (!(err instanceof RatchetError)) return EXIT.internal;
  if (BAD_INPUT_CODES.has(err.code)) return EXIT.badInput;
  if (DATABASE_CODES.has(err.code)) return EXIT.database;
  return EXIT.failure;
}
