/** `ratchet history`: a run's event history. */
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { historyLine } from "../format/history.ts";
import { withClient } from "../session.ts";
import { RUN_FLAG_HELP, RUN_OPTION, runIdFlag, workflowArgs } from "./run-flags.ts";

export const historyCommand: CommandSpec = {
  name: "history",
  summary: "print a run's event history",
  usage: "history <workflowId> [--run RUNID] [--json]",
  options: { ...JSON_OPTION, ...RUN_OPTION },
  flagHelp: [RUN_FLAG_HELP, JSON_FLAG_HELP],
  jsonShape: '{"workflowId", "runId", "events": [{"eventId", "type", "atMs", "data"}]}   (eventId from 1, in order; data depends on type)',
  async run(ctx) {
    const [workflowId] = workflowArgs("history", ctx.flags, ["workflowId"]);
    const history = await withClient(ctx, (client) => client.history(workflowId, runIdFlag(ctx.flags)));
    if (ctx.out.json) {
      ctx.out.data({ workflowId: history.workflowId, runId: history.runId, events: history.events.map(({ eventId, type, atMs, data }) => ({ eventId, type, atMs, data })) });
      return EXIT.ok;
    }
    ctx.out.line(`workflow ${history.workflowId}, run ${history.runId}: ${history.events.length} event${history.events.length === 1 ? "" : "s"}`);
    for (const event of history.events) ctx.out.line(historyLine(event));
    return EXIT.ok;
  },
};
