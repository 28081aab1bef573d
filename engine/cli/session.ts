/**
 * Opening the database for a one-shot command (everything but `worker`):
 * a small pool, closed when the command is done. withClient also checks the
 * schema is migrated (exit 3 naming `ratchet migrate` if not).
 */
import { Client } from "../client/client.ts";
import { CLI_CONNECTIONS } from "./cli-limits.ts";
import type { CommandContext } from "./command.ts";
import { openStore, openTarget, resolveDatabaseTarget, resolveSchema, type DatabaseTarget, type OpenedDatabase } from "./database.ts";
import { StreamLogger } from "./logger.ts";
import type { Output } from "./output.ts";

const CLI_APPLICATION_NAME = "ratchet-cli";

/** Resolve --db/--schema first, so a missing database or bad schema is reported before anything else happens. */
export function databaseFlags(ctx: CommandContext): { target: DatabaseTarget; schema: string } {
  return { target: resolveDatabaseTarget(ctx.flags, ctx.io), schema: resolveSchema(ctx.flags) };
}

export async function withClient<T>(ctx: CommandContext, fn: (client: Client) => Promise<T>): Promise<T> {
  const { target, schema } = databaseFlags(ctx);
  warnIfEphemeral(target, ctx.out);
  const opened = await openStore(target, schema, oneShotOptions(ctx));
  try {
    return await fn(new Client({ store: opened.store }));
  } finally {
    await opened.close();
  }
}

export async function withDatabase<T>(ctx: CommandContext, fn: (opened: OpenedDatabase, schema: string) => Promise<T>): Promise<T> {
  const { target, schema } = databaseFlags(ctx);
  warnIfEphemeral(target, ctx.out);
  const opened = await openTarget(target, oneShotOptions(ctx));
  try {
    return await fn(opened, schema);
  } finally {
    await opened.close();
  }
}

function oneShotOptions(ctx: CommandContext) {
  return { connections: CLI_CONNECTIONS, applicationName: CLI_APPLICATION_NAME, logger: new StreamLogger(ctx.io.stderr, "warn") };
}

function warnIfEphemeral(target: DatabaseTarget, out: Output): void {
  if (target.kind === "pglite-memory") {
    out.note("ratchet: note: --db pglite is an in-memory database that starts empty and is gone when this command exits; use pglite:<directory> to keep data");
  }
}
