/**
 * Translation of Postgres and socket errors into RatchetErrors, shared by both
 * drivers (PGlite raises the same SQLSTATE codes as a server).
 */
import { DatabaseError, DatabaseUnavailableError, RatchetError } from "../errors.ts";

const SOCKET_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/** SQLSTATE classes that mean "the session is gone or the server is not accepting work right now". */
function isUnavailableSqlState(code: string): boolean {
  return (
    code.startsWith("08") || // connection exception
    code === "57P01" || // admin_shutdown (pg_terminate_backend, fast shutdown)
    code === "57P02" || // crash_shutdown
    code === "57P03" || // cannot_connect_now (starting up / shutting down)
    code === "53300" // too_many_connections
  );
}

/** Serialization failure and deadlock: the transaction lost a race and may simply be retried. */
function isRetryableSqlState(code: string): boolean {
  return code === "40001" || code === "40P01" || code === "55P03";
}

export function isConnectionError(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  if (typeof e.code === "string" && (SOCKET_ERRORS.has(e.code) || isUnavailableSqlState(e.code))) return true;
  const message = typeof e.message === "string" ? e.message : "";
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|server closed the connection|timeout exceeded when trying to connect|Connection ended/i.test(
    message,
  );
}

export function translateDriverError(err: unknown, description: string): RatchetError {
  if (err instanceof RatchetError) return err;
  const e = err as { code?: unknown; message?: unknown; detail?: unknown; constraint?: unknown } | null;
  const message = e && typeof e.message === "string" ? e.message : String(err);
  const code = e && typeof e.code === "string" ? e.code : undefined;
  if (isConnectionError(err)) {
    return new DatabaseUnavailableError(`database unavailable (${description}): ${message}`, { database: description, code }, err);
  }
  const retryable = code !== undefined && isRetryableSqlState(code);
  return new DatabaseError(`database error${code ? ` ${code}` : ""}: ${message}`, { database: description, sqlState: code, constraint: e?.constraint }, err, retryable);
}
