/**
 * The report as a list of blocks, before it is markdown or HTML. The
 * sections build blocks once and both renderers walk the same list, so the
 * README and the HTML page cannot drift apart.
 */

/** Inline text: plain, strong (a verdict the reader must not miss) or code (a command, a setting name). */
export type Span = string | { strong: string } | { code: string };
export type Text = Span | readonly Span[];

export type Align = "left" | "right";

export interface Column {
  header: string;
  align: Align;
}

export type Block =
  | { kind: "heading"; level: 1 | 2 | 3; text: string }
  | { kind: "paragraph"; text: Text }
  | { kind: "list"; items: readonly Text[] }
  | { kind: "code"; language: string; text: string }
  | { kind: "table"; columns: readonly Column[]; rows: ReadonlyArray<readonly Text[]> }
  /** A chart, by the file name it is written to (its SVG is in the report's charts). */
  | { kind: "chart"; file: string; alt: string };

/** A rendered chart: where it is written beside the README, and its markup. */
export interface Chart {
  file: string;
  title: string;
  svg: string;
}

/** What a section of the report contributes: its blocks and the charts they reference. */
export interface Section {
  blocks: Block[];
  charts: Chart[];
}

export function spans(text: Text): readonly Span[] {
  return typeof text === "string" || !Array.isArray(text) ? [text as Span] : (text as readonly Span[]);
}

export function heading(level: 1 | 2 | 3, text: string): Block {
  return { kind: "heading", level, text };
}

export function paragraph(text: Text): Block {
  return { kind: "paragraph", text };
}

export function left(header: string): Column {
  return { header, align: "left" };
}

export function right(header: string): Column {
  return { header, align: "right" };
}

export function table(columns: readonly Column[], rows: ReadonlyArray<readonly Text[]>): Block {
  return { kind: "table", columns, rows };
}

/** A chart block and its chart, or nothing when there was no data to draw. */
export function chartSection(file: string, title: string, svg: string | null): Section {
  if (svg === null) return { blocks: [], charts: [] };
  return { blocks: [{ kind: "chart", file, alt: title }], charts: [{ file, title, svg }] };
}

/** Sections one after another. */
export function joinSections(...sections: Section[]): Section {
  return { blocks: sections.flatMap((s) => s.blocks), charts: sections.flatMap((s) => s.charts) };
}
