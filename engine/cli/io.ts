/**
 * The CLI's view of its process: where it writes, what it reads from the
 * environment, and where signals come from. main() takes these as a
 * parameter so tests run commands in-process with captured output and fake
 * signals; bin/ratchet.mjs passes the real process.
 */

export interface TextSink {
  write(text: string): unknown;
}

/** The part of `process` the worker command needs to hear SIGINT/SIGTERM. */
export interface SignalSource {
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: Record<string, string | undefined>;
  /** Relative paths (worker module, --input-file, pglite:<dir>) resolve against this. */
  cwd: string;
  signals: SignalSource;
}

export function processIo(overrides: Partial<CliIo> = {}): CliIo {
  return {
    stdout: overrides.stdout ?? process.stdout,
    stderr: overrides.stderr ?? process.stderr,
    env: overrides.env ?? process.env,
    cwd: overrides.cwd ?? process.cwd(),
    signals: overrides.signals ?? process,
  };
}
