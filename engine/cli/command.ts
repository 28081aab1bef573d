/**
 * What a command is: its name, its flags, its help text and JSON shape (both
 * shown by `ratchet help`), and the function that runs it.
 */
import type { Flags, OptionSpec } from "./args.ts";
import type { CliIo } from "./io.ts";
import type { Output } from "./output.ts";

export interface CommandContext {
  io: CliIo;
  flags: Flags;
  out: Output;
}

export interface CommandSpec {
  name: string;
  /** One line, for the command list. */
  summary: string;
  /** The synopsis after `ratchet `. */
  usage: string;
  options: OptionSpec;
  /** [flag, what it does], in the order help shows them. */
  flagHelp: ReadonlyArray<readonly [string, string]>;
  /** The --json document, as documentation text. */
  jsonShape?: string;
  /** Extra paragraphs for `ratchet help <command>`. */
  notes?: string;
  run(ctx: CommandContext): Promise<number>;
}

/** --json, for every command that prints a result. */
export const JSON_OPTION = { json: { type: "boolean" } } as const satisfies OptionSpec;
export const JSON_FLAG_HELP = ["--json", "print one JSON document on stdout (errors too: {\"error\":{...}})"] as const;
