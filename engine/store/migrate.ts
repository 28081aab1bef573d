/**
 * Schema migrations: numbered, immutable SQL files in ./migrations, applied in
 * order, each in its own transaction, under an advisory lock so concurrent
 * migrators (two workers starting at once) do not collide. A checksum per
 * applied file catches an edited migration.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SchemaError } from "../errors.ts";
import { schemaIdentifier } from "../names.ts";
import type { SqlDriver } from "../db/driver.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));
const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

let cached: Migration[] | undefined;

export function loadMigrations(): Migration[] {
  if (cached) return cached;
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith(".sql")).sort();
  cached = files.map((file, i) => {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new Error(`migration file ${file} does not match NNNN_name.sql`);
    const version = Number(match[1]);
    if (version !== i + 1) throw new Error(`migration ${file} is out of sequence: expected ${String(i + 1).padStart(4, "0")}`);
    const sql = readFileSync(MIGRATIONS_DIR + file, "utf8");
    return { version, name: match[2]!, sql, checksum: createHash("sha256").update(sql).digest("hex") };
  });
  return cached;
}

export const SCHEMA_VERSION = (): number => loadMigrations().length;

/** Apply every pending migration to `schema` (up to `toVersion`: a test of a migration on a populated schema). Returns the versions applied. */
export async function migrate(db: SqlDriver, schema: string, options: { toVersion?: number } = {}): Promise<number[]> {
  const s = schemaIdentifier(schema);
  const applied: number[] = [];
  for (const m of loadMigrations().filter((m) => m.version <= (options.toVersion ?? Infinity))) {
    const didApply = await db.transaction(async (tx) => {
      // Serialise migrators of this schema; the lock is released at commit.
      await tx.query({ text: "SELECT pg_advisory_xact_lock(hashtext($1))", values: [`ratchet:migrate:${schema}`] });
      await tx.query({ text: `CREATE SCHEMA IF NOT EXISTS ${s}`, values: [] });
      await tx.query({
        text: `CREATE TABLE IF NOT EXISTS ${s}.migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
        values: [],
      });
      const rows = await tx.query<{ checksum: string }>({ text: `SELECT checksum FROM ${s}.migrations WHERE version = $1`, values: [m.version] });
      if (rows[0]) {
        if (rows[0].checksum !== m.checksum) {
          throw new SchemaError("MIGRATION_CHECKSUM_MISMATCH", `migration ${m.version}_${m.name} in schema ${schema} was applied with different contents; migrations are immutable, add a new one`, {
            schema,
            version: m.version,
          });
        }
        return false;
      }
      // Multi-statement text without parameters runs as a simple query on both drivers.
      await execScript(tx, m.sql.replaceAll("{{schema}}", s));
      await tx.query({ text: `INSERT INTO ${s}.migrations (version, name, checksum) VALUES ($1, $2, $3)`, values: [m.version, m.name, m.checksum] });
      return true;
    });
    if (didApply) applied.push(m.version);
  }
  return applied;
}

/** The highest applied version, or 0 when the schema has no migrations table. */
export async function schemaVersion(db: SqlDriver, schema: string): Promise<number> {
  const s = schemaIdentifier(schema);
  const exists = await db.query<{ present: boolean }>({
    text: "SELECT to_regclass($1) IS NOT NULL AS present",
    values: [`${s}.migrations`],
  });
  if (!exists[0]?.present) return 0;
  const rows = await db.query<{ version: number | null }>({ text: `SELECT max(version) AS version FROM ${s}.migrations`, values: [] });
  return rows[0]?.version ?? 0;
}

/** Throw SCHEMA_NOT_MIGRATED unless `schema` holds every migration this code knows. */
export async function assertMigrated(db: SqlDriver, schema: string): Promise<void> {
  const have = await schemaVersion(db, schema);
  const want = SCHEMA_VERSION();
  if (have < want) {
    throw new SchemaError(
      "SCHEMA_NOT_MIGRATED",
      `schema "${schema}" on ${db.description} is at version ${have}, this code needs ${want}: run \`npx ratchet migrate --schema ${schema}\` against this database, or open the store with migrate: true`,
      { schema, have, want },
    );
  }
}

async function execScript(tx: { query: SqlDriver["query"] }, script: string): Promise<void> {
  // Split on semicolons at line ends; the migration files keep one statement per such terminator.
  const statements = script
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter((s) => s.length > 0);
  for (const text of statements) await tx.query({ text, values: [] });
}
