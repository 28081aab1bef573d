// Lint: typescript-eslint's recommended rules everywhere, plus the rule that
// keeps the engine deterministic (DESIGN.md, "Ports"): inside engine/, time,
// timers, randomness and random ids come only through the Clock and Random
// ports. The production adapters of those ports are the only exceptions.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Files allowed to touch the real clock, timers or entropy: the production port adapters. */
export const PORT_ADAPTERS = [
  "engine/ports/system-clock.ts",
  "engine/ports/crypto-random.ts",
  // setImmediate only, to let workflow code run until it blocks (see the file's comment).
  "engine/workflow/settle.ts",
];

const banned = "is nondeterministic: engine/ code must use the Clock or Random port (see DESIGN.md, Ports)";

export const determinismRules = {
  "no-restricted-properties": [
    "error",
    { object: "Date", property: "now", message: `Date.now ${banned}` },
    { object: "Math", property: "random", message: `Math.random ${banned}` },
    { object: "crypto", property: "randomUUID", message: `crypto.randomUUID ${banned}` },
    { object: "crypto", property: "getRandomValues", message: `crypto.getRandomValues ${banned}` },
    { object: "performance", property: "now", message: `performance.now ${banned}` },
    { object: "process", property: "hrtime", message: `process.hrtime ${banned}` },
  ],
  "no-restricted-globals": [
    "error",
    { name: "setTimeout", message: `setTimeout ${banned}` },
    { name: "setInterval", message: `setInterval ${banned}` },
    { name: "setImmediate", message: `setImmediate ${banned}` },
    { name: "queueMicrotask", message: `queueMicrotask ${banned}` },
  ],
  "no-restricted-syntax": [
    "error",
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: `new Date() ${banned}` },
    { selector: "CallExpression[callee.name='Date']", message: `Date() ${banned}` },
  ],
  "no-restricted-imports": [
    "error",
    {
      paths: [
        { name: "node:timers", message: `timers ${banned}` },
        { name: "node:timers/promises", message: `timers ${banned}` },
        { name: "timers", message: `timers ${banned}` },
        { name: "timers/promises", message: `timers ${banned}` },
        { name: "node:crypto", importNames: ["randomUUID", "randomBytes", "randomInt", "getRandomValues"], message: `crypto randomness ${banned}` },
        { name: "crypto", importNames: ["randomUUID", "randomBytes", "randomInt", "getRandomValues"], message: `crypto randomness ${banned}` },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ["node_modules/**", "reports/out/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["engine/**/*.ts"],
    // Tests, shared test suites and their wait helper may wait on real time (never to assert on it).
    ignores: [...PORT_ADAPTERS, "engine/**/*.test.ts", "engine/**/*.conformance.ts", "engine/**/*.behaviour.ts", "engine/testing/eventually.ts"],
    rules: determinismRules,
  },
);
