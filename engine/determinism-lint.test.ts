/**
 * The determinism lint rule is real: engine/ code that reads the clock,
 * arms a timer, or draws entropy outside the port adapters fails `npm run
 * lint`, while the same code in a port adapter or outside engine/ passes.
 */
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const offending = `
export function bad() {
  const a = Date.now();
  const b = Math.random();
  const c = new Date();
  setTimeout(() => {}, 1);
  setImmediate(() => {});
  return [a, b, c, crypto.randomUUID(), performance.now()];
}
`;

async function lint(code: string, filePath: string): Promise<string[]> {
  const eslint = new ESLint();
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.message);
}

describe("determinism lint rule", () => {
  it("flags every source of nondeterminism in engine/ code", async () => {
    const messages = await lint(offending, "engine/worker/example.ts");
    for (const what of ["Date.now", "Math.random", "new Date()", "setTimeout", "setImmediate", "crypto.randomUUID", "performance.now"]) {
      expect(messages.some((m) => m.includes(`${what} is nondeterministic`) && m.includes("Clock or Random port")), `${what} flagged`).toBe(true);
    }
  });

  it("flags timer and entropy imports", async () => {
    const messages = await lint(`import { setTimeout as wait } from "node:timers/promises";\nimport { randomUUID } from "node:crypto";\nexport const x = [wait, randomUUID];\n`, "engine/store/example.ts");
    expect(messages.filter((m) => m.includes("nondeterministic"))).toHaveLength(2);
  });

  it("allows them in the production port adapters and outside engine/", async () => {
    expect((await lint(offending, "engine/ports/system-clock.ts")).filter((m) => m.includes("nondeterministic"))).toEqual([]);
    expect((await lint(offending, "bench/example.ts")).filter((m) => m.includes("nondeterministic"))).toEqual([]);
  });

  it("allows time values that are not the current time", async () => {
    expect(await lint(`export const t = [new Date(0).toISOString(), Date.UTC(2026, 0, 1)];\n`, "engine/cli/example.ts")).toEqual([]);
  });
});
