/**
 * The embedded SQL driver: PGlite, real Postgres compiled to WASM, running in
 * this process. It is one session, so transactions run one at a time (PGlite
 * queues other queries behind an open transaction). That makes it exactly
 * reproducible, and useless for showing races between sessions: those tests
 * run on a real server.
 *
 * Starting an instance takes a few seconds; reuse one and reset schemas
 * between runs. An open instance keeps Node alive until close().
 */
import { PGlite } from "@electric-sql/pglite";
import type { Row, Sql, SqlDriver, SqlSession } from "./driver.ts";
import { translateDriverError } from "./errors.ts";

export interface PgliteDriverOptions {
  /** A data directory to persist to; in memory when absent. */
  dataDir?: string;
  /** Use an instance the caller owns (close() then leaves it open). */
  instance?: PGlite;
}

export class PgliteDriver implements SqlDriver {
  readonly kind = "pglite" as const;
  readonly description: string;
  private readonly owned: boolean;

  private constructor(
    readonly db: PGlite,
    options: PgliteDriverOptions,
  ) {
    this.owned = options.instance === undefined;
    this.description = options.dataDir ? `pglite:${options.dataDir}` : "pglite (in memory)";
  }

  static async open(options: PgliteDriverOptions = {}): Promise<PgliteDriver> {
    const db = options.instance ?? (options.dataDir ? await PGlite.create(options.dataDir) : await PGlite.create());
    return new PgliteDriver(db, options);
  }

  async query<R extends Row = Row>(q: Sql): Promise<R[]> {
    try {
      const result = await this.db.query<R>(q.text, q.values as unknown[]);
      return result.rows;
    } catch (err) {
      throw translateDriverError(err, this.description);
    }
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(async (tx) =>
        fn({
          query: async <R extends Row = Row>(q: Sql): Promise<R[]> => {
            try {
              const result = await tx.query<R>(q.text, q.values as unknown[]);
              return result.rows;
            } catch (err) {
              throw translateDriverError(err, this.description);
            }
          },
        }),
      );
    } catch (err) {
      throw translateDriverError(err, this.description);
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    const unsubscribe = await this.db.listen(channel, onNotify);
    return async () => {
      if (!this.db.closed) await unsubscribe();
    };
  }

  async close(): Promise<void> {
    if (this.owned && !this.db.closed) await this.db.close();
  }
}
