/**
 * Which database a command talks to, and opening it.
 *
 * The target comes from --db, else DATABASE_URL; there is deliberately no
 * silent default (unlike Ratchet.connect's in-memory PGlite): a command that
 * quietly wrote to a throwaway database would look like it worked.
 */
import { isAbsolute, resolve } from "node:path";
import { openDatabase } from "../db/connect.ts";
import { describeConnectionString } from "../db/pg-driver.ts";
import type { SqlDriver } from "../db/driver.ts";
import { DatabaseUnavailableError, RatchetError } from "../errors.ts";
import { schemaIdentifier } from "../names.ts";
import type { Logger } from "../ports/logger.ts";
import { SCHEMA_DEFAULT, Store } from "../store/store.ts";
import { checkFlag, usageError, type Flags } from "./args.ts";
import type { CliIo } from "./io.ts";

export type DatabaseTarget =
  | { kind: "postgres"; url: string; description: string }
  | { kind: "pglite-dir"; dir: string; description: string }
  | { kind: "pglite-memory"; description: string };

export function resolveDatabaseTarget(flags: Flags, io: CliIo): DatabaseTarget {
  const fromFlag = flags.string("db");
  const fromEnv = io.env.DATABASE_URL;
  const target = fromFlag ?? (fromEnv !== undefined && fromEnv.length > 0 ? fromEnv : undefined);
  if (target === undefined || target.length === 0) {
    throw usageError(
      "no database: set DATABASE_URL or pass --db (postgres://user@host:port/database, or pglite:<directory> for an embedded database)",
      { field: "database" },
    );
  }
  const source = fromFlag !== undefined ? "--db" : "DATABASE_URL";
  if (target === "pglite" || target === "pglite:memory") return { kind: "pglite-memory", description: "pglite (in memory)" };
  if (target.startsWith("pglite:")) {
    const raw = target.slice("pglite:".length);
    const dir = isAbsolute(raw) ? raw : resolve(io.cwd, raw);
    return { kind: "pglite-dir", dir, description: `pglite:${dir}` };
  }
  if (/^postgres(ql)?:\/\//.test(target)) return { kind: "postgres", url: target, description: describePostgresUrl(target) };
  throw usageError(`invalid ${source} ${JSON.stringify(redactTarget(target))}: expected postgres://..., pglite:<directory> or pglite`, { field: source });
}

export function resolveSchema(flags: Flags): string {
  const schema = flags.string("schema") ?? SCHEMA_DEFAULT;
  checkFlag("--schema", () => schemaIdentifier(schema));
  return schema;
}

/** A URL fit for a log line: no password, in the user part or in the query string. */
export function describePostgresUrl(url: string): string {
  return describeConnectionString(url);
}

/** A target fit for a message: URL-shaped ones lose their passwords. */
function redactTarget(target: string): string {
  return /^[a-z]+:\/\//i.test(target) ? describePostgresUrl(target) : target;
}

export interface OpenedDatabase {
  db: SqlDriver;
  target: DatabaseTarget;
  close(): Promise<void>;
}

export interface OpenOptions {
  connections: number;
  /** Shown in pg_stat_activity, and in a pglite lock's message. */
  applicationName: string;
  logger: Logger;
}

/** Open the target. A pglite:<dir> is checked and locked for this process by the driver (see engine/db/pglite-directory.ts). */
export async function openTarget(target: DatabaseTarget, options: OpenOptions): Promise<OpenedDatabase> {
  let db: SqlDriver;
  try {
    db = await openDatabase(connectionString(target), {
      maxConnections: options.connections,
      applicationName: options.applicationName,
      logger: options.logger,
    });
  } catch (err) {
    if (err instanceof RatchetError) throw err;
    throw new DatabaseUnavailableError(`cannot open ${target.description}: ${(err as Error).message}`, { database: target.description }, err);
  }
  return { db, target, close: () => db.close() };
}

/** Open the target and the Ratchet store in `schema` (which must be migrated, unless `migrate`). */
export async function openStore(target: DatabaseTarget, schema: string, options: OpenOptions & { migrate?: boolean }): Promise<OpenedDatabase & { store: Store }> {
  const opened = await openTarget(target, options);
  try {
    const store = await Store.open(opened.db, { schema, migrate: options.migrate ?? false });
    return { ...opened, store };
  } catch (err) {
    await opened.close().catch(() => {});
    if (err instanceof RatchetError && err.code === "SCHEMA_NOT_MIGRATED") throw notMigrated(err, target, schema);
    throw err;
  }
}

/** The engine's message suggests an API option; at the command line the fix is a command. */
function notMigrated(err: RatchetError, target: DatabaseTarget, schema: string): RatchetError {
  const { have, want } = err.details as { have?: number; want?: number };
  const schemaFlag = schema === SCHEMA_DEFAULT ? "" : ` --schema ${schema}`;
  return new RatchetError(
    "SCHEMA_NOT_MIGRATED",
    `schema "${schema}" on ${target.description} is at version ${have ?? "?"}, this code needs ${want ?? "?"}: run \`ratchet migrate${schemaFlag}\` against the same database (or start the worker with --migrate)`,
    { ...err.details, database: target.description },
  );
}

function connectionString(target: DatabaseTarget): string {
  switch (target.kind) {
    case "postgres":
      return target.url;
    case "pglite-dir":
      return `pglite:${target.dir}`;
    case "pglite-memory":
      return "pglite";
  }
}
