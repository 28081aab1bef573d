/**
 * A BenchReport as a report a person reads: README.md (markdown that
 * references its charts as files), index.html (the same content with the
 * charts inline), one SVG per chart and the results JSON it came from.
 *
 * renderReport is pure (the same report gives the same bytes, so a committed
 * reference report only changes when its results do); writeReport is the
 * only I/O.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BenchReport } from "../bench/model.ts";
import { assert } from "../engine/assert.ts";
import { heading, joinSections, type Chart, type Section } from "./document.ts";
import { renderHtml } from "./html.ts";
import { renderMarkdown } from "./markdown.ts";
import { churnSection } from "./sections/churn.ts";
import { environmentSection } from "./sections/environment.ts";
import { latencySection } from "./sections/latency.ts";
import { microSection } from "./sections/micro.ts";
import { resultsSection } from "./sections/results.ts";
import { defaultTitle, summarySection } from "./sections/summary.ts";
import { statementsSection } from "./sections/statements.ts";
import { sweepsSection } from "./sections/sweeps.ts";
import { targetsSection } from "./sections/targets.ts";

export interface RenderOptions {
  /** The report's heading and page title; `Ratchet benchmarks, <date>` by default. */
  title?: string;
}

export interface RenderedReport {
  markdown: string;
  html: string;
  /** Every chart the markdown references, by the file name it references. */
  charts: Chart[];
}

/** The files writeReport writes besides the charts. */
export const REPORT_FILES = { markdown: "README.md", html: "index.html", results: "results.json" } as const;

/** The charts that are not tied to one workload's table; nothing at all when no data supports any. */
function chartsSection(report: BenchReport): Section {
  const body = joinSections(sweepsSection(report.results), latencySection(report.results), churnSection(report.results));
  if (body.charts.length === 0) return body;
  return joinSections({ blocks: [heading(2, "Charts")], charts: [] }, body);
}

export function renderReport(report: BenchReport, options: RenderOptions = {}): RenderedReport {
  const title = options.title ?? defaultTitle(report);
  const body = joinSections(
    summarySection(report, title),
    targetsSection(report.targets),
    resultsSection(report.results),
    chartsSection(report),
    statementsSection(report.results),
    microSection(report.micro),
    environmentSection(report),
  );
  const files = body.charts.map((c) => c.file);
  assert(new Set(files).size === files.length, `chart file names must be unique: ${files.join(", ")}`);
  assert(!files.some((f) => Object.values(REPORT_FILES).includes(f as never)), "a chart would overwrite a report file");
  return { markdown: renderMarkdown(body.blocks), html: renderHtml(title, body.blocks, body.charts), charts: body.charts };
}

/**
 * Render `report` into `outDir` (created if missing) and return the paths
 * written. Files from an earlier render that this one does not produce are
 * left alone: remove the directory first for a clean reference report.
 */
export async function writeReport(report: BenchReport, outDir: string, options: RenderOptions = {}): Promise<string[]> {
  const rendered = renderReport(report, options);
  await mkdir(outDir, { recursive: true });
  const files: Array<[string, string]> = [
    [REPORT_FILES.markdown, rendered.markdown],
    [REPORT_FILES.html, rendered.html],
    ...rendered.charts.map((c): [string, string] => [c.file, `${c.svg}\n`]),
    [REPORT_FILES.results, `${JSON.stringify(report, null, 2)}\n`],
  ];
  const paths: string[] = [];
  for (const [name, content] of files) {
    const path = join(outDir, name);
    await writeFile(path, content, "utf8");
    paths.push(path);
  }
  return paths;
}
