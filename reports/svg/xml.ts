/**
 * Building SVG markup as strings. Markup and text are kept apart on purpose:
 * `element` takes children that are already markup, and the only way text
 * gets in is through `escapeXml` (or `textElement`), so a label such as
 * `p99 < 5 ms` or a note with `&` cannot break the document.
 */

export type AttributeValue = string | number | undefined;

/** Escape text for use in XML content and attribute values (also fine for HTML). */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Coordinates to one decimal: sub-pixel precision beyond that only makes the file longer. */
export function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function attributes(attrs: Record<string, AttributeValue>): string {
  let out = "";
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    out += ` ${name}="${escapeXml(typeof value === "number" ? px(value) : value)}"`;
  }
  return out;
}

/** `<name attrs>children</name>`, or `<name attrs/>` without children. Children are markup. */
export function element(name: string, attrs: Record<string, AttributeValue>, ...children: string[]): string {
  const inner = children.join("");
  return inner === "" ? `<${name}${attributes(attrs)}/>` : `<${name}${attributes(attrs)}>${inner}</${name}>`;
}

/** A `<text>` element whose content is plain text. */
export function textElement(attrs: Record<string, AttributeValue>, text: string): string {
  return `<text${attributes(attrs)}>${escapeXml(text)}</text>`;
}

/** A `<title>` child: browsers show it as a tooltip, screen readers read it. */
export function tooltip(text: string): string {
  return `<title>${escapeXml(text)}</title>`;
}
