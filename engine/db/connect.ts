/**
 * Open a SQL driver from a database target string:
 *   postgres://... or postgresql://...   a real server (pg.Pool)
 *   pglite | pglite:memory                embedded, in memory
 *   pglite:<directory>                    embedded, persisted to a directory
 */
import { InvalidArgumentError } from "../errors.ts";
import type { Clock } from "../ports/clock.ts";
import type { Logger } from "../ports/logger.ts";
import type { SqlDriver } from "./driver.ts";
import { PgDriver } from "./pg-driver.ts";
import { PgliteDriver } from "./pglite-driver.ts";

export interface OpenDatabaseOptions {
  maxConnections?: number;
  clock?: Clock;
  logger?: Logger;
  applicationName?: string;
  preparedStatements?: boolean;
}

export async function openDatabase(target: string, options: OpenDatabaseOptions = {}): Promise<SqlDriver> {
  if (target === "pglite" || target === "pglite:memory") return PgliteDriver.open();
  if (target.startsWith("pglite:")) {
    return PgliteDriver.open({ dataDir: target.slice("pglite:".length), ...(options.applicationName ? { lockHolder: options.applicationName } : {}) });
  }
  if (/^postgres(ql)?:\/\//.test(target)) {
    const driver = new PgDriver({ connectionString: target, ...options });
    try {
      await driver.ping();
    } catch (err) {
      await driver.close().catch(() => {});
      throw err;
    }
    return driver;
  }
  throw new InvalidArgumentError(`unrecognised database ${JSON.stringify(target)}: expected postgres://..., pglite, or pglite:<directory>`, {
    field: "database",
    value: target,
  });
}
