/**
 * Passwords the user gave us (in --db or DATABASE_URL) must never be echoed.
 * The engine masks the user-part password in the descriptions it puts in
 * messages, but not one passed as `?password=`, and a driver error could
 * quote the URL. So every error is redacted on its way out (output.ts).
 */

/** Passwords found in any URL-shaped argument or in DATABASE_URL, raw and percent-decoded. */
export function secretsIn(argv: readonly string[], env: Record<string, string | undefined>): string[] {
  const candidates = [...argv.map((a) => a.replace(/^--db=/, "")), env.DATABASE_URL ?? ""];
  const found = candidates.filter((c) => /^[a-z][a-z0-9+.-]*:\/\//i.test(c)).flatMap(passwordsIn);
  return [...new Set(found)];
}

function passwordsIn(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const raw = [parsed.password, ...[...parsed.searchParams.entries()].filter(([key]) => /pass/i.test(key)).map(([, value]) => value)];
  return raw.filter((s) => s.length > 0).flatMap((s) => [s, safeDecode(s), encodeURIComponent(s)]);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Replace every secret in `text` with ***. */
export function redact(text: string, secrets: readonly string[]): string {
  // Longest first, so a secret containing another is replaced whole.
  return [...secrets].sort((a, b) => b.length - a.length).reduce((t, s) => t.split(s).join("***"), text);
}
