/**
 * A small well-formedness check for the SVG the renderer writes, so tests
 * need no XML parser dependency: every tag is closed in order, attributes are
 * quoted, `&` only starts an entity and `<` only starts markup, and there is
 * exactly one root element. Returns the problems found (none means well
 * formed). It checks the XML the renderer produces (no CDATA, comments,
 * doctype or processing instructions, which it never writes), not all XML.
 */

const TAG = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
const ENTITY = /&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);/y;
const BARE_AMPERSAND = /&(?!(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);)/;

export function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  let roots = 0;
  let i = 0;
  const text = xml.trim();
  while (i < text.length) {
    const c = text[i]!;
    if (c === "<") {
      TAG.lastIndex = i;
      const m = TAG.exec(text);
      if (!m) {
        problems.push(`malformed tag at ${i}: ${text.slice(i, i + 40)}`);
        break;
      }
      const [whole, closing, name, attrs, selfClosing] = m;
      const names = [...attrs!.matchAll(/([\w:.-]+)\s*=/g)].map((a) => a[1]);
      if (new Set(names).size !== names.length) problems.push(`duplicate attribute in <${name}>`);
      if (BARE_AMPERSAND.test(attrs!)) problems.push(`bare & in an attribute of <${name}>`);
      if (open.length === 0 && !closing) roots += 1;
      if (closing) {
        const expected = open.pop();
        if (expected !== name) problems.push(`</${name}> closes <${expected ?? "nothing"}>`);
      } else if (!selfClosing) {
        open.push(name!);
      }
      i += whole.length;
    } else if (c === "&") {
      ENTITY.lastIndex = i;
      const m = ENTITY.exec(text);
      if (!m) problems.push(`bare & at ${i}: ${text.slice(i, i + 20)}`);
      i += m ? m[0].length : 1;
    } else {
      if (open.length === 0) problems.push(`text outside the root element at ${i}`);
      i += 1;
    }
  }
  if (open.length > 0) problems.push(`unclosed: ${open.join(" > ")}`);
  if (roots !== 1) problems.push(`expected one root element, found ${roots}`);
  return problems;
}
