/** `ratchet signal`: deliver a signal to a running workflow. */
import { checkSignalName } from "../../names.ts";
import { checkFlag } from "../args.ts";
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { jsonPayloadFlag } from "../payload-flags.ts";
import { withClient } from "../session.ts";
import { workflowArgs } from "./run-flags.ts";

export const signalCommand: CommandSpec = {
  name: "signal",
  summary: "send a signal (with an optional JSON payload) to a workflow's running run",
  usage: "signal <workflowId> <name> [--payload JSON] [--json]",
  options: { ...JSON_OPTION, payload: { type: "string" } },
  flagHelp: [["--payload JSON", "the signal's payload, as JSON text (default null)"], JSON_FLAG_HELP],
  jsonShape: '{"workflowId", "runId", "signal"}   (runId: the running run that received it)',
  notes: "Exit 1 when the workflow does not exist or is not running.",
  async run(ctx) {
    const [workflowId, name] = workflowArgs("signal", ctx.flags, ["workflowId", "name"]);
    checkFlag("<name>", () => checkSignalName(name));
    const payload = jsonPayloadFlag(ctx.flags, "payload", `payload of signal ${name}`);
    const { runId } = await withClient(ctx, (client) => client.signal(workflowId, name, payload));
    if (ctx.out.json) ctx.out.data({ workflowId, runId, signal: name });
    else ctx.out.line(`signalled ${name} to workflow ${workflowId} (run ${runId})`);
    return EXIT.ok;
  },
};
