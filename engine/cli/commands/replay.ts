/**
 * `ratchet replay <module>`: the replay check before a deploy. Replays stored
 * runs' histories against the workflow code a module exports and reports
 * every run the code no longer matches (exit 1), so an incompatible change is
 * caught in CI rather than by a stuck workflow in production.
 */
import { REPLAY_RUNS_MAX } from "../../limits.ts";
import { checkTypeName } from "../../names.ts";
import { replayRuns, type ReplayRunsOptions } from "../../testing/replayer.ts";
import { expectPositionals, usageError } from "../args.ts";
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { failureHeadline } from "../format/values.ts";
import { withClient } from "../session.ts";
import { loadWorkerModule } from "../worker-module.ts";

export const replayCommand: CommandSpec = {
  name: "replay",
  summary: "replay stored runs against a module's workflow code and report any that no longer match",
  usage: "replay <module> (--type TYPE [--limit N] | --workflow-id ID...) [--json]",
  options: { ...JSON_OPTION, type: { type: "string" }, limit: { type: "string" }, "workflow-id": { type: "string", multiple: true } },
  flagHelp: [
    ["<module>", "file exporting `workflows` (the code about to be deployed), as for `ratchet worker`"],
    ["--type TYPE", "replay the newest runs of this workflow type, running and closed"],
    ["--limit N", `at most N runs of the type (default and most ${REPLAY_RUNS_MAX})`],
    ["--workflow-id ID", "replay this workflow's latest run; repeat for several"],
    JSON_FLAG_HELP,
  ],
  jsonShape: '{"replayed", "diverged": [{"workflowId", "runId", "workflowType", "ok", "failure"}], "runs": [...]}   (diverged: the runs that failed to replay)',
  notes: "Nothing is written. Exit 0 when every run replays, 1 when any diverges (NON_DETERMINISM naming the event, or a workflow type the module lacks).",
  async run(ctx) {
    const [moduleSpec] = expectPositionals("replay", ctx.flags, ["module"]);
    const workflowType = ctx.flags.string("type");
    const workflowIds = ctx.flags.strings("workflow-id");
    const limit = ctx.flags.integer("limit", 1, REPLAY_RUNS_MAX);
    if ((workflowType === undefined) === (workflowIds.length === 0)) throw usageError("`ratchet replay` needs --type TYPE or --workflow-id ID (one of the two)", { field: "type" });
    if (limit !== undefined && workflowType === undefined) throw usageError("--limit goes with --type", { flag: "--limit" });
    const options: ReplayRunsOptions = workflowType === undefined ? { workflowIds } : { workflowType: checkTypeName(workflowType, "workflowType"), ...(limit === undefined ? {} : { limit }) };
    const mod = await loadWorkerModule(moduleSpec, ctx.io.cwd, (text) => ctx.out.note(text));
    const report = await withClient(ctx, (client) => replayRuns(client.store, mod.workflows, options));
    if (ctx.out.json) ctx.out.data(report);
    else {
      for (const run of report.diverged) ctx.out.line(`diverged  ${run.workflowId} (run ${run.runId}, ${run.workflowType}): ${run.failure ? failureHeadline(run.failure) : "unknown"}`);
      ctx.out.line(`replayed ${report.replayed} run${report.replayed === 1 ? "" : "s"}: ${report.diverged.length === 0 ? "all match the code" : `${report.diverged.length} diverged`}`);
    }
    return report.diverged.length === 0 ? EXIT.ok : EXIT.failure;
  },
};
