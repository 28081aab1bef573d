/**
 * The engine's Logger port, writing to the CLI's stderr (the engine's
 * ConsoleLogger writes to process.stderr, which in-process tests cannot
 * capture). Same line format as ConsoleLogger.
 */
import type { Logger, LogLevel } from "../ports/logger.ts";
import type { TextSink } from "./io.ts";

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export class StreamLogger implements Logger {
  constructor(
    private readonly sink: TextSink,
    private readonly minLevel: LogLevel,
  ) {}

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(this.minLevel)) return;
    const suffix = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
    this.sink.write(`ratchet ${level}: ${message}${suffix}\n`);
  }
}
