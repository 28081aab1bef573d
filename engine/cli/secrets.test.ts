// Proves that passwords given in --db or DATABASE_URL are found in every
// spelling a message could quote them in (raw, percent-decoded, as a query
// parameter), and are redacted from error text.
import { describe, expect, it } from "vitest";
import { redact, secretsIn } from "./secrets.ts";

describe("secretsIn", () => {
  it("finds user-part and query-string passwords in --db, --db= and DATABASE_URL", () => {
    const secrets = secretsIn(["describe", "wf", "--db", "postgres://app:p%40ss@db/x"], { DATABASE_URL: "postgres://db/y?sslmode=require&password=envpw" });
    expect(secrets).toEqual(expect.arrayContaining(["p%40ss", "p@ss", "envpw"]));
    expect(secretsIn(["--db=postgresql://u:inline@h/x"], {})).toContain("inline");
  });

  it("finds nothing where there is no password, or no URL", () => {
    expect(secretsIn(["start", "greet", "--input", '{"password":"x"}', "--db", "pglite:./data"], { DATABASE_URL: "postgres://db/x" })).toEqual([]);
  });
});

describe("redact", () => {
  it("replaces every occurrence, longest secret first", () => {
    expect(redact("login p@ss failed for postgres://app:p%40ss@db (p@ssword)", ["p@ss", "p%40ss", "p@ssword"])).toBe("login *** failed for postgres://app:***@db (***)");
    expect(redact("nothing to hide", [])).toBe("nothing to hide");
  });
});
