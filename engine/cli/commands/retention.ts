/** `ratchet retention`: create the history partitions ahead, then drop the windows of runs closed long enough ago. */
import { HISTORY_WINDOW_MS_DEFAULT, HISTORY_WINDOW_MS_MAX, HISTORY_WINDOW_MS_MIN, RETENTION_AGE_MS_MAX } from "../../limits.ts";
import type { EnsurePartitionsReport } from "../../store/history-partitions.ts";
import { expectPositionals, usageError, type Flags } from "../args.ts";
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { isoTime } from "../format/values.ts";
import { withClient } from "../session.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const retentionCommand: CommandSpec = {
  name: "retention",
  summary: "drop the history of runs closed longer ago than --older-than, a partition (window of run start times) at a time",
  usage: "retention --older-than AGE [--window SIZE] [--dry-run] [--json]",
  options: { ...JSON_OPTION, "older-than": { type: "string" }, window: { type: "string" }, "dry-run": { type: "boolean" } },
  flagHelp: [
    ["--older-than AGE", "remove runs closed longer ago than AGE (30d, 12h, 90m, 45s) whose whole window is that old"],
    ["--window SIZE", "the width of the partitions created ahead of now (default 1d; use the workers' queueMaintenance.historyWindowMs)"],
    ["--dry-run", "report what would be dropped; create and drop nothing"],
    JSON_FLAG_HELP,
  ],
  jsonShape:
    '{"created": [{"partition", "fromMs", "toMs", "movedRows"}], "cutoffMs", "dryRun", "dropped": [{"partition", "fromMs", "toMs", "runs"}], ' +
    '"heldBack": [{"partition", "fromMs", "toMs", "runs", "runningRuns", "recentlyClosedRuns", "pendingTasks", "reasons"}], "runsRemoved", "partitionsNewer", "defaultPartitionRows"}   ' +
    "(fromMs null: the partition reaching down to the lowest run id; reasons: runningRuns, recentlyClosedRuns, pendingTasks, lockTimeout; with --dry-run, dropped and runsRemoved say what would be)",
  notes:
    "History is partitioned by run id, and run ids carry their creation time, so each partition holds the runs started in one window of time. " +
    "A partition is dropped, with its runs, once its whole window is older than the cutoff and every run in it closed before the cutoff: " +
    "one run still running (or closed since, or with a task pending) holds back its whole window. Run it daily from cron; it also creates the partitions ahead.",
  async run(ctx) {
    expectPositionals("retention", ctx.flags, []);
    const olderThanText = ctx.flags.string("older-than");
    if (olderThanText === undefined) throw usageError("retention needs --older-than AGE (for example 30d)", { flag: "--older-than" });
    const olderThanMs = durationFlag(ctx.flags, "older-than", 0, RETENTION_AGE_MS_MAX)!;
    const windowMs = durationFlag(ctx.flags, "window", HISTORY_WINDOW_MS_MIN, HISTORY_WINDOW_MS_MAX) ?? HISTORY_WINDOW_MS_DEFAULT;
    const dryRun = ctx.flags.bool("dry-run");
    const { created, report } = await withClient(ctx, async (client) => {
      const ensured: EnsurePartitionsReport = dryRun ? { created: [], more: false } : await client.ensureHistoryPartitions({ windowMs });
      return { created: ensured.created, report: await client.retainHistory({ olderThanMs, dryRun }) };
    });
    if (ctx.out.json) {
      ctx.out.data({ created, ...report });
      return EXIT.ok;
    }
    const span = (p: { fromMs: number | null; toMs: number }) => `${p.fromMs === null ? "the lowest run id" : isoTime(p.fromMs)} to ${isoTime(p.toMs)}`;
    for (const c of created) ctx.out.line(`created ${c.partition} (${span(c)})${c.movedRows > 0 ? `, ${c.movedRows} rows moved in from the default partition` : ""}`);
    const verb = dryRun ? "would drop" : "dropped";
    for (const d of report.dropped) ctx.out.line(`${verb} ${d.partition} (${span(d)}): ${d.runs} run${d.runs === 1 ? "" : "s"}`);
    for (const h of report.heldBack) {
      const why = h.reasons.includes("lockTimeout")
        ? "busy (lock timeout), try again"
        : `${h.runningRuns} running, ${h.recentlyClosedRuns} closed after the cutoff, ${h.pendingTasks} task${h.pendingTasks === 1 ? "" : "s"} pending`;
      ctx.out.line(`held back ${h.partition} (${span(h)}): ${why}`);
    }
    ctx.out.line(
      `${dryRun ? "would remove" : "removed"} ${report.runsRemoved} run${report.runsRemoved === 1 ? "" : "s"} closed before ${isoTime(report.cutoffMs)}; ` +
        `${report.partitionsNewer} newer partition${report.partitionsNewer === 1 ? "" : "s"} kept; ${report.defaultPartitionRows} row${report.defaultPartitionRows === 1 ? "" : "s"} in the default partition`,
    );
    return EXIT.ok;
  },
};

/** A duration flag (30d, 12h, 90m, 45s, 500ms) in [min, max] ms; undefined when absent. */
function durationFlag(flags: Flags, name: string, minMs: number, maxMs: number): number | undefined {
  const text = flags.string(name);
  if (text === undefined) return undefined;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN;
  if (!Number.isSafeInteger(ms) || ms < minMs || ms > maxMs) {
    throw usageError(`invalid --${name} ${JSON.stringify(text)}: expected a whole number and a unit (ms, s, m, h, d), from ${minMs} ms to ${maxMs} ms`, { flag: `--${name}`, value: text });
  }
  return ms;
}
