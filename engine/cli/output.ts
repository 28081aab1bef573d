/**
 * Writing results and errors. With --json, stdout carries exactly one JSON
 * document per command (results and errors alike) so scripts can parse it;
 * notes and logs go to stderr either way.
 */
import { RatchetError } from "../errors.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";
import type { CliIo } from "./io.ts";
import { redact } from "./secrets.ts";

export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** The command's JSON document (with --json). */
  data(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** A line of human output on stdout. */
  line(text = ""): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A line on stderr: progress, warnings, and failures that are answers rather than output. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }
}

/**
 * Report an error and return the exit code. A RatchetError is an operating
 * failure with a message written for the user: no stack trace. Anything else
 * is a bug, so its stack is printed for the bug report.
 */
export function reportError(err: unknown, io: CliIo, json: boolean, secrets: readonly string[] = []): number {
  const clean = (text: string) => redact(text, secrets);
  const code = exitCodeFor(err);
  if (err instanceof RatchetError) {
    if (json) io.stdout.write(`${clean(JSON.stringify({ error: { code: err.code, message: err.message, details: safeDetails(err.details) } }))}\n`);
    else io.stderr.write(`ratchet: ${clean(err.message)}\n`);
    return code;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (json) io.stdout.write(`${clean(JSON.stringify({ error: { code: "INTERNAL", message, details: {} } }))}\n`);
  io.stderr.write(`ratchet: internal error (a bug; please report it with this trace): ${clean(err instanceof Error && err.stack ? err.stack : message)}\n`);
  return EXIT.internal;
}

/** Details are plain data by contract; this guards the one JSON document against a value that is not. */
function safeDetails(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
