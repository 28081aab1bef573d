/**
 * `ratchet`: the command-line entry point. bin/ratchet.mjs calls main() with
 * the process's arguments and exits with what it returns; tests call it
 * in-process with captured io.
 */
import { parseCommandArgs, splitCommand, usageError } from "./args.ts";
import { findCommand } from "./commands/index.ts";
import { EXIT } from "./exit-codes.ts";
import { commandHelp, overviewHelp } from "./help.ts";
import { processIo, type CliIo } from "./io.ts";
import { Output, reportError } from "./output.ts";
import { secretsIn } from "./secrets.ts";

export type { CliIo } from "./io.ts";
export { EXIT } from "./exit-codes.ts";

export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const cli = processIo(io);
  // Known before parsing, so even a usage error is reported in the format the caller asked for.
  const json = argv.includes("--json");
  try {
    const { command: name, rest } = splitCommand(argv);
    if (name === undefined || name === "help") return printHelp(cli, rest);
    const command = findCommand(name);
    if (!command) throw usageError(`unknown command ${JSON.stringify(name)} (run \`ratchet help\` for the list)`, { command: name });
    const flags = parseCommandArgs(name, command.options, rest);
    if (flags.bool("help")) {
      cli.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    return await command.run({ io: cli, flags, out: new Output(cli, flags.bool("json")) });
  } catch (err) {
    return reportError(err, cli, json, secretsIn(argv, cli.env));
  }
}

function printHelp(io: CliIo, rest: readonly string[]): number {
  const topic = rest.find((arg) => !arg.startsWith("-"));
  if (topic === undefined) {
    io.stdout.write(overviewHelp());
    return EXIT.ok;
  }
  const command = findCommand(topic);
  if (!command) throw usageError(`no help for unknown command ${JSON.stringify(topic)} (run \`ratchet help\` for the list)`, { command: topic });
  io.stdout.write(commandHelp(command));
  return EXIT.ok;
}
