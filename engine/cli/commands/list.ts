/** `ratchet list` and `ratchet count`: find runs by type, status, creation time and search attributes. */
import type { ListFilter } from "../../client/client.ts";
import { LIST_PAGE_SIZE_DEFAULT, LIST_PAGE_SIZE_MAX } from "../../limits.ts";
import type { SearchAttributeValue } from "../../names.ts";
import type { RunStatus } from "../../store/store.ts";
import { expectPositionals, usageError, type Flags } from "../args.ts";
import { JSON_FLAG_HELP, JSON_OPTION, type CommandSpec } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { isoTime } from "../format/values.ts";
import { withClient } from "../session.ts";

const FILTER_OPTIONS = {
  type: { type: "string" },
  status: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  attr: { type: "string", multiple: true },
} as const;

const FILTER_HELP: Array<[string, string]> = [
  ["--type TYPE", "only this workflow type"],
  ["--status STATUS", "running, completed, failed, cancelled, terminated or continuedAsNew"],
  ["--since TIME", "created at or after TIME (ISO 8601, or epoch milliseconds)"],
  ["--until TIME", "created before TIME"],
  ["--attr NAME=VALUE", "search attribute equals VALUE (true/false and numbers are typed; quote to keep text); repeat to require several"],
];

export const listCommand: CommandSpec = {
  name: "list",
  summary: "list runs newest first, by type, status, creation time and search attributes",
  usage: "list [--type TYPE] [--status STATUS] [--since TIME] [--until TIME] [--attr NAME=VALUE]... [--page-size N] [--page-token TOKEN] [--json]",
  options: { ...JSON_OPTION, ...FILTER_OPTIONS, "page-size": { type: "string" }, "page-token": { type: "string" } },
  flagHelp: [...FILTER_HELP, ["--page-size N", `runs per page (default ${LIST_PAGE_SIZE_DEFAULT}, at most ${LIST_PAGE_SIZE_MAX})`], ["--page-token TOKEN", "the nextPageToken of the previous page"], JSON_FLAG_HELP],
  jsonShape: '{"workflows": [{"workflowId", "runId", "workflowType", "taskQueue", "status", "createdAtMs", "closedAtMs", "searchAttributes", "parent"}], "nextPageToken"}   (null after the last page)',
  async run(ctx) {
    expectPositionals("list", ctx.flags, []);
    const filter: ListFilter = { ...filterFlags(ctx.flags) };
    const pageSize = ctx.flags.integer("page-size", 1, LIST_PAGE_SIZE_MAX);
    const pageToken = ctx.flags.string("page-token");
    if (pageSize !== undefined) filter.pageSize = pageSize;
    if (pageToken !== undefined) filter.pageToken = pageToken;
    const page = await withClient(ctx, (client) => client.list(filter));
    if (ctx.out.json) {
      ctx.out.data(page);
      return EXIT.ok;
    }
    for (const w of page.workflows) {
      const attrs = w.searchAttributes ? `  ${JSON.stringify(w.searchAttributes)}` : "";
      ctx.out.line(`${isoTime(w.createdAtMs)}  ${w.status.padEnd(14)} ${w.workflowType}  ${w.workflowId}  (run ${w.runId})${attrs}`);
    }
    ctx.out.line(page.nextPageToken === null ? `${page.workflows.length} run${page.workflows.length === 1 ? "" : "s"}` : `more: --page-token ${page.nextPageToken}`);
    return EXIT.ok;
  },
};

export const countCommand: CommandSpec = {
  name: "count",
  summary: "count runs by type, status, creation time and search attributes",
  usage: "count [--type TYPE] [--status STATUS] [--since TIME] [--until TIME] [--attr NAME=VALUE]... [--json]",
  options: { ...JSON_OPTION, ...FILTER_OPTIONS },
  flagHelp: [...FILTER_HELP, JSON_FLAG_HELP],
  jsonShape: '{"count"}',
  async run(ctx) {
    expectPositionals("count", ctx.flags, []);
    const count = await withClient(ctx, (client) => client.count(filterFlags(ctx.flags)));
    if (ctx.out.json) ctx.out.data({ count });
    else ctx.out.line(String(count));
    return EXIT.ok;
  },
};

function filterFlags(flags: Flags): ListFilter {
  const filter: ListFilter = {};
  const type = flags.string("type");
  const status = flags.string("status");
  const since = flags.string("since");
  const until = flags.string("until");
  if (type !== undefined) filter.workflowType = type;
  if (status !== undefined) filter.status = status as RunStatus;
  if (since !== undefined) filter.startedAfterMs = timeFlag("since", since);
  if (until !== undefined) filter.startedBeforeMs = timeFlag("until", until);
  const attrs = flags.strings("attr");
  if (attrs.length > 0) {
    const searchAttributes: Record<string, SearchAttributeValue> = {};
    for (const pair of attrs) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw usageError(`invalid --attr ${JSON.stringify(pair)}: expected NAME=VALUE`, { flag: "--attr", value: pair });
      searchAttributes[pair.slice(0, eq)] = attributeValue(pair.slice(eq + 1));
    }
    filter.searchAttributes = searchAttributes;
  }
  return filter;
}

/** true/false and numbers are typed; "quoted" text stays text. */
function attributeValue(text: string): SearchAttributeValue {
  if (text === "true" || text === "false") return text === "true";
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1);
  return text;
}

function timeFlag(name: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms) || ms < 0) throw usageError(`invalid --${name} ${JSON.stringify(text)}: expected an ISO 8601 time or epoch milliseconds`, { flag: `--${name}`, value: text });
  return ms;
}
