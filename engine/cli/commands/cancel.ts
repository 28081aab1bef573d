/** `ratchet cancel`: request cancellation of a running workflow. */
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { withClient } from "../session.ts";
import { workflowArgs } from "./run-flags.ts";

export const cancelCommand: CommandSpec = {
  name: "cancel",
  summary: "request cancellation of a workflow's running run (its code decides how to end)",
  usage: "cancel <workflowId> [--reason TEXT] [--json]",
  options: { ...JSON_OPTION, reason: { type: "string" } },
  flagHelp: [["--reason TEXT", 'recorded in history (default "cancelled by client")'], JSON_FLAG_HELP],
  jsonShape: '{"workflowId", "runId", "alreadyRequested"}   (alreadyRequested: an earlier request is still pending; nothing new was recorded)',
  notes: "Cancellation is a request: the run is cancelled once a worker delivers it and the workflow code ends. Exit 1 when the workflow does not exist or is not running.",
  async run(ctx) {
    const [workflowId] = workflowArgs("cancel", ctx.flags, ["workflowId"]);
    const reason = ctx.flags.string("reason");
    const { runId, alreadyRequested } = await withClient(ctx, (client) => client.cancel(workflowId, reason));
    if (ctx.out.json) ctx.out.data({ workflowId, runId, alreadyRequested });
    else ctx.out.line(`${alreadyRequested ? "cancellation was already requested for" : "requested cancellation of"} workflow ${workflowId} (run ${runId})`);
    return EXIT.ok;
  },
};
