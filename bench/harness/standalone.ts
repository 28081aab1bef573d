/**
 * The command-line shell the standalone measurements share (bench/fairness,
 * bench/retention, bench/visibility: `npx tsx bench/<name>/measure.ts`):
 * the server from --db or DATABASE_URL, whole-number options checked against
 * their ranges, a progress line on a terminal (quiet with --json or when
 * stderr is not a TTY), and either one JSON object or a human table on
 * stdout. Bad input exits 2 with a message naming the option.
 */
import { parseArgs } from "node:util";

export interface NumberOption {
  default: number;
  min: number;
  max: number;
}

export interface StandaloneCommand<R> {
  /** Names the script in messages, e.g. "bench/fairness/measure.ts". */
  script: string;
  /** Whole-number options (--name N), each with its default and inclusive range. */
  numbers: Record<string, NumberOption>;
  /** Boolean flags besides --json. */
  flags?: readonly string[];
  measure(input: { databaseUrl: string; numbers: Record<string, number>; flags: Record<string, boolean>; progress: (line: string) => void }): Promise<R>;
  /** The human rendering, written to stdout without --json. */
  print(report: R, numbers: Record<string, number>): string;
}

export async function runStandalone<R>(command: StandaloneCommand<R>, argv: string[] = process.argv.slice(2)): Promise<void> {
  const options: Record<string, { type: "string" | "boolean" }> = { db: { type: "string" }, json: { type: "boolean" } };
  for (const name of Object.keys(command.numbers)) options[name] = { type: "string" };
  for (const name of command.flags ?? []) options[name] = { type: "boolean" };
  const fail = (message: string) => {
    process.stderr.write(`${message}\n`);
    process.exitCode = 2;
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options }).values;
  } catch (err) {
    return fail(`${command.script}: ${(err as Error).message}`);
  }
  const databaseUrl = (values.db as string | undefined) ?? process.env.DATABASE_URL;
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) return fail(`${command.script} needs a PostgreSQL server: --db postgres://... or DATABASE_URL`);
  const numbers: Record<string, number> = {};
  for (const [name, option] of Object.entries(command.numbers)) {
    const text = values[name] as string | undefined;
    const value = text === undefined ? option.default : Number(text);
    if (!Number.isInteger(value) || value < option.min || value > option.max) {
      return fail(`invalid --${name} ${JSON.stringify(text)}: a whole number from ${option.min} to ${option.max}`);
    }
    numbers[name] = value;
  }
  const flags = Object.fromEntries((command.flags ?? []).map((name) => [name, values[name] === true]));
  const json = values.json === true;
  const tty = !json && process.stderr.isTTY === true;
  const report = await command.measure({ databaseUrl, numbers, flags, progress: (line) => tty && process.stderr.write(`\r\x1b[2K${line}`) });
  if (tty) process.stderr.write("\r\x1b[2K");
  process.stdout.write(json ? `${JSON.stringify(report)}\n` : command.print(report, numbers));
}
