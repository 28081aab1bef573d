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
import { DatabaseUnavailableError, RatchetError } from "../errors.ts";
import type { Row, Sql, SqlDriver, SqlSession } from "./driver.ts";
import { translateDriverError } from "./errors.ts";
import { checkPgliteDirectory, lockPgliteDirectory, type DirectoryLock } from "./pglite-directory.ts";

export interface PgliteDriverOptions {
  /** A data directory to persist to; in memory when absent. Locked for this process while open. */
  dataDir?: string;
  /** Who holds the directory lock, for the message another process gets. */
  lockHolder?: string;
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
    private readonly lock: DirectoryLock | undefined,
  ) {
    this.owned = options.instance === undefined;
    this.description = options.dataDir ? `pglite:${options.dataDir}` : "pglite (in memory)";
  }

  static async open(options: PgliteDriverOptions = {}): Promise<PgliteDriver> {
    if (options.instance) return new PgliteDriver(options.instance, options, undefined);
    if (!options.dataDir) return new PgliteDriver(await PGlite.create(), options, undefined);
    checkPgliteDirectory(options.dataDir);
    const lock = lockPgliteDirectory(options.dataDir, options.lockHolder ?? "ratchet");
    try {
      return new PgliteDriver(await PGlite.create(options.dataDir), options, lock);
    } catch (err) {
      lock.release();
      if (err instanceof RatchetError) throw err;
      // PGlite raises plain errors here (a path that is a file, a corrupt data directory).
      throw new DatabaseUnavailableError(`cannot open pglite:${options.dataDir}: ${(err as Error).message}`, { database: `pglite:${options.dataDir}` }, err);
    }
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
    try {
      if (this.owned && !this.db.closed) await this.db.close();
    } finally {
      this.lock?.release();
    }
  }
}
