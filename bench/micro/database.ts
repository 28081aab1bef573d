/**
 * The database one micro-suite run measures: a fresh, migrated schema on the
 * embedded PGlite or on the PostgreSQL server at a URL taken as given (never
 * from DATABASE_URL), dropped again when the run closes it.
 *
 * PGlite goes through testDatabase (its shared in-process instance). A URL
 * cannot: testDatabase reads the server from DATABASE_URL, so the same steps
 * (fresh schema, migrate, Store, drop) are repeated here for a given URL.
 */
import { describeConnectionString, PgDriver } from "../../engine/db/pg-driver.ts";
import type { SqlDriver } from "../../engine/db/driver.ts";
import { InvalidArgumentError } from "../../engine/errors.ts";
import { schemaIdentifier } from "../../engine/names.ts";
import { CryptoRandom } from "../../engine/ports/crypto-random.ts";
import { migrate } from "../../engine/store/migrate.ts";
import { Store } from "../../engine/store/store.ts";
import { testDatabase } from "../../engine/testing/databases.ts";

export interface MicroDatabase {
  kind: "pglite" | "postgres";
  /** Where it points, for messages (no password). */
  description: string;
  db: SqlDriver;
  schema: string;
  store: Store;
  close(): Promise<void>;
}

/**
 * The suite runs one statement at a time, so it needs one session; the
 * second is slack for the pool (a transaction and a stray query never wait).
 */
const MICRO_CONNECTIONS = 2;

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//.test(database);
}

export async function openMicroDatabase(database: "pglite" | string): Promise<MicroDatabase> {
  if (database === "pglite") {
    const t = await testDatabase("pglite", { prefix: "micro" });
    return { kind: "pglite", description: "pglite (in-process, in-memory)", db: t.db, schema: t.schema, store: t.store, close: () => t.close() };
  }
  if (!isPostgresUrl(database)) {
    throw new InvalidArgumentError(`invalid database ${JSON.stringify(database)}: expected "pglite" or postgres://user@host:port/database`, { field: "database" });
  }
  const schema = `micro_${new CryptoRandom().uuid().replace(/-/g, "").slice(0, 12)}`;
  const driver = new PgDriver({ connectionString: database, maxConnections: MICRO_CONNECTIONS, applicationName: `ratchet-bench-${schema}` });
  try {
    await driver.ping();
    await migrate(driver, schema);
  } catch (err) {
    await dropSchema(driver, schema);
    await driver.close().catch(() => {});
    throw err;
  }
  return {
    kind: "postgres",
    description: describeConnectionString(database),
    db: driver,
    schema,
    store: new Store(driver, { schema }),
    async close() {
      await dropSchema(driver, schema);
      await driver.close();
    },
  };
}

async function dropSchema(db: SqlDriver, schema: string): Promise<void> {
  await db.query({ text: `DROP SCHEMA IF EXISTS ${schemaIdentifier(schema)} CASCADE`, values: [] }).catch(() => {});
}
