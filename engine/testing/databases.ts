/**
 * Fresh, isolated databases for tests. Each call gets its own schema, so
 * test files can run in parallel against one server and never collide.
 *
 * - "postgres": the server named by DATABASE_URL (tests that need real
 *   concurrent sessions skip, with a message, when it is unset).
 * - "pglite": one embedded instance per process, shared (it takes seconds to
 *   start) and closed when the last test database on it closes.
 */
import { PGlite } from "@electric-sql/pglite";
import type { SqlDriver } from "../db/driver.ts";
import { PgDriver } from "../db/pg-driver.ts";
import { PgliteDriver } from "../db/pglite-driver.ts";
import { CryptoRandom } from "../ports/crypto-random.ts";
import { schemaIdentifier } from "../names.ts";
import { migrate } from "../store/migrate.ts";
import { Store, type StoreOptions } from "../store/store.ts";

export interface TestDatabase {
  kind: "postgres" | "pglite";
  db: SqlDriver;
  schema: string;
  store: Store;
  /** Open another store on the same schema through a separate driver (postgres: its own pool, i.e. other sessions). */
  openStore(options?: Omit<StoreOptions, "schema" | "migrate">): Promise<{ store: Store; close(): Promise<void> }>;
  close(): Promise<void>;
}

export function postgresUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  return url && url.length > 0 ? url : undefined;
}

let sharedPglite: { instance: Promise<PGlite>; refs: number } | undefined;

async function acquirePglite(): Promise<PGlite> {
  sharedPglite ??= { instance: PGlite.create(), refs: 0 };
  sharedPglite.refs += 1;
  return sharedPglite.instance;
}

async function releasePglite(): Promise<void> {
  if (!sharedPglite) return;
  sharedPglite.refs -= 1;
  if (sharedPglite.refs > 0) return;
  const { instance } = sharedPglite;
  sharedPglite = undefined;
  await (await instance).close();
}

export async function testDatabase(
  kind: "postgres" | "pglite",
  options: { prefix?: string; store?: Omit<StoreOptions, "schema" | "migrate">; maxConnections?: number } = {},
): Promise<TestDatabase> {
  const schema = `t_${(options.prefix ?? "test").replace(/[^a-z0-9_]/g, "_").slice(0, 20)}_${new CryptoRandom().uuid().replace(/-/g, "").slice(0, 12)}`;
  const quoted = schemaIdentifier(schema);
  let db: SqlDriver;
  let release: () => Promise<void>;
  const extraDrivers: SqlDriver[] = [];
  if (kind === "postgres") {
    const url = postgresUrl();
    if (!url) throw new Error("testDatabase('postgres') needs DATABASE_URL");
    const driver = new PgDriver({ connectionString: url, maxConnections: options.maxConnections ?? 8, applicationName: `ratchet-test-${schema}` });
    db = driver;
    release = () => driver.close();
  } else {
    db = await PgliteDriver.open({ instance: await acquirePglite() });
    release = releasePglite;
  }
  await migrate(db, schema);
  const store = new Store(db, { ...options.store, schema });
  return {
    kind,
    db,
    schema,
    store,
    async openStore(storeOptions = {}) {
      if (kind === "pglite") return { store: new Store(db, { ...options.store, ...storeOptions, schema }), close: async () => {} };
      const driver = new PgDriver({ connectionString: postgresUrl()!, maxConnections: options.maxConnections ?? 8, applicationName: `ratchet-test-${schema}` });
      extraDrivers.push(driver);
      return { store: new Store(driver, { ...options.store, ...storeOptions, schema }), close: () => driver.close() };
    },
    async close() {
      await Promise.all(extraDrivers.map((d) => d.close().catch(() => {})));
      await db.query({ text: `DROP SCHEMA IF EXISTS ${quoted} CASCADE`, values: [] }).catch(() => {});
      await release();
    },
  };
}
