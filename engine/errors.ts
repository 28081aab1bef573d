/**
 * Typed errors with stable codes, for operating failures a caller handles.
 * (Programmer bugs are assertions: see assert.ts.)
 *
 * Every error carries the ids involved in `details`, so a log line or a CLI
 * message names what went wrong without a stack trace. Codes are part of the
 * public contract: add new ones, never rename.
 */

export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "PAYLOAD_TOO_LARGE"
  | "PAYLOAD_NOT_SERIALIZABLE"
  | "UNKNOWN_WORKFLOW_TYPE"
  | "UNKNOWN_ACTIVITY_TYPE"
  | "WORKFLOW_ALREADY_RUNNING"
  | "WORKFLOW_NOT_FOUND"
  | "WORKFLOW_NOT_RUNNING"
  | "WORKFLOW_FAILED"
  | "WORKFLOW_CANCELLED"
  | "WORKFLOW_CONTINUED_AS_NEW"
  | "WORKFLOW_TERMINATED"
  | "WORKFLOW_ID_REUSE_REFUSED"
  | "NON_DETERMINISM"
  | "HISTORY_LIMIT_EXCEEDED"
  | "LEASE_LOST"
  | "ACTIVITY_FAILED"
  | "CHILD_WORKFLOW_FAILED"
  | "UPDATE_REJECTED"
  | "UPDATE_FAILED"
  | "APPLICATION_FAILURE"
  | "TIMEOUT"
  | "CANCELLED"
  | "DATABASE_UNAVAILABLE"
  | "COMMIT_OUTCOME_UNKNOWN"
  | "DATABASE_ERROR"
  | "SCHEMA_NOT_MIGRATED"
  | "MIGRATION_CHECKSUM_MISMATCH"
  | "WORKER_STOPPED"
  | "SCHEDULE_NOT_FOUND"
  | "SCHEDULE_ALREADY_EXISTS";

export type ErrorDetails = Record<string, unknown>;

const KNOWN_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "INVALID_ARGUMENT",
  "PAYLOAD_TOO_LARGE",
  "PAYLOAD_NOT_SERIALIZABLE",
  "UNKNOWN_WORKFLOW_TYPE",
  "UNKNOWN_ACTIVITY_TYPE",
  "WORKFLOW_ALREADY_RUNNING",
  "WORKFLOW_NOT_FOUND",
  "WORKFLOW_NOT_RUNNING",
  "WORKFLOW_FAILED",
  "WORKFLOW_CANCELLED",
  "WORKFLOW_CONTINUED_AS_NEW",
  "WORKFLOW_TERMINATED",
  "WORKFLOW_ID_REUSE_REFUSED",
  "NON_DETERMINISM",
  "HISTORY_LIMIT_EXCEEDED",
  "LEASE_LOST",
  "ACTIVITY_FAILED",
  "CHILD_WORKFLOW_FAILED",
  "UPDATE_REJECTED",
  "UPDATE_FAILED",
  "APPLICATION_FAILURE",
  "TIMEOUT",
  "CANCELLED",
  "DATABASE_UNAVAILABLE",
  "COMMIT_OUTCOME_UNKNOWN",
  "DATABASE_ERROR",
  "SCHEMA_NOT_MIGRATED",
  "MIGRATION_CHECKSUM_MISMATCH",
  "WORKER_STOPPED",
  "SCHEDULE_NOT_FOUND",
  "SCHEDULE_ALREADY_EXISTS",
]);

export class RatchetError extends Error {
  override name = "RatchetError";
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  /** True when retrying the same call later may succeed (database down, lease lost to a peer...). */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = details;
    this.retryable = options.retryable ?? false;
  }
}

export class InvalidArgumentError extends RatchetError {
  override name = "InvalidArgumentError";
  constructor(message: string, details: ErrorDetails = {}) {
    super("INVALID_ARGUMENT", message, details);
  }
}

export class PayloadError extends RatchetError {
  override name = "PayloadError";
  constructor(code: "PAYLOAD_TOO_LARGE" | "PAYLOAD_NOT_SERIALIZABLE", message: string, details: ErrorDetails) {
    super(code, message, details);
  }
}

export class UnknownTypeError extends RatchetError {
  override name = "UnknownTypeError";
  constructor(code: "UNKNOWN_WORKFLOW_TYPE" | "UNKNOWN_ACTIVITY_TYPE", message: string, details: ErrorDetails) {
    super(code, message, details);
  }
}

export class WorkflowAlreadyRunningError extends RatchetError {
  override name = "WorkflowAlreadyRunningError";
  constructor(readonly workflowId: string, readonly runId: string) {
    super("WORKFLOW_ALREADY_RUNNING", `workflow "${workflowId}" is already running (run ${runId})`, { workflowId, runId });
  }
}

export class WorkflowNotFoundError extends RatchetError {
  override name = "WorkflowNotFoundError";
  constructor(ids: { workflowId?: string; runId?: string }) {
    const what =
      ids.workflowId !== undefined && ids.runId !== undefined
        ? `no run ${ids.runId} of workflow "${ids.workflowId}"`
        : ids.workflowId !== undefined
          ? `no workflow with id "${ids.workflowId}"`
          : `no run ${ids.runId}`;
    super("WORKFLOW_NOT_FOUND", what, { ...ids });
  }
}

export class ScheduleNotFoundError extends RatchetError {
  override name = "ScheduleNotFoundError";
  constructor(scheduleId: string) {
    super("SCHEDULE_NOT_FOUND", `no schedule with id "${scheduleId}"`, { scheduleId });
  }
}

export class ScheduleAlreadyExistsError extends RatchetError {
  override name = "ScheduleAlreadyExistsError";
  constructor(scheduleId: string) {
    super("SCHEDULE_ALREADY_EXISTS", `a schedule with id "${scheduleId}" already exists`, { scheduleId });
  }
}

/** A start refused by its idReusePolicy: the workflow id's latest run is closed, and the policy does not allow reusing it. */
export class WorkflowIdReuseRefusedError extends RatchetError {
  override name = "WorkflowIdReuseRefusedError";
  constructor(readonly workflowId: string, readonly runId: string, readonly status: string, readonly policy: string) {
    super("WORKFLOW_ID_REUSE_REFUSED", `workflow id "${workflowId}" was used by run ${runId}, which is ${status}; idReusePolicy ${policy} does not allow starting it again`, {
      workflowId,
      runId,
      status,
      idReusePolicy: policy,
    });
  }
}

export class WorkflowTerminatedError extends RatchetError {
  override name = "WorkflowTerminatedError";
  constructor(readonly workflowId: string, readonly runId: string, readonly reason: string) {
    super("WORKFLOW_TERMINATED", `workflow "${workflowId}" (run ${runId}) was terminated: ${reason}`, { workflowId, runId, reason });
  }
}

export class WorkflowNotRunningError extends RatchetError {
  override name = "WorkflowNotRunningError";
  constructor(readonly workflowId: string, readonly runId: string, readonly status: string) {
    super("WORKFLOW_NOT_RUNNING", `workflow "${workflowId}" (run ${runId}) is ${status}, not running`, { workflowId, runId, status });
  }
}

/** Thrown by Client.result() when the run failed; `cause` is the workflow's failure. */
export class WorkflowFailedError extends RatchetError {
  override name = "WorkflowFailedError";
  constructor(readonly workflowId: string, readonly runId: string, cause: Error) {
    super("WORKFLOW_FAILED", `workflow "${workflowId}" (run ${runId}) failed: ${cause.message}`, { workflowId, runId }, { cause });
  }
}

export class WorkflowCancelledError extends RatchetError {
  override name = "WorkflowCancelledError";
  constructor(readonly workflowId: string, readonly runId: string) {
    super("WORKFLOW_CANCELLED", `workflow "${workflowId}" (run ${runId}) was cancelled`, { workflowId, runId });
  }
}

export class NonDeterminismError extends RatchetError {
  override name = "NonDeterminismError";
  constructor(message: string, details: ErrorDetails) {
    super("NON_DETERMINISM", message, details);
  }
}

export class HistoryLimitError extends RatchetError {
  override name = "HistoryLimitError";
  constructor(runId: string, events: number, limit: number) {
    super("HISTORY_LIMIT_EXCEEDED", `run ${runId} would hold ${events} history events, over the limit of ${limit}`, { runId, events, limit });
  }
}

/** A completion, failure or heartbeat named a lease token that is no longer current. */
export class LeaseLostError extends RatchetError {
  override name = "LeaseLostError";
  constructor(readonly taskId: number, readonly leaseToken: number) {
    super("LEASE_LOST", `task ${taskId}: lease token ${leaseToken} is stale (the task was re-claimed or closed)`, { taskId, leaseToken });
  }
}

export class DatabaseUnavailableError extends RatchetError {
  override name = "DatabaseUnavailableError";
  constructor(message: string, details: ErrorDetails = {}, cause?: unknown) {
    super("DATABASE_UNAVAILABLE", message, details, { cause, retryable: true });
  }
}

/** The connection broke while COMMIT was in flight: the transaction may or may not have committed. */
export class CommitOutcomeUnknownError extends RatchetError {
  override name = "CommitOutcomeUnknownError";
  constructor(cause?: unknown) {
    super("COMMIT_OUTCOME_UNKNOWN", "the connection was lost during COMMIT; the transaction may or may not have committed", {}, { cause, retryable: true });
  }
}

export class DatabaseError extends RatchetError {
  override name = "DatabaseError";
  constructor(message: string, details: ErrorDetails, cause?: unknown, retryable = false) {
    super("DATABASE_ERROR", message, details, { cause, retryable });
  }
}

export class SchemaError extends RatchetError {
  override name = "SchemaError";
  constructor(code: "SCHEMA_NOT_MIGRATED" | "MIGRATION_CHECKSUM_MISMATCH", message: string, details: ErrorDetails) {
    super(code, message, details);
  }
}

export class WorkerStoppedError extends RatchetError {
  override name = "WorkerStoppedError";
  constructor(workerId: string) {
    super("WORKER_STOPPED", `worker ${workerId} was stopped; its calls are fenced off`, { workerId });
  }
}

// ---------------------------------------------------------------------------
// Failures that cross the history: thrown by activities and workflows,
// recorded as FailureInfo, rebuilt on the other side.

export interface FailureInfo {
  /** The error's type: ApplicationFailure.type, or the thrown error's class name. */
  type: string;
  message: string;
  code?: string;
  nonRetryable?: boolean;
  details?: unknown;
  stack?: string;
  cause?: FailureInfo;
  /** For TIMEOUT failures. */
  timeoutType?: TimeoutType;
}

export type TimeoutType = "startToClose" | "scheduleToClose" | "scheduleToStart" | "heartbeat";

/**
 * The error user code throws to control how a failure is handled: its `type`
 * is what retry policies match in `nonRetryableErrorTypes`, and `nonRetryable`
 * stops retries outright.
 */
export class ApplicationFailure extends RatchetError {
  override name = "ApplicationFailure";
  readonly type: string;
  readonly nonRetryable: boolean;
  /** `code` is for failures rebuilt from history, which keep the code they were recorded with. */
  constructor(message: string, options: { type?: string; nonRetryable?: boolean; details?: unknown; cause?: unknown; code?: ErrorCode } = {}) {
    super(options.code ?? "APPLICATION_FAILURE", message, options.details === undefined ? {} : { details: options.details }, { cause: options.cause });
    this.type = options.type ?? "ApplicationFailure";
    this.nonRetryable = options.nonRetryable ?? false;
  }
}

/** What a workflow sees when an activity failed for good (retries exhausted or non-retryable). */
export class ActivityFailure extends RatchetError {
  override name = "ActivityFailure";
  constructor(readonly activityType: string, readonly seq: number, readonly attempt: number, cause: Error) {
    super("ACTIVITY_FAILED", `activity ${activityType} (seq ${seq}) failed after ${attempt} attempt(s): ${cause.message}`, { activityType, seq, attempt }, { cause });
  }
}

/**
 * Thrown by client.update(): the workflow refused the update (its validator
 * threw, or it has no handler of that name: `cause` says which) and applied
 * nothing — UPDATE_REJECTED — or its handler failed — UPDATE_FAILED.
 */
export class WorkflowUpdateError extends RatchetError {
  override name = "WorkflowUpdateError";
  constructor(
    code: "UPDATE_REJECTED" | "UPDATE_FAILED",
    readonly workflowId: string,
    readonly runId: string,
    readonly updateId: string,
    cause: Error,
  ) {
    super(code, `update ${updateId} of workflow "${workflowId}" ${code === "UPDATE_REJECTED" ? "was rejected" : "failed"}: ${cause.message}`, { workflowId, runId, updateId }, { cause });
  }
}

/** How a child workflow closed without a result. */
export type ChildCloseStatus = "failed" | "cancelled" | "terminated";

/**
 * What a parent workflow sees when its child did not complete: it failed,
 * was cancelled or was terminated. `cause` is the child's failure (a
 * CancelledError for a cancelled child, WorkflowTerminatedError's failure
 * for a terminated one).
 */
export class ChildWorkflowFailure extends RatchetError {
  override name = "ChildWorkflowFailure";
  constructor(
    readonly workflowType: string,
    readonly workflowId: string,
    readonly runId: string,
    readonly status: ChildCloseStatus,
    cause: Error,
  ) {
    super("CHILD_WORKFLOW_FAILED", `child workflow ${workflowType} "${workflowId}" (run ${runId}) ${status}: ${cause.message}`, { workflowType, workflowId, runId, status }, { cause });
  }
}

export class TimeoutError extends RatchetError {
  override name = "TimeoutError";
  constructor(readonly timeoutType: TimeoutType, message: string) {
    super("TIMEOUT", message, { timeoutType });
  }
}

/** Rejects a workflow's pending operations when cancellation is requested. */
export class CancelledError extends RatchetError {
  override name = "CancelledError";
  constructor(message = "cancelled") {
    super("CANCELLED", message);
  }
}

/** The type a retry policy matches: ApplicationFailure.type, else the error's class name. */
export function errorType(err: unknown): string {
  if (err instanceof ApplicationFailure) return err.type;
  if (err instanceof Error) {
    if (err.name && err.name !== "Error") return err.name;
    const ctorName = (err.constructor as { name?: string } | undefined)?.name;
    return ctorName && ctorName.length > 0 ? ctorName : "Error";
  }
  return typeof err;
}

const CAUSE_DEPTH_MAX = 8;
/** Failures are recorded in history: bound what one can add. */
const FAILURE_MESSAGE_CHARS_MAX = 4_096;
const FAILURE_STACK_CHARS_MAX = 8_192;

/** Where this copy of Ratchet is installed (the directory holding engine/), as a file URL and as a path. */
const INSTALL_URL = new URL("../", import.meta.url).href;
const INSTALL_PATH = decodeURIComponent(new URL("../", import.meta.url).pathname);

/**
 * A stack as recorded in history: frames in Ratchet's own files (and, in this repository, the
 * simulator's and examples') name them relative to where it is installed. Recorded failures are
 * part of the history, so with absolute paths two checkouts of the same code wrote different
 * histories, and the simulator's runs — same seed — differed by the directory they ran in.
 */
function withoutInstallPath(stack: string): string {
  return stack.split(INSTALL_URL).join("").split(INSTALL_PATH).join("");
}

export function toFailureInfo(err: unknown, depth = 0): FailureInfo {
  if (!(err instanceof Error)) {
    return { type: typeof err, message: truncate(safeString(err), FAILURE_MESSAGE_CHARS_MAX) };
  }
  const info: FailureInfo = { type: errorType(err), message: truncate(String(err.message), FAILURE_MESSAGE_CHARS_MAX) };
  if (err instanceof RatchetError) {
    info.code = err.code;
    if (err instanceof ApplicationFailure) {
      info.nonRetryable = err.nonRetryable;
      if (err.details.details !== undefined) info.details = err.details.details;
    }
    if (err instanceof TimeoutError) info.timeoutType = err.timeoutType;
  }
  if (err.stack) info.stack = truncate(withoutInstallPath(err.stack), FAILURE_STACK_CHARS_MAX);
  if (err.cause !== undefined && depth < CAUSE_DEPTH_MAX) info.cause = toFailureInfo(err.cause, depth + 1);
  return info;
}

/** Rebuild an Error from recorded FailureInfo (for workflow code and Client.result()). */
export function fromFailureInfo(info: FailureInfo): Error {
  const cause = info.cause ? fromFailureInfo(info.cause) : undefined;
  let err: Error;
  if (info.code === "TIMEOUT" && info.timeoutType) {
    err = new TimeoutError(info.timeoutType, info.message);
  } else if (info.code === "CANCELLED") {
    err = new CancelledError(info.message);
  } else {
    const code = info.code !== undefined && KNOWN_CODES.has(info.code as ErrorCode) ? (info.code as ErrorCode) : undefined;
    err = new ApplicationFailure(info.message, { type: info.type, nonRetryable: info.nonRetryable ?? false, details: info.details, cause, ...(code ? { code } : {}) });
  }
  if (info.stack) err.stack = info.stack;
  return err;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return "<unprintable>";
  }
}
