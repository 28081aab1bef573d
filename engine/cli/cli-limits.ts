/**
 * Bounds the CLI enforces on its own inputs, in one place. The engine's
 * limits (engine/limits.ts) still apply behind these; these exist so a bad
 * flag fails at the command line, naming the flag, before any connection.
 */
import { PAYLOAD_BYTES_MAX, WORKER_POLL_INTERVAL_MS_MAX, WORKER_SHUTDOWN_GRACE_MS_MAX } from "../limits.ts";

/** Pool size for one-shot commands (start, describe, ...): one query at a time, plus one spare. */
export const CLI_CONNECTIONS = 2;

/**
 * Largest file --input-file will read. Bigger than PAYLOAD_BYTES_MAX because
 * pretty-printed JSON shrinks when re-encoded; four times covers deep
 * indentation. Past it the file cannot fit and is refused before it is read
 * into memory.
 */
export const INPUT_FILE_BYTES_MAX = 4 * PAYLOAD_BYTES_MAX;

/** The worker's --poll-ms and --shutdown-grace-ms: the engine's own bounds. */
export const POLL_MS_MAX = WORKER_POLL_INTERVAL_MS_MAX;
export const SHUTDOWN_GRACE_MS_MAX = WORKER_SHUTDOWN_GRACE_MS_MAX;

/** Human output: longest JSON shown inline for a payload in `history` and `describe`. */
export const INLINE_JSON_CHARS_MAX = 100;

/** Human output: how many links of a failure's cause chain are printed. */
export const FAILURE_CAUSES_SHOWN_MAX = 4;

/** The worker's --identity: shown in logs, history and pg_stat_activity, so short and printable. */
export const IDENTITY_LENGTH_MAX = 200;
