/**
 * Vitest global setup: make sure the PostgreSQL-only tests know where a
 * server is, or say plainly why they are skipped.
 *
 * - DATABASE_URL set: used as is (CI sets it).
 * - Otherwise, where a Docker engine runs, testcontainers starts a throwaway
 *   PostgreSQL 15 for this test run (RATCHET_TESTCONTAINERS=0 turns this off).
 * - Otherwise the PGlite suites still run and the PostgreSQL ones are
 *   skipped, with this message. Never a failure.
 */
import type { StartedTestContainer } from "testcontainers";

export default async function setup(): Promise<(() => Promise<void>) | void> {
  if (process.env.DATABASE_URL) return;
  const skipNote = "PostgreSQL-only tests are skipped (PGlite suites still run). Set DATABASE_URL=postgres://... to run them against a server.";
  if (process.env.RATCHET_TESTCONTAINERS === "0") {
    process.stderr.write(`ratchet tests: no DATABASE_URL and testcontainers disabled; ${skipNote}\n`);
    return;
  }
  let container: StartedTestContainer;
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
  } catch (err) {
    const reason = (err as Error).message.split("\n")[0];
    process.stderr.write(`ratchet tests: no DATABASE_URL and no Docker engine for testcontainers (${reason}); ${skipNote}\n`);
    return;
  }
  try {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const started = await new PostgreSqlContainer("postgres:15").start();
    container = started;
    process.env.DATABASE_URL = started.getConnectionUri();
    process.stderr.write(`ratchet tests: started a throwaway PostgreSQL 15 with testcontainers at ${started.getHost()}:${started.getPort()}\n`);
  } catch (err) {
    process.stderr.write(`ratchet tests: testcontainers could not start PostgreSQL (${(err as Error).message.split("\n")[0]}); ${skipNote}\n`);
    return;
  }
  return async () => {
    await container.stop();
  };
}
