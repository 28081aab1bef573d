/**
 * `ratchet report`: render a results file (the output of
 * `ratchet bench ... --json`) into a report directory.
 *
 *   ratchet report <results.json> [--out DIR] [--title TEXT]
 *
 * Exit codes: 0 written; 1 the report could not be written (a filesystem
 * error); 2 bad input (a missing, oversized or malformed results file, an
 * unknown flag), with a message naming the file and the field.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, extname, isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writeReport, type RenderOptions } from "./render.ts";
import { parseBenchReport, ReportInputError } from "./validate.ts";

export interface ReportIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
}

/** A results file larger than this is not one run's output (a full run is well under 1 MiB). */
export const RESULTS_FILE_BYTES_MAX = 64 * 1024 * 1024;

/** Where reports go when --out is not given, relative to the working directory. */
export const DEFAULT_OUT_ROOT = join("reports", "out");

const HELP = `ratchet report — render benchmark results as a report

  ratchet report <results.json> [--out DIR] [--title TEXT]
      Write README.md (markdown), index.html (self-contained), one SVG per chart and
      results.json (the input) to DIR, by default ${DEFAULT_OUT_ROOT}/<results file name>.

exit codes: 0 written, 1 could not write, 2 bad input
`;

class UsageError extends Error {
  readonly exitCode = 2;
}

interface Invocation {
  resultsPath: string;
  outDir: string | undefined;
  options: RenderOptions;
}

function parseInvocation(argv: string[]): Invocation | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { out: { type: "string" }, title: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.values.help) return "help";
  if (parsed.positionals.length !== 1) {
    throw new UsageError(`expected one results file, got ${parsed.positionals.length === 0 ? "none" : parsed.positionals.join(" ")} (run \`ratchet report --help\`)`);
  }
  const options: RenderOptions = {};
  if (parsed.values.title !== undefined) options.title = parsed.values.title;
  return { resultsPath: parsed.positionals[0]!, outDir: parsed.values.out, options };
}

async function readResultsFile(path: string, shownAs: string): Promise<string> {
  try {
    const { size } = await stat(path);
    if (size > RESULTS_FILE_BYTES_MAX) {
      throw new ReportInputError(shownAs, "$", `the file is ${size} bytes, more than the ${RESULTS_FILE_BYTES_MAX} a results file may be`);
    }
    return await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof ReportInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
    throw new ReportInputError(shownAs, "$", `cannot read the results file: ${why}`);
  }
}

export async function reportMain(argv: string[], io: ReportIo): Promise<number> {
  let invocation: Invocation | "help";
  try {
    invocation = parseInvocation(argv);
    if (invocation === "help") {
      io.stdout.write(HELP);
      return 0;
    }
  } catch (err) {
    io.stderr.write(`ratchet report: ${(err as Error).message}\n`);
    return 2;
  }

  const resultsPath = resolve(io.cwd, invocation.resultsPath);
  const outDir = resolve(io.cwd, invocation.outDir ?? join(DEFAULT_OUT_ROOT, basename(resultsPath, extname(resultsPath))));
  let report;
  try {
    report = parseBenchReport(await readResultsFile(resultsPath, invocation.resultsPath), invocation.resultsPath);
  } catch (err) {
    if (!(err instanceof ReportInputError)) throw err;
    io.stderr.write(`ratchet report: ${err.message}\n`);
    return err.exitCode;
  }

  let paths: string[];
  try {
    paths = await writeReport(report, outDir, invocation.options);
  } catch (err) {
    io.stderr.write(`ratchet report: cannot write the report to ${outDir}: ${(err as Error).message}\n`);
    return 1;
  }
  // Relative when under the working directory (shorter to read), absolute when not.
  const under = relative(io.cwd, outDir);
  const shown = under === "" ? "." : under.startsWith("..") || isAbsolute(under) ? outDir : under;
  io.stdout.write(`wrote ${paths.length} files to ${shown}:\n${paths.map((p) => `  ${relative(outDir, p)}\n`).join("")}`);
  return 0;
}
