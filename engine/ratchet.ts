/**
 * One call to get going: open a database (a postgres:// URL, or PGlite
 * embedded), open the store in a schema (migrating it if asked), and make
 * clients and workers that share them.
 */
import { openDatabase } from "./db/connect.ts";
import type { SqlDriver } from "./db/driver.ts";
import { Client, type ClientOptions } from "./client/client.ts";
import type { Clock } from "./ports/clock.ts";
import type { Logger } from "./ports/logger.ts";
import type { Random } from "./ports/random.ts";
import { Store, type StoreOptions } from "./store/store.ts";
import { Worker, type WorkerOptions } from "./worker/worker.ts";

export interface ConnectOptions extends StoreOptions {
  /** postgres://..., pglite (in memory), pglite:<dir>; or an open driver. Default: DATABASE_URL, else PGlite in memory. */
  database?: string | SqlDriver;
  /** Pool size for postgres:// (LISTEN uses one more). */
  maxConnections?: number;
  /** Shown in pg_stat_activity (and as the holder of a pglite:<dir> lock). */
  applicationName?: string;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

export class Ratchet {
  private readonly owned: boolean;

  private constructor(
    readonly db: SqlDriver,
    readonly store: Store,
    private readonly options: ConnectOptions,
    owned: boolean,
  ) {
    this.owned = owned;
  }

  static async connect(options: ConnectOptions = {}): Promise<Ratchet> {
    const target = options.database ?? defaultDatabase();
    const owned = typeof target === "string";
    const db =
      typeof target === "string"
        ? await openDatabase(target, {
            ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
            ...(options.applicationName === undefined ? {} : { applicationName: options.applicationName }),
            ...(options.clock === undefined ? {} : { clock: options.clock }),
            ...(options.logger === undefined ? {} : { logger: options.logger }),
          })
        : target;
    try {
      const store = await Store.open(db, options);
      return new Ratchet(db, store, options, owned);
    } catch (err) {
      if (owned) await db.close().catch(() => {});
      throw err;
    }
  }

  client(options: Omit<ClientOptions, "store"> = {}): Client {
    return new Client({ store: this.store, ...this.ports(), ...options });
  }

  worker(options: Omit<WorkerOptions, "store">): Worker {
    return new Worker({ store: this.store, ...this.ports(), ...options });
  }

  async close(): Promise<void> {
    if (this.owned) await this.db.close();
  }

  private ports() {
    return {
      ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
      ...(this.options.random === undefined ? {} : { random: this.options.random }),
      ...(this.options.logger === undefined ? {} : { logger: this.options.logger }),
    };
  }
}

/** DATABASE_URL when set, else the embedded database. */
export function defaultDatabase(): string {
  const url = process.env.DATABASE_URL;
  return url !== undefined && url.length > 0 ? url : "pglite";
}
