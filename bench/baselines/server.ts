/**
 * Small server-side chores every baseline shares: the server's version (for
 * version()), ending a run's leftover sessions before its schema or database
 * is dropped, and checking that nothing a run created is left behind.
 */
import pg from "pg";

/** "PostgreSQL 15.20" from the server at `databaseUrl`, or null if it cannot be reached. */
export async function serverVersion(databaseUrl: string | undefined): Promise<string | null> {
  if (!databaseUrl) return null;
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return `PostgreSQL ${rows[0]!.v.split(" ")[0]}`;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** End every session a run opened (its children set application_name to the run's identifier). */
export async function terminateSessions(client: pg.Client, applicationName: string): Promise<void> {
  await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", [applicationName]);
}

/** Schemas whose names start with `prefix` (e.g. "bench_sql_"), for leak checks. */
export async function schemasLike(client: pg.Client, prefix: string): Promise<string[]> {
  const { rows } = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", [prefix]);
  return rows.map((r) => r.nspname);
}

/** Databases whose names start with `prefix` (e.g. "bench_dbos_"), for leak checks. */
export async function databasesLike(client: pg.Client, prefix: string): Promise<string[]> {
  const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [prefix]);
  return rows.map((r) => r.datname);
}
