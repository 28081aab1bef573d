/**
 * For tests that let a worker run in the background: wait until `check`
 * passes. Real time only bounds how long the test waits for work in flight;
 * no assertion depends on it.
 */
export async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
}
