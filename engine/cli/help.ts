/**
 * `ratchet help`: the whole reference in one screenful per command —
 * commands, flags, database targets, exit codes and every --json shape.
 * The JSON shapes and exit codes are a contract: change them only by adding.
 */
import { PAYLOAD_BYTES_MAX } from "../limits.ts";
import type { CommandSpec } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { EXIT } from "./exit-codes.ts";

const OVERVIEW = `ratchet — command-line interface to Ratchet, a durable-execution engine on PostgreSQL

usage: ratchet <command> [arguments] [flags]
       ratchet help [command]`;

const DATABASE = `database (every command):
  --db TARGET       postgres://user[:password]@host:port/database
                    pglite:<directory>  embedded PostgreSQL persisted to a new, empty or PGlite directory (no server
                                        needed; one process at a time: a second one fails with exit ${EXIT.database})
                    pglite              embedded and in memory: starts empty, gone on exit (useful for \`worker\` only)
                    default: the DATABASE_URL environment variable; with neither, exit ${EXIT.badInput}
  --schema NAME     PostgreSQL schema holding Ratchet's tables (default "ratchet"; lowercase letters, digits, _)
  -h, --help        help for the command`;

const EXIT_CODES = `exit codes:
  ${EXIT.ok}    success
  ${EXIT.failure}    the operation ran but the answer is a failure: the workflow failed, was cancelled or is still
       running (result, start --wait); no such workflow; already running (start); not running (signal, cancel, terminate)
  ${EXIT.badInput}    bad input: usage error, unknown flag, invalid name, invalid JSON, payload over ${PAYLOAD_BYTES_MAX} bytes,
       unknown workflow/activity type, worker module missing or without workflows/activities
  ${EXIT.database}    database: unreachable, schema not migrated (run \`ratchet migrate\`), migration checksum mismatch,
       other database error, pglite directory in use by another process
  ${EXIT.internal}    internal error (a bug): a stack trace is printed
  ${EXIT.interrupted}  worker: a second SIGINT/SIGTERM arrived before the graceful shutdown finished`;

const ERRORS = `errors:
  without --json: "ratchet: <message>" on stderr
  with --json:    {"error": {"code": "<RatchetError code, e.g. WORKFLOW_NOT_FOUND>", "message": "...", "details": {...}}} on stdout`;

export function overviewHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n");
  const sections = COMMANDS.map(commandSection).join("\n\n");
  return `${OVERVIEW}\n\ncommands:\n${list}\n\n${DATABASE}\n\n${sections}\n\n${EXIT_CODES}\n\n${ERRORS}\n`;
}

export function commandHelp(command: CommandSpec): string {
  return `usage: ratchet ${command.usage}\n\n${command.summary}\n\n${commandDetails(command)}\n\n${DATABASE}\n\n${EXIT_CODES}\n\n${ERRORS}\n`;
}

function commandSection(command: CommandSpec): string {
  return `ratchet ${command.usage}\n  ${command.summary}\n${indent(commandDetails(command), "  ")}`;
}

function commandDetails(command: CommandSpec): string {
  const width = Math.max(0, ...command.flagHelp.map(([flag]) => flag.length));
  const parts = [`flags:\n${command.flagHelp.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join("\n")}`];
  if (command.jsonShape) parts.push(`--json:\n${indent(command.jsonShape, "  ")}`);
  if (command.notes) parts.push(command.notes);
  return parts.join("\n");
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => `${prefix}${line}`)
    .join("\n");
}
