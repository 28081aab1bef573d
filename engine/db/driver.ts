/**
 * The SQL driver port: the smallest surface the store needs from a Postgres
 * session pool. Two production adapters implement it (pg.Pool on a real
 * server, PGlite in-process); the simulator wraps it with a fault layer.
 *
 * Drivers translate their library's errors into RatchetErrors at this
 * boundary (DATABASE_UNAVAILABLE, COMMIT_OUTCOME_UNKNOWN, DATABASE_ERROR), so
 * nothing above it ever inspects a driver-specific error.
 */

/** A parameterised statement. `name` lets a driver prepare it once per session. */
export interface Sql {
  readonly name?: string;
  readonly text: string;
  readonly values: readonly unknown[];
}

export type Row = Record<string, unknown>;

export interface SqlSession {
  query<R extends Row = Row>(sql: Sql): Promise<R[]>;
}

export type DriverKind = "postgres" | "pglite";

export interface SqlDriver extends SqlSession {
  readonly kind: DriverKind;
  /** Where it points, for messages (never includes a password). */
  readonly description: string;
  /**
   * Run `fn` in one transaction on one session: BEGIN, fn, COMMIT (ROLLBACK if
   * fn throws). A connection lost during COMMIT raises COMMIT_OUTCOME_UNKNOWN.
   */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  /**
   * Deliver NOTIFY payloads on `channel` to `onNotify`. `onReconnect` runs after
   * the listening session was lost and re-established (notifications sent
   * meanwhile are gone, so the caller should poll). Returns an unsubscribe.
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function sql(text: string, values: readonly unknown[] = [], name?: string): Sql {
  return name === undefined ? { text, values } : { name, text, values };
}
