/**
 * Blocks as one self-contained HTML page: the same content as the markdown,
 * the charts inline (no files to lose when the page is mailed or attached to
 * an issue) and a little CSS for tables that would otherwise run together.
 */
import { assert } from "../engine/assert.ts";
import { spans, type Block, type Chart, type Text } from "./document.ts";
import { slug } from "./slug.ts";
import { escapeXml as escapeHtml } from "./svg/xml.ts";

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; background: #fff; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; line-height: 1.45; }
h1, h2, h3 { line-height: 1.2; }
h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
pre { background: #f4f4f4; padding: 12px; overflow-x: auto; border-radius: 4px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
.table-wrap { overflow-x: auto; margin: 12px 0; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 4px 8px; vertical-align: top; }
th { background: #f4f4f4; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 16px 0; }
figure svg { max-width: 100%; height: auto; }
strong { color: #b00020; }
`.trim();

function inline(text: Text): string {
  return spans(text)
    .map((s) => {
      if (typeof s === "string") return escapeHtml(s);
      if ("strong" in s) return `<strong>${escapeHtml(s.strong)}</strong>`;
      return `<code>${escapeHtml(s.code)}</code>`;
    })
    .join("");
}

function blockHtml(block: Block, svgByFile: ReadonlyMap<string, string>): string {
  switch (block.kind) {
    case "heading":
      return `<h${block.level} id="${slug(block.text)}">${escapeHtml(block.text)}</h${block.level}>`;
    case "paragraph":
      return `<p>${inline(block.text)}</p>`;
    case "list":
      return `<ul>\n${block.items.map((item) => `<li>${inline(item)}</li>`).join("\n")}\n</ul>`;
    case "code":
      return `<pre><code>${escapeHtml(block.text)}</code></pre>`;
    case "table": {
      const cls = (i: number) => (block.columns[i]?.align === "right" ? ' class="num"' : "");
      const head = block.columns.map((c, i) => `<th${cls(i)}>${escapeHtml(c.header)}</th>`).join("");
      const body = block.rows.map((row) => `<tr>${block.columns.map((_, i) => `<td${cls(i)}>${inline(row[i] ?? "")}</td>`).join("")}</tr>`);
      return `<div class="table-wrap"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body.join("\n")}\n</tbody>\n</table></div>`;
    }
    case "chart": {
      const svg = svgByFile.get(block.file);
      assert(svg !== undefined, `chart block ${block.file} has no chart`);
      return `<figure>${svg}</figure>`;
    }
  }
}

export function renderHtml(title: string, blocks: readonly Block[], charts: readonly Chart[]): string {
  const svgByFile = new Map(charts.map((c) => [c.file, c.svg]));
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    "</head>",
    "<body>",
    "<main>",
    ...blocks.map((b) => blockHtml(b, svgByFile)),
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
