/** `ratchet terminate`: end a running workflow at once, recorded, with no cleanup. */
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { withClient } from "../session.ts";
import { workflowArgs } from "./run-flags.ts";

export const terminateCommand: CommandSpec = {
  name: "terminate",
  summary: "terminate a workflow's running run at once (recorded; its code runs no more, no cleanup)",
  usage: "terminate <workflowId> [--reason TEXT] [--json]",
  options: { ...JSON_OPTION, reason: { type: "string" } },
  flagHelp: [["--reason TEXT", 'recorded in history as WorkflowTerminated (default "terminated by client")'], JSON_FLAG_HELP],
  jsonShape: '{"workflowId", "runId"}   (the run that was terminated)',
  notes: "Unlike cancel, termination does not ask the workflow code: the run closes in the same transaction. Exit 1 when the workflow does not exist or is not running.",
  async run(ctx) {
    const [workflowId] = workflowArgs("terminate", ctx.flags, ["workflowId"]);
    const reason = ctx.flags.string("reason");
    const { runId } = await withClient(ctx, (client) => client.terminate(workflowId, reason));
    if (ctx.out.json) ctx.out.data({ workflowId, runId });
    else ctx.out.line(`terminated workflow ${workflowId} (run ${runId})`);
    return EXIT.ok;
  },
};
