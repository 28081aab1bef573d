#!/usr/bin/env node
// The `ratchet` command. Plain ESM so it runs as-is: it registers tsx (the
// engine is TypeScript with no build step), then hands over to
// engine/cli/main.ts (or simulator/cli.ts for `ratchet sim`). Paths resolve
// from this file, so any cwd works.
import { performance } from "node:perf_hooks";
import process from "node:process";
import { URL } from "node:url";
import { register } from "tsx/esm/api";

// A reader that stops early (`ratchet history ID | head`) closes the pipe:
// that is its choice, not a failure worth a stack trace.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

register();
const argv = process.argv.slice(2);
let code;
if (argv[0] === "sim") {
  // The simulator, the benchmarks and the reports drive the engine; the engine never imports
  // them, so they are dispatched here.
  const { simMain } = await import(new URL("../simulator/cli.ts", import.meta.url).href);
  code = await simMain(argv.slice(1), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), wallClock: () => performance.now() });
} else if (argv[0] === "bench") {
  const { benchMain } = await import(new URL("../bench/cli.ts", import.meta.url).href);
  code = await benchMain(argv.slice(1), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
} else if (argv[0] === "report") {
  const { reportMain } = await import(new URL("../reports/cli.ts", import.meta.url).href);
  code = await reportMain(argv.slice(1), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
} else {
  const { main } = await import(new URL("../engine/cli/main.ts", import.meta.url).href);
  code = await main(argv);
}
// Exit explicitly: a worker forced down by a second signal may still hold
// open handles (sockets, timers) that would otherwise keep Node alive.
// Wait for stdout to drain first so piped output is never cut short.
process.stdout.write("", () => process.exit(code));
