/**
 * The tests' XML checker: it accepts what the chart renderer writes and
 * rejects the mistakes it exists to catch (unclosed or misnested tags,
 * unquoted attributes, bare `&` and `<`, two roots). A checker that passed
 * everything would make every SVG test prove nothing.
 */
import { describe, expect, it } from "vitest";
import { xmlProblems } from "./well-formed-xml.ts";

describe("xmlProblems", () => {
  it("accepts well-formed markup with entities and self-closing tags", () => {
    expect(xmlProblems(`<svg xmlns="http://www.w3.org/2000/svg"><g class="a"><rect x="1"/><text y='2'>p99 &lt; 5 &amp; more &#215;</text></g></svg>`)).toEqual([]);
  });

  it.each([
    ["an unclosed tag", `<svg><g></svg>`],
    ["misnested tags", `<svg><g><text></g></text></svg>`],
    ["an unquoted attribute", `<svg><rect x=1/></svg>`],
    ["a bare ampersand in text", `<svg><text>a & b</text></svg>`],
    ["a bare ampersand in an attribute", `<svg><title x="a & b"/></svg>`],
    ["a bare less-than in text", `<svg><text>a < b</text></svg>`],
    ["two root elements", `<svg/><svg/>`],
    ["a duplicated attribute", `<svg><rect x="1" x="2"/></svg>`],
    ["text outside the root", `<svg/>trailing`],
  ])("rejects %s", (_what, xml) => {
    expect(xmlProblems(xml)).not.toEqual([]);
  });
});
