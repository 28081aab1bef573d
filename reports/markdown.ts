/**
 * Blocks as GitHub-flavoured markdown. Text from the results file (notes,
 * details, setting values) is escaped so a `|` cannot split a table cell and
 * a `*` cannot start emphasis; code spans and fences are sized to hold any
 * backticks inside them.
 */
import { spans, type Block, type Column, type Span, type Text } from "./document.ts";

/**
 * Characters markdown would read as syntax inline. `>` is left alone: it only
 * quotes at the start of a line, and no block starts with results text, so
 * `steps/s >= 10 x` stays readable in the raw file. `_` is handled apart.
 */
const INLINE_SYNTAX = /[\\`*[\]<|~]/g;
/** An underscore at a word edge can open or close emphasis; inside a word (`shared_buffers`) GFM leaves it alone. */
const EDGE_UNDERSCORE = /(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;

function escapeText(text: string): string {
  return text.replace(INLINE_SYNTAX, (c) => `\\${c}`).replace(EDGE_UNDERSCORE, "\\_");
}

/** The longest run of backticks in `text`. */
function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

function codeSpan(code: string, inTable: boolean): string {
  const fence = "`".repeat(longestBacktickRun(code) + 1);
  const padded = code.startsWith("`") || code.endsWith("`") ? ` ${code} ` : code;
  // In a table a pipe ends the cell even inside a code span, unless escaped.
  return `${fence}${inTable ? padded.replace(/\|/g, "\\|") : padded}${fence}`;
}

function span(s: Span, inTable: boolean): string {
  if (typeof s === "string") return escapeText(s);
  if ("strong" in s) return `**${escapeText(s.strong)}**`;
  return codeSpan(s.code, inTable);
}

function inline(text: Text, inTable = false): string {
  const out = spans(text)
    .map((s) => span(s, inTable))
    .join("");
  // A table row is one line; elsewhere a newline inside a paragraph would read as a soft break anyway.
  return inTable ? out.replace(/\r?\n/g, " ") : out;
}

function tableMarkdown(columns: readonly Column[], rows: ReadonlyArray<readonly Text[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const header = line(columns.map((c) => escapeText(c.header)));
  const rule = line(columns.map((c) => (c.align === "right" ? "---:" : "---")));
  const body = rows.map((row) => line(columns.map((_, i) => inline(row[i] ?? "", true))));
  return [header, rule, ...body].join("\n");
}

function blockMarkdown(block: Block): string {
  switch (block.kind) {
    case "heading":
      return `${"#".repeat(block.level)} ${escapeText(block.text)}`;
    case "paragraph":
      return inline(block.text);
    case "list":
      return block.items.map((item) => `- ${inline(item)}`).join("\n");
    case "code": {
      const fence = "`".repeat(Math.max(3, longestBacktickRun(block.text) + 1));
      return `${fence}${block.language}\n${block.text}\n${fence}`;
    }
    case "table":
      return tableMarkdown(block.columns, block.rows);
    case "chart":
      return `![${escapeText(block.alt)}](${block.file})`;
  }
}

export function renderMarkdown(blocks: readonly Block[]): string {
  return `${blocks.map(blockMarkdown).join("\n\n")}\n`;
}
