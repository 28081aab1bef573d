/** Lower-case words joined by dashes: chart file names and heading anchors, safe in a URL and on any filesystem. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return s === "" ? "chart" : s;
}
