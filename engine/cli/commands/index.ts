/** Every command, in the order `ratchet help` lists them. */
import type { CommandSpec } from "../command.ts";
import { cancelCommand } from "./cancel.ts";
import { describeCommand } from "./describe.ts";
import { historyCommand } from "./history.ts";
import { countCommand, listCommand } from "./list.ts";
import { migrateCommand } from "./migrate.ts";
import { replayCommand } from "./replay.ts";
import { resultCommand } from "./result.ts";
import { scheduleCommand } from "./schedule.ts";
import { retentionCommand } from "./retention.ts";
import { signalCommand } from "./signal.ts";
import { startCommand } from "./start.ts";
import { terminateCommand } from "./terminate.ts";
import { updateCommand } from "./update.ts";
import { workerCommand } from "./worker.ts";

export const COMMANDS: readonly CommandSpec[] = [
  migrateCommand,
  workerCommand,
  startCommand,
  describeCommand,
  historyCommand,
  signalCommand,
  updateCommand,
  cancelCommand,
  terminateCommand,
  resultCommand,
  listCommand,
  countCommand,
  scheduleCommand,
  retentionCommand,
  replayCommand,
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
