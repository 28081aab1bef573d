/** Flags and positionals shared by the commands that address one workflow run. */
import { checkWorkflowId } from "../../names.ts";
import { checkFlag, expectPositionals, type Flags } from "../args.ts";

export const RUN_OPTION = { run: { type: "string" } } as const;
export const RUN_FLAG_HELP = ["--run RUNID", "a specific run (default: the workflow id's latest run)"] as const;

/** The command's positionals, the first being a validated workflow id. */
export function workflowArgs<const Names extends readonly ["workflowId", ...string[]]>(command: string, flags: Flags, names: Names): { [K in keyof Names]: string } {
  const args = expectPositionals(command, flags, names);
  checkFlag("<workflowId>", () => checkWorkflowId(args[0]));
  return args;
}

export function runIdFlag(flags: Flags): string | undefined {
  return flags.string("run");
}
