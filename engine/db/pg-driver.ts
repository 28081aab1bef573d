/**
 * Production SQL driver on a real PostgreSQL server, over pg.Pool.
 *
 * - int8 columns are parsed to numbers (ids, tokens and epoch milliseconds
 *   all fit in 2^53).
 * - Statements with a `name` are prepared once per connection.
 * - LISTEN runs on its own dedicated connection (one more than the pool's
 *   `max`), which reconnects with backoff and tells the caller to poll.
 */
import pg from "pg";
import { CommitOutcomeUnknownError, DatabaseError, DatabaseUnavailableError, InvalidArgumentError } from "../errors.ts";
import { CONNECTIONS_MAX, WORKER_ERROR_BACKOFF_MS_MAX, WORKER_ERROR_BACKOFF_MS_MIN } from "../limits.ts";
import { checkInteger } from "../names.ts";
import type { Clock } from "../ports/clock.ts";
import { SystemClock } from "../ports/system-clock.ts";
import type { Logger } from "../ports/logger.ts";
import { silentLogger } from "../ports/logger.ts";
import type { Row, Sql, SqlDriver, SqlSession } from "./driver.ts";
import { isConnectionError, translateDriverError } from "./errors.ts";

const INT8_OID = 20;
const CONNECT_TIMEOUT_MS_DEFAULT = 10_000;

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? "text");
  },
};

export interface PgDriverOptions {
  connectionString: string;
  /** Sessions in the pool (LISTEN uses one more). */
  maxConnections?: number;
  connectTimeoutMs?: number;
  /** Prepare named statements (off for PgBouncer in transaction mode). */
  preparedStatements?: boolean;
  clock?: Clock;
  logger?: Logger;
  /** Name shown in pg_stat_activity.application_name. */
  applicationName?: string;
  /**
   * Let the server JIT-compile the engine's queries. Default false: every
   * engine statement is a short keyed lookup or write, and JIT only pays off
   * for long scans, but the planner turns it on by cost estimate alone — a
   * history lookup estimated at a thousand rows (the table not yet analyzed)
   * spent 80-150 ms a call compiling (measured in a 30-minute churn run,
   * where it became 96% of Postgres time).
   */
  jit?: boolean;
}

/** A connection string with its password removed (from the user part and from ?password=), for messages. */
export function describeConnectionString(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = "***";
    for (const key of [...url.searchParams.keys()]) {
      if (/pass/i.test(key)) url.searchParams.set(key, "***");
    }
    return url.toString();
  } catch {
    return "<unparseable connection string>";
  }
}

/**
 * The pool's connection settings with `settings` (e.g. "-c jit=off") set on
 * every session at connect time, in the startup packet — no extra round
 * trip. Options already in the connection string come after them, so the
 * user's own setting of the same name wins. (pg lets a connection string's
 * `options` replace the config's, so they are moved out of it.)
 */
export function withSessionOptions(connectionString: string, settings: readonly string[]): { connectionString: string; options?: string } {
  if (settings.length === 0) return { connectionString };
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return { connectionString, options: settings.join(" ") };
  }
  const existing = url.searchParams.get("options");
  url.searchParams.delete("options");
  return { connectionString: url.toString(), options: [...settings, ...(existing ? [existing] : [])].join(" ") };
}

export class PgDriver implements SqlDriver {
  readonly kind = "postgres" as const;
  readonly description: string;
  private readonly pool: pg.Pool;
  private readonly prepared: boolean;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private closed = false;
  private readonly listeners = new Set<{ stop(): Promise<void> }>();

  constructor(private readonly options: PgDriverOptions) {
    const max = checkInteger(options.maxConnections ?? 10, "maxConnections", 1, CONNECTIONS_MAX);
    if (!/^postgres(ql)?:\/\//.test(options.connectionString)) {
      throw new InvalidArgumentError(`invalid database URL: expected postgres://user@host:port/database`, { field: "connectionString" });
    }
    this.description = describeConnectionString(options.connectionString);
    this.prepared = options.preparedStatements ?? true;
    this.clock = options.clock ?? new SystemClock();
    this.logger = options.logger ?? silentLogger;
    this.pool = new pg.Pool({
      ...withSessionOptions(options.connectionString, options.jit === true ? [] : ["-c jit=off"]),
      max,
      connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT,
      application_name: options.applicationName ?? "ratchet",
      types,
    });
    // An idle session that dies (server restart, pg_terminate_backend) emits
    // 'error' on the pool; without a handler Node would crash the process.
    this.pool.on("error", (err) => {
      this.logger.log("warn", "idle database session lost; the pool will reconnect", { error: err.message });
    });
    // Every session gets an error listener for its whole life. The pool's own listener is
    // detached while a client is checked out or being removed, and a server that terminates a
    // session (pg_terminate_backend, a restart) can deliver its FATAL message in that window:
    // unheard, it would crash the process. (Seen in the simulator's real-Postgres mode.)
    this.pool.on("connect", (client) => {
      client.on("error", (err) => this.logger.log("debug", "database session error", { error: err.message }));
    });
  }

  /** Check the server answers, with a clear error if not. */
  async ping(): Promise<void> {
    try {
      await this.pool.query("SELECT 1");
    } catch (err) {
      const e = translateDriverError(err, this.description);
      if (e instanceof DatabaseUnavailableError) {
        throw new DatabaseUnavailableError(
          `cannot reach PostgreSQL at ${this.description}: ${(err as Error).message}. Is the server running, and is DATABASE_URL (or --db) right?`,
          { database: this.description },
          err,
        );
      }
      const sqlState = (err as { code?: unknown }).code;
      // Wrong credentials (28xxx) or no such database (3D000): the server answered; the URL is wrong.
      if (typeof sqlState === "string" && (sqlState.startsWith("28") || sqlState === "3D000")) {
        throw new DatabaseError(`cannot connect to PostgreSQL at ${this.description}: ${(err as Error).message}. Check DATABASE_URL (or --db)`, { database: this.description, sqlState }, err);
      }
      throw e;
    }
  }

  private toConfig(q: Sql): pg.QueryConfig {
    return this.prepared && q.name ? { name: q.name, text: q.text, values: q.values as unknown[] } : { text: q.text, values: q.values as unknown[] };
  }

  async query<R extends Row = Row>(q: Sql): Promise<R[]> {
    try {
      const result = await this.pool.query(this.toConfig(q));
      return result.rows as R[];
    } catch (err) {
      throw translateDriverError(err, this.description);
    }
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw translateDriverError(err, this.description);
    }
    let broken: Error | undefined;
    // A checked-out client has no pool error listener: without ours, a connection that dies
    // mid-transaction (server restart, pg_terminate_backend, a cut network) would emit an
    // unhandled 'error' and crash the process. (Found by the simulator's real-Postgres mode.)
    const onError = (err: Error) => {
      broken ??= err;
    };
    client.on("error", onError);
    const session: SqlSession = {
      query: async <R extends Row = Row>(q: Sql): Promise<R[]> => {
        try {
          const result = await client.query(this.toConfig(q));
          return result.rows as R[];
        } catch (err) {
          if (isConnectionError(err)) broken = err as Error;
          throw translateDriverError(err, this.description);
        }
      },
    };
    try {
      await session.query({ text: "BEGIN", values: [] });
      let value: T;
      try {
        value = await fn(session);
      } catch (err) {
        if (!broken) {
          await client.query("ROLLBACK").catch((rollbackErr: Error) => {
            broken = rollbackErr;
          });
        }
        throw err;
      }
      try {
        await client.query("COMMIT");
      } catch (err) {
        if (isConnectionError(err)) {
          broken = err as Error;
          throw new CommitOutcomeUnknownError(err);
        }
        throw translateDriverError(err, this.description);
      }
      return value;
    } finally {
      client.off("error", onError);
      // A broken session is destroyed, not returned to the pool.
      client.release(broken);
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
    const listener = new PgListener(this.options, channel, onNotify, onReconnect, this.clock, this.logger, this.description);
    await listener.start();
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
      await listener.stop();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.listeners].map((l) => l.stop()));
    this.listeners.clear();
    await this.pool.end();
  }
}

/** One dedicated LISTEN session that survives server restarts. */
class PgListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private readonly stopController = new AbortController();

  constructor(
    private readonly options: PgDriverOptions,
    private readonly channel: string,
    private readonly onNotify: (payload: string) => void,
    private readonly onReconnect: (() => void) | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly description: string,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT,
      application_name: `${this.options.applicationName ?? "ratchet"}-listen`,
      types,
    });
    client.on("notification", (msg) => {
      if (msg.channel === this.channel) this.onNotify(msg.payload ?? "");
    });
    client.on("error", (err) => {
      this.logger.log("warn", "LISTEN session lost; reconnecting", { error: err.message });
      void this.reconnect(client);
    });
    client.on("end", () => void this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      client.removeAllListeners("end");
      client.removeAllListeners("error");
      client.on("error", () => {});
      await client.end().catch(() => {});
      throw translateDriverError(err, this.description);
    }
    this.client = client;
  }

  private reconnecting = false;

  private async reconnect(dead: pg.Client): Promise<void> {
    if (this.stopped || this.reconnecting || this.client !== dead) return;
    this.reconnecting = true;
    this.client = undefined;
    dead.removeAllListeners("end");
    dead.on("error", () => {});
    let backoffMs = WORKER_ERROR_BACKOFF_MS_MIN;
    while (!this.stopped) {
      try {
        await this.clock.sleep(backoffMs, this.stopController.signal);
      } catch {
        break;
      }
      try {
        await this.connect();
        this.logger.log("info", "LISTEN session re-established");
        this.onReconnect?.();
        break;
      } catch (err) {
        this.logger.log("warn", "LISTEN reconnect failed", { error: (err as Error).message, retryInMs: backoffMs });
        backoffMs = Math.min(backoffMs * 2, WORKER_ERROR_BACKOFF_MS_MAX);
      }
    }
    this.reconnecting = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopController.abort();
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners("end");
      client.on("error", () => {});
      await client.end().catch(() => {});
    }
  }
}
