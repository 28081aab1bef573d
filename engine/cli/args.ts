/**
 * Command-line parsing on node:util parseArgs in strict mode, so an unknown
 * or misspelt flag is an error, never silently ignored. Every conversion
 * (integers, JSON, files) names the flag it came from in its error.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InvalidArgumentError } from "../errors.ts";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** Flags every command takes. */
export const GLOBAL_OPTIONS = {
  db: { type: "string" },
  schema: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionSpec;

/** Value-taking global flags, which may come before the command name (`ratchet --db X migrate`). */
const GLOBAL_VALUE_FLAGS: ReadonlySet<string> = new Set(["--db", "--schema"]);

/** Split argv into the command name and everything else, allowing global flags before the name. */
export function splitCommand(argv: readonly string[]): { command: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") break;
    if (GLOBAL_VALUE_FLAGS.has(token)) {
      i++;
      continue;
    }
    if (token.startsWith("-")) continue;
    return { command: token, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: [...argv] };
}

export function usageError(message: string, details: Record<string, unknown> = {}): InvalidArgumentError {
  return new InvalidArgumentError(message, details);
}

/** Parse one command's arguments. Throws INVALID_ARGUMENT naming the offending flag. */
export function parseCommandArgs(command: string, options: OptionSpec, argv: readonly string[]): Flags {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...options }, strict: true, allowPositionals: true });
    return new Flags(values as Record<string, unknown>, positionals);
  } catch (err) {
    throw translateParseError(err, command);
  }
}

function translateParseError(err: unknown, command: string): unknown {
  const e = err as { code?: string; message?: string };
  const hint = `see \`ratchet ${command} --help\``;
  if (e?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(e.message ?? "")?.[1] ?? "?";
    return usageError(`unknown flag ${flag} for \`ratchet ${command}\` (${hint})`, { flag });
  }
  if (e?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" || e?.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const flag = /'(--?[a-z-]+)/.exec(e.message ?? "")?.[1];
    return usageError(`${e.message} (${hint})`, flag === undefined ? {} : { flag });
  }
  return err;
}

/** Parsed flags with typed, validating accessors. */
export class Flags {
  constructor(
    private readonly values: Record<string, unknown>,
    readonly positionals: readonly string[],
  ) {}

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === "string" ? value : undefined;
  }

  /** A flag that may be repeated (`--queue a --queue b`). */
  strings(name: string): string[] {
    const value = this.values[name];
    if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
    return typeof value === "string" ? [value] : [];
  }

  bool(name: string): boolean {
    return this.values[name] === true;
  }

  /** A whole number in [min, max], or undefined when the flag is absent. */
  integer(name: string, min: number, max: number): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw usageError(`invalid --${name} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`, { flag: `--${name}`, value: text, min, max });
    }
    return value;
  }

  /** A flag whose value is JSON text; undefined when absent. */
  json(name: string): { present: false } | { present: true; value: unknown } {
    const text = this.string(name);
    if (text === undefined) return { present: false };
    return { present: true, value: parseJsonFlag(text, `--${name}`) };
  }

  /** One of a fixed set of words. */
  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (!(choices as readonly string[]).includes(text)) {
      throw usageError(`invalid --${name} ${JSON.stringify(text)}: expected one of ${choices.join(", ")}`, { flag: `--${name}`, value: text });
    }
    return text as T;
  }
}

export function parseJsonFlag(text: string, flag: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw usageError(`${flag} is not valid JSON: ${(err as Error).message} (strings need quotes: --input '"text"')`, { flag });
  }
}

/** Exactly these positional arguments, in order; a usage error naming what is missing or extra. */
export function expectPositionals<const Names extends readonly string[]>(command: string, flags: Flags, names: Names): { [K in keyof Names]: string } {
  const given = flags.positionals;
  if (given.length < names.length) {
    const missing = names.slice(given.length).map((n) => `<${n}>`).join(" ");
    throw usageError(`\`ratchet ${command}\` needs ${missing} (see \`ratchet ${command} --help\`)`, { missing: names.slice(given.length) });
  }
  if (given.length > names.length) {
    throw usageError(`\`ratchet ${command}\` got unexpected argument(s): ${given.slice(names.length).map((a) => JSON.stringify(a)).join(" ")}`, {
      unexpected: given.slice(names.length),
    });
  }
  return [...given] as { [K in keyof Names]: string };
}

/** Run `check` (an engine validator) and re-label its error with the flag the value came from. */
export function checkFlag<T>(flag: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw usageError(`${flag}: ${err.message}`, { ...err.details, flag });
    throw err;
  }
}
