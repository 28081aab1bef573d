/** `ratchet result`: wait for a run to close and print its result. */
import { TIMEOUT_MS_MAX } from "../../limits.ts";
import { usageError } from "../args.ts";
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { outcomeExitCode, printOutcome, readOutcome } from "../outcome.ts";
import { withClient } from "../session.ts";
import { RUN_FLAG_HELP, RUN_OPTION, runIdFlag, workflowArgs } from "./run-flags.ts";

export const resultCommand: CommandSpec = {
  name: "result",
  summary: "wait for a run to close and print its result (exit 1 if it failed or was cancelled)",
  usage: "result <workflowId> [--run RUNID] [--no-wait | --timeout-ms N] [--json]",
  options: { ...JSON_OPTION, ...RUN_OPTION, "no-wait": { type: "boolean" }, "timeout-ms": { type: "string" } },
  flagHelp: [
    RUN_FLAG_HELP,
    ["--no-wait", "report the run's state now instead of waiting"],
    ["--timeout-ms N", "stop waiting after N ms"],
    JSON_FLAG_HELP,
  ],
  jsonShape:
    '{"workflowId", "runId", "status", "result"? | "failure"?}\n' +
    '  status "completed": exit 0, "result" holds the workflow\'s return value (null if none)\n' +
    '  status "failed": exit 1, "failure" holds {type, message, code?, stack?, cause?, details?}\n' +
    '  status "cancelled" | "terminated": exit 1\n' +
    '  status "running" (only with --no-wait or --timeout-ms): exit 1, no result yet',
  notes:
    "Without --json the result is printed alone on stdout as pretty JSON, so `ratchet result ID > out.json` captures exactly it;\n" +
    "a failure, a cancellation or a still-running run is reported on stderr.",
  async run(ctx) {
    const [workflowId] = workflowArgs("result", ctx.flags, ["workflowId"]);
    const noWait = ctx.flags.bool("no-wait");
    const timeoutMs = ctx.flags.integer("timeout-ms", 0, TIMEOUT_MS_MAX);
    if (noWait && timeoutMs !== undefined) throw usageError("pass --no-wait or --timeout-ms, not both", { flag: "--timeout-ms" });
    const outcome = await withClient(ctx, (client) => readOutcome(client, workflowId, runIdFlag(ctx.flags), { wait: !noWait, timeoutMs }));
    if (ctx.out.json) ctx.out.data(outcome);
    else printOutcome(ctx.out, outcome);
    return outcomeExitCode(outcome);
  },
};
